"""Data sets that ship with seismo: deterministic generators with failures injected at known places."""

from seismo.datasets.loans import Injected, LoanData, LoanSplit, make_loans, make_loans_split

__all__ = ["Injected", "LoanData", "LoanSplit", "make_loans", "make_loans_split"]
