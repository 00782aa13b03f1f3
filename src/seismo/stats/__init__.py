"""Statistical building blocks: tests, multiple-testing control."""

from seismo.stats.multitest import benjamini_hochberg
from seismo.stats.proportions import two_proportion_ztest

__all__ = ["benjamini_hochberg", "two_proportion_ztest"]
