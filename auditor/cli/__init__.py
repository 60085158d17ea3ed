"""The command line: parse, call the library, print, exit. Nothing else lives here.

One module per command; each registers itself on the shared typer ``app``
when imported here. ``auditor --help`` lists them in ``ORDER``, then any
others by name.
"""

import importlib
import pkgutil

from auditor.cli.app import app, main

ORDER = ["audit", "precheck", "validate", "test", "diff", "explain", "verify", "schema"]
_HELPERS = {"app", "__main__"}

_found = {m.name for m in pkgutil.iter_modules(__path__)} - _HELPERS
for _m in [m for m in ORDER if m in _found] + sorted(_found - set(ORDER)):
    importlib.import_module(f"{__name__}.{_m}")

__all__ = ["app", "main"]
