"""The report as pydantic models: what the library returns and every reporter renders.

Field names follow CONTRACT §3 and may be added to, never renamed. Floats are
rounded to 6 decimals when the report is built, so every format shows the
same figure and reruns give the same bytes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FLOAT_DECIMALS = 6


def fix(x: float | int | None) -> float | int | None:
    """The one rounding rule for figures in reports."""
    if x is None or isinstance(x, int):
        return x
    r = round(float(x), FLOAT_DECIMALS)
    return 0.0 if r == 0 else r


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Model):
    start: str
    end: str


class PolicyRef(_Model):
    name: str
    version: str
    digest: str


class Rejection(_Model):
    file: str
    line: int
    code: str = Field(description="Stable reason code, e.g. missing:ts, invalid_json.")
    reason: str = Field(description="The reason in a sentence.")
    excerpt: str | None = None


class FileInfo(_Model):
    file: str
    format: str
    status: str
    read: int
    used: int
    excluded: int
    rejected: int
    reason: str | None = None
    notes: list[str] = Field(default_factory=list)


class SkippedFile(_Model):
    file: str
    reason: str


class Inputs(_Model):
    read: int
    used: int
    excluded: dict[str, int]
    rejected: int
    rejections: list[Rejection]
    files: list[FileInfo] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Problems with side inputs (--shops) that did not stop the audit.")


class MetricRow(_Model):
    shop_id: str
    agent_id: str | None
    metric: str
    period: Period
    value: float
    numerator: float | int
    denominator: int | None


class Citation(_Model):
    source: str
    text: str
    gloss_en: str | None = None


class RecordRef(_Model):
    file: str
    line: int
    msg_id: str | None
    ts: str = Field(description="The timestamp as written in the input.")


class RoundEvidence(_Model):
    kind: str = "round"
    buyer_id: str
    first_message: RecordRef
    reply: RecordRef | None
    buyer_messages: int
    latency_s: float | None
    agent_id: str | None
    counted_good: bool = Field(description="Whether the round helps the figure (e.g. answered within the limit).")


class Violation(_Model):
    rule_id: str
    shop_id: str
    period: Period
    severity: str
    metric: str
    value: float
    threshold: float
    op: str
    numerator: float | int
    denominator: int | None
    title: dict[str, str]
    consequence: dict[str, Any]
    citation: Citation
    evidence: list[RoundEvidence]
    evidence_total: int = Field(description="How many rounds stand behind the figure; `evidence` lists the worst of them.")


class Flag(_Model):
    detector: str
    shop_id: str
    agent_id: str | None
    period: Period
    score: float
    summary: str
    evidence: list[dict[str, Any]]
    citation: Citation
    severity: str = "warning"


class NotEvaluated(_Model):
    rule_id: str
    shop_id: str | None
    reason: str


class MetricDefinition(_Model):
    id: str
    kind: str
    unit: str = Field(description="ratio (a fraction in [0, 1]), seconds or count.")
    label: dict[str, str]
    doc: dict[str, str]
    citation: Citation | None = None


class AuditReport(_Model):
    auditor_version: str
    policy: PolicyRef
    as_of: str
    period: Period
    inputs: Inputs
    metrics: list[MetricRow]
    violations: list[Violation]
    flags: list[Flag]
    not_evaluated: list[NotEvaluated] = Field(default_factory=list)
    definitions: list[MetricDefinition] = Field(default_factory=list, description="What each metric in `metrics` means, from the pack.")

    def findings_at_or_above(self, level: str) -> int:
        """How many violations and flags are at or above `level` (error > warning > info)."""
        order = {"info": 0, "warning": 1, "error": 2}
        if level == "never":
            return 0
        floor = order[level]
        return sum(1 for v in self.violations if order[v.severity] >= floor) + sum(
            1 for f in self.flags if order[f.severity] >= floor
        )
