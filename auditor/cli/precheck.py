"""`auditor precheck`: a seller's self-check in plain words; exit 0 eligible and nothing at stake, 1 otherwise, 2 could not run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import (
    Engine,
    EngineChoice,
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


@app.command()
def precheck(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help=f"Built-in pack name ({', '.join(api.builtin_packs())}) or a pack directory.")],
    shop: Annotated[str, typer.Option("--shop", help="Your shop (its shop_id).")],
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day to check, YYYY-MM-DD (default: the latest day in the data).")] = None,
    policy_digest: Annotated[
        str | None, typer.Option("--policy-digest", help="Refuse to run unless the pack's digest is this one (sha256:…, a filed report's policy.digest).")
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help="Language of the answer: zh or en (default: from the locale).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Format: {', '.join(api.formats(api.Precheck))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the answer here (atomically) instead of stdout.")] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waiver file (YAML): waived findings and flags no longer count as risks today (eligibility is the platform's and stays).")] = None,
    memory_limit: MemoryLimit = None,
    threads: Threads = None,
    temp_dir: TempDir = None,
    engine: EngineChoice = Engine.duckdb,
    spark_master: SparkMaster = None,
) -> None:
    """Am I eligible today, what is at stake, and what should I fix? In plain Chinese or English.

    Answers from one audit of the data: the eligibility questions of the pack
    (the figure, the line and the clause), today's figures against each daily
    rule and how far they are from it, the buyers still waiting for a reply
    (oldest first), the slowest agents, the patterns that look like gaming,
    and the findings and fines of the period. Exit status: 0 eligible and
    nothing at stake, 1 not eligible, at risk or no data to judge, 2 the
    command could not run.
    """
    try:
        day = parse_day(as_of)
        check_format(fmt, api.Precheck)
        options = api.AuditOptions(
            policy=policy, policy_digest=policy_digest, as_of=day, shops=shops, peers=peers, waivers=waivers, **engine_options(memory_limit, threads, temp_dir, engine, spark_master)
        )
        doc = api.precheck(list(paths), options, shop=shop)
        language = lang.value if lang is not None else api.default_lang()
        emit(api.render(doc, fmt, color=use_color(output, fmt), lang=language), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(doc.exit_code())
