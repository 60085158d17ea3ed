"""`auditor diff`: audit the same data under two packs and show what the change moves; exit 1 when it adds findings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import (
    Engine,
    EngineChoice,
    FailOn,
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


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help=f"The pack before the change: a built-in name ({', '.join(api.builtin_packs())}) or a directory.", show_default=False)],
    new: Annotated[str, typer.Argument(help="The pack after the change: a built-in name or a directory.", show_default=False)],
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False)],
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Last local day audited by both packs, YYYY-MM-DD (default: the latest day in the data).")
    ] = None,
    policy_digest: Annotated[
        str | None, typer.Option("--policy-digest", help="Refuse to run unless the NEW pack's digest is this one (sha256:…).")
    ] = None,
    old_policy_digest: Annotated[
        str | None, typer.Option("--old-policy-digest", help="Refuse to run unless the OLD pack's digest is this one (sha256:…).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Report format: {', '.join(api.formats(api.DiffReport))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.")] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 when the new pack ADDS a finding at or above this severity (error, warning); `never` always exits 0. "
            "Resolved or changed findings never fail the run.",
        ),
    ] = FailOn.error,
    waivers: Annotated[
        Path | None, typer.Option("--waivers", help="Waiver file (YAML), applied to both runs: an added finding it waives does not fail the run.")
    ] = None,
    memory_limit: MemoryLimit = None,
    threads: Threads = None,
    temp_dir: TempDir = None,
    engine: EngineChoice = Engine.duckdb,
    spark_master: SparkMaster = None,
) -> None:
    """Audit the same data under OLD and NEW packs and report the impact of the change.

    Shows the pack items added, removed or changed (each changed key, old → new),
    the shops whose findings, fines or eligibility change, and the figures that
    move. Exit status: 0 the new pack adds no finding at or above --fail-on, 1 it
    adds some (so CI can gate a pack change on it), 2 the command could not run.
    """
    try:
        day = parse_day(as_of)
        check_format(fmt, api.DiffReport)
        report = api.diff(
            old, new, list(paths), old_digest=old_policy_digest, new_digest=policy_digest, as_of=day, shops=shops, peers=peers, waivers=waivers,
            **engine_options(memory_limit, threads, temp_dir, engine, spark_master),
        )
        emit(api.render(report, fmt, color=use_color(output, fmt)), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(1 if report.added_at_or_above(fail_on.value) else 0)
