"""The command line: parse, call the library, print, exit. Nothing else lives here.

One module per command; each registers itself on the shared typer ``app``
when imported here, in the order ``auditor --help`` lists them.
"""

from auditor.cli import audit, schema  # noqa: F401  (registers the commands)
from auditor.cli.app import app, main

__all__ = ["app", "main"]
