"""The typer app and what every command shares: how errors become messages and exit codes.

Exit status (CONTRACT §2): 0 nothing at or above --fail-on; 1 something at or
above it; 2 the command could not run; 128 + the signal's number when SIGINT
(130) or SIGTERM (143) stopped it. Errors are one sentence on stderr with the
fix; a traceback only with AUDITOR_DEBUG=1.

A signal becomes an ``Interrupted`` exception in the main thread, so the same
clean-up runs as for an error: the engine session closes (its spill files go),
a report being written to --output is abandoned whole (its temp file goes).
DuckDB does not look at Python's signals while a query runs on several
threads, so a watcher thread also stops the engine's queries at once. A second
signal ends the process without clean-up.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from auditor import api
from auditor.errors import AuditorError, OutputError, PolicyError

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


# Engine resources, the same three options on every command that audits (docs/engine-settings.md).
MemoryLimit = Annotated[
    str | None,
    typer.Option(
        "--memory-limit",
        help="Engine memory limit, e.g. 4GB or 512MB; beyond it the audit spills to the temp dir (default: AUDITOR_MEMORY_LIMIT, else 2.5GB).",
        show_default=False,
    ),
]
Threads = Annotated[
    int | None,
    typer.Option("--threads", min=1, help="Engine threads (default: AUDITOR_THREADS, else one per CPU); the report is the same either way.", show_default=False),
]
TempDir = Annotated[
    Path | None,
    typer.Option(
        "--temp-dir",
        help="Where the engine spills over the memory limit (default: AUDITOR_TEMP_DIR, else a fresh directory in the system temp dir, removed at the end).",
        show_default=False,
    ),
]


class Engine(str, Enum):
    """Where the SQL runs (``AuditOptions.engine``)."""

    duckdb = "duckdb"
    spark = "spark"


EngineChoice = Annotated[
    Engine,
    typer.Option("--engine", help="Run on DuckDB (default) or Apache Spark (Parquet input only; pip install 'auditor\\[spark]'). The report is the same bytes."),
]
SparkMaster = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL for --engine spark (default: AUDITOR_SPARK_MASTER, else local[2]).", show_default=False),
]


def engine_options(
    memory_limit: str | None, threads: int | None, temp_dir: Path | None, engine: Engine = Engine.duckdb, spark_master: str | None = None
) -> dict[str, Any]:
    """The engine flags as ``AuditOptions`` fields; a flag not given is left to the environment."""
    return {
        "memory_limit": memory_limit, "threads": threads, "temp_directory": str(temp_dir) if temp_dir is not None else None,
        "engine": engine.value, "spark_master": spark_master,
    }


class Interrupted(BaseException):
    """SIGINT or SIGTERM asked the run to stop. Not an ``Exception``: no ``except Exception`` on the way up may swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _RunState:
    """What the signal handling knows of this run: the first signal, whether it was raised yet, how far the report got."""

    signum: int | None = None
    raised = False
    phase = "run"  # run → file | stdout (writing the report) → written


_run = _RunState()
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _on_signal(signum: int, frame: object) -> None:
    if _run.raised:  # a second signal: the user insists, so go now, by that signal, without clean-up
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _run.raised = True
    _run.signum = _run.signum or signum
    raise Interrupted(signum)


def _watch(fd: int) -> None:
    """Read the signal numbers Python's C handler writes to the wakeup pipe, and stop the engine's queries at once."""
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while chunk := pipe.read(1):
            _run.signum = _run.signum or chunk[0]
            api.interrupt()


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` for the duration; signals the parent had us ignore (nohup) stay ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    old_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for s in _SIGNALS:
        if previous[s] is not signal.SIG_IGN:
            signal.signal(s, _on_signal)
    threading.Thread(target=_watch, args=(read_end,), name="auditor-signals", daemon=True).start()
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(old_fd)
        os.close(write_end)  # the watcher reads end-of-file and stops


def _interrupted(signum: int) -> NoReturn:
    """Say which signal stopped the run and what became of the report; exit 128 + the signal's number."""
    name = signal.Signals(signum).name
    outcome = {
        "run": "before the report was written: nothing was written",
        "file": "while writing the report: --output was left as it was",
        "stdout": "while printing the report: standard output holds only part of it",
        "written": "after the report was written",
    }[_run.phase]
    if _run.phase == "stdout":  # the rest of the report would block on a reader that may be gone: drop it
        _silence_stdout()
    typer.echo(f"interrupted by {name} {outcome}", err=True)
    sys.exit(128 + signum)


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush of unwritten report bytes cannot fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout already closed or not a real file: nothing left to flush there
        pass


def fail(exc: AuditorError) -> NoReturn:
    """Say what went wrong on stderr and exit 2 (the command could not run)."""
    if _run.signum is not None:  # the error is the signal's doing (an interrupted query, a file left half-read)
        raise Interrupted(_run.signum)
    typer.echo(f"error: {exc}", err=True)
    if isinstance(exc, PolicyError) and len(exc.problems) > 1:
        for p in exc.problems:
            typer.echo(f"  {p}", err=True)
    raise typer.Exit(2)


def emit(data: bytes, output: Path | None) -> None:
    """Write a rendered document to --output (atomically) or stdout; never after a signal asked the run to stop."""
    if _run.signum is not None:  # a signal whose exception was swallowed on the way (DuckDB turns it into its own error)
        raise Interrupted(_run.signum)
    if output is not None:
        _run.phase = "file"
        api.save(data, output)
    else:
        _run.phase = "stdout"
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # e.g. > /dev/full: a clear sentence and exit 2, not a traceback or a silent 0
            _silence_stdout()
            raise OutputError(
                f"cannot write the report to standard output: {exc.strerror or exc}", hint="free some space, or write it to a file with --output"
            ) from None
    _run.phase = "written"


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
    with _interruptible():
        try:
            app()
        except Interrupted as exc:
            _interrupted(exc.signum)
        except KeyboardInterrupt:  # SIGINT while our handler was not installed (a thread other than the main one)
            _interrupted(signal.SIGINT)
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(0)
        except SystemExit:
            if _run.signum is not None:  # the command finished, or failed, after a signal: the signal is what the caller must hear
                _interrupted(_run.signum)
            raise
        except Exception as exc:  # a traceback is a bug; say so plainly and keep the details for a report
            if _run.signum is not None:  # DuckDB turns the interrupt into its own error: this is the signal, not a bug
                _interrupted(_run.signum)
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            typer.echo(f"internal error (a bug in auditor): {type(exc).__name__}: {exc}; rerun with AUDITOR_DEBUG=1 for the traceback", err=True)
            sys.exit(2)
