"""`table` for an explanation: the trace behind one figure, for a person checking it by hand (rich text; plain when not a terminal).

It shows the figure asked for, the pack's definition and settings, the rule
and its verdict (when asked), the counts with the arithmetic spelled out,
then one row per unit in time order (where it opened and closed, file:line,
msg_id and the timestamp as written, the latency, ✓/✗ for the denominator
and numerator, and why not), then the shop's excluded and rejected records.
Every value from the data or the pack is shown as text, never as rich markup,
with control characters escaped.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from auditor.models import Explanation, FigureCounts, RecordRef
from auditor.report._console import text_console
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

INDENT = "  "
VERDICT_STYLE = {"violated": "bold red", "met": "green", "not_evaluated": "yellow"}


def _t(value: object, style: str = "") -> Text:
    return Text(terminal_safe(None if value is None else str(value)), style=style)


def _num(v: float | int | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _where(r: RecordRef) -> str:
    return f"{r.file}:{r.line}"


@register
class TableExplanationReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = Explanation

    def render(self, report: Explanation, out: BinaryIO) -> None:
        buf = io.StringIO()
        con = text_console(buf, width=self.width, color=self.color)
        self._header(con, report)
        self._definition(con, report)
        if report.rule is not None:
            self._rule(con, report)
        self._counts(con, report)
        self._units(con, report)
        self._excluded(con, report)
        self._rejected(con, report)
        out.write(buf.getvalue().encode("utf-8"))

    def _header(self, con: Console, e: Explanation) -> None:
        span = e.figure_period.start if e.figure_period.start == e.figure_period.end else f"{e.figure_period.start}…{e.figure_period.end}"
        who = f"shop {e.shop_id}" + (f", agent {e.agent_id}" if e.agent_id is not None else "")
        con.print(_t(f"Explanation: {e.metric} of {who}, {span}", "bold"))
        con.print(_t(f"policy {e.policy.name} {e.policy.version} ({e.policy.digest}); audited period {e.period.start}…{e.period.end}, as of {e.as_of}"))
        con.print()

    def _definition(self, con: Console, e: Explanation) -> None:
        d = e.definition
        con.print(_t("Definition", "bold"))
        con.print(_t(f"{INDENT}{d.metric}: {d.label.get('zh', '')} / {d.label.get('en', '')} ({d.kind}, {d.unit}; one figure per {d.per}, by {', '.join(d.by)})"))
        con.print(_t(f"{INDENT}{d.doc.get('en', '')}"))
        con.print(_t(f"{INDENT}{d.doc.get('zh', '')}"))
        if d.citation is not None:
            con.print(_t(f"{INDENT}cites {d.citation.source}: 「{d.citation.text}」"))
        unit = "inquiries: one per buyer and local day, built from the buyer's rounds" if d.counts == "inquiry" else "rounds (first buyer message to first valid reply)"
        con.print(_t(f"{INDENT}unit: {unit}"))
        hours = ", ".join(d.service_hours)
        con.print(_t(f"{INDENT}time zone {d.timezone}; service hours {hours}" + ("; only rounds opened in them count" if d.service_hours_only else "; this metric counts rounds at any hour")))
        con.print(_t(f"{INDENT}first round of the buyer's day only: {'yes' if d.first_round_of_day else 'no'}"))
        if d.within_seconds is not None:
            con.print(_t(f"{INDENT}within_seconds: {_num(d.within_seconds)} (latency ≤ this helps the figure)"))
        if d.max_latency_seconds is not None:
            con.print(_t(f"{INDENT}max_latency_seconds: {_num(d.max_latency_seconds)} (slower answers are left out of the mean)"))
        con.print(_t(f"{INDENT}valid replies: `message` records of role {', '.join(d.valid_reply_roles)}"))
        ex = d.exclusions
        parts = [name for name, on in (("system", ex.get("system")), ("same_shop", ex.get("same_shop")), ("duplicate", ex.get("duplicates"))) if on]
        if ex.get("non_genuine_kinds"):
            parts.insert(1, f"non_genuine (buyer-side {', '.join(ex['non_genuine_kinds'])})")
        con.print(_t(f"{INDENT}excluded before counting: {', '.join(parts + ['out_of_period'])}"))
        con.print()

    def _rule(self, con: Console, e: Explanation) -> None:
        r = e.rule
        assert r is not None
        con.print(_t(f"Rule {r.id} ({r.severity}): {r.title.get('en', '')} / {r.title.get('zh', '')}", "bold"))
        for c in r.conditions:
            mark = {True: "holds", False: "does not hold", None: "no figure"}[c.holds]
            con.print(_t(f"{INDENT}{c.metric} = {_num(c.counts.value)} {c.op} {_num(c.threshold)}: {mark}  ({c.counts.arithmetic})"))
        if r.min_days is not None:
            con.print(_t(f"{INDENT}{r.metric} {r.op} the peer level on {r.min_days} or more consecutive days with figures"))
        con.print(Text.assemble(_t(f"{INDENT}verdict: "), _t(r.verdict.upper().replace("_", " "), VERDICT_STYLE[r.verdict]), _t(f" — {r.reason}")))
        consequence = ", ".join(f"{k} {_num(v) if isinstance(v, float) else v}" for k, v in r.consequence.items())
        con.print(_t(f"{INDENT}consequence: {consequence}"))
        con.print(_t(f"{INDENT}cites {r.citation.source}: 「{r.citation.text}」"))
        con.print()

    def _counts(self, con: Console, e: Explanation) -> None:
        c: FigureCounts = e.counts
        con.print(_t("Counts", "bold"))
        con.print(_t(f"{INDENT}{c.arithmetic}"))
        noun = "inquiry" if e.definition.counts == "inquiry" else "round"
        den = sum(1 for u in e.units if u.in_denominator)
        num = sum(1 for u in e.units if u.in_numerator)
        con.print(_t(f"{INDENT}listed below: {_plural(len(e.units), noun).replace('inquirys', 'inquiries')}, {den} in the denominator (✓), {num} in the numerator (✓)"))
        con.print()

    def _units(self, con: Console, e: Explanation) -> None:
        noun = "Inquiries" if e.definition.counts == "inquiry" else "Rounds"
        con.print(_t(f"{noun} in time order ({len(e.units)})", "bold"))
        if not e.units:
            con.print(_t(f"{INDENT}none"))
            con.print()
            return
        rows: list[list[tuple[str, str]]] = []
        for i, u in enumerate(e.units, 1):
            buyer = u.buyer_id + (f" ({u.rounds} rounds)" if u.rounds and u.rounds > 1 else "")
            latency = f"{_num(u.latency_s)} s" if u.latency_s is not None else "—"
            rows.append(
                [(str(i), ""), (buyer, ""), (_where(u.opened), ""), (u.opened.msg_id or "-", ""), (u.opened.ts, ""), ("", ""), (latency, ""),
                 _mark(u.in_denominator), _mark(u.in_numerator)]
            )  # fmt: skip
            if u.reply is not None:
                who = u.reply.role + (f" {u.reply.sender_id}" if u.reply.sender_id else "")
                rows.append([("", ""), ("", ""), (f"↳ {_where(u.reply)}", ""), (u.reply.msg_id or "-", ""), (u.reply.ts, ""), (who, "")])
            else:
                rows.append([("", ""), ("", ""), ("↳ no valid reply", "")])
        _grid(con, ["#", "buyer", "asked, ↳ reply: file:line", "msg_id", "ts as written", "replied by", "latency", "den", "num"], rows, self.color)
        whys = [(i, u) for i, u in enumerate(e.units, 1) if u.why]
        if whys:
            con.print(_t(f"{INDENT}why not counted:"))
            for i, u in whys:
                con.print(_t(f"{INDENT}#{i} {u.buyer_id}: {u.why}"))
        others = [(i, u) for i, u in enumerate(e.units, 1) if u.not_a_reply is not None and not u.why]
        if others:
            con.print(_t(f"{INDENT}records that are not replies (they do not close a round):"))
            for i, u in others:
                x = u.not_a_reply
                assert x is not None
                con.print(_t(f"{INDENT}#{i} {u.buyer_id}: the {x.role} {x.kind} at {_where(x)} ({x.ts}): {x.note}"))
        con.print()

    def _excluded(self, con: Console, e: Explanation) -> None:
        x = e.excluded
        total = sum(x.counts.values())
        con.print(_t(f"Excluded records of shop {e.shop_id} ({total})", "bold"))
        if not total:
            con.print(_t(f"{INDENT}none"))
            con.print()
            return
        con.print(_t(INDENT + ", ".join(f"{reason} {n}" for reason, n in x.counts.items())))
        _grid(
            con,
            ["file:line", "msg_id", "ts as written", "day", "reason", "buyer", "role/kind"],
            [[(_where(r), ""), (r.msg_id or "-", ""), (r.ts, ""), (r.day, ""), (r.reason, ""), (r.buyer_id, ""), (f"{r.role}/{r.kind}", "")] for r in x.records],
            self.color,
        )
        if x.not_shown:
            con.print(_t(f"{INDENT}{x.not_shown} more not shown (--limit {e.limit}); the JSON has the same cap, the counts above are exact"))
        con.print()

    def _rejected(self, con: Console, e: Explanation) -> None:
        r = e.rejected
        con.print(_t(f"Rejected records naming shop {e.shop_id} ({r.for_shop}; {r.total} rejected in all the input)", "bold"))
        for rec in r.records:
            con.print(_t(f"{INDENT}{rec.file}:{rec.line} {rec.code}: {rec.reason}"))
        if r.not_shown:
            con.print(_t(f"{INDENT}{r.not_shown} more not shown (--limit {e.limit})"))
        if not r.for_shop:
            con.print(_t(f"{INDENT}none"))


def _mark(on: bool) -> tuple[str, str]:
    return ("✓", "green") if on else ("✗", "red")


def _grid(con: Console, headers: list[str], rows: list[list[tuple[str, str]]], color: bool) -> None:
    """Columns padded to their widest cell (terminal cells, so Chinese lines up); lines are never cut, a long path stays whole."""
    cells = [[terminal_safe(text) for text, _ in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(headers)]

    def line(texts: list[str], styles: list[str]) -> Text:
        out = Text(INDENT)
        for i, (text, style) in enumerate(zip(texts, styles, strict=True)):
            pad = "" if i == len(texts) - 1 else " " * (widths[i] - cell_len(text) + 2)
            out.append(text, style=style if color else "")
            out.append(pad)
        out.rstrip()
        return out

    con.print(line(headers, ["bold"] * len(headers)))
    con.print(Text(INDENT + "  ".join("─" * w for w in widths)))
    for row, texts in zip(rows, cells, strict=True):
        con.print(line(texts, [style for _, style in row]))
