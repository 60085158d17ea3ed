"""`table`: the report for a person at a terminal (rich tables and colours on a terminal; plain text when piped).

It shows the ledger, each shop's figures, per-agent figures, the findings
with their cited clauses and evidence, what could not be evaluated, and per
shop its findings, fines and eligibility answers; the JSON report has the
rest. Daily figures are cut to the days that matter (a finding, a day not
evaluated, the as-of day) and the table says how many days it leaves out.
Every value from the data is shown as text, never as rich markup, with
control characters escaped.

Wording comes from the ``table`` message catalogue in the report's language
(``--lang``); the English catalogue holds the format's original text
verbatim. Titles, questions and reasons come from the pack in both
languages: English shows both, Chinese shows the Chinese. Sentences the
library writes only in English (notes, not-evaluated reasons) are shown as
written. With colour, severities, eligibility and every figure that breaches
its line are coloured; without it, nothing but the text changes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import BinaryIO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.i18n import t
from auditor.models import AuditReport, DayEvidence, MetricDefinition, MetricRow, RoundEvidence, RuleVersion, ShopSummary, Violation
from auditor.report import _governance
from auditor.report._console import text_console
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


def version_note(lang: str, version: RuleVersion | None) -> str:
    """Which version of a rule judged a finding, in words ("version in force from 2026-11-01"); empty for an undated rule."""
    if version is None:
        return ""
    start, until = version.effective_from, version.effective_until
    if start and until:
        return t(lang, "common.rule_version_span", start=start, until=until)
    if start:
        return t(lang, "common.rule_version_from", start=start)
    return t(lang, "common.rule_version_before", until=until) if until else ""


def format_value(value: float, unit: str) -> str:
    """A value or threshold in a finding: rates in percent, other figures as they are."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    return f"{value:g}"


def format_amount(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def msg(lang: str, key: str, /, **values: object) -> str:
    return t(lang, f"table.{key}", **values)


def count(lang: str, key: str, n: int) -> str:
    """``n`` things, worded by the ``<key>_one`` / ``<key>_other`` messages."""
    return msg(lang, f"{key}_{'one' if n == 1 else 'other'}", n=n)


def known(lang: str, key: str, fallback: str, /, **values: object) -> str:
    """A catalogued word for a code (a status, a consequence type), or the code itself when the catalogue has none."""
    try:
        return msg(lang, key, **values)
    except KeyError:
        return fallback


def tag(lang: str, severity: str) -> str:
    """A severity as a fixed-width tag (7 terminal cells, whatever the script)."""
    word = known(lang, f"sev_tag_{severity}", severity.upper())
    return word + " " * max(0, 7 - cell_len(word))


def pack_text(lang: str, texts: dict[str, str], fallback: str = "", key: str = "with_original") -> str:
    """A text the pack gives in both languages (a title, a question, a metric's name) for a reader of ``lang``.

    Chinese readers get the Chinese original; others get their language with the original beside it, as ``key`` lays it out.
    """
    if lang == "zh":
        return texts.get("zh") or texts.get("en", fallback)
    return msg(lang, key, text=texts.get(lang) or texts.get("en", fallback), original=texts.get("zh", ""))


def count_with(lang: str, key: str, n: int, /, **values: object) -> str:
    """Like ``count`` for a message that also takes other values."""
    return msg(lang, f"{key}_{'one' if n == 1 else 'other'}", n=n, **values)


def severity_word(lang: str, severity: str) -> str:
    return known_common(lang, f"severity_{severity}", severity)


def known_common(lang: str, key: str, fallback: str) -> str:
    try:
        return t(lang, f"common.{key}")
    except KeyError:
        return fallback


def _in_lang(lang: str, texts: dict[str, str]) -> list[str]:
    """Sentences given in both languages: English shows both (English first), Chinese shows the Chinese."""
    if lang == "zh" and texts.get("zh"):
        return [texts["zh"]]
    return [texts.get("en", ""), texts.get("zh", "")]


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - cell_len(text)) + text


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


