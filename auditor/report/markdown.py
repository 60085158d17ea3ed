"""`markdown`: documents as GitHub-flavoured Markdown, fit to post as a pull-request comment.

One Reporter class per document; today the diff (`auditor diff --format
markdown`). Every piece of text that comes from the data or a pack (shop ids,
rule ids, titles, quoted clauses, values) goes through ``md_text`` or
``md_code``, so a `|`, a backtick, a newline or an HTML tag in it can neither
break a table nor inject markup. Long lists are capped, saying how many more
the JSON report has, because a comment has a size limit.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from auditor.models import DiffReport, FindingRef, ShopChange
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe
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
                label, f.severity, md_code(f.shop_id), md_code(what(f)), span(f.period.start, f.period.end),
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
                    "changed", sev, md_code(b.shop_id), md_code(what(b)), span(b.period.start, b.period.end),
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
