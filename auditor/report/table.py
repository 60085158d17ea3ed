"""`table`: the report for a person at a terminal (rich tables; plain text when not a terminal).

It shows the ledger, each shop's figures, per-agent figures, the findings
with their cited clauses, and the first rejections; the JSON report has the
rest. Every value from the data is shown as text, never as rich markup, with
control characters escaped.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import BinaryIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.models import AuditReport, MetricDefinition, MetricRow
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

MAX_REJECTIONS_SHOWN = 10
MAX_EVIDENCE_SHOWN = 3
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _t(value: object, style: str = "") -> Text:
    return Text(terminal_safe(None if value is None else str(value)), style=style)


def format_figure(row: MetricRow, unit: str) -> str:
    if unit == "ratio":
        return f"{row.value * 100:.1f}% ({row.numerator}/{row.denominator})"
    if unit == "seconds":
        return f"{row.value:.1f} s (n={row.denominator})"
    return f"{row.value:g}"


def _count_label(findings: list) -> str:  # type: ignore[type-arg]
    if not findings:
        return "ok"
    counts = defaultdict(int)
    for v in findings:
        counts[v.severity] += 1
    return ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s])


@register
class TableReporter(Reporter):
    name = "table"
    suffix = ".txt"

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        buf = io.StringIO()
        con = Console(
            file=buf,
            width=self.width,
            color_system="standard" if self.color else None,
            force_terminal=self.color,
            highlight=False,
            emoji=False,
            markup=False,
            legacy_windows=False,
            soft_wrap=True,
        )
        defs = {d.id: d for d in report.definitions}
        self._header(con, report)
        self._inputs(con, report)
        self._shops(con, report, defs)
        self._agents(con, report, defs)
        self._violations(con, report)
        self._summary(con, report)
        out.write(buf.getvalue().encode("utf-8"))

    def _header(self, con: Console, r: AuditReport) -> None:
        con.print(_t(f"auditor {r.auditor_version} · policy {r.policy.name} {r.policy.version} ({r.policy.digest[:19]}…)", "bold"))
        con.print(_t(f"audited period {r.period.start} → {r.period.end} (as of {r.as_of}, local time)"))
        con.print()

    def _inputs(self, con: Console, r: AuditReport) -> None:
        i = r.inputs
        excluded = sum(i.excluded.values())
        con.print(_t(f"Inputs: read {i.read} = used {i.used} + excluded {excluded} + rejected {i.rejected}", "bold"))
        if i.excluded:
            con.print(_t("  excluded: " + " · ".join(f"{k} {v}" for k, v in i.excluded.items())))
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col, justify in (("file", "left"), ("format", "left"), ("read", "right"), ("used", "right"), ("excluded", "right"), ("rejected", "right"), ("status", "left")):
            t.add_column(col, justify=justify)  # type: ignore[arg-type]
        for f in i.files:
            status = f.status + (f": {f.reason}" if f.reason else "")
            t.add_row(_t(f.file), _t(f.format), _t(f.read), _t(f.used), _t(f.excluded), _t(f.rejected), _t(status))
        con.print(t)
        for f in i.files:
            for note in f.notes:
                con.print(_t(f"  note {f.file}: {note}"))
        for s in i.skipped:
            con.print(_t(f"  skipped {s.file}: {s.reason}"))
        for note in i.notes:
            con.print(_t(f"  note: {note}"))
        if i.rejections:
            shown = i.rejections[:MAX_REJECTIONS_SHOWN]
            con.print(_t(f"Rejected records (first {len(shown)} of {i.rejected}; all are in the JSON report):", "bold"))
            for rej in shown:
                con.print(_t(f"  {rej.file}:{rej.line}: {rej.reason} [{rej.code}]"))
        con.print()

    def _shops(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        rows = [m for m in r.metrics if m.agent_id is None]
        if not rows:
            con.print(_t("No figures: no rounds in the audited period."))
            con.print()
            return
        metric_ids = [d.id for d in r.definitions if any(m.metric == d.id for m in rows)]
        by_key: dict[tuple[str, str, str], dict[str, MetricRow]] = defaultdict(dict)
        for m in rows:
            by_key[(m.shop_id, m.period.start, m.period.end)][m.metric] = m
        findings = defaultdict(list)
        for v in r.violations:
            findings[v.shop_id].append(v)
        t = Table(title="Shop figures", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column("shop")
        multi_period = len({(k[1], k[2]) for k in by_key}) > 1
        if multi_period:
            t.add_column("day")
        for mid in metric_ids:
            d = defs[mid]
            t.add_column(f"{d.label.get('en', mid)}\n{d.label.get('zh', '')}", justify="right")
        t.add_column("findings")
        for (shop, start, end), figures in sorted(by_key.items()):
            cells = [_t(shop)]
            if multi_period:
                cells.append(_t(start if start == end else f"{start}…{end}"))
            for mid in metric_ids:
                m = figures.get(mid)
                cells.append(_t(format_figure(m, defs[mid].unit) if m else "—"))
            fs = [v for v in findings[shop] if v.period.start == start and v.period.end == end] if multi_period else findings[shop]
            label = _count_label(fs)
            cells.append(_t(label, "" if label == "ok" else SEVERITY_STYLE.get(fs[0].severity, "")))
            t.add_row(*cells)
        con.print(t)
        con.print()

    def _agents(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        rows = [m for m in r.metrics if m.agent_id is not None]
        if not rows:
            return
        metric_ids = [d.id for d in r.definitions if any(m.metric == d.id for m in rows)]
        by_key: dict[tuple[str, str], dict[str, MetricRow]] = defaultdict(dict)
        for m in rows:
            by_key[(m.shop_id, m.agent_id or "")][m.metric] = m
        t = Table(title="Agent figures", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column("shop")
        t.add_column("agent")
        for mid in metric_ids:
            t.add_column(defs[mid].label.get("en", mid), justify="right")
        for (shop, agent), figures in sorted(by_key.items()):
            t.add_row(_t(shop), _t(agent), *[_t(format_figure(figures[m], defs[m].unit) if m in figures else "—") for m in metric_ids])
        con.print(t)
        con.print()

    def _violations(self, con: Console, r: AuditReport) -> None:
        if not r.violations and not r.not_evaluated:
            con.print(_t("No rule is broken in the audited period.", "green"))
            con.print()
            return
        if r.violations:
            con.print(_t(f"Findings ({len(r.violations)})", "bold"))
        for v in r.violations:
            period = v.period.start if v.period.start == v.period.end else f"{v.period.start}…{v.period.end}"
            con.print(_t(f"  {v.severity.upper():7} {v.rule_id}  shop {v.shop_id}  {period}", SEVERITY_STYLE.get(v.severity, "")))
            con.print(_t(f"          {v.title.get('en', '')} / {v.title.get('zh', '')}"))
            con.print(_t(f"          {v.metric} = {v.value:g} {v.op} {v.threshold:g} (from {v.numerator}/{v.denominator}); consequence: {v.consequence.get('type')}"))
            con.print(_t(f"          「{v.citation.text}」 — {v.citation.source}"))
            for e in v.evidence[:MAX_EVIDENCE_SHOWN]:
                lat = f"{e.latency_s:g} s" if e.latency_s is not None else "unanswered"
                con.print(_t(f"          e.g. buyer {e.buyer_id}: {e.first_message.file}:{e.first_message.line} → {lat}"))
            if v.evidence_total > MAX_EVIDENCE_SHOWN:
                con.print(_t(f"          … {v.evidence_total} rounds behind this figure; the JSON report lists the worst {len(v.evidence)}"))
        for n in r.not_evaluated:
            con.print(_t(f"  NOT EVALUATED {n.rule_id}  shop {n.shop_id or '*'}: {n.reason}", "magenta"))
        con.print()

    def _summary(self, con: Console, r: AuditReport) -> None:
        counts = defaultdict(int)
        for v in r.violations:
            counts[v.severity] += 1
        for f in r.flags:
            counts[f.severity] += 1
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning")]
        con.print(_t("Summary: " + ", ".join(parts) + f"; {len({v.shop_id for v in r.violations})} shop(s) with findings", "bold"))
