"""`markdown`: documents as GitHub-flavoured Markdown, fit to post as a pull-request comment.

One Reporter class per document: the diff (`auditor diff --format
markdown`, English) and the audit report (`auditor audit --format markdown`,
worded from the ``markdown`` message catalogue in the report's language). Every piece of text that comes from the data or a pack (shop ids,
rule ids, titles, quoted clauses, values) goes through ``md_text`` or
``md_code``, so a `|`, a backtick, a newline or an HTML tag in it can neither
break a table nor inject markup. Long lists are capped, saying how many more
the JSON report has, because a comment has a size limit.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from auditor.i18n import t
from auditor.models import AuditReport, DayEvidence, DiffReport, FindingRef, Flag, MetricDefinition, RoundEvidence, ShopChange, Violation
from auditor.report import _governance
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe
from auditor.report.table import format_amount, format_value, version_note
from auditor.report.table_diff import (
    answer,
    consequence,
    figure,
    fines_text,
    headline,
    move_value,
    plural,
    show_value,
    span,
    what,
)

MAX_FINDINGS_SHOWN = 100  # rows of the findings table
MAX_MOVES_SHOWN = 50  # rows of the figures table, inside <details>

# Inline Markdown syntax: backslash-escaped (CommonMark lets any ASCII punctuation be escaped). `@` and `:`
# keep GitHub from turning data into mentions and emoji; `$` from math.
_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~$@:!])")
_LINE_START = re.compile(r"^([#+\-=]|\d+[.)])")  # would start a heading, a list or a setext underline


def md_text(text: object, *, line_start: bool = False) -> str:
    """Data as inert Markdown text on one line: HTML as entities, Markdown punctuation escaped, control characters shown.

    ``line_start``: the text begins a line (a quote), where `#`, `-`, `1.` … would also be syntax.
    """
    if text is None:
        return ""
    s = terminal_safe(str(text).replace("\r\n", " ").replace("\r", " "))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_INLINE.sub(r"\\\1", s)
    if line_start:
        s = _LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], s)
    return s


def md_code(text: object) -> str:
    """An id as a code span when that is safe (no backtick, `|` or control character); otherwise as escaped text."""
    s = "" if text is None else str(text)
    if not s or "`" in s or "|" in s or terminal_safe(s) != s or s != s.strip():
        return md_text(s)
    return f"`{s}`"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(*cols: str) -> list[str]:
    return [_row(*cols), "|" + "|".join("---" for _ in cols) + "|"]


@register
class MarkdownDiffReporter(Reporter):
    name = "markdown"
    suffix = ".md"
    document = DiffReport

    def render(self, report: DiffReport, out: BinaryIO) -> None:
        r = report
        lines = [
            f"### Policy pack diff: {md_text(r.old.name)} {md_text(r.old.version)} → {md_text(r.new.name)} {md_text(r.new.version)}",
            "",
            f"**{md_text(headline(r))}**",
            "",
            f"As of {r.as_of} · audited period {r.period.start} → {r.period.end} (local time) · "
            f"old pack {md_code(r.old.digest[:19] + '…')} · new pack {md_code(r.new.digest[:19] + '…')} · auditor {md_text(r.auditor_version)}",
            "",
        ]
        lines += self._pack_changes(r)
        lines += self._findings(r)
        lines += self._fines(r)
        lines += self._eligibility(r)
        lines += self._moves(r)
        lines += self._clauses(r)
        out.write(("\n".join(lines).rstrip("\n") + "\n").encode("utf-8"))

    @staticmethod
    def _pack_changes(r: DiffReport) -> list[str]:
        if not r.pack_changes:
            return ["No pack changes: the two packs say the same thing.", ""]
        lines = ["#### Pack changes", "", *_header("section", "item", "change", "key", "old → new")]
        for c in r.pack_changes:
            if c.change != "changed":
                title = (c.title or {}).get("en", "")
                lines.append(_row(c.section, md_code(c.id), c.change, md_text(title), "—"))
            for k in c.keys:
                lines.append(_row(c.section, md_code(c.id), c.change, md_code(k.key), f"{md_text(show_value(k.old))} → {md_text(show_value(k.new))}"))
        return [*lines, ""]

    @staticmethod
    def _findings(r: DiffReport) -> list[str]:
        rows: list[str] = []

        def one(label: str, f: FindingRef) -> str:
            return _row(
                label + _waived(f), f.severity, md_code(f.shop_id), md_code(what(f)), span(f.period.start, f.period.end),
                md_text(figure(f, r.units)), md_text(consequence(f)),
            )  # fmt: skip

        for s in r.shops:
            rows += [one("**added**", f) for f in s.added]
            rows += [one("resolved", f) for f in s.resolved]
            for ch in s.changed:
                a, b = ch.before, ch.after
                sev = b.severity if a.severity == b.severity else f"{a.severity} → {b.severity}"
                cons = consequence(b) if consequence(a) == consequence(b) else f"{consequence(a)} → {consequence(b)}"
                rows.append(_row(
                    "changed" + _waived(b), sev, md_code(b.shop_id), md_code(what(b)), span(b.period.start, b.period.end),
                    f"{md_text(figure(a, r.units))} → {md_text(figure(b, r.units))}", md_text(cons),
                ))  # fmt: skip
        if not rows:
            return ["Findings: the same under both packs.", ""]
        lines = ["#### Findings", "", *_header("", "severity", "shop", "rule", "day(s)", "figure vs threshold", "consequence")]
        lines += rows[:MAX_FINDINGS_SHOWN]
        lines.append("")
        if len(rows) > MAX_FINDINGS_SHOWN:
            lines += [f"… and {plural(len(rows) - MAX_FINDINGS_SHOWN, 'more finding')}; the JSON report (`--format json`) lists all.", ""]
        return lines

    @staticmethod
    def _fines(r: DiffReport) -> list[str]:
        moved: list[ShopChange] = [s for s in r.shops if s.fines_before != s.fines_after]
        if not moved:
            return []
        lines = ["#### Fines", "", *_header("shop", "before", "after")]
        lines += [_row(md_code(s.shop_id), md_text(fines_text(s.fines_before)), md_text(fines_text(s.fines_after))) for s in moved]
        return [*lines, ""]

    @staticmethod
    def _eligibility(r: DiffReport) -> list[str]:
        flips = [(s.shop_id, e) for s in r.shops for e in s.eligibility]
        if not flips:
            return []
        lines = ["#### Eligibility", "", *_header("shop", "check", "day", "before", "after")]
        lines += [_row(md_code(sid), md_code(e.check), e.day, answer(e.before), f"**{answer(e.after)}**") for sid, e in flips]
        return [*lines, ""]

    @staticmethod
    def _moves(r: DiffReport) -> list[str]:
        if not r.metrics:
            return ["No figure moves.", ""]
        shown = r.metrics[:MAX_MOVES_SHOWN]
        lines = ["<details>", f"<summary>Figures that move ({len(r.metrics)})</summary>", "", *_header("shop", "agent", "metric", "period", "before", "after")]
        lines += [
            _row(md_code(m.shop_id), md_code(m.agent_id) if m.agent_id else "", md_code(m.metric), span(m.period.start, m.period.end),
                 md_text(move_value(m, m.before, r.units)), md_text(move_value(m, m.after, r.units)))
            for m in shown
        ]  # fmt: skip
        lines.append("")
        if len(r.metrics) > len(shown):
            lines += [f"… and {plural(len(r.metrics) - len(shown), 'more figure')}; the JSON report (`--format json`) lists all.", ""]
        return [*lines, "</details>", ""]

    @staticmethod
    def _clauses(r: DiffReport) -> list[str]:
        cited = [c for c in r.pack_changes if c.citation is not None and c.section != "pack"]
        if not cited:
            return []
        lines = ["#### Cited clauses of the items that changed", ""]
        for c in cited:
            assert c.citation is not None
            title = (c.title or {}).get("en")
            lines.append(f"**{md_code(c.id)}** ({c.change})" + (f" — {md_text(title)}" if title else "") + f" — {md_text(c.citation.source)}")
            lines.append("")
            lines.append(f"> {md_text(c.citation.text, line_start=True)}")
            if c.citation.gloss_en:
                lines += [">", f"> _{md_text(c.citation.gloss_en)}_"]
            lines.append("")
        return lines


MAX_AUDIT_FINDINGS_SHOWN = 100  # rows of the findings table, and the findings detailed below it
MAX_EVIDENCE_ROWS = 5  # records under each finding
MAX_AUDIT_REJECTIONS_SHOWN = 10
MAX_FLAGS_SHOWN = 100
SEVERITY_ORDER = ("error", "warning", "info")


class Md(str):
    """Text that is Markdown already (escaped data, a code span): put into a message as it is."""


@register
class MarkdownAuditReporter(Reporter):
    """The audit report for a ticket or a pull request: headline, ledger, shops, findings with their clauses, leads."""

    name = "markdown"
    suffix = ".md"
    document = AuditReport

    def m(self, key: str, /, **values: object) -> str:
        """A catalogue message as Markdown: its own text is Markdown already; each value is escaped unless it is ``Md``."""
        return t(self.lang, f"markdown.{key}", **{k: v if isinstance(v, Md) else md_text(v) for k, v in values.items()})

    def n(self, key: str, n: int, /, **values: object) -> str:
        return self.m(f"{key}_{'one' if n == 1 else 'other'}", n=n, **values)

    def word(self, domain_key: str, fallback: str, /, **values: object) -> str:
        """A catalogued word for a code (a status, a reason), or the code itself when no catalogue has one."""
        try:
            return t(self.lang, domain_key, **values)
        except KeyError:
            return fallback

    def pick(self, texts: dict[str, str], fallback: str = "") -> str:
        """A text the pack or the library gives in both languages, in the reader's."""
        return texts.get(self.lang) or texts.get("en") or fallback

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        r = report
        defs = {d.id: d for d in r.definitions}
        lines = [
            f"### {self.m('title', policy=r.policy.name, version=r.policy.version)}",
            "",
            f"**{self._headline(r)}**",
            "",
            self.m(
                "meta", as_of=r.as_of, start=r.period.start, end=r.period.end, digest=Md(md_code(r.policy.digest[:19] + "…")),
                version=r.auditor_version,
            ),
            "",
        ]  # fmt: skip
        lines += self._inputs(r)
        lines += self._shops(r)
        lines += self._findings(r, defs)
        lines += self._flags(r)
        lines += self._not_evaluated(r)
        lines += self._governance(r)
        out.write(("\n".join(lines).rstrip("\n") + "\n").encode("utf-8"))

    def _counts(self, counts: dict[str, int], always: tuple[str, ...] = ()) -> str:
        return self.m("sep").join(self.n(f"n_{s}", counts.get(s, 0)) for s in SEVERITY_ORDER if counts.get(s) or s in always)

    def _headline(self, r: AuditReport) -> str:
        counts: dict[str, int] = {}
        for x in [*r.violations, *r.flags]:
            counts[x.severity] = counts.get(x.severity, 0) + 1
        shops = {x.shop_id for x in [*r.violations, *r.flags]}
        total = len(r.summary) or len({m.shop_id for m in r.metrics})
        text = self.m("headline", counts=self._counts(counts), shops=len(shops), total=total) if counts else self.m("headline_clean", total=total)
        fines: dict[str, float] = {}
        for s in r.summary:
            for f in s.fines:
                fines[f.currency] = fines.get(f.currency, 0.0) + f.total
        if fines:
            text += self.m("headline_fines", fines=self.m("sep").join(f"{c} {format_amount(a)}" for c, a in sorted(fines.items())))
        if r.not_evaluated:
            text += self.m("headline_not_evaluated", n=len(r.not_evaluated))
        return text

    def _inputs(self, r: AuditReport) -> list[str]:
        i = r.inputs
        lines = [f"#### {self.m('inputs')}", ""]
        ledger = self.m("ledger", read=i.read, used=i.used, excluded=sum(i.excluded.values()), rejected=i.rejected)
        lines.append(ledger)
        if i.excluded:
            items = " · ".join(f"{self.word(f'table.reason_{k}', k)} {v}" for k, v in i.excluded.items())
            lines += ["", self.m("excluded", items=items)]
        lines.append("")
        cols = ("file", "format", "read", "used", "excluded", "rejected", "status")
        lines += _header(*(self.m(f"col_{c}") for c in cols))
        for f in i.files:
            status = self.word(f"table.status_{f.status}", f.status) + (f": {f.reason}" if f.reason else "")
            lines.append(_row(md_code(f.file), md_text(f.format), str(f.read), str(f.used), str(f.excluded), str(f.rejected), md_text(status)))
        lines.append("")
        items = [self.m("file_note", file=Md(md_code(f.file)), note=note) for f in i.files for note in f.notes]
        items += [self.m("skipped", file=Md(md_code(s.file)), reason=s.reason) for s in i.skipped]
        items += [self.m("note", note=note) for note in i.notes]
        for rej in i.rejections[:MAX_AUDIT_REJECTIONS_SHOWN]:
            reason = self.word(f"table.rejection_{rej.code.split(':')[0]}", rej.reason, reason=rej.reason)
            items.append(self.m("rejected", where=Md(md_code(f"{rej.file}:{rej.line}")), reason=reason, code=Md(md_code(rej.code))))
        if items:
            lines += [f"- {x}" for x in items]
            if i.rejected > MAX_AUDIT_REJECTIONS_SHOWN:
                lines.append(f"- {self.m('more_rejected', n=i.rejected - MAX_AUDIT_REJECTIONS_SHOWN)}")
            lines.append("")
        return lines

    def _shops(self, r: AuditReport) -> list[str]:
        if not r.summary:
            return []
        lines = [f"#### {self.m('shops')}", ""]
        cols = ("shop", "platform", "category", "errors", "warnings", "fines", "eligible")
        lines += _header(*(self.m(f"col_{c}") for c in cols))
        answers = []
        for s in r.summary:
            fines = self.m("sep").join(self.m("fine_item", currency=f.currency, amount=format_amount(f.total), n=f.findings) for f in s.fines)
            eligible = []
            for e in s.eligibility:
                answer = self.m("answer_yes") if e.eligible else self.m("answer_no")
                eligible.append(answer if e.complete else self.m("answer_incomplete", answer=Md(answer)))
                reason = self.pick(e.reason) + ("" if e.complete else " " + self.m("incomplete"))
                plain = self.m("answer_yes") if e.eligible else self.m("answer_no").strip("*")
                answers.append(self.m("eligibility", shop=Md(md_code(s.shop_id)), question=self.pick(e.question, e.check), answer=Md(plain), day=e.day, reason=reason))
            lines.append(_row(
                md_code(s.shop_id), md_text(s.platform or "—"), md_text(s.category or "—"), str(s.findings.get("error", 0)),
                str(s.findings.get("warning", 0)), fines or "—", self.m("sep").join(eligible) or "—",
            ))  # fmt: skip
        lines.append("")
        if answers:
            lines += [*(f"- {a}" for a in answers), ""]
        return lines

    def _consequence(self, c: dict[str, object]) -> str:
        kind = str(c.get("type"))
        text = self.word(f"markdown.consequence_{kind}", md_text(kind))
        if c.get("amount") is not None:
            text += md_text(f" {c.get('currency') or ''} {format_amount(float(c['amount']))}".rstrip())  # type: ignore[arg-type]
        return text

    def _figure(self, v: Violation, unit: str, metric: str) -> str:
        days = [e for e in v.evidence if isinstance(e, DayEvidence) and e.in_streak]
        if v.numerator is not None and v.denominator is not None:
            basis = self.m("basis_ratio", numerator=v.numerator, denominator=v.denominator)
        elif v.numerator is None and days:
            basis = self.n("basis_run", len(days))
        else:
            basis = ""
        return self.m("figure", metric=metric, value=format_value(v.value, unit), op=v.op, threshold=format_value(v.threshold, unit), basis=Md(basis))

    def _findings(self, r: AuditReport, defs: dict[str, MetricDefinition]) -> list[str]:
        if not r.violations:
            return [self.m("no_findings"), ""]
        shown = r.violations[:MAX_AUDIT_FINDINGS_SHOWN]
        lines = [f"#### {md_text(self.m('findings', n=len(r.violations)))}", ""]
        cols = ("severity", "rule", "shop", "period", "figure", "consequence")
        lines += _header(*(self.m(f"col_{c}") for c in cols))
        details: list[str] = []
        for v in shown:
            d = defs.get(v.metric)
            unit = d.unit if d else ""
            metric = self.pick(d.label, v.metric) if d and self.lang == "zh" else v.metric
            sev = self.word(f"common.severity_{v.severity}", v.severity)
            period = span(v.period.start, v.period.end)
            lines.append(_row(
                (f"**{md_text(sev)}**" if v.severity == "error" else md_text(sev)) + _marked(self.lang, v), md_code(v.rule_id), md_code(v.shop_id), period,
                self._figure(v, unit, metric), self._consequence(v.consequence),
            ))  # fmt: skip
            details += self._detail(v, sev, period, unit)
        lines.append("")
        if len(r.violations) > len(shown):
            lines += [self.m("more_findings", n=len(r.violations) - len(shown)), ""]
        return lines + details

    def _detail(self, v: Violation, sev: str, period: str, unit: str) -> list[str]:
        head = self.m("finding_head", severity=sev, rule=Md(md_code(v.rule_id)), shop=Md(md_code(v.shop_id)), period=period)
        lines = [f"##### {head}", ""]
        lines += [md_text(self.pick(v.title)), ""]
        if (said := _governance.mark(self.lang, v)) is not None:
            lines += [f"_{md_text(said)}_", ""]
        if v.rule_version is not None:
            lines += [f"_{md_text(version_note(self.lang, v.rule_version))}_", ""]
        lines += _quote(v.citation.text, v.citation.gloss_en, v.citation.source)
        days = [e for e in v.evidence if isinstance(e, DayEvidence)]
        if days:
            lines += _header(*(self.m(f"col_{c}") for c in ("day", "shop_figure", "peer", "note")))
            for e in days:
                figure = f"{e.value * 100:.1f}% ({e.numerator}/{e.denominator})" if unit == "ratio" and e.denominator is not None else format_value(e.value, unit)
                peer = format_value(e.peer_value, unit) if e.peer_value is not None else self.m("peer_none")
                day = f"**{e.day}**" if e.in_streak else e.day
                lines.append(_row(day, md_text(figure), md_text(peer), md_text(e.note or "")))
            lines.append("")
        units = [e for e in v.evidence if isinstance(e, RoundEvidence)]
        if units:
            shown = units[:MAX_EVIDENCE_ROWS]
            lines += [self.m("evidence_head", shown=len(shown), total=v.evidence_total), ""]
            lines += _header(*(self.m(f"col_{c}") for c in ("record", "msg_id", "ts", "buyer", "outcome")))
            for e in shown:
                ref = e.first_message
                if e.reply is None:
                    outcome = self.m("outcome_unanswered")
                elif e.latency_s is not None:
                    outcome = self.m("outcome_latency", latency=f"{e.latency_s:g}")
                else:
                    outcome = self.m("outcome_answered")
                lines.append(_row(md_code(f"{ref.file}:{ref.line}"), md_code(ref.msg_id) if ref.msg_id else "", md_text(ref.ts), md_code(e.buyer_id), outcome))
            lines.append("")
            if v.evidence_total > len(shown):
                more = "more_evidence_all" if len(units) >= v.evidence_total else "more_evidence"
                lines += [self.m(more, listed=len(units), total=v.evidence_total), ""]
        return lines

    def _flags(self, r: AuditReport) -> list[str]:
        if not r.flags:
            return []
        lines = [f"#### {md_text(self.m('flags', n=len(r.flags)))}", ""]
        if r.flag_notice:
            lines += [f"_{md_text(self.pick(r.flag_notice))}_", ""]
        shown = r.flags[:MAX_FLAGS_SHOWN]
        lines += _header(*(self.m(f"col_{c}") for c in ("severity", "detector", "shop", "agent", "period", "score", "summary")))
        for f in shown:
            summary = f.summary_zh if self.lang == "zh" else f.summary
            lines.append(_row(
                md_text(self.word(f"common.severity_{f.severity}", f.severity)) + _marked(self.lang, f), md_code(f.detector), md_code(f.shop_id),
                md_code(f.agent_id) if f.agent_id else "", span(f.period.start, f.period.end), f"{f.score:.2f}",
                self.m("flag_summary", title=self.pick(f.title), summary=summary),
            ))  # fmt: skip
        lines.append("")
        if len(r.flags) > len(shown):
            lines += [self.m("more_flags", n=len(r.flags) - len(shown)), ""]
        lines += [f"##### {self.m('flag_clauses')}", ""]
        seen: set[str] = set()
        for f in shown:
            if f.detector in seen:
                continue
            seen.add(f.detector)
            lines += [f"**{md_code(f.detector)}** — {md_text(self.pick(f.title))}", ""]
            lines += _quote(f.citation.text, f.citation.gloss_en, f.citation.source)
        return lines

    def _governance(self, r: AuditReport) -> list[str]:
        said = _governance.lines(self.lang, r)
        if not said:
            return []
        lines = [f"#### {md_text(_governance.g(self.lang, 'title'))}", ""]
        lines += [f"- {'**' + md_text(text) + '**' if level == 'warning' else md_text(text)}" for level, text in said]
        held = _governance.baselined(self.lang, r)
        if held:
            lines += ["", f"##### {md_text(held[0])}", ""] + [f"- {md_text(text)}" for text in held[1:]]
        return lines + [""]

    def _not_evaluated(self, r: AuditReport) -> list[str]:
        if not r.not_evaluated:
            return []
        lines = [f"#### {md_text(self.m('not_evaluated', n=len(r.not_evaluated)))}", ""]
        for n in r.not_evaluated:
            shop = md_code(n.shop_id) if n.shop_id else self.m("all_shops")
            item = self.m("not_evaluated_item", rule=Md(md_code(n.rule_id)), shop=Md(shop), reason=n.reason)
            if n.days:
                item += self.m("not_evaluated_days", days=", ".join(n.days))
            lines.append(f"- {item}")
        return [*lines, ""]


def _waived(f: FindingRef) -> str:
    """A diff row's label suffix for a finding the --waivers file accepts in its run (it fails nothing)."""
    return f" · waived ({md_text(f.waiver.id)})" if f.waiver is not None else ""


def _marked(lang: str, x: Violation | Flag) -> str:
    """A severity cell's suffix for a waived or baselined finding: it shows, but does not fail."""
    said = _governance.mark(lang, x, short=True)
    return f" · {md_text(said)}" if said else ""


def _quote(text: str, gloss: str | None, source: str) -> list[str]:
    """A cited clause as a block quote: the Chinese original, the pack's English gloss, the source file."""
    lines = [f"> {md_text(text, line_start=True)}"]
    if gloss:
        lines += [">", f"> _{md_text(gloss)}_"]
    return [*lines, ">", f"> — {md_text(source)}", ""]
