"""Semantic type inference: what a column *means*, from several signals, with a confidence.

Each column gets scores for the candidate kinds from independent signals -- its name, its dtype,
its cardinality and uniqueness, monotonicity, plausible value ranges (epoch seconds to
nanoseconds within 1990-2050, and the time span they imply), digit length, and string formats
(ISO dates, UUIDs, e-mail addresses, numeric strings). The winning kind's confidence is its share
of the two best scores, so a column whose evidence points two ways reports a low confidence
(below :data:`AMBIGUOUS`) and says so among its signals instead of guessing silently.

The classic trap this avoids: a 64-bit user id whose values fall in the epoch-milliseconds range
is an identifier (its name says so, and a range alone never makes a time certain), while an event
time stored as epoch seconds is a datetime (plausible range, plausible span, increasing).

>>> import polars as pl
>>> df = pl.DataFrame({"user_id": [1_650_000_000_123, 1_700_000_000_456, 1_600_000_000_789],
...                    "event_ts": [1_700_000_000, 1_700_000_060, 1_700_000_120]})
>>> s = infer_schema(df)
>>> [str(s["user_id"].kind), str(s["user_id"].role), str(s["event_ts"].kind), str(s["event_ts"].role)]
['identifier', 'id', 'datetime', 'timestamp']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from seismo.data.schema import Column, Kind, Role, Schema
from seismo.data.text import NUMERIC_MISSING_TOKENS

__all__ = ["AMBIGUOUS", "EPOCH_UNITS", "infer_column", "infer_schema"]

AMBIGUOUS = 0.6
"""Below this confidence a column's inferred kind is reported as ambiguous."""

# Epoch bounds: 1990-01-01 .. 2050-01-01 in seconds; other units scale these.
_EPOCH_LO_S = 631_152_000
_EPOCH_HI_S = 2_524_608_000
EPOCH_UNITS: dict[str, int] = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_MAX_PLAUSIBLE_SPAN_S = 25 * 365.25 * 86400  # an event log rarely covers more than 25 years

_ID_NAME = re.compile(
    r"(^|[_\W])(id|ids|uid|uuid|guid|key|hash|sku|ssn|ref|code_id|no)$|^id[_\W]|[a-z0-9]Id$|(^|_)(uuid|guid)(_|$)",
)
_TIME_NAME = re.compile(
    r"(^|[_\W])(ts|timestamp|time|datetime|date|dt|epoch|day|created|updated|modified)$"
    r"|_(at|on|time|date|ts)$|^(ts|timestamp|date|time|datetime)[_\W]|[a-z0-9](At|Time|Date|Ts)$",
)
_TARGET_NAME = re.compile(r"^(target|label|labels|y|y_true|class|outcome|ground_truth|is_fraud|default)$", re.I)
_PRED_NAME = re.compile(r"^(prediction|predictions|pred|preds|y_pred|y_hat|yhat|predicted|predicted_label)$", re.I)
_PROBA_NAME = re.compile(r"^(proba|prob|probability|p|score)_.+$|.+_(proba|prob|probability)$", re.I)
_NOT_EVENT_TIME = re.compile(r"birth|dob|due|expir|matur|valid_(to|until)|deadline|end_date|until", re.I)
_BOOL_NAME = re.compile(r"^(is|has|was|flag|did|can)_|_flag$", re.I)
_UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
_NUMERIC_STR = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_SAMPLE = 20_000
_EVIDENCE_FLOOR = 0.1


@dataclass
class _Votes:
    scores: dict[Kind, float] = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)

    def add(self, kind: Kind, weight: float, why: str) -> None:
        self.scores[kind] = self.scores.get(kind, 0.0) + weight
        self.signals.append(f"{why} -> {kind.value} {weight:+.2f}")

    def decide(self) -> tuple[Kind, float]:
        ranked = sorted(self.scores.items(), key=lambda kv: (-kv[1], list(Kind).index(kv[0])))
        top_kind, top = ranked[0]
        second = max(ranked[1][1], 0.0) if len(ranked) > 1 else 0.0
        top = max(top, 1e-9)
        # the floor keeps a lone weak vote from claiming certainty: no evidence is not confidence
        return top_kind, top / (top + max(second, _EVIDENCE_FLOOR))


def _name_signals(name: str, votes: _Votes) -> None:
    if _ID_NAME.search(name) or _ID_NAME.search(name.lower()):
        votes.add(Kind.IDENTIFIER, 0.6, f"name {name!r} reads as an identifier")
    if _TIME_NAME.search(name) or _TIME_NAME.search(name.lower()):
        votes.add(Kind.DATETIME, 0.6, f"name {name!r} reads as a time")
    if _BOOL_NAME.search(name):
        votes.add(Kind.BOOLEAN, 0.2, f"name {name!r} reads as a flag")


