"""The registry: every failure-mode package's checks, in the order a scan runs them."""

from __future__ import annotations

from seismo.checks import Check

__all__ = ["all_checks"]


def all_checks() -> list[Check]:
    """Every registered check, in the order scans run them."""
    from seismo import concept, labels, leakage, quality, shift, skew

    return [*quality.CHECKS, *skew.CHECKS, *shift.CHECKS, *concept.CHECKS, *labels.CHECKS, *leakage.CHECKS]
