"""What `auditor diff` returns: how a pack change moves verdicts, fines, eligibility and figures on the same data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auditor.models.audit import Citation, Fine, Inputs, Period, PolicyRef, RecordRef, RuleVersion, WaiverMark, WaiverOutcome, _Model


class KeyChange(_Model):
    key: str = Field(description="Dotted key inside the item, e.g. `also_when.value`.")
    old: Any = None
    new: Any = None


class PackChange(_Model):
    """An item of the pack (rule, metric, detector, eligibility check, or pack-level setting) added, removed or changed."""

    section: Literal["pack", "metrics", "rules", "detectors", "eligibility"]
    id: str
    change: Literal["added", "removed", "changed"]
    keys: list[KeyChange] = Field(default_factory=list, description="For `changed`: each key with its old and new value.")
    title: dict[str, str] | None = Field(
        default=None, description="The item's title (a metric's label, a check's question), from the new pack, or the old one when removed."
    )
    citation: Citation | None = Field(default=None, description="The clause the item cites, from the new pack, or the old one when removed.")


class FindingRef(_Model):
    """A violation or flag, identified by what it is about (never by line numbers)."""

    kind: Literal["violation", "flag"]
    rule_id: str = Field(description="The rule id, or the detector name for a flag.")
    shop_id: str
    agent_id: str | None = None
    period: Period
    severity: str
    title: dict[str, str]
    value: float | None = None
    threshold: float | None = None
    op: str | None = None
    metric: str | None = Field(default=None, description="The metric whose figure is `value`; null for a flag (its value is the score).")
    consequence: dict[str, Any] | None = None
    citation: Citation
    location: RecordRef | None = Field(default=None, description="The first record of the evidence, to point at in the data.")
    waiver: WaiverMark | None = Field(default=None, description="The waiver (--waivers) that accepts this finding in its run.")
    rule_version: RuleVersion | None = Field(default=None, description="The version of the rule that judged the violation; null when undated.")


class FindingChange(_Model):
    """The same finding under both packs, with a different figure, threshold, severity or consequence."""

    before: FindingRef
    after: FindingRef


class EligibilityFlip(_Model):
    check: str
    day: str
    before: bool | None = Field(description="Eligible under the old pack; null when the old pack had no answer.")
    after: bool | None


class ShopChange(_Model):
    shop_id: str
    added: list[FindingRef] = Field(default_factory=list, description="Findings only the new pack gives.")
    resolved: list[FindingRef] = Field(default_factory=list, description="Findings only the old pack gave.")
    changed: list[FindingChange] = Field(default_factory=list)
    fines_before: list[Fine] = Field(default_factory=list)
    fines_after: list[Fine] = Field(default_factory=list)
    eligibility: list[EligibilityFlip] = Field(default_factory=list)


class MetricMove(_Model):
    metric: str
    shop_id: str
    agent_id: str | None
    period: Period
    before: float | None
    after: float | None


class DiffReport(_Model):
    auditor_version: str
    old: PolicyRef
    new: PolicyRef
    as_of: str
    period: Period
    inputs: Inputs
    pack_changes: list[PackChange]
    shops: list[ShopChange] = Field(description="Only shops whose verdicts, fines or eligibility change.")
    metrics: list[MetricMove] = Field(description="Figures that differ between the two runs (or exist in only one).")
    units: dict[str, str] = Field(
        default_factory=dict, description="Each metric's unit (ratio, seconds, count), from the new pack, then the old, to show figures in."
    )
    waivers: WaiverOutcome | None = Field(default=None, description="With --waivers: what the waiver file did in the new pack's run.")

    def added_at_or_above(self, level: str) -> int:
        """How many findings the new pack adds at or above `level` (error > warning > info); a waived one does not count."""
        order = {"info": 0, "warning": 1, "error": 2}
        if level == "never":
            return 0
        return sum(1 for s in self.shops for f in s.added if order.get(f.severity, 0) >= order[level] and f.waiver is None)