def _epoch_unit(lo: float, hi: float) -> str | None:
    for unit, scale in EPOCH_UNITS.items():
        if _EPOCH_LO_S * scale <= lo and hi < _EPOCH_HI_S * scale:
            return unit
    return None


def _integer_signals(s: pl.Series, n: int, distinct: int, votes: _Votes, *,
                     bounds: tuple[float, float] | None = None, ordered: bool = True) -> None:
    lo, hi = bounds or (s.min(), s.max())
    assert isinstance(lo, (int, float)) and isinstance(hi, (int, float))
    if bounds is not None and float(lo).is_integer() and float(hi).is_integer():
        lo, hi = int(lo), int(hi)
    ratio = distinct / n
    increasing = ordered and s.is_sorted()
    if distinct == 2 and {lo, hi} == {0, 1}:
        votes.add(Kind.BOOLEAN, 0.7, "only the values 0 and 1")
        return
    digits = len(str(int(max(abs(lo), abs(hi)))))
    if ratio == 1.0 and n >= 20:
        votes.add(Kind.IDENTIFIER, 0.25, "every value unique")
        if hi - lo + 1 == n:
            votes.add(Kind.IDENTIFIER, 0.35, "consecutive integers (a row number or sequence)")
    unit = _epoch_unit(float(lo), float(hi))
    if unit is not None:
        span_s = (float(hi) - float(lo)) / EPOCH_UNITS[unit]
        votes.add(Kind.DATETIME, 0.3, f"values in the epoch-{unit} range of 1990-2050")
        if span_s > _MAX_PLAUSIBLE_SPAN_S:
            votes.add(Kind.IDENTIFIER, 0.3, f"as times they would span {span_s / 31_557_600:.0f} years")
        elif increasing and distinct > 2:
            votes.add(Kind.DATETIME, 0.25, f"increasing, spanning {_span_text(span_s)}")
        if ratio < 1.0 and ratio > 0:
            repeats = n / distinct
            if repeats >= 5:
                votes.add(Kind.IDENTIFIER, 0.15, f"each value repeats {repeats:.0f} times on average (an entity key)")
    elif _is_yyyymmdd(s, lo, hi):
        votes.add(Kind.DATETIME, 0.5, "integers of the form YYYYMMDD")
    else:
        votes.add(Kind.DATETIME, -0.7, "values outside every epoch range (1990-2050): not times")
        if digits >= 10 and ratio > 0.5:
            votes.add(Kind.IDENTIFIER, 0.4, f"{digits}-digit integers, mostly distinct")
    votes.add(Kind.NUMERIC, 0.25, "integer dtype")
    if distinct <= 20 and ratio < 0.05:
        votes.add(Kind.NUMERIC, 0.05, f"{distinct} distinct values (ordinal or code)")


