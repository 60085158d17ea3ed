"""The command line: parse, call the library, print, exit. Nothing else lives here.

Exit status (CONTRACT §2): 0 no finding at or above --fail-on; 1 findings at
or above it; 2 the command could not run. Errors are one sentence on stderr
with the fix; a traceback only with AUDITOR_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from auditor import api
from auditor.errors import AuditorError, PolicyError

app = typer.Typer(
    name="auditor",
    help="Audit customer-service chat logs against platform rules written as policy packs.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


def _fail(exc: AuditorError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    if isinstance(exc, PolicyError) and len(exc.problems) > 1:
        for p in exc.problems:
            typer.echo(f"  {p}", err=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditor {api.__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
) -> None:
    """Audit customer-service chat logs against platform rules written as policy packs."""


@app.command()
def audit(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help=f"Built-in pack name ({', '.join(api.builtin_packs())}) or a pack directory.")],
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last local day audited, YYYY-MM-DD (default: the latest day in the data).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Report format: table or json.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
) -> None:
    """Audit chat records under a policy pack and report figures, findings and the row ledger."""
    try:
        day = _parse_day(as_of)
        if fmt not in api.formats():
            raise api.UsageError(f"unknown format `{fmt}`", hint=f"use one of: {', '.join(api.formats())}")
        report = api.audit(list(paths), api.AuditOptions(policy=policy, as_of=day, shops=shops, peers=peers))
        color = output is None and fmt == "table" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        data = api.render(report, fmt, color=color)
        if output is not None:
            api.save(data, output)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    except AuditorError as exc:
        _fail(exc)
    raise typer.Exit(1 if report.findings_at_or_above(fail_on.value) else 0)


@app.command()
def schema() -> None:
    """Print the JSON Schema that policy packs are validated against."""
    sys.stdout.write(api.pack_schema_text())


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_day(text)
    except ValueError:
        _bad_day(text)


def _bad_day(text: str) -> NoReturn:
    raise api.UsageError(f"--as-of `{text}` is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-03-31")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a traceback is a bug; say so plainly and keep the details for a report
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        typer.echo(f"internal error (a bug in auditor): {type(exc).__name__}: {exc}; rerun with AUDITOR_DEBUG=1 for the traceback", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
