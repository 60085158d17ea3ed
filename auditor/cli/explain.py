"""`auditor explain`: the trace behind one figure, so a person can check it by hand; exit 1 when the rule asked about is broken."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import (
    Engine,
    EngineChoice,
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

DEFAULT_LIMIT = 200


@app.command()
def explain(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help=f"Built-in pack name ({', '.join(api.builtin_packs())}) or a pack directory.")],
    shop: Annotated[str, typer.Option("--shop", help="The shop whose figure to explain (its shop_id).")],
    metric: Annotated[str | None, typer.Option("--metric", "-m", help="The metric to explain (a metric id of the pack).")] = None,
    rule: Annotated[str | None, typer.Option("--rule", "-r", help="The rule to explain: its metric, its conditions and its verdict.")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Explain the per-agent figure of this sender_id (metrics figured per agent).")] = None,
    day: Annotated[str | None, typer.Option("--day", help="For a daily metric: the local day, YYYY-MM-DD (default: the as-of day).")] = None,
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last local day audited, YYYY-MM-DD (default: the latest day in the data).")] = None,
    policy_digest: Annotated[
        str | None, typer.Option("--policy-digest", help="Refuse to run unless the pack's digest is this one (sha256:…, a filed report's policy.digest).")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="List at most this many excluded records and as many rejected ones; the counts stay exact.")
    ] = DEFAULT_LIMIT,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Format: {', '.join(api.formats(api.Explanation))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the explanation here (atomically) instead of stdout.")] = None,
    memory_limit: MemoryLimit = None,
    threads: Threads = None,
    temp_dir: TempDir = None,
    engine: EngineChoice = Engine.duckdb,
    spark_master: SparkMaster = None,
) -> None:
    """Show the trace behind one figure: the pack's definition, the counts, every round with its records, and the exclusions.

    Give --metric, or --rule to explain a rule's metric with its verdict. Every
    round (or, for buyer figures, every buyer's day) of the shop in the
    figure's span is listed in time order: its first buyer message and its
    reply (file, line, msg_id, timestamp), the latency, whether it is counted,
    and why not. Exit status: 0 the figure meets the rule (or no rule was
    asked), 1 the rule is broken, 2 the command could not run.
    """
    try:
        when = parse_day(day, "--day")
        check_format(fmt, api.Explanation)
        doc = api.explain(
            list(paths),
            api.AuditOptions(
                policy=policy, policy_digest=policy_digest, as_of=parse_day(as_of), shops=shops, peers=peers, **engine_options(memory_limit, threads, temp_dir, engine, spark_master)
            ),
            shop=shop,
            metric=metric,
            rule=rule,
            day=when,
            agent=agent,
            limit=limit,
        )
        emit(api.render(doc, fmt, color=use_color(output, fmt)), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(1 if doc.violated() else 0)
