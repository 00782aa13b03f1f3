"""seismo: find the ways machine-learning systems fail, show the evidence, say what to do.

>>> import polars as pl, seismo
>>> report = seismo.scan(pl.DataFrame({"age": [float(i) if i % 2 else None for i in range(40)]}))
>>> report.findings[0].message
"'age' (reference): 50.0% of values are missing"
>>> report.exit_code(fail_on="high")
0
"""

from seismo._version import __version__
from seismo.api import infer_schema, profile_reference, scan, scan_labels, scan_leakage
from seismo.data.io import Dataset, load
from seismo.data.schema import Column, Kind, Role, Schema
from seismo.exceptions import DataLoadError, InputError, SchemaError, SeismoError
from seismo.report.model import FailureMode, Finding, Report, Severity

__all__ = [
    "Column",
    "DataLoadError",
    "Dataset",
    "FailureMode",
    "Finding",
    "InputError",
    "Kind",
    "Report",
    "Role",
    "Schema",
    "SchemaError",
    "SeismoError",
    "Severity",
    "__version__",
    "infer_schema",
    "load",
    "profile_reference",
    "scan",
    "scan_labels",
    "scan_leakage",
]
