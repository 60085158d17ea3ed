"""`csv`: the audit's findings for a spreadsheet — one row per violation, per flag and per rule check not evaluated.

Columns (the header row is worded in the report's language, ``--lang``; the
order never changes):

  kind                  ``violation``, ``flag``, ``not_evaluated``, ``waiver_expired`` or ``waiver_stale`` (a code, never translated)
  rule_or_detector      the rule id, or the detector name
  shop_id, agent_id     the shop; the agent for a per-agent flag (empty otherwise)
  period_start/end      the local days the row is about (empty for a rule check not evaluated)
  severity              ``error``, ``warning`` or ``info`` (a code)
  metric, value, op, threshold, numerator, denominator
                        the figure against its line (violations; empty for flags); a
                        rate is a fraction (0.198020 = 19.8 %), a time in seconds
  score                 a flag's score in [0, 1]
  consequence_type, consequence_amount, consequence_currency
                        what the rule costs (``fine``, 1000, ``CNY``; ``activity_ban``; …)
  title                 the rule's or detector's title in the report's language
  summary               a flag's summary in the report's language; why a rule check was not evaluated
  citation_source, citation_text, citation_gloss_en
                        the clause cited, in the original Chinese, with the pack's English gloss
  evidence_total        how many rounds, inquiries or items stand behind the row
  first_evidence        the first record listed as evidence, as ``file:line``
  governance            a waived finding's waiver (id, reason, approver, expiry) or ``baselined``;
                        for a row of kind ``waiver_expired`` or ``waiver_stale`` (a warning about
                        the --waivers file), the waiver's id

The file is UTF-8 *with* a byte-order mark, because Excel reads a BOM-less
CSV in the machine's ANSI code page and garbles Chinese; other tools skip the
BOM. Quoting follows RFC 4180 (the ``csv`` module, CRLF line ends; a cell
holding a comma, quote or line break is quoted). Text cells from the data or a
pack that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
are prefixed with ``'`` so that a spreadsheet shows them instead of running
them as a formula (OWASP, CSV injection). Number cells are written by this
module from the report's figures and are left as numbers; no figure in a
report is negative, so none starts with ``-`` anyway.
"""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

from auditor.i18n import t
from auditor.models import AuditReport, Flag, NotEvaluated, RoundEvidence, Violation
from auditor.report import _governance
from auditor.report.base import Reporter, register

COLUMNS = (
    "kind", "rule_or_detector", "shop_id", "agent_id", "period_start", "period_end", "severity",
    "metric", "value", "op", "threshold", "numerator", "denominator", "score",
    "consequence_type", "consequence_amount", "consequence_currency", "title", "summary",
    "citation_source", "citation_text", "citation_gloss_en", "evidence_total", "first_evidence", "governance",
)  # fmt: skip
NUMERIC = {"value", "threshold", "numerator", "denominator", "score", "consequence_amount", "evidence_total"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show, never evaluate: a leading formula character gets a ``'`` before it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(x: float | int | None) -> str:
    """A figure as plain decimal text: no exponent, no trailing zeros (the report already rounds to 6 decimals)."""
    if x is None:
        return ""
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _first_record(value: Any) -> str:
    """The first record pointer ({file, line, …}) inside a flag's evidence item, as file:line."""
    if isinstance(value, dict):
        if "file" in value and "line" in value:
            return f"{value['file']}:{value['line']}"
        for v in value.values():
            found = _first_record(v)
            if found:
                return found
    if isinstance(value, list):
        for v in value:
            found = _first_record(v)
            if found:
                return found
    return ""


@register
class CsvReporter(Reporter):
    name = "csv"
    suffix = ".csv"

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([t(self.lang, f"csv.col_{c}") for c in COLUMNS])
        rows = [self._violation(v) for v in report.violations] + [self._flag(f) for f in report.flags]
        rows += [self._not_evaluated(n) for n in report.not_evaluated]
        rows += self._waivers(report)
        for row in rows:
            w.writerow([row.get(c, "") if c in NUMERIC else neutralise(str(row.get(c, ""))) for c in COLUMNS])
        out.write((BOM + buf.getvalue()).encode("utf-8"))

    def _text(self, texts: dict[str, str]) -> str:
        return texts.get(self.lang) or texts.get("en", "")

    def _violation(self, v: Violation) -> dict[str, object]:
        c = v.consequence
        first = next((e.first_message for e in v.evidence if isinstance(e, RoundEvidence)), None)
        return {
            "kind": "violation", "rule_or_detector": v.rule_id, "shop_id": v.shop_id, "agent_id": "",
            "period_start": v.period.start, "period_end": v.period.end, "severity": v.severity,
            "metric": v.metric, "value": number(v.value), "op": v.op, "threshold": number(v.threshold),
            "numerator": number(v.numerator), "denominator": number(v.denominator),
            "consequence_type": c.get("type") or "", "consequence_amount": number(c.get("amount")),
            "consequence_currency": c.get("currency") or "", "title": self._text(v.title),
            "citation_source": v.citation.source, "citation_text": v.citation.text, "citation_gloss_en": v.citation.gloss_en or "",
            "evidence_total": number(v.evidence_total), "first_evidence": f"{first.file}:{first.line}" if first else "",
            "governance": _governance.mark(self.lang, v) or "",
        }  # fmt: skip

    def _flag(self, f: Flag) -> dict[str, object]:
        return {
            "kind": "flag", "rule_or_detector": f.detector, "shop_id": f.shop_id, "agent_id": f.agent_id or "",
            "period_start": f.period.start, "period_end": f.period.end, "severity": f.severity, "score": number(f.score),
            "title": self._text(f.title), "summary": f.summary_zh if self.lang == "zh" else f.summary,
            "citation_source": f.citation.source, "citation_text": f.citation.text, "citation_gloss_en": f.citation.gloss_en or "",
            "evidence_total": number(f.evidence_total), "first_evidence": _first_record(f.evidence),
            "governance": _governance.mark(self.lang, f) or "",
        }  # fmt: skip

    def _waivers(self, r: AuditReport) -> list[dict[str, object]]:
        """Expired and stale waivers as warning rows (kind ``waiver_expired``, ``waiver_stale``)."""
        w = r.governance.waivers if r.governance else None
        if w is None:
            return []
        g = _governance.g
        rows: list[dict[str, object]] = [
            {"kind": "waiver_expired", "rule_or_detector": u.rule, "shop_id": u.shop, "agent_id": u.agent or "", "severity": "warning",
             "summary": g(self.lang, "expired", id=u.id, expires=u.expires, as_of=r.as_of, n=len(u.findings)), "governance": u.id}
            for u in w.expired
        ]
        rows += [
            {"kind": "waiver_stale", "rule_or_detector": u.rule, "shop_id": u.shop, "agent_id": u.agent or "", "severity": "warning",
             "summary": g(self.lang, "stale", id=u.id, rule=u.rule, shop=u.shop), "governance": u.id}
            for u in w.stale
        ]
        return rows

    @staticmethod
    def _not_evaluated(n: NotEvaluated) -> dict[str, object]:
        days = f" ({', '.join(n.days)})" if n.days else ""
        return {"kind": "not_evaluated", "rule_or_detector": n.rule_id, "shop_id": n.shop_id or "", "summary": n.reason + days}