def _count_label(lang: str, findings: list) -> str:  # type: ignore[type-arg]
    if not findings:
        return msg(lang, "ok")
    counts: defaultdict[str, int] = defaultdict(int)
    for v in findings:
        counts[v.severity] += 1
    return msg(lang, "sep").join(count(lang, f"n_{s}", counts[s]) for s in SEVERITIES if counts[s])


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start}…{end}"


def _worst(findings: list[Violation]) -> str:
    return next((s for s in SEVERITIES if any(v.severity == s for v in findings)), "")


@register
class TableReporter(Reporter):
    name = "table"
    suffix = ".txt"

    def m(self, key: str, /, **values: object) -> str:
        return msg(self.lang, key, **values)

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        buf = io.StringIO()
        con = text_console(buf, width=self.width, color=self.color)
        defs = {d.id: d for d in report.definitions}
        self._header(con, report)
        self._inputs(con, report)
        self._shops(con, report, defs)
        self._agents(con, report, defs)
        self._violations(con, report, defs)
        self._flags(con, report)
        self._governance(con, report)
        self._per_shop(con, report)
        self._summary(con, report)
        if (accepted := _governance.accepted(self.lang, report)) is not None:
            con.print(_t(accepted, "bold"))
        out.write(buf.getvalue().encode("utf-8"))

    def _header(self, con: Console, r: AuditReport) -> None:
        p = r.policy
        con.print(_t(self.m("header", version=r.auditor_version, policy=p.name, policy_version=p.version, digest=p.digest[:19]), "bold"))
        con.print(_t(self.m("period", start=r.period.start, end=r.period.end, as_of=r.as_of)))
        con.print()

    def _inputs(self, con: Console, r: AuditReport) -> None:
        i, lang = r.inputs, self.lang
        excluded = sum(i.excluded.values())
        con.print(_t(self.m("inputs", read=i.read, used=i.used, excluded=excluded, rejected=i.rejected), "bold"))
        if i.excluded:
            items = " · ".join(self.m("excluded_item", reason=known(lang, f"reason_{k}", k), n=v) for k, v in i.excluded.items())
            con.print(_t("  " + self.m("excluded", items=items)))
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for col, justify in (("file", "left"), ("format", "left"), ("read", "right"), ("used", "right"), ("excluded", "right"), ("rejected", "right"), ("status", "left")):
            t.add_column(self.m(f"col_{col}"), justify=justify)  # type: ignore[arg-type]
        for f in i.files:
            status = known(lang, f"status_{f.status}", f.status) + (f": {f.reason}" if f.reason else "")
            t.add_row(_t(f.file), _t(f.format), _t(f.read), _t(f.used), _t(f.excluded), _t(f.rejected), _t(status))
        con.print(t)
        for f in i.files:
            for note in f.notes:
                con.print(_t("  " + self.m("file_note", file=f.file, note=note)))
        for s in i.skipped:
            con.print(_t("  " + self.m("skipped", file=s.file, reason=s.reason)))
        for note in i.notes:
            con.print(_t("  " + self.m("note", note=note)))
        if i.rejections:
            shown = i.rejections[:MAX_REJECTIONS_SHOWN]
            con.print(_t(self.m("rejected_title", shown=len(shown), total=i.rejected), "bold"))
            for rej in shown:
                base = rej.code.split(":")[0]
                reason = known(lang, f"rejection_{base}", rej.reason, reason=rej.reason)
                con.print(_t("  " + self.m("rejection", file=rej.file, line=rej.line, reason=reason, code=rej.code)))
        con.print()

    def _shops(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        lang = self.lang
        rows = [m for m in r.metrics if m.agent_id is None]
        if not rows:
            con.print(_t(self.m("no_figures")))
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

        t = Table(title=self.m("shop_figures"), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column(self.m("col_shop"))
        if multi_period:
            t.add_column(self.m("col_day"))
        for mid in metric_ids:
            d = defs[mid]
            t.add_column(pack_text(lang, d.label, mid, key="with_original_head"), justify="right")
        t.add_column(self.m("col_findings"))
        for shop, start, end in keys:
            figures = by_key[(shop, start, end)]
            cells = [_t(shop)]
            if multi_period:
                cells.append(_t(_span(start, end)))
            fs = findings[shop] if not multi_period else covering(shop, start, end)
            for mid in metric_ids:
                m = figures.get(mid)
                # a figure some finding here rests on is coloured like that finding: the eye goes to what breaches its line
                style = SEVERITY_STYLE.get(_worst([v for v in fs if v.metric == mid]), "") if m else ""
                cells.append(_t(format_figure(m, defs[mid].unit) if m else "—", style))
            if not multi_period:
                label = _count_label(lang, fs)
            else:
                here = [v for v in fs if (v.period.start, v.period.end) == (start, end)]
                parts = [_count_label(lang, here)] if here else []
                parts += [
                    self.m("in_run", severity=severity_word(lang, v.severity),
                           span=_span(v.period.start, v.period.end))
                    for v in fs if v not in here
                ]  # fmt: skip
                parts += [self.m("rule_not_evaluated", rule=rid) for rid in missed.get((shop, start), [])]
                label = "; ".join(parts) or self.m("ok")
            style = "magenta" if not fs and label != self.m("ok") else SEVERITY_STYLE.get(_worst(fs), "")
            cells.append(_t(label, style))
            t.add_row(*cells)
        con.print(t)
        if hidden:
            total = sum(hidden.values())
            per_shop = ", ".join(f"{shop} {n}" for shop, n in sorted(hidden.items())[:MAX_SHOPS_LISTED])
            more = self.m("more_shops", n=len(hidden) - MAX_SHOPS_LISTED) if len(hidden) > MAX_SHOPS_LISTED else ""
            con.print(_t("  " + self.m("days_hidden", hidden=count(lang, "other_days", total), per_shop=per_shop, more=more)))
        con.print()

    def _agents(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        rows = [m for m in r.metrics if m.agent_id is not None]
        if not rows:
            return
        metric_ids = [d.id for d in r.definitions if any(m.metric == d.id for m in rows)]
        by_key: dict[tuple[str, str], dict[str, MetricRow]] = defaultdict(dict)
        for m in rows:
            by_key[(m.shop_id, m.agent_id or "")][m.metric] = m
        t = Table(title=self.m("agent_figures"), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column(self.m("col_shop"))
        t.add_column(self.m("col_agent"))
        for mid in metric_ids:
            label = defs[mid].label
            t.add_column(label.get(self.lang) or label.get("en", mid), justify="right")
        for (shop, agent), figures in sorted(by_key.items()):
            t.add_row(_t(shop), _t(agent), *[_t(format_figure(figures[m], defs[m].unit) if m in figures else "—") for m in metric_ids])
        con.print(t)
        con.print()

    def _violations(self, con: Console, r: AuditReport, defs: dict[str, MetricDefinition]) -> None:
        if not r.violations and not r.not_evaluated:
            con.print(_t(self.m("no_violations"), "green"))
            con.print()
            return
        if r.violations:
            con.print(_t(self.m("findings_title", n=len(r.violations)), "bold"))
        for v in r.violations:
            self._violation(con, v, defs)
        for n in r.not_evaluated:
            con.print(_t("  " + self.m("not_evaluated", rule=n.rule_id, shop=n.shop_id or "*", reason=n.reason), "magenta"))
            if n.days:
                listed = ", ".join(n.days[:MAX_DAYS_LISTED])
                more = self.m("more_days", n=len(n.days)) if len(n.days) > MAX_DAYS_LISTED else ""
                con.print(_t(INDENT + count_with(self.lang, "days_not_evaluated", len(n.days), days=listed, more=more)))
        con.print()

    def _violation(self, con: Console, v: Violation, defs: dict[str, MetricDefinition]) -> None:
        lang = self.lang
        d = defs.get(v.metric)
        unit = d.unit if d else ""
        days = [e for e in v.evidence if isinstance(e, DayEvidence)]
        units = [e for e in v.evidence if isinstance(e, RoundEvidence)]
        style = SEVERITY_STYLE.get(v.severity, "")
        span = _span(v.period.start, v.period.end)
        con.print(_t("  " + self.m("finding_head", tag=tag(lang, v.severity), rule=v.rule_id, shop=v.shop_id, span=span), style))
        con.print(_t(INDENT + pack_text(lang, v.title)))
        if v.rule_version is not None:
            con.print(_t(INDENT + version_note(lang, v.rule_version)))
        if (said := _governance.mark(lang, v)) is not None:
            con.print(_t(INDENT + said, "cyan"))
        if v.numerator is not None and v.denominator is not None:
            basis = self.m("basis_ratio", numerator=v.numerator, denominator=v.denominator)
        elif v.numerator is None and days:
            basis = self.m("basis_run", days=count(lang, "run_days", sum(1 for e in days if e.in_streak)))
        else:
            basis = ""
        value = format_value(v.value, unit)
        # Chinese readers get the metric's Chinese name; English keeps the metric id, as the JSON report names it
        metric = (d.label.get("zh") if d and lang == "zh" else None) or v.metric
        line = _t(INDENT + self.m(
            "figure_line", metric=metric, value=value, op=v.op, threshold=format_value(v.threshold, unit),
            basis=basis, consequence=self._consequence(v),
        ))  # fmt: skip
        at = line.plain.find(f"{metric} = {value}")
        if style and at >= 0:
            line.stylize(style, at, at + len(f"{metric} = {value}"))
        con.print(line)
        con.print(_t(f"{INDENT}「{v.citation.text}」 — {v.citation.source}"))
        if days:
            self._days(con, days, unit)
        for e in units[:MAX_EVIDENCE_SHOWN]:
            con.print(_t(INDENT + self.m("example", item=self._unit(e))))
        if v.evidence_total > MAX_EVIDENCE_SHOWN:
            what = "behind_inquiries" if any(e.kind == "inquiry" for e in units) else "behind_rounds"
            listed = self.m("listed_all") if len(units) >= v.evidence_total else self.m("listed_worst", n=len(units))
            con.print(_t(INDENT + self.m(what, total=v.evidence_total, listed=listed)))

    def _consequence(self, v: Violation) -> str:
        c = v.consequence
        kind = str(c.get("type"))
        text = known(self.lang, f"consequence_{kind}", kind)
        if c.get("amount") is not None:
            text += f" {c.get('currency') or ''} {format_amount(float(c['amount']))}".rstrip()
        return text

    def _days(self, con: Console, days: list[DayEvidence], unit: str) -> None:
        con.print(_t(INDENT + self.m("days_head")))
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
            peer = format_value(e.peer_value, unit) if e.peer_value is not None else self.m("peer_none")
            line = f"{INDENT}{e.day}  {figure:<17}  {_rjust(peer, 10)}"
            if e.note:
                line += f"  — {e.note}"
            con.print(_t(line))
            if e.in_streak and seen == MAX_STREAK_DAYS_SHOWN < in_run:
                con.print(_t(INDENT + self.m("more_run_days", n=in_run - MAX_STREAK_DAYS_SHOWN)))

    def _unit(self, e: RoundEvidence) -> str:
        first = f"{e.first_message.file}:{e.first_message.line}"
        if e.kind == "inquiry":
            rounds = self.m("rounds_that_day", n=e.rounds) if e.rounds and e.rounds > 1 else ""
            if e.reply is None:
                return self.m("asked_unanswered", buyer=e.buyer_id, first=first, rounds=rounds)
            lat = self.m("after_latency", latency=f"{e.latency_s:g}") if e.latency_s is not None else ""
            return self.m("asked_answered", buyer=e.buyer_id, first=first, reply=f"{e.reply.file}:{e.reply.line}", latency=lat, rounds=rounds)
        lat = self.m("latency_s", latency=f"{e.latency_s:g}") if e.latency_s is not None else self.m("unanswered")
        return self.m("round_item", buyer=e.buyer_id, first=first, latency=lat)

    def _flags(self, con: Console, r: AuditReport) -> None:
        if not r.flags:
            return
        lang = self.lang
        con.print(_t(self.m("flags_title", n=len(r.flags)), "bold"))
        if r.flag_notice:
            for text in _in_lang(lang, r.flag_notice):
                con.print(_t(f"  {text}"))
        for f in r.flags:
            who = self.m("flag_who", shop=f.shop_id) + (self.m("flag_agent", agent=f.agent_id) if f.agent_id else "")
            head = self.m("flag_head", tag=tag(lang, f.severity), detector=f.detector, who=who, score=f"{f.score:.2f}")
            con.print(_t("  " + head, SEVERITY_STYLE.get(f.severity, "")))
            con.print(_t(INDENT + pack_text(lang, f.title)))
            if (said := _governance.mark(lang, f)) is not None:
                con.print(_t(INDENT + said, "cyan"))
            for text in _in_lang(lang, {"en": f.summary, "zh": f.summary_zh}):
                con.print(_t(INDENT + text))
            con.print(_t(f"{INDENT}「{f.citation.text}」 — {f.citation.source}"))
            for item in f.evidence[:MAX_EVIDENCE_SHOWN]:
                con.print(_t(INDENT + self.m("example", item=_evidence_line(item))))
            if f.evidence_total > MAX_EVIDENCE_SHOWN:
                con.print(_t(INDENT + self.m("flag_more", total=f.evidence_total, listed=len(f.evidence))))
        con.print()

    def _governance(self, con: Console, r: AuditReport) -> None:
        said = _governance.lines(self.lang, r)
        if not said:
            return
        con.print(_t(_governance.g(self.lang, "title"), "bold"))
        for level, text in said:
            con.print(_t("  " + text, "yellow" if level == "warning" else ""))
        for i, text in enumerate(_governance.baselined(self.lang, r)):
            con.print(_t(("  " if i == 0 else "    ") + text))
        con.print()

    def _per_shop(self, con: Console, r: AuditReport) -> None:
        # The shop table already counts findings per shop; this section earns its place with fines and eligibility.
        if not any(s.fines or s.eligibility for s in r.summary):
            return
        con.print(_t(self.m("per_shop"), "bold"))
        for s in r.summary:
            self._shop_summary(con, s)
        con.print()

    def _shop_summary(self, con: Console, s: ShopSummary) -> None:
        lang = self.lang
        about = " · ".join(x for x in (s.platform, s.category) if x)
        counts = [count(lang, f"n_{k}", s.findings[k]) for k in SEVERITIES if s.findings.get(k)]
        line = "  " + self.m(
            "shop_line", shop=s.shop_id, about=self.m("shop_about", about=about) if about else "", counts=self.m("sep").join(counts) or self.m("no_findings")
        )
        if s.fines:
            fines = self.m("sep").join(
                self.m("fine_item", currency=f.currency, amount=format_amount(f.total), fines=count(lang, "fine_count", f.findings)) for f in s.fines
            )
            line += self.m("fines", fines=fines)
        worst = next((k for k in SEVERITIES if s.findings.get(k)), "")
        con.print(_t(line, SEVERITY_STYLE.get(worst, "")))
        for e in s.eligibility:
            answer = self.m("answer_yes") if e.eligible else self.m("answer_no")
            caveat = "" if e.complete else self.m("incomplete")
            question = pack_text(lang, e.question, e.check)
            con.print(_t("    " + self.m("eligibility_line", question=question, day=e.day, answer=answer, caveat=caveat), "green" if e.eligible else "bold red"))
            for text in _in_lang(lang, e.reason):
                con.print(_t(f"      {text}"))

    def _summary(self, con: Console, r: AuditReport) -> None:
        lang = self.lang
        counts: defaultdict[str, int] = defaultdict(int)
        for v in r.violations:
            counts[v.severity] += 1
        for f in r.flags:
            counts[f.severity] += 1
        parts = self.m("sep").join(count(lang, f"n_{s}", counts[s]) for s in ("error", "warning"))
        fines: defaultdict[str, float] = defaultdict(float)
        for s in r.summary:
            for f in s.fines:
                fines[f.currency] += f.total
        line = self.m(
            "summary",
            counts=parts,
            shops=len({v.shop_id for v in r.violations}),
            fines=self.m("summary_fines", fines=self.m("sep").join(f"{c} {format_amount(t)}" for c, t in sorted(fines.items()))) if fines else "",
            not_evaluated=self.m("summary_not_evaluated", n=len(r.not_evaluated)) if r.not_evaluated else "",
        )
        con.print(_t(line, "bold"))
