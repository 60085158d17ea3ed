"""`table` for a precheck: the answer a seller reads, in plain Chinese or English, headline first.

The verdict and its reasons come first, then "can I sign up" with the figure,
the line and the clause, then what is at stake today, what to fix (the
buyers still waiting, oldest first; the slowest agents; the gaming patterns
the platform sees too), then the period's findings and fines. Every sentence
is a message of the ``precheck`` catalogue in the reporter's language; rule
titles and clauses are the pack's (the original Chinese, and the English
gloss in English). Values from the data are escaped for the terminal and
never read as markup; colour only when asked for.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from rich.text import Text

from auditor.i18n import catalogue, t
from auditor.models import Citation, Precheck, Stake, StakeCondition
from auditor.report._console import text_console
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

INDENT = "  "
AGENTS_SHOWN = 5
VERDICT_STYLE = {"eligible": "bold green", "at_risk": "bold yellow", "not_eligible": "bold red", "no_data": "bold"}
SIDE = {"<": "side_lt", "<=": "side_le", ">": "side_gt", ">=": "side_ge"}


@register
class TablePrecheckReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = Precheck

    def render(self, report: Precheck, out: BinaryIO) -> None:
        buf = io.StringIO()
        self.con = text_console(buf, width=self.width, color=self.color)
        p = report
        self._line(0, self.m("title", shop=p.shop_id, pack=p.policy.name, version=p.policy.version, day=p.as_of), "bold")
        self._headline(p)
        self._eligibility(p)
        self._stakes(p)
        self._fix(p)
        self._findings(p)
        out.write(buf.getvalue().encode("utf-8"))

    # -- words and numbers -------------------------------------------------

    def m(self, key: str, **values: Any) -> str:
        """A precheck message in the reporter's language; every value from the data is made terminal-safe first."""
        return t(self.lang, f"precheck.{key}", **{k: terminal_safe(str(v)) for k, v in values.items()})

    def _text(self, d: dict[str, str] | None) -> str:
        """A pack text in the reporter's language (zh original, en gloss)."""
        if not d:
            return ""
        return d.get(self.lang) or d.get("en") or next(iter(d.values()))

    def _figure(self, value: float | int | None, unit: str | None) -> str:
        if value is None:
            return "—"
        if unit == "ratio":
            return f"{value * 100:.1f}%"
        if unit == "seconds":
            return t(self.lang, "precheck.seconds", n=f"{value:,.1f}")
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"

    def _money(self, amount: float, currency: str) -> str:
        text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
        key = f"precheck.currency_{currency}"
        if key in catalogue(self.lang):
            return t(self.lang, key, amount=text)
        return t(self.lang, "precheck.money", amount=text, currency=terminal_safe(currency))

    def _duration(self, seconds: float) -> str:
        s = int(seconds)
        if s < 60:
            return t(self.lang, "precheck.dur_s", n=s)
        if s < 3600:
            return t(self.lang, "precheck.dur_min", n=s // 60)
        return t(self.lang, "precheck.dur_h_min", h=s // 3600, m=s % 3600 // 60)

    def _unit(self, counts: str, n: int) -> str:
        return t(self.lang, f"precheck.unit_{counts}_{'one' if n == 1 else 'many'}")

    def _side(self, op: str) -> str:
        return t(self.lang, f"precheck.{SIDE[op]}")

    def _line(self, depth: int, text: str, style: str = "") -> None:
        self.con.print(Text(INDENT * depth + text, style=style if self.color else ""))

    def _heading(self, text: str) -> None:
        self.con.print()
        self._line(0, text, "bold underline")

    def _quote(self, depth: int, c: Citation | None) -> None:
        if c is None:
            return
        self._line(depth, self.m("quote", text=c.text, source=c.source), "italic")
        if self.lang == "en" and c.gloss_en:
            self._line(depth, self.m("gloss", gloss=c.gloss_en), "dim")

    # -- sections ----------------------------------------------------------

    def _headline(self, p: Precheck) -> None:
        self.con.print()
        if p.verdict == "no_data":
            self._line(0, self.m("verdict_no_data", start=p.period.start, end=p.period.end), VERDICT_STYLE[p.verdict])
        else:
            # without an eligibility question there is nothing to be eligible for: say only what is at stake
            key = f"verdict_{p.verdict}_no_checks" if not p.eligibility and p.verdict in ("eligible", "at_risk") else f"verdict_{p.verdict}"
            self._line(0, self.m(key), VERDICT_STYLE[p.verdict])
        titles = {s.rule_id: self._text(s.title) for s in p.stakes} | {f.rule_id: self._text(f.title) for f in p.findings}
        flags = {f.detector: self._text(f.title) for f in p.flags}
        questions = {e.check: self._text(e.question) for e in p.eligibility}
        self._line(0, self.m("why_heading"))
        for r in p.reasons:
            ref = r.ref or ""
            values = {
                "barred": {"question": questions.get(ref, ref)},
                "incomplete": {"question": questions.get(ref, ref)},
                "broken_today": {"title": titles.get(ref, ref)},
                "one_step": {"title": titles.get(ref, ref)},
                "finding_today": {"title": titles.get(ref, ref)},
                "flag": {"title": flags.get(ref, ref)},
                "no_figure_today": {"day": p.as_of},
                "clear": {"day": p.as_of},
            }.get(r.code, {})
            self._line(1, "- " + self.m(f"reason_{r.code}", **values))
        if p.data_until:
            self._line(0, self.m("data_until", day=p.as_of, time=p.data_until), "dim")
        elif p.waiting_metric is not None and p.verdict != "no_data":
            self._line(0, self.m("no_records_today", day=p.as_of), "dim")

    def _eligibility(self, p: Precheck) -> None:
        self._heading(self.m("eligibility_heading"))
        if not p.eligibility:
            self._line(1, self.m("no_checks", pack=p.policy.name))
            return
        for e in p.eligibility:
            question = self._text(e.question)
            key = "eligible_yes" if e.eligible else "eligible_no"
            self._line(1, self.m(key, question=question, day=p.as_of), "green" if e.eligible else "red")
            if e.metric is None or e.op is None or e.threshold is None:
                self._line(2, self.m("audit_reason", reason=self._text(e.reason)))
            elif e.value is None:
                self._line(2, self.m("figure_none", label=self._text(e.label), day=p.as_of))
            else:
                side = self._side(e.op) if not e.eligible else self._not_side(e.op)
                values = dict(label=self._text(e.label), day=p.as_of, value=self._figure(e.value, e.unit), side=side,
                              threshold=self._figure(e.threshold, e.unit))  # fmt: skip
                if e.unit == "ratio" and e.denominator is not None and e.numerator is not None:
                    self._line(2, self.m("figure_ratio", numerator=self._figure(e.numerator, "count"), denominator=e.denominator, **values))
                else:
                    self._line(2, self.m("figure_plain", **values))
            if e.rule_id is not None:
                self._line(2, self.m("rule_line", rule_id=e.rule_id, title=self._text(e.rule_title)))
                self._quote(3, e.citation)
            if not e.complete:
                self._line(2, self.m("incomplete"), "yellow")
            if not e.eligible:
                stake = next((s for s in p.stakes if s.rule_id == e.rule_id), None)
                if stake is not None and stake.answers_needed is not None:
                    self._line(2, self._answers_needed(stake), "bold")

    def _not_side(self, op: str) -> str:
        """The side of the line a passing figure is on (the complement of the rule's comparison)."""
        return self._side({"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op])

    def _answers_needed(self, s: Stake) -> str:
        n = s.answers_needed or 0
        return self.m("answers_needed", n=n, unit=self._unit(s.counts, n), threshold=self._figure(s.condition.threshold, s.condition.unit))

    def _condition(self, c: StakeCondition) -> str:
        label = self._text(c.label)
        if c.value is None:
            return self.m("cond_none", label=label)
        value = self._figure(c.value, c.unit)
        if c.unit == "ratio" and c.denominator is not None and c.numerator is not None:
            value += f" ({self._figure(c.numerator, 'count')}/{c.denominator})"
        values = dict(label=label, value=value, side=self._side(c.op), threshold=self._figure(c.threshold, c.unit))
        if c.holds:
            return self.m("cond_holds", **values)
        if c.more is not None and c.more > 0 and c.reach is not None:
            return self.m("cond_short", more=c.more, reach=self._figure(c.reach, "count"), **values)
        return self.m("cond_not", **values)

    def _stakes(self, p: Precheck) -> None:
        self._heading(self.m("stakes_heading", day=p.as_of))
        if not p.stakes:
            self._line(1, self.m("stakes_none"))
            return
        barring = {e.rule_id for e in p.eligibility if not e.eligible}  # the way back is said under the eligibility answer
        for s in p.stakes:
            style = "red" if s.broken_today else "yellow" if s.one_step else ""
            self._line(1, self.m("stake_rule", title=self._text(s.title), rule_id=s.rule_id), style)
            for c in [s.condition, *s.also_when]:
                self._line(2, self._condition(c))
            self._line(2, self._consequence(s.consequence, s.consequence_doc))
            if s.broken_today:
                self._line(2, self.m("stake_broken", day=p.as_of), "bold red")
            elif s.one_step:
                short = next(c for c in s.also_when if c.holds is not True)
                more = short.more or 0
                c = s.condition
                self._line(2, self.m("stake_one_step", more=more, unit=self._unit(s.counts, more), label=self._text(c.label),
                                     side=self._side(c.op), threshold=self._figure(c.threshold, c.unit)), "bold yellow")  # fmt: skip
            elif s.margin is not None:
                c = s.condition
                self._line(2, self.m("stake_margin", m=s.margin, unit=self._unit(s.counts, s.margin), label=self._text(c.label),
                                     side=self._side(c.op), threshold=self._figure(c.threshold, c.unit)))  # fmt: skip
            else:
                self._line(2, self.m("stake_clear"), "green")
            if s.answers_needed is not None and (s.broken_today or s.one_step) and s.rule_id not in barring:
                self._line(2, self._answers_needed(s))
            self._quote(2, s.citation)

    def _consequence(self, c: dict[str, Any], doc: dict[str, str] | None) -> str:
        if c.get("amount") is not None and c.get("currency"):
            return self.m("consequence_fine", money=self._money(float(c["amount"]), str(c["currency"])))
        if doc:
            return self.m("consequence_doc", doc=self._text(doc))
        return self.m("consequence_other", type=c.get("type", ""))

    def _fix(self, p: Precheck) -> None:
        self._heading(self.m("fix_heading"))
        if p.waiting_metric is None:
            self._line(1, self.m("waiting_untracked"))
        elif p.verdict == "no_data":
            pass  # no records of the shop: "nobody is waiting" would claim more than the data shows
        elif not p.waiting_total:
            self._line(1, self.m("waiting_none", day=p.as_of), "green")
        else:
            self._line(1, self.m("waiting_heading", total=p.waiting_total), "bold")
            for i, w in enumerate(p.waiting, 1):
                row = self.m(
                    "waiting_row", n=i, buyer=w.buyer_id, time=w.asked_at, wait=self._duration(w.waiting_s), file=w.file, line=w.line,
                    msg=self.m("waiting_msg", msg_id=w.msg_id) if w.msg_id else "", outside="" if w.in_figure else self.m("waiting_outside"),
                )  # fmt: skip
                self._line(2, row)
            if p.waiting_total > len(p.waiting):
                self._line(2, self.m("waiting_more", n=p.waiting_total - len(p.waiting), metric=p.waiting_metric, day=p.as_of), "dim")
        metrics = list(dict.fromkeys(a.metric for a in p.slow_agents))
        for metric in metrics:
            agents = [a for a in p.slow_agents if a.metric == metric]
            a0 = agents[0]
            self.con.print()
            self._line(1, self.m("agents_heading", label=self._text(a0.label), side=self._side(a0.op), threshold=self._figure(a0.threshold, a0.unit)), "bold")
            for a in agents[:AGENTS_SHOWN]:
                n = a.denominator or 0
                mark = self.m("agent_over") if a.over_line else ""
                self._line(2, self.m("agent_row", agent=a.agent_id, value=self._figure(a.value, a.unit), n=n, unit=self._unit("round", n), mark=mark),
                           "red" if a.over_line else "")  # fmt: skip
            if len(agents) > AGENTS_SHOWN:
                self._line(2, self.m("agents_more", n=len(agents) - AGENTS_SHOWN), "dim")
        self.con.print()
        if not p.flags:
            self._line(1, self.m("flags_none"), "green")
            return
        self._line(1, self.m("flags_heading"), "bold")
        for f in p.flags:
            agent = self.m("flag_agent", agent=f.agent_id) if f.agent_id else ""
            self._line(2, self.m("flag_row", title=self._text(f.title), detector=f.detector, score=f"{f.score:.2f}", agent=agent), "yellow")
            self._line(3, terminal_safe(self._text(f.summary)))
            self._line(3, self.m("flag_clause"))
            self._quote(3, f.citation)
        self._line(2, self.m("flag_notice"), "dim")

    def _findings(self, p: Precheck) -> None:
        self._heading(self.m("findings_heading", start=p.period.start, end=p.period.end))
        if not p.findings:
            self._line(1, self.m("findings_none"), "green")
        for f in p.findings:
            period = f.period.start if f.period.start == f.period.end else f"{f.period.start} … {f.period.end}"
            row = self.m("finding_row", period=period, title=self._text(f.title), label=self._text(f.label), value=self._figure(f.value, f.unit),
                         side=self._side(f.op), threshold=self._figure(f.threshold, f.unit))  # fmt: skip
            self._line(1, row, "red" if f.severity == "error" else "yellow")
        for fine in p.fines:
            self._line(1, self.m("fines_total", money=self._money(fine.total, fine.currency), n=fine.findings), "bold")
