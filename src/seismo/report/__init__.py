"""The result model and its renderers."""

from seismo.report import html as _html  # registers the HTML page on Report (the model never imports it)
from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity

__all__ = ["DatasetInfo", "FailureMode", "Finding", "Report", "Severity"]
