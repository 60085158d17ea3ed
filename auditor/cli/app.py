"""The typer app and what every command shares: how errors become messages and exit codes.

Exit status (CONTRACT §2): 0 nothing at or above --fail-on; 1 something at or
above it; 2 the command could not run. Errors are one sentence on stderr with
the fix; a traceback only with AUDITOR_DEBUG=1.
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


class Lang(str, Enum):
    """The languages of the human formats (auditor.i18n.LANGS)."""

    zh = "zh"
    en = "en"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


def fail(exc: AuditorError) -> NoReturn:
    """Say what went wrong on stderr and exit 2 (the command could not run)."""
    typer.echo(f"error: {exc}", err=True)
    if isinstance(exc, PolicyError) and len(exc.problems) > 1:
        for p in exc.problems:
            typer.echo(f"  {p}", err=True)
    raise typer.Exit(2)


def emit(data: bytes, output: Path | None) -> None:
    """Write a rendered document to --output (atomically) or stdout."""
    if output is not None:
        api.save(data, output)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def use_color(output: Path | None, fmt: str) -> bool:
    return output is None and fmt == "table" and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def check_format(fmt: str, document: type) -> None:
    if fmt not in api.formats(document):
        raise api.UsageError(f"unknown format `{fmt}`", hint=f"use one of: {', '.join(api.formats(document))}")


def parse_day(text: str | None, option: str = "--as-of") -> date | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise api.UsageError(f"{option} `{text}` is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-03-31")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditor {api.__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
) -> None:
    """Audit customer-service chat logs against platform rules written as policy packs."""


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