def _is_yyyymmdd(s: pl.Series, lo: float, hi: float) -> bool:
    if not (19_000_101 <= lo and hi <= 21_001_231):
        return False
    month, day = (s // 100) % 100, s % 100
    return bool(((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)).all())


def _span_text(span_s: float) -> str:
    if span_s < 86400 * 2:
        return f"{span_s / 3600:.1f} hours"
    if span_s < 86400 * 730:
        return f"{span_s / 86400:.0f} days"
    return f"{span_s / 31_557_600:.1f} years"


def _string_signals(s: pl.Series, n: int, distinct: int, votes: _Votes) -> None:
    sample = s.drop_nulls()
    if sample.len() > _SAMPLE:
        sample = sample.sample(_SAMPLE, seed=0)
    m = max(sample.len(), 1)

    def share(pattern: str) -> float:
        return float(sample.str.contains(pattern).sum()) / m

    na_like = sample.str.strip_chars().str.to_lowercase().is_in(sorted(NUMERIC_MISSING_TOKENS))
    n_na = int(na_like.sum())
    numeric_share = float(sample.filter(~na_like).str.contains(_NUMERIC_STR).sum()) / max(m - n_na, 1)
    tokens = f" (and {n_na / m:.0%} missing-value tokens such as 'n/a')" if n_na else ""
    if numeric_share >= 0.98 and n_na < m:
        votes.add(Kind.NUMERIC, 0.8, f"{numeric_share:.0%} of values are numbers written as text{tokens}")
    elif numeric_share >= 0.5:
        votes.add(Kind.NUMERIC, 0.4, f"{numeric_share:.0%} of values are numbers written as text (mixed)")
    for pattern, kind, label, weight in (
        (_UUID, Kind.IDENTIFIER, "UUIDs", 0.9),
        (_EMAIL, Kind.IDENTIFIER, "e-mail addresses", 0.7),
        (_ISO_DATE, Kind.DATETIME, "ISO-8601 dates", 0.8),
    ):
        sh = share(pattern)
        if sh >= 0.9:
            votes.add(kind, weight, f"{sh:.0%} of values are {label}")
    ratio = distinct / n
    mean_len = _mean(sample.str.len_chars())
    words = _mean(sample.str.count_matches(r"\s+")) + 1.0
    if distinct <= 2:
        low = {str(v).strip().lower() for v in sample.unique().to_list()}
        if low <= {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1"}:
            votes.add(Kind.BOOLEAN, 0.8, f"two values {sorted(low)}")
    if words >= 4 and ratio > 0.5:
        votes.add(Kind.TEXT, 0.7, f"free text: {words:.0f} words on average, mostly distinct")
    elif ratio >= 0.95 and n >= 20 and mean_len <= 64:
        votes.add(Kind.IDENTIFIER, 0.45, f"{ratio:.0%} of values distinct, short tokens")
    if ratio <= 0.5 or distinct <= 50:
        votes.add(Kind.CATEGORICAL, 0.6, f"{distinct} distinct values ({ratio:.1%} of rows)")
    else:
        votes.add(Kind.CATEGORICAL, 0.2, f"string dtype, {distinct} distinct values")


def _mean(s: pl.Series) -> float:
    m = s.mean()
    return float(m) if isinstance(m, (int, float)) else 0.0


def _float_signals(s: pl.Series, votes: _Votes, *, bounds: tuple[float, float] | None = None,
                   ordered: bool = True) -> None:
    votes.add(Kind.NUMERIC, 0.7, "floating-point dtype")
    finite = s.filter(s.is_finite())
    if finite.len() == 0:
        return
    lo, hi = bounds or (finite.min(), finite.max())
    assert isinstance(lo, (int, float)) and isinstance(hi, (int, float))
    unit = _epoch_unit(float(lo), float(hi))
    if unit is not None:
        span_s = (float(hi) - float(lo)) / EPOCH_UNITS[unit]
        if span_s <= _MAX_PLAUSIBLE_SPAN_S and ordered and finite.is_sorted():
            votes.add(Kind.DATETIME, 0.4, f"increasing values in the epoch-{unit} range of 1990-2050")
        else:
            votes.add(Kind.DATETIME, 0.15, f"values in the epoch-{unit} range of 1990-2050")
    else:
        votes.add(Kind.DATETIME, -0.7, "values outside every epoch range (1990-2050): not times")
    if {float(lo), float(hi)} <= {0.0, 1.0} and finite.is_in([0.0, 1.0]).all():
        votes.add(Kind.BOOLEAN, 0.5, "only the values 0.0 and 1.0")


def infer_column(name: str, series: pl.Series, *, whole: tuple[int, int] | None = None,
                 bounds: tuple[float, float] | None = None) -> Column:
    """Infer one column's kind and role, keeping every signal as evidence.

    ``series`` is the column, or a uniform sample of it: then ``whole`` gives the whole column's
    non-null values and distinct values, and ``bounds`` its numbers' minimum and maximum (from its
    profile), so that uniqueness, spans and digit lengths are the column's and formats are read
    off the sample. A sample's row order is not the table's, so it never counts as increasing.

    >>> import polars as pl
    >>> c = infer_column("city", pl.Series(["Oslo", "Lima", "Oslo", "Pune"] * 10))
    >>> str(c.kind), str(c.role), c.confidence >= 0.6
    ('categorical', 'feature', True)
    """
    votes = _Votes()
    dtype = series.dtype
    non_null = series.drop_nulls()
    n = non_null.len()
    _name_signals(name, votes)
    if dtype == pl.Boolean:
        votes.add(Kind.BOOLEAN, 2.0, "boolean dtype")
    elif dtype == pl.Time:
        votes.add(Kind.NUMERIC, 2.0, "time-of-day dtype: a feature, not an event time")
    elif dtype.is_temporal() and dtype != pl.Duration and not isinstance(dtype, pl.Duration):
        votes.add(Kind.DATETIME, 2.0, f"{dtype} dtype")
    elif isinstance(dtype, pl.Duration):
        votes.add(Kind.NUMERIC, 2.0, "duration dtype")
    elif n == 0:
        votes.add(Kind.NUMERIC if dtype.is_numeric() else Kind.CATEGORICAL, 0.1, "no non-null values to inspect")
    elif dtype.is_integer():
        _integer_signals(non_null, *(whole or (n, non_null.n_unique())), votes, bounds=bounds, ordered=whole is None)
    elif dtype.is_float():
        _float_signals(non_null, votes, bounds=bounds, ordered=whole is None)
    elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        strings = non_null.cast(pl.String)
        _string_signals(strings, *(whole or (n, strings.n_unique())), votes)
    elif dtype.is_decimal():
        votes.add(Kind.NUMERIC, 1.0, "decimal dtype")
    else:
        votes.add(Kind.TEXT, 0.3, f"nested or binary dtype {dtype}")
    kind, confidence = votes.decide()
    signals = list(votes.signals)
    if confidence < AMBIGUOUS:
        signals.append(f"ambiguous: low confidence {confidence:.2f}; declare this column in a schema")
    named_id = any(s.startswith("name ") and s.endswith("identifier +0.60") for s in signals)
    role = _role_for(name, kind, series, named_id=named_id)
    if role in (Role.TARGET, Role.PREDICTION) and kind == Kind.NUMERIC and dtype.is_integer() and n:
        distinct = non_null.n_unique()
        if distinct <= 20:
            kind = Kind.CATEGORICAL
            signals.append(f"a {role.value} with {distinct} integer values: class labels -> categorical")
    return Column(
        role=role,
        kind=kind,
        confidence=round(confidence, 3),
        signals=tuple(signals),
        declared=False,
    )


def _role_for(name: str, kind: Kind, series: pl.Series, *, named_id: bool = True) -> Role:
    """The role a column plays. An identifier whose *name* says so is an id; one known only from
    its values stays a feature (of kind identifier), so that the scan warns about it rather than
    silently dropping a column the model may be using."""
    if _TARGET_NAME.match(name):
        return Role.TARGET
    if _PRED_NAME.match(name):
        return Role.PREDICTION
    if _PROBA_NAME.match(name) and series.dtype.is_float():
        finite = series.drop_nulls().drop_nans()
        if finite.len() and float(finite.min()) >= 0.0 and float(finite.max()) <= 1.0:  # type: ignore[arg-type]
            return Role.PROBABILITY
    if kind == Kind.IDENTIFIER:
        return Role.ID if named_id else Role.FEATURE
    if kind == Kind.DATETIME:
        return Role.TIMESTAMP
    return Role.FEATURE


def infer_schema(
    frame: pl.DataFrame | Mapping[str, pl.Series], *, declared: Mapping[str, Column] | None = None
) -> Schema:
    """Infer every column of ``frame`` (a table, or a mapping of column name to values, which
    may differ in length); columns in ``declared`` are taken as given.

    Only one column keeps the ``timestamp`` role (the best-named, most confident one, and never
    an ambiguous one); other time columns stay features of kind ``datetime``.
    """
    declared = dict(declared or {})
    series = {n: frame.get_column(n) for n in frame.columns} if isinstance(frame, pl.DataFrame) else dict(frame)
    cols: dict[str, Column] = {}
    for name, values in series.items():
        cols[name] = declared[name] if name in declared else infer_column(name, values)
    for name, col in declared.items():  # declared columns absent from the data stay (validate reports them)
        cols.setdefault(name, col)
    return Schema(_single_timestamp(cols))


def _single_timestamp(cols: dict[str, Column]) -> dict[str, Column]:
    from dataclasses import replace

    for n, c in cols.items():
        if c.role == Role.TIMESTAMP and not c.declared and c.confidence < AMBIGUOUS:
            cols[n] = replace(c, role=Role.FEATURE)  # an unsure time is no basis for windows or splits
    for n, c in cols.items():
        if c.role == Role.TIMESTAMP and not c.declared and _NOT_EVENT_TIME.search(n):
            cols[n] = replace(c, role=Role.FEATURE)  # a birth or due date describes the row; it does not time it
    times = [n for n, c in cols.items() if c.role == Role.TIMESTAMP]
    if len(times) <= 1 or any(cols[n].declared for n in times):
        declared_times = [n for n in times if cols[n].declared]
        keep = declared_times[0] if declared_times else None
    else:
        keep = None
    if keep is None and times:
        def rank(n: str) -> tuple[int, float]:
            named = 0 if re.search(r"(^|_)(ts|timestamp|event_time|time|datetime)$", n.lower()) else 1
            return named, -cols[n].confidence

        keep = sorted(times, key=rank)[0]
    for n in times:
        if n != keep and not cols[n].declared:
            cols[n] = replace(cols[n], role=Role.FEATURE)
    return cols
