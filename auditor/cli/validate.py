"""`auditor validate`: check policy packs and list every problem with its file, line, column and fix.

Exit status: 0 no pack has an error; 1 some pack has one (a pack argument that
leads to no pack is one such problem); 2 the command could not run: bad usage,
or not one argument led to a pack file, so nothing was checked. With --files
(a pre-commit hook) the arguments are changed files, and the packs holding them
are checked; none at all is exit 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import app, check_format, emit, fail, use_color
from auditor.errors import AuditorError


@app.command()
def validate(
    packs: Annotated[
        list[str],
        typer.Argument(help=f"Built-in pack names ({', '.join(api.builtin_packs())}), pack directories or pack.yaml files.", metavar="PACK...", show_default=False),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Report format: {', '.join(api.formats(api.ValidationReport))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.")] = None,
    files: Annotated[bool, typer.Option("--files", help="The arguments are changed files (a pre-commit hook's): check each pack that holds one.")] = False,
) -> None:
    """Check policy packs against the schema and for semantic mistakes; report every problem of every pack in one run."""
    if files:
        packs = [str(p) for p in api.packs_holding(list(packs))]
        if not packs:
            typer.echo("no pack holds the given files; nothing to validate")
            raise typer.Exit(0)
    try:
        check_format(fmt, api.ValidationReport)
        report = api.validate(list(packs))
        emit(api.render(report, fmt, color=use_color(output, fmt)), output)
    except AuditorError as exc:
        fail(exc)
    if report.found() == 0:
        typer.echo("error: no pack was found, so nothing was checked (give a built-in pack name or a directory holding pack.yaml)", err=True)
        raise typer.Exit(2)
    raise typer.Exit(1 if report.count("error") else 0)
