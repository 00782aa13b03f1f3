"""Counts that a data-quality check reads off the rows, or off a profile that may only bound them:
how they are written in a finding's message and evidence, the same way in every check."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Count"]


@dataclass(frozen=True)
class Count:
    """Values of one kind: their number (an estimate, when read off a quantile summary), the
    fewest and the most a summary allows (``most`` None: no upper bound stated), some of them,
    and the quantile summary's rank error (0.0: not read off quantiles)."""

    count: int
    least: int
    examples: list[str]
    rank_error: float = 0.0
    most: int | None = None

    @classmethod
    def exact(cls, n: int, examples: list[str]) -> Count:
        return cls(n, n, examples)

    @property
    def estimated(self) -> bool:
        return self.rank_error > 0 or (self.most is not None and self.most != self.least)

    def phrase(self, rows: int) -> str:
        """``"12 values (1.20%)"``, or what an estimate or a bound allows."""
        if not self.estimated:
            return f"{self.count:,} values ({self.count / rows:.2%})"
        if self.rank_error:
            return f"about {self.count:,} values ({self.count / rows:.2%}; at least {self.least:,}, estimated from a profile)"
        return f"at least {self.least:,} values ({self.least / rows:.2%}; up to {self.most:,}, from a profile's frequent items)"

    def bounds(self) -> dict[str, object]:
        """The evidence an estimate adds: ``estimated``, ``count_at_least`` and, where stated,
        ``rank_error`` and ``count_at_most`` (nothing for a count)."""
        if not self.estimated:
            return {}
        out: dict[str, object] = {"estimated": True, "count_at_least": self.least}
        if self.rank_error:
            out["rank_error"] = self.rank_error
        if self.most is not None:
            out["count_at_most"] = self.most
        return out
