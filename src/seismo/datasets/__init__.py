"""Data sets that ship with seismo: deterministic generators with failures injected at known places."""

from seismo.datasets.loans import Injected, LoanData, make_loans

__all__ = ["Injected", "LoanData", "make_loans"]
