"""`auditor schema`: print the published JSON Schema of policy packs."""

from __future__ import annotations

import sys

from auditor import api
from auditor.cli.app import app


@app.command()
def schema() -> None:
    """Print the JSON Schema that policy packs are validated against (point your editor's YAML language server at it)."""
    sys.stdout.write(api.pack_schema_text())
