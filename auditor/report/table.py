"""`table`: the report for a person at a terminal (rich tables; plain text when not a terminal).

It shows the ledger, each shop's figures, per-agent figures, the findings
with their cited clauses and evidence, what could not be evaluated, and per
shop its findings, fines and eligibility answers; the JSON report has the
rest. Daily figures are cut to the days that matter (a finding, a day not
evaluated, the as-of day) and the table says how many days it leaves out.
Every value from the data is shown as text, never as rich markup, with
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

from auditor.models import AuditReport, DayEvidence, MetricDefinition, MetricRow, RoundEvidence, ShopSummary, Violation
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

MAX_REJECTIONS_SHOWN = 10
MAX_EVIDENCE_SHOWN = 3
MAX_STREAK_DAYS_SHOWN = 14  # days of one run listed under a finding; the days that ended it are always listed
MAX_DAYS_LISTED = 10  # not-evaluated days listed in a line
MAX_SHOPS_LISTED = 10  # shops named in the line that counts hidden days
SEVERITIES = ("error", "warning", "info")
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
INDENT = " " * 10


def _t(value: object, style: str = "") -> Text:
    return Text(terminal_safe(None if value is None else str(value)), style=style)


def format_figure(row: MetricRow, unit: str) -> str:
    if unit == "ratio":
        return f"{row.value * 100:.1f}% ({row.numerator}/{row.denominator})"
    if unit == "seconds":
        return f"{row.value:.1f} s (n={row.denominator})"
    return f"{row.value:g}"


def format_value(value: float, unit: str) -> str:
    """A value or threshold in a finding: rates in percent, other figures as they are."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    return f"{value:g}"


def format_amount(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _evidence_line(item: dict[str, object]) -> str:
    """One evidence item of a flag in a line: its kind, then each field, records shown as file:line."""
    parts = []
    for k, v in item.items():
        if k == "kind":
            continue
        if isinstance(v, dict) and "file" in v and "line" in v:
            parts.append(f"{k} {v['file']}:{v['line']}")
        elif isinstance(v, float):
            parts.append(f"{k} {v:g}")
        elif isinstance(v, (list, dict)):
            parts.append(f"{k} [{len(v)}]")
        else:
            parts.append(f"{k} {v}")
    return f"{item.get('kind', 'item')}: " + ", ".join(parts)


def _count_label(findings: list) -> str:  # type: ignore[type-arg]
    if not findings:
        return "ok"
    counts: defaultdict[str, int] = defaultdict(int)
    for v in findings:
        counts[v.severity] += 1
    return ", ".join(_plural(counts[s], s) for s in SEVERITIES if counts[s])


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start}…{end}"


