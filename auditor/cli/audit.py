"""`auditor audit`: audit chat records under a pack and write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import FailOn, app, check_format, emit, fail, parse_day, use_color
from auditor.errors import AuditorError


@app.command()
def audit(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of chat records (.jsonl, .csv, .parquet).", show_default=False)],
    policy: Annotated[str, typer.Option("--policy", "-p", help=f"Built-in pack name ({', '.join(api.builtin_packs())}) or a pack directory.")],
    shops: Annotated[Path | None, typer.Option("--shops", help="Shops file (YAML, JSON or CSV): shop_id, platform, category, accounts.")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Peer levels (CSV): date, category, reply_rate.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last local day audited, YYYY-MM-DD (default: the latest day in the data).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Report format: {', '.join(api.formats())}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
) -> None:
    """Audit chat records under a policy pack and report figures, findings and the row ledger."""
    try:
        day = parse_day(as_of)
        check_format(fmt, api.AuditReport)
        report = api.audit(list(paths), api.AuditOptions(policy=policy, as_of=day, shops=shops, peers=peers))
        emit(api.render(report, fmt, color=use_color(output, fmt)), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(1 if report.findings_at_or_above(fail_on.value) else 0)
