"""`auditor schema`: print the published JSON Schema of policy packs (or, with --waivers, of waiver files)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import app


@app.command()
def schema(
    waivers: Annotated[bool, typer.Option("--waivers", help="Print the schema of waiver files (--waivers) instead.")] = False,
) -> None:
    """Print the JSON Schema that policy packs are validated against (point your editor's YAML language server at it)."""
    sys.stdout.write(api.waiver_schema_text() if waivers else api.pack_schema_text())
