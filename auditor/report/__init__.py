"""Report formats; importing this package registers every reporter."""

from auditor.report import json, table  # noqa: F401
from auditor.report.base import REPORTERS, Reporter, formats_for

__all__ = ["REPORTERS", "Reporter", "formats_for"]
