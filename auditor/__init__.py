"""auditor: audit customer-service chat logs against platform rules written as policy packs.

The library API: ``audit(paths, AuditOptions(policy=...))`` returns an
``AuditReport``; ``render(report, "json")`` gives its bytes. Nothing here
prints or exits.
"""

__version__ = "0.1.0"

from auditor.api import AuditOptions, audit, formats, load_pack, render, save  # noqa: E402
from auditor.models import AuditReport  # noqa: E402

__all__ = ["AuditOptions", "AuditReport", "__version__", "audit", "formats", "load_pack", "render", "save"]
