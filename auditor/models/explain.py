"""What `auditor explain` returns: the trace behind one figure, from the pack's definition down to the records.

An ``Explanation`` holds one figure of one shop (or one agent) over its period
or day: the definition the pack gives it, its counts exactly as the audit
reports them, every unit behind it (a round, or an inquiry: a buyer's local
day) with whether and why it counts, and the shop's records that were
excluded or rejected. A person can redo the arithmetic from it by hand.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auditor.models.audit import Citation, Period, PolicyRef, RecordRef, RuleVersion, _Model


class ExplainDefinition(_Model):
    """The metric as the pack defines it, with every setting that shapes its figure."""

    metric: str
    kind: str = Field(description="The metric kind: round_rate, round_latency, buyer_count or buyer_rate.")
    unit: str = Field(description="ratio (a fraction in [0, 1]), seconds or count.")
    counts: Literal["round", "inquiry"] = Field(description="What one unit of the figure is: a round, or an inquiry (a buyer's local day).")
    label: dict[str, str]
    doc: dict[str, str]
    citation: Citation | None = None
    by: list[str]
    per: str = Field(description="`period`: one figure over the audited period; `day`: one per local day.")
    timezone: str
    service_hours: list[str] = Field(description="Local windows, `HH:MM-HH:MM`, start inclusive, end exclusive.")
    service_hours_only: bool
    first_round_of_day: bool
    within_seconds: float | None = None
    max_latency_seconds: float | None = None
    valid_reply_roles: list[str] = Field(description="Roles whose `message` records close a round.")
    exclusions: dict[str, Any] = Field(description="The pack's exclusion switches (system, non_genuine_kinds, same_shop, duplicates).")


class FigureCounts(_Model):
    """One figure's numbers: the same numerator, denominator and value as the audit report's metric row."""

    metric: str
    shop_id: str
    agent_id: str | None
    period: Period
    unit: str
    numerator: float | int | None = Field(description="Null when there is no figure.")
    denominator: int | None = Field(description="Null for a count (CONTRACT §7.8) and when there is no figure.")
    value: float | None = Field(description="Null when there is no figure: nothing to divide by.")
    arithmetic: str = Field(description="The sum spelled out, e.g. `answered within 180 s: 1 of 2 rounds = 0.5`, or why there is no figure.")


class ConditionCheck(_Model):
    """One comparison a rule makes: the figure, the operator and the threshold, and whether it holds."""

    metric: str
    op: str
    threshold: float
    counts: FigureCounts
    holds: bool | None = Field(description="Null when the metric has no figure for this shop and period.")


class RuleTrace(_Model):
    """The rule asked about and its verdict on this figure."""

    id: str
    kind: str
    title: dict[str, str]
    doc: dict[str, str]
    severity: str
    metric: str
    op: str
    threshold: float | None = Field(description="Null for a streak rule: its threshold is the peer level of each day.")
    min_days: int | None = None
    conditions: list[ConditionCheck] = Field(description="The main comparison, then each `also_when` condition.")
    consequence: dict[str, Any]
    citation: Citation
    verdict: Literal["violated", "met", "not_evaluated"]
    reason: str = Field(description="The verdict in plain words.")
    findings: list[Period] = Field(default_factory=list, description="Periods of this rule's findings for the shop that cover the figure.")
    rule_version: RuleVersion | None = Field(default=None, description="Of a rule with versions, the one in force on the judged day; null when undated.")


class ReplyRef(RecordRef):
    role: str
    sender_id: str | None


class NotAReply(RecordRef):
    """A record after the question that may look like an answer but does not close the round."""

    role: str
    kind: str
    note: str = Field(description="Why it is not a reply under this pack.")


class TracedUnit(_Model):
    """One round, or one inquiry (a buyer's local day), and how the figure treats it."""

    kind: Literal["round", "inquiry"]
    buyer_id: str
    day: str = Field(description="The local day the unit belongs to (that of its first buyer message).")
    opened: RecordRef = Field(description="The first buyer message of the round (of the buyer's day, for an inquiry).")
    opened_local_time: str = Field(description="Local time of day of the first buyer message, HH:MM:SS[.fff].")
    reply: ReplyRef | None = Field(description="The valid reply that closed the round (for an inquiry: of its first round that helps the figure).")
    buyer_messages: int
    rounds: int | None = Field(default=None, description="For an inquiry: how many counted rounds the buyer opened that day.")
    latency_s: float | None
    in_service_hours: bool
    first_of_day: bool | None = Field(default=None, description="For a round: whether it is the buyer's first round of the day.")
    agent_id: str | None
    in_denominator: bool
    in_numerator: bool = Field(description="For a latency figure: its latency is in the sum; for a rate: it helps the figure.")
    why: str | None = Field(description="Why it is not in the numerator or denominator, in plain words; null when it counts fully.")
    not_a_reply: NotAReply | None = Field(default=None, description="The first record after the question that did not close it, if any.")


class ExcludedRecord(RecordRef):
    reason: str = Field(description="The exclusion code: system, non_genuine, same_shop, duplicate, out_of_period.")
    buyer_id: str
    role: str
    kind: str
    day: str


class ExcludedBlock(_Model):
    counts: dict[str, int] = Field(description="The shop's excluded records per reason, in the order the reasons are applied.")
    records: list[ExcludedRecord] = Field(description="In input order (file, line), at most `limit` of them.")
    not_shown: int


class RejectedRecord(_Model):
    file: str
    line: int
    code: str
    reason: str


class RejectedBlock(_Model):
    total: int = Field(description="Records rejected in the whole input, whatever their shop.")
    for_shop: int = Field(description="Rejected records whose `shop_id` field names this shop.")
    records: list[RejectedRecord] = Field(description="Those records in input order, at most `limit` of them.")
    not_shown: int


class Explanation(_Model):
    auditor_version: str
    policy: PolicyRef
    as_of: str
    period: Period = Field(description="The audited period.")
    shop_id: str
    agent_id: str | None
    metric: str
    figure_period: Period = Field(description="The figure's span: the audited period, or one day for a daily metric.")
    definition: ExplainDefinition
    rule: RuleTrace | None = None
    counts: FigureCounts
    units: list[TracedUnit] = Field(description="Every unit of the shop (or agent) in the figure's span, in time order.")
    excluded: ExcludedBlock
    rejected: RejectedBlock
    limit: int = Field(description="The most excluded or rejected records listed.")

    def violated(self) -> bool:
        return self.rule is not None and self.rule.verdict == "violated"
