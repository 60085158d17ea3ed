"""`auditor test`: run the test cases each pack carries in its tests/ folder, like pytest runs a test suite."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import app, check_format, emit, fail, use_color
from auditor.errors import AuditorError

RULE_WIDTH = 100  # the table's rule lines are this wide (at the default render width)


@app.command("test")
def test_packs(
    packs: Annotated[list[str], typer.Argument(help=f"Built-in pack names ({', '.join(api.builtin_packs())}) or pack directories.", show_default=False)],
    select: Annotated[str | None, typer.Option("-k", help="Run only the cases whose name contains this text (case-insensitive).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(api.formats(api.PackTestReport))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result here (atomically) instead of stdout.")] = None,
    files: Annotated[bool, typer.Option("--files", help="The arguments are changed files (a pre-commit hook's): test each pack that holds one.")] = False,
) -> None:
    """Run each pack's own cases (records in; figures, findings and flags out) and list what no case covers.

    Exit status: 0 every selected case passed, 1 a case failed, 2 the cases
    could not be run (a pack not found or invalid, a malformed case file).
    """
    if files:
        packs = [str(p) for p in api.packs_holding(list(packs))]
        if not packs:
            typer.echo("no pack holds the given files; nothing to test")
            raise typer.Exit(0)
    started = time.perf_counter()
    color = use_color(output, fmt)
    try:
        check_format(fmt, api.PackTestReport)
        report = api.run_pack_tests(list(packs), select)
        data = api.render(report, fmt, color=color)
        summary = _ruled(f"{report.tally()} in {time.perf_counter() - started:.2f}s")
        if fmt == "table" and output is None:
            # the table ends with the summary line; the terminal gets that line with the run's duration
            emit(data.rstrip(b"\n").rpartition(b"\n")[0] + b"\n", None)
            typer.echo(typer.style(summary, fg="green" if report.ok() else "red", bold=True) if color else summary)
        else:
            emit(data, output)
            # stdout carries the document unless it went to a file; then the summary goes beside it, never into it
            typer.echo(summary, err=output is None)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(0 if report.ok() else 1)


def _ruled(text: str) -> str:
    text = f" {text} "
    side = max(4, (RULE_WIDTH - len(text)) // 2)
    return f"{'=' * side}{text}{'=' * side}"
