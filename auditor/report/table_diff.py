"""`table` for a diff: what a pack change moves, for a person at a terminal (rich text; plain text when not a terminal).

It shows the headline, the pack items added, removed or changed with each
changed key, the findings the new pack adds, resolves or changes, per shop
its fines before → after and eligibility flips, and the figures that move
(capped; the JSON report has them all). The wording helpers here (headline,
values, figures, consequences) are shared with the markdown diff, so both
formats say the same thing. Every value from the data or a pack is shown as
text, never as rich markup, with control characters escaped.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any, BinaryIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.models import DiffReport, FindingRef, Fine, MetricMove, PackChange
from auditor.report._console import text_console
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe
from auditor.report.table import format_amount, format_value

MAX_MOVES_SHOWN = 50  # figures that move, listed; the JSON report has every one
SEVERITIES = ("error", "warning", "info")
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
INDENT = " " * 11


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def and_list(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def show_value(v: Any) -> str:
    """A pack value in a line: numbers without a needless `.0`, lists and mappings spelled out, nothing as `None`."""
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(show_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {show_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def span(start: str, end: str) -> str:
    return start if start == end else f"{start}…{end}"


def figure(f: FindingRef, units: dict[str, str]) -> str:
    """A finding's figure against its threshold (`reply_rate 45.0% < 50.0%`), or a flag's score."""
    if f.kind == "flag":
        return f"score {f.value:.2f}" if f.value is not None else "score —"
    unit = units.get(f.metric or "", "")
    value = format_value(f.value, unit) if f.value is not None else "—"
    if f.threshold is None or f.op is None:
        return f"{f.metric} {value}"
    v = f.rule_version  # which version of a rule that changed judged it, so a version change reads as one
    dates = [] if v is None else [f"from {v.effective_from}"] * bool(v.effective_from) + [f"before {v.effective_until}"] * bool(v.effective_until)
    version = f" (rule version {', '.join(dates)})" if dates else ""
    return f"{f.metric} {value} {f.op} {format_value(f.threshold, unit)}{version}"


def consequence(f: FindingRef) -> str:
    c = f.consequence
    if not c:
        return "lead to check" if f.kind == "flag" else "none"
    text = str(c.get("type"))
    if c.get("amount") is not None:
        text += f" {c.get('currency') or ''} {format_amount(float(c['amount']))}".rstrip()
    return text


def what(f: FindingRef) -> str:
    """The rule (or detector) and, for a flag about one agent, the agent."""
    return f.rule_id + (f" (agent {f.agent_id})" if f.agent_id else "")


def fines_text(fines: list[Fine]) -> str:
    if not fines:
        return "none"
    return ", ".join(f"{f.currency} {format_amount(f.total)} ({plural(f.findings, 'fine')})" for f in fines)


def answer(eligible: bool | None) -> str:
    return "no answer" if eligible is None else ("yes" if eligible else "NO")


def move_value(m: MetricMove, value: float | None, units: dict[str, str]) -> str:
    return "—" if value is None else format_value(value, units.get(m.metric, ""))


def _fine_part(findings: list[FindingRef]) -> str:
    totals: defaultdict[str, float] = defaultdict(float)
    n = 0
    for f in findings:
        c = f.consequence or {}
        if c.get("type") == "fine" and c.get("amount") is not None:
            totals[str(c.get("currency") or "")] += float(c["amount"])
            n += 1
    if not n:
        return ""
    return f" ({plural(n, 'fine')}, " + ", ".join(f"{cur} {format_amount(t)}".strip() for cur, t in sorted(totals.items())) + ")"


def headline(r: DiffReport) -> str:
    """One sentence: what the change adds, resolves and changes, on how many records."""
    added = [f for s in r.shops for f in s.added]
    resolved = [f for s in r.shops for f in s.resolved]
    changed = sum(len(s.changed) for s in r.shops)
    by_severity = [plural(sum(1 for f in added if f.severity == sev), sev) for sev in SEVERITIES if any(f.severity == sev for f in added)]
    parts = [("adds " + and_list(by_severity) if by_severity else "adds 0 findings") + _fine_part(added)]
    parts.append(f"resolves {plural(len(resolved), 'finding')}{_fine_part(resolved)}")
    if changed:
        parts.append(f"changes {plural(changed, 'finding')}")
    flips = sum(len(s.eligibility) for s in r.shops)
    tail = f"; {plural(flips, 'eligibility answer')} {'flips' if flips == 1 else 'flip'}" if flips else ""
    return f"This change {and_list(parts)} on {r.inputs.read:,} records{tail}."


def key_line(c: PackChange) -> list[str]:
    return [f"{k.key}: {show_value(k.old)} → {show_value(k.new)}" for k in c.keys]


def _t(value: object, style: str = "") -> Text:
    return Text(terminal_safe(None if value is None else str(value)), style=style)


@register
class TableDiffReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = DiffReport

    def render(self, report: DiffReport, out: BinaryIO) -> None:
        buf = io.StringIO()
        con = text_console(buf, width=self.width, color=self.color)
        self._header(con, report)
        self._pack_changes(con, report)
        self._findings(con, report)
        self._per_shop(con, report)
        self._moves(con, report)
        out.write(buf.getvalue().encode("utf-8"))

    def _header(self, con: Console, r: DiffReport) -> None:
        o, n = r.old, r.new
        con.print(_t(f"auditor {r.auditor_version} · diff {o.name} {o.version} ({o.digest[:19]}…) → {n.name} {n.version} ({n.digest[:19]}…)", "bold"))
        con.print(_t(f"audited period {r.period.start} → {r.period.end} (as of {r.as_of}, local time) · {r.inputs.read} records read"))
        con.print()
        con.print(_t(headline(r), "bold"))
        con.print()

    def _pack_changes(self, con: Console, r: DiffReport) -> None:
        if not r.pack_changes:
            con.print(_t("Pack changes: none (the packs say the same thing)."))
            con.print()
            return
        con.print(_t(f"Pack changes ({len(r.pack_changes)})", "bold"))
        for c in r.pack_changes:
            con.print(_t(f"  {c.change.upper():8} {c.section} / {c.id}"))
            for line in key_line(c):
                con.print(_t(f"{INDENT}{line}"))
        con.print()

    def _findings(self, con: Console, r: DiffReport) -> None:
        added = sum(len(s.added) for s in r.shops)
        resolved = sum(len(s.resolved) for s in r.shops)
        changed = sum(len(s.changed) for s in r.shops)
        if not added + resolved + changed:
            con.print(_t("Findings: the same under both packs."))
            con.print()
            return
        con.print(_t(f"Findings ({added} added, {resolved} resolved, {changed} changed)", "bold"))
        for s in r.shops:
            for f in s.added:
                self._finding(con, "+", f, r.units, SEVERITY_STYLE.get(f.severity, ""))
            for f in s.resolved:
                self._finding(con, "-", f, r.units, "green")
            for ch in s.changed:
                a, b = ch.before, ch.after
                con.print(_t(f"  ~ {b.severity.upper():8} {what(b)}  shop {b.shop_id}  {span(b.period.start, b.period.end)}", "yellow"))
                sev = f"severity {a.severity} → {b.severity}; " if a.severity != b.severity else ""
                cons = consequence(b) if consequence(a) == consequence(b) else f"{consequence(a)} → {consequence(b)}"
                con.print(_t(f"{INDENT}{sev}{figure(a, r.units)} → {figure(b, r.units)}; consequence: {cons}"))
        con.print()

    @staticmethod
    def _finding(con: Console, sign: str, f: FindingRef, units: dict[str, str], style: str) -> None:
        con.print(_t(f"  {sign} {f.severity.upper():8} {what(f)}  shop {f.shop_id}  {span(f.period.start, f.period.end)}", style))
        con.print(_t(f"{INDENT}{f.title.get('en', '')} / {f.title.get('zh', '')}"))
        con.print(_t(f"{INDENT}{figure(f, units)}; consequence: {consequence(f)}"))
        if f.location is not None:
            con.print(_t(f"{INDENT}e.g. {f.location.file}:{f.location.line}"))

    def _per_shop(self, con: Console, r: DiffReport) -> None:
        rows = [s for s in r.shops if s.fines_before != s.fines_after or s.eligibility]
        if not rows:
            return
        con.print(_t("Per shop", "bold"))
        for s in rows:
            if s.fines_before != s.fines_after:
                con.print(_t(f"  {s.shop_id}: fines {fines_text(s.fines_before)} → {fines_text(s.fines_after)}"))
            for e in s.eligibility:
                style = "green" if e.after else "bold red"
                con.print(_t(f"  {s.shop_id}: {e.check} on {e.day}: {answer(e.before)} → {answer(e.after)}", style))
        con.print()

    def _moves(self, con: Console, r: DiffReport) -> None:
        if not r.metrics:
            con.print(_t("No figure moves."))
            return
        shown = r.metrics[:MAX_MOVES_SHOWN]
        t = Table(title=f"Figures that move ({len(r.metrics)})", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col, justify in (("shop", "left"), ("agent", "left"), ("metric", "left"), ("period", "left"), ("before", "right"), ("after", "right")):
            t.add_column(col, justify=justify)  # type: ignore[arg-type]
        for m in shown:
            t.add_row(
                _t(m.shop_id), _t(m.agent_id or ""), _t(m.metric), _t(span(m.period.start, m.period.end)),
                _t(move_value(m, m.before, r.units)), _t(move_value(m, m.after, r.units)),
            )  # fmt: skip
        con.print(t)
        if len(r.metrics) > len(shown):
            con.print(_t(f"  … {plural(len(r.metrics) - len(shown), 'more figure')} move; the JSON report lists all."))
