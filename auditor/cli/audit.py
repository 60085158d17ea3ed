"""`auditor audit`: audit chat records under a pack and write the report, with a progress bar on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from auditor import api
from auditor.cli.app import (
    Engine,
    EngineChoice,
    FailOn,
    Lang,
    MemoryLimit,
    SparkMaster,
    TempDir,
    Threads,
    app,
    check_format,
    emit,
    engine_options,
    fail,
    parse_day,
    use_color,
)
from auditor.errors import AuditorError


def show_progress(quiet: bool) -> bool:
    """A progress bar only for a person watching: stderr is a terminal, and neither --quiet nor TERM=dumb says otherwise."""
    return not quiet and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


@contextmanager
def progress_bar(show: bool, lang: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A callback for ``api.audit(progress=…)`` that draws one bar on stderr, relabelled per phase; gone when the audit ends."""
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(phase: str, done: int, total: int) -> None:
            bar.update(task, description=api.message(lang, f"progress.{phase}"), completed=done, total=total or None)

        yield update


@app.command()
def audit(
    # readable=False: an unreadable file is the ledger's to record (status unreadable), not a usage error
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False, readable=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help=f"Built-in pack name ({', '.join(api.builtin_packs())}) or a pack directory.")],
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last local day audited, YYYY-MM-DD (default: the latest day in the data).")] = None,
    policy_digest: Annotated[
        str | None, typer.Option("--policy-digest", help="Refuse to run unless the pack's digest is this one (sha256:…, a filed report's policy.digest).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Report format: {', '.join(api.formats())}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
    lang: Annotated[Lang | None, typer.Option("--lang", help="Language of the human formats (table, markdown, csv, html): zh or en (default: from the locale).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar on stderr (it is shown only on a terminal anyway).")] = False,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waiver file (YAML): findings accepted with a reason and an expiry day; they stay in the report, marked, and do not fail the run.")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Baseline file from --write-baseline: the findings it holds are listed apart and do not fail the run; only new ones do.")] = None,
    write_baseline: Annotated[Path | None, typer.Option("--write-baseline", help="Also write today's findings here (atomically) as a baseline for later runs' --baseline.")] = None,
    memory_limit: MemoryLimit = None,
    threads: Threads = None,
    temp_dir: TempDir = None,
    engine: EngineChoice = Engine.duckdb,
    spark_master: SparkMaster = None,
) -> None:
    """Audit chat records under a policy pack and report figures, findings and the row ledger."""
    try:
        day = parse_day(as_of)
        check_format(fmt, api.AuditReport)
        language = lang.value if lang is not None else api.default_lang()
        options = api.AuditOptions(
            policy=policy, policy_digest=policy_digest, as_of=day, shops=shops, peers=peers, waivers=waivers, baseline=baseline,
            **engine_options(memory_limit, threads, temp_dir, engine, spark_master),
        )
        with progress_bar(show_progress(quiet), language) as progress:
            report = api.audit(list(paths), options, progress=progress)
        if write_baseline is not None:
            api.write_baseline(report, write_baseline)
        emit(api.render(report, fmt, color=use_color(output, fmt), lang=language), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(1 if report.findings_at_or_above(fail_on.value) else 0)
