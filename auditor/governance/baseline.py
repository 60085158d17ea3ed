"""Baselines: today's findings written down, so later runs fail only on new ones.

A baseline file is deterministic JSON (``auditor_baseline: 1``, the pack, the
as-of day and every finding of the day, sorted, each with its fingerprint:
kind, rule or detector, shop, agent, period — never line numbers). Waived
findings are recorded too: a baseline is what the day held, and a waiver may
lapse. Applying a baseline marks each finding whose fingerprint it holds as
``baselined`` (listed, not failing) and lists its entries no longer found
(``gone``: fixed, or judged over a different period — a rolling figure
re-judged on a later as-of day has a new period, hence a new fingerprint).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.errors import InputError
from auditor.models import AuditReport, BaselineFinding, BaselineOutcome, Flag, PolicyRef, Violation

BASELINE_VERSION = 1
HINT = "write one with `auditor audit … --write-baseline FILE`"


class BaselineFile(BaseModel):
    """The file's shape; read strictly so a wrong file is refused, not half-used."""

    model_config = ConfigDict(extra="forbid")

    auditor_baseline: Literal[1]
    policy: PolicyRef
    as_of: str
    findings: list[BaselineFinding]


@dataclass(frozen=True)
class Baseline:
    file: str  # as the user gave it
    sha256: str
    content: BaselineFile


def _entry(x: Violation | Flag) -> BaselineFinding:
    if isinstance(x, Violation):
        return BaselineFinding(
            fingerprint=x.fingerprint, type="violation", rule_id=x.rule_id, shop_id=x.shop_id, agent_id=None, period=x.period, severity=x.severity
        )
    return BaselineFinding(
        fingerprint=x.fingerprint, type="flag", rule_id=x.detector, shop_id=x.shop_id, agent_id=x.agent_id, period=x.period, severity=x.severity
    )


def _order(b: BaselineFinding) -> tuple[str, ...]:
    return (b.shop_id, b.period.start, b.period.end, b.type, b.rule_id, b.agent_id or "", b.fingerprint)


def baseline_bytes(report: AuditReport) -> bytes:
    """The baseline of a report: every finding (waived and baselined ones too), sorted; the same report gives the same bytes."""
    doc = BaselineFile(
        auditor_baseline=BASELINE_VERSION,
        policy=report.policy,
        as_of=report.as_of,
        findings=sorted((_entry(x) for x in [*report.violations, *report.flags]), key=_order),
    )
    return (json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; a missing, unparsable or foreign file is an InputError naming the file (and line) and the fix."""
    shown = Path(path).as_posix()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the baseline: {exc.strerror}", file=shown, hint=HINT) from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("the baseline is not UTF-8 JSON", file=shown, hint=HINT) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"the baseline is not valid JSON: {exc.msg}", file=shown, line=exc.lineno, hint=HINT) from None
    if not isinstance(data, dict) or "auditor_baseline" not in data:
        raise InputError("not an auditor baseline file (no `auditor_baseline` key)", file=shown, hint=HINT)
    try:
        content = BaselineFile.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        raise InputError(f"the baseline has a bad entry at `{where}`: {e['msg']}", file=shown, hint=f"rewrite it: {HINT}") from None
    return Baseline(file=shown, sha256="sha256:" + hashlib.sha256(raw).hexdigest(), content=content)


def apply_baseline(report: AuditReport, baseline: Baseline) -> tuple[AuditReport, BaselineOutcome, list[str]]:
    """The report with the findings the baseline holds marked ``baselined``, what the baseline did, and warnings about it."""
    known = {b.fingerprint for b in baseline.content.findings}
    marked = report.model_copy(
        update={
            "violations": [v.model_copy(update={"baselined": v.fingerprint in known}) for v in report.violations],
            "flags": [f.model_copy(update={"baselined": f.fingerprint in known}) for f in report.flags],
        }
    )
    today = [*marked.violations, *marked.flags]
    seen = {x.fingerprint for x in today}
    held = sorted((_entry(x) for x in today if x.baselined), key=_order)
    outcome = BaselineOutcome(
        file=baseline.file,
        sha256=baseline.sha256,
        policy=baseline.content.policy,
        as_of=baseline.content.as_of,
        matched=len(held),
        new=len(today) - len(held),
        findings=held,
        gone=sorted((b for b in baseline.content.findings if b.fingerprint not in seen), key=_order),
    )
    notes = []
    if baseline.content.policy.name != report.policy.name:
        notes.append(
            f"the baseline {baseline.file} was written under pack `{baseline.content.policy.name}`, this audit runs `{report.policy.name}`: "
            "its findings name another pack's rules, so few or none will match"
        )
    return marked, outcome, notes
