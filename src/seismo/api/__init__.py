"""The entry points, each a preset over the one runner (:mod:`seismo._runner`).

:func:`scan` compares a reference with a current table (or a saved reference,
:func:`profile_reference`), :func:`scan_labels` judges the labels of
one table, :func:`scan_leakage` a train/test split; :func:`infer_schema` prepares the inputs.
Nothing below this package imports it.
"""

from seismo.api.labels import LabelScan, scan_labels
from seismo.api.leakage import scan_leakage
from seismo.api.reference import profile_reference
from seismo.api.checks import all_checks
from seismo.api.scan import infer_schema, scan

__all__ = ["LabelScan", "all_checks", "infer_schema", "profile_reference", "scan", "scan_labels", "scan_leakage"]
