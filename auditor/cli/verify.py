"""`auditor verify`: re-run a filed JSON report from its `run` block; exit 0 identical bytes, 1 different, 2 could not run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor import api
from auditor.cli.app import app, check_format, emit, fail, use_color
from auditor.errors import AuditorError


@app.command()
def verify(
    report: Annotated[Path, typer.Argument(help="The JSON report to verify (written by `auditor audit --format json`).", show_default=False)],
    paths: Annotated[
        list[Path], typer.Argument(help="The chat records, given as they were given to `audit` (same paths, same directory).", show_default=False)
    ],
    policy: Annotated[str | None, typer.Option("--policy", "-p", help="Where the pack is now (default: the report's run.policy); its digest must match.")] = None,
    shops: Annotated[Path | None, typer.Option("--shops", help="Where the shops file is now (default: the path the report recorded).")] = None,
    peers: Annotated[Path | None, typer.Option("--peers", help="Where the peers file is now (default: the path the report recorded).")] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Where the waivers file is now (default: the path the report recorded).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Where the baseline file is now (default: the path the report recorded).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Format: {', '.join(api.formats(api.Verification))}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the verification here (atomically) instead of stdout.")] = None,
) -> None:
    """Re-run the audit behind REPORT and check that it gives the same bytes.

    The report's `run` block names the pack (pinned by its digest), the as-of
    day and the side files with their digests; give the data paths as they
    were given to `audit`. Flags say where a file is now; its bytes must be the
    ones recorded. Exit status: 0 identical bytes, 1 the re-run differs (the
    first differing JSON paths are shown, and any side file that changed), 2
    the command could not run (not a JSON audit report, the pack's digest
    differs, a file is missing).
    """
    try:
        check_format(fmt, api.Verification)
        overrides = api.RunOverrides(policy=policy, shops=shops, peers=peers, waivers=waivers, baseline=baseline)
        doc = api.verify(report, list(paths), overrides)
        emit(api.render(doc, fmt, color=use_color(output, fmt)), output)
    except AuditorError as exc:
        fail(exc)
    raise typer.Exit(doc.exit_code())
