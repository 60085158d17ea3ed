"""Report formats; importing this package registers every reporter.

Every module of the package but the seam itself (and helpers whose name
starts with ``_``) is a format and is imported here in name order, so adding a
format is adding a module.
"""

import importlib
import pkgutil

from auditor.report.base import REPORTERS, Reporter, formats_for

_NOT_FORMATS = {"base", "escape"}

for _m in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _m not in _NOT_FORMATS and not _m.startswith("_"):
        importlib.import_module(f"{__name__}.{_m}")

__all__ = ["REPORTERS", "Reporter", "formats_for"]
