"""How people write "no value" and how two spellings of one category compare: shared by type
inference, the data-quality checks and the skew checks, so that they agree."""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["MISSING_TOKENS", "NUMERIC_MISSING_TOKENS", "normal_form"]

MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "?", "-", "--", "na", "n/a", "#n/a", "nan", "null", "nil", "missing", "undefined"}
)
"""Text that stands for "no value" in exports (UCI data writes "?", spreadsheets "#N/A"), compared
after trimming and lower-casing. "none" is not among them: in a categorical column it is often a
real level (a promotion code "NONE")."""

NUMERIC_MISSING_TOKENS: frozenset[str] = MISSING_TOKENS | {"none"}
"""Among numbers written as text, "none" too means no value."""


@functools.lru_cache(maxsize=1 << 16)
def normal_form(value: str) -> str:
    """A category as a person reads it: Unicode NFKC, case-folded, whitespace trimmed and collapsed.

    >>> normal_form(" Caf\\u0065\\u0301  Bar ") == normal_form("caf\\u00e9 bar")
    True
    """
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