def _worst(findings: list[Violation]) -> str:
    return next((s for s in SEVERITIES if any(v.severity == s for v in findings)), "")


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
        self._violations(con, report, defs)
        self._flags(con, report)
        self._per_shop(con, report)
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
        findings: defaultdict[str, list[Violation]] = defaultdict(list)
        for v in r.violations:
            findings[v.shop_id].append(v)
        missed: defaultdict[tuple[str, str], list[str]] = defaultdict(list)  # (shop, day) -> rules not evaluated that day
        for n in r.not_evaluated:
            for d in n.days:
                missed[(n.shop_id or "", d)].append(n.rule_id)
        multi_period = len({(k[1], k[2]) for k in by_key}) > 1

        def covering(shop: str, start: str, end: str) -> list[Violation]:
            if start != end:  # a figure over a span: the findings about that span
                return [v for v in findings[shop] if (v.period.start, v.period.end) == (start, end)]
            return [v for v in findings[shop] if v.period.start <= start <= v.period.end]

        hidden: defaultdict[str, int] = defaultdict(int)
        keys = sorted(by_key)
        if multi_period:
            shown_keys = []
            for key in keys:
                shop, start, end = key
                if start != end or start == r.as_of or covering(shop, start, end) or (shop, start) in missed:
                    shown_keys.append(key)
                else:
                    hidden[shop] += 1
            keys = shown_keys

        t = Table(title="Shop figures", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column("shop")
        if multi_period:
            t.add_column("day")
        for mid in metric_ids:
            d = defs[mid]
            t.add_column(f"{d.label.get('en', mid)}\n{d.label.get('zh', '')}", justify="right")
        t.add_column("findings")
        for shop, start, end in keys:
            figures = by_key[(shop, start, end)]
            cells = [_t(shop)]
            if multi_period:
                cells.append(_t(_span(start, end)))
            for mid in metric_ids:
                m = figures.get(mid)
                cells.append(_t(format_figure(m, defs[mid].unit) if m else "—"))
            if not multi_period:
                fs = findings[shop]
                label = _count_label(fs)
            else:
                fs = covering(shop, start, end)
                here = [v for v in fs if (v.period.start, v.period.end) == (start, end)]
                parts = [_count_label(here)] if here else []
                parts += [f"{v.severity} (run {_span(v.period.start, v.period.end)})" for v in fs if v not in here]
                parts += [f"{rid} not evaluated" for rid in missed.get((shop, start), [])]
                label = "; ".join(parts) or "ok"
            style = "magenta" if not fs and label != "ok" else SEVERITY_STYLE.get(_worst(fs), "")
            cells.append(_t(label, style))
            t.add_row(*cells)
        con.print(t)
        if hidden:
            total = sum(hidden.values())
            per_shop = ", ".join(f"{shop} {n}" for shop, n in sorted(hidden.items())[:MAX_SHOPS_LISTED])
            more = f", and {len(hidden) - MAX_SHOPS_LISTED} more shops" if len(hidden) > MAX_SHOPS_LISTED else ""
            con.print(_t(
                f"  Daily figures are shown for days with a finding or not evaluated, and the as-of day; "
                f"{_plural(total, 'other day')} hidden ({per_shop}{more}). The JSON report has every day."
            ))
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

    def _violations(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        if not r.violations and not r.not_evaluated:
            con.print(_t("No rule is broken in the audited period.", "green"))
            con.print()
            return
        if r.violations:
            con.print(_t(f"Findings ({len(r.violations)})", "bold"))
        for v in r.violations:
            self._violation(con, v, defs)
        for n in r.not_evaluated:
            con.print(_t(f"  NOT EVALUATED {n.rule_id}  shop {n.shop_id or '*'}: {n.reason}", "magenta"))
            if n.days:
                listed = ", ".join(n.days[:MAX_DAYS_LISTED])
                more = f" … ({len(n.days)} days; the JSON report lists all)" if len(n.days) > MAX_DAYS_LISTED else ""
                con.print(_t(f"{INDENT}{'day' if len(n.days) == 1 else 'days'} not evaluated: {listed}{more}"))
        con.print()

    def _violation(self, con: Console, v: Violation, defs: dict[str, MetricDefinition]) -> None:
        d = defs.get(v.metric)
        unit = d.unit if d else ""
        days = [e for e in v.evidence if isinstance(e, DayEvidence)]
        units = [e for e in v.evidence if isinstance(e, RoundEvidence)]
        con.print(_t(f"  {v.severity.upper():7} {v.rule_id}  shop {v.shop_id}  {_span(v.period.start, v.period.end)}", SEVERITY_STYLE.get(v.severity, "")))
        con.print(_t(f"{INDENT}{v.title.get('en', '')} / {v.title.get('zh', '')}"))
        if v.numerator is not None and v.denominator is not None:
            basis = f" (from {v.numerator}/{v.denominator})"
        elif v.numerator is None and days:
            n_days = sum(1 for e in days if e.in_streak)
            basis = f" (means over the {_plural(n_days, 'day')} of the run)"
        else:
            basis = ""
        con.print(_t(f"{INDENT}{v.metric} = {format_value(v.value, unit)} {v.op} {format_value(v.threshold, unit)}{basis}; consequence: {self._consequence(v)}"))
        con.print(_t(f"{INDENT}「{v.citation.text}」 — {v.citation.source}"))
        if days:
            self._days(con, v, days, unit)
        for e in units[:MAX_EVIDENCE_SHOWN]:
            con.print(_t(f"{INDENT}e.g. {self._unit(e)}"))
        if v.evidence_total > MAX_EVIDENCE_SHOWN:
            what = "inquiries" if any(e.kind == "inquiry" for e in units) else "rounds"
            listed = "all of them" if len(units) >= v.evidence_total else f"the worst {len(units)}"
            con.print(_t(f"{INDENT}… {v.evidence_total} {what} behind this figure; the JSON report lists {listed}"))

    @staticmethod
    def _consequence(v: Violation) -> str:
        c = v.consequence
        text = str(c.get("type"))
        if c.get("amount") is not None:
            text += f" {c.get('currency') or ''} {format_amount(float(c['amount']))}".rstrip()
        return text

    @staticmethod
    def _days(con: Console, v: Violation, days: list[DayEvidence], unit: str) -> None:
        con.print(_t(f"{INDENT}day         shop figure        peer level"))
        in_run = sum(1 for e in days if e.in_streak)
        seen = 0
        for e in days:
            if e.in_streak:
                seen += 1
                if seen > MAX_STREAK_DAYS_SHOWN:
                    continue
            if unit == "ratio" and e.denominator is not None:
                figure = f"{e.value * 100:.1f}% ({e.numerator}/{e.denominator})"
            else:
                figure = format_value(e.value, unit)
            peer = format_value(e.peer_value, unit) if e.peer_value is not None else "none"
            line = f"{INDENT}{e.day}  {figure:<17}  {peer:>10}"
            if e.note:
                line += f"  — {e.note}"
            con.print(_t(line))
            if e.in_streak and seen == MAX_STREAK_DAYS_SHOWN < in_run:
                con.print(_t(f"{INDENT}… {in_run - MAX_STREAK_DAYS_SHOWN} more days of the run; the JSON report lists all"))

    @staticmethod
    def _unit(e: RoundEvidence) -> str:
        first = f"{e.first_message.file}:{e.first_message.line}"
        if e.kind == "inquiry":
            rounds = f" ({e.rounds} rounds that day)" if e.rounds and e.rounds > 1 else ""
            if e.reply is None:
                return f"buyer {e.buyer_id} asked at {first}, unanswered{rounds}"
            lat = f" after {e.latency_s:g} s" if e.latency_s is not None else ""
            return f"buyer {e.buyer_id} asked at {first}, answered at {e.reply.file}:{e.reply.line}{lat}{rounds}"
        lat = f"{e.latency_s:g} s" if e.latency_s is not None else "unanswered"
        return f"buyer {e.buyer_id}: {first} → {lat}"

    def _flags(self, con: Console, r: AuditReport) -> None:
        if not r.flags:
            return
        con.print(_t(f"Gaming leads ({len(r.flags)})", "bold"))
        if r.flag_notice:
            con.print(_t(f"  {r.flag_notice.get('en', '')}"))
            con.print(_t(f"  {r.flag_notice.get('zh', '')}"))
        for f in r.flags:
            who = f"shop {f.shop_id}" + (f"  agent {f.agent_id}" if f.agent_id else "")
            con.print(_t(f"  {f.severity.upper():7} {f.detector}  {who}  score {f.score:.2f}", SEVERITY_STYLE.get(f.severity, "")))
            con.print(_t(f"{INDENT}{f.title.get('en', '')} / {f.title.get('zh', '')}"))
            con.print(_t(f"{INDENT}{f.summary}"))
            con.print(_t(f"{INDENT}{f.summary_zh}"))
            con.print(_t(f"{INDENT}「{f.citation.text}」 — {f.citation.source}"))
            for item in f.evidence[:MAX_EVIDENCE_SHOWN]:
                con.print(_t(f"{INDENT}e.g. {_evidence_line(item)}"))
            if f.evidence_total > MAX_EVIDENCE_SHOWN:
                con.print(_t(f"{INDENT}… {f.evidence_total} items behind this flag; the JSON report lists up to {len(f.evidence)}"))
        con.print()

    def _per_shop(self, con: Console, r: AuditReport) -> None:
        # The shop table already counts findings per shop; this section earns its place with fines and eligibility.
        if not any(s.fines or s.eligibility for s in r.summary):
            return
        con.print(_t("Per shop", "bold"))
        for s in r.summary:
            self._shop_summary(con, s)
        con.print()

    @staticmethod
    def _shop_summary(con: Console, s: ShopSummary) -> None:
        about = " · ".join(x for x in (s.platform, s.category) if x)
        counts = [_plural(s.findings[k], k) for k in SEVERITIES if s.findings.get(k)]
        line = f"  {s.shop_id}" + (f" ({about})" if about else "") + ": " + (", ".join(counts) or "no findings")
        if s.fines:
            line += " · fines: " + ", ".join(f"{f.currency} {format_amount(f.total)} ({_plural(f.findings, 'fine')})" for f in s.fines)
        worst = next((k for k in SEVERITIES if s.findings.get(k)), "")
        con.print(_t(line, SEVERITY_STYLE.get(worst, "")))
        for e in s.eligibility:
            answer = "yes" if e.eligible else "NO"
            caveat = "" if e.complete else " (not every rule that could bar the shop was evaluated)"
            con.print(_t(f"    {e.question.get('en', e.check)} / {e.question.get('zh', '')} — {e.day}: {answer}{caveat}", "green" if e.eligible else "bold red"))
            con.print(_t(f"      {e.reason.get('en', '')}"))
            con.print(_t(f"      {e.reason.get('zh', '')}"))

    def _summary(self, con: Console, r: AuditReport) -> None:
        counts: defaultdict[str, int] = defaultdict(int)
        for v in r.violations:
            counts[v.severity] += 1
        for f in r.flags:
            counts[f.severity] += 1
        parts = [_plural(counts[s], s) for s in ("error", "warning")]
        line = "Summary: " + ", ".join(parts) + f"; {len({v.shop_id for v in r.violations})} shop(s) with findings"
        fines: defaultdict[str, float] = defaultdict(float)
        for s in r.summary:
            for f in s.fines:
                fines[f.currency] += f.total
        if fines:
            line += "; fines " + ", ".join(f"{c} {format_amount(t)}" for c, t in sorted(fines.items()))
        if r.not_evaluated:
            line += f"; {len(r.not_evaluated)} rule check(s) not evaluated"
        con.print(_t(line, "bold"))
