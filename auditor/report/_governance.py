"""Waivers and baselines in words, for every human format: a finding's mark, the governance warnings, the baselined list.

Plain text from the ``governance`` catalogue in the report's language; each
format escapes it its own way. Nothing here decides what is waived: that is
in the report (``Violation.waiver``, ``baselined``, ``AuditReport.governance``).
"""

from __future__ import annotations

from typing import Literal

from auditor.i18n import t
from auditor.models import AuditReport, Flag, Violation

Level = Literal["info", "warning"]


def g(lang: str, key: str, /, **values: object) -> str:
    return t(lang, f"governance.{key}", **values)


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start}…{end}"


def mark(lang: str, x: Violation | Flag, *, short: bool = False) -> str | None:
    """What a finding's waiver or baseline says about it, or None for a finding that fails as usual."""
    parts = []
    if x.waiver is not None:
        w = x.waiver
        parts.append(g(lang, "waived_short", id=w.id) if short else g(lang, "waived", id=w.id, reason=w.reason, approved_by=w.approved_by, expires=w.expires))
    if x.baselined:
        parts.append(g(lang, "baselined_short" if short else "baselined"))
    return "; ".join(parts) or None


def lines(lang: str, r: AuditReport) -> list[tuple[Level, str]]:
    """The governance section: what the waiver file and the baseline did, expired and stale waivers as warnings; empty without either."""
    gov = r.governance
    if gov is None:
        return []
    out: list[tuple[Level, str]] = []
    if gov.waivers is not None:
        w = gov.waivers
        out.append(("info", g(lang, "waivers_line", file=w.file, applied=len(w.applied), waived=w.waived)))
        out += [("warning", g(lang, "expired", id=u.id, expires=u.expires, as_of=r.as_of, n=len(u.findings))) for u in w.expired]
        out += [("warning", g(lang, "stale", id=u.id, rule=u.rule, shop=u.shop)) for u in w.stale]
    if gov.baseline is not None:
        b = gov.baseline
        out.append(("info", g(lang, "baseline_line", file=b.file, as_of=b.as_of, matched=b.matched, new=b.new, gone=len(b.gone))))
    out += [("warning", g(lang, "note", note=n)) for n in gov.notes]
    return out


def baselined(lang: str, r: AuditReport) -> list[str]:
    """The baselined findings, one line each (the section "baselined (not failing)"); empty when none."""
    if r.governance is None or r.governance.baseline is None or not r.governance.baseline.findings:
        return []
    held = r.governance.baseline.findings
    return [g(lang, "baselined_title", n=len(held))] + [
        g(lang, "baselined_item", rule=b.rule_id, shop=b.shop_id, agent=g(lang, "agent", agent=b.agent_id) if b.agent_id else "",
          span=_span(b.period.start, b.period.end), severity=b.severity)
        for b in held
    ]  # fmt: skip


def accepted(lang: str, r: AuditReport) -> str | None:
    """How many findings are shown but do not fail the run (waived, baselined); None without governance."""
    if r.governance is None:
        return None
    found = [*r.violations, *r.flags]
    return g(lang, "accepted", waived=sum(1 for x in found if x.waiver is not None), baselined=sum(1 for x in found if x.baselined))
