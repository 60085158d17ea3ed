"""Applying waivers to a report: pure functions over the AuditReport model and the parsed waiver file; no SQL, no clock.

A waiver is in force up to and including its ``expires`` day, judged against
the report's as-of day (never the wall clock), so the same inputs always give
the same report. A finding matched by a waiver in force stays in the report,
marked with the waiver (the first in file order that matches it), and no
longer counts toward ``--fail-on``. An expired waiver applies to nothing and
is listed with the findings it would have matched; a waiver in force that
matches nothing is stale. Neither changes the exit status.
"""

from __future__ import annotations

from auditor.models import AuditReport, Flag, Period, Violation, WaiverMark, WaiverOutcome, WaiverUse
from auditor.policy.waivers import Waiver, WaiverFile


def covers(w: Waiver, rule_id: str, shop_id: str, agent_id: str | None, start: str, end: str) -> bool:
    """Whether waiver ``w`` is about this finding: its rule or detector, its shop, its agent if it names one, its period within [from, to]."""
    if w.rule != rule_id or w.shop != shop_id:
        return False
    if w.agent is not None and w.agent != agent_id:
        return False
    if w.start is not None and w.end is not None and not (w.start <= start and end <= w.end):  # ISO days order as text
        return False
    return True


def _about(x: Violation | Flag) -> tuple[str, str, str | None, str, str]:
    if isinstance(x, Violation):
        return x.rule_id, x.shop_id, None, x.period.start, x.period.end
    return x.detector, x.shop_id, x.agent_id, x.period.start, x.period.end


def _use(w: Waiver, hits: list[str]) -> WaiverUse:
    return WaiverUse(
        id=w.id, rule=w.rule, shop=w.shop, agent=w.agent,
        period=Period(start=w.start, end=w.end) if w.start is not None and w.end is not None else None,
        reason=w.reason, approved_by=w.approved_by, expires=w.expires, line=w.line, findings=hits,
    )  # fmt: skip


def apply_waivers(report: AuditReport, file: WaiverFile) -> tuple[AuditReport, WaiverOutcome]:
    """The report with its waived findings marked, and what each waiver did (applied, expired or stale)."""
    findings: list[Violation | Flag] = [*report.violations, *report.flags]
    outcome = WaiverOutcome(file=file.file, sha256=file.sha256)
    marks: dict[str, WaiverMark] = {}
    for w in file.waivers:
        hits = [x.fingerprint for x in findings if covers(w, *_about(x))]
        if w.expires < report.as_of:
            outcome.expired.append(_use(w, hits))
        elif not hits:
            outcome.stale.append(_use(w, hits))
        else:
            outcome.applied.append(_use(w, hits))
            for h in hits:
                marks.setdefault(h, WaiverMark(id=w.id, reason=w.reason, approved_by=w.approved_by, expires=w.expires))
    outcome.waived = len(marks)
    marked = report.model_copy(
        update={
            "violations": [v.model_copy(update={"waiver": marks.get(v.fingerprint)}) for v in report.violations],
            "flags": [f.model_copy(update={"waiver": marks.get(f.fingerprint)}) for f in report.flags],
        }
    )
    return marked, outcome
