"""The result model and its renderers."""

from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity

__all__ = ["DatasetInfo", "FailureMode", "Finding", "Report", "Severity"]
