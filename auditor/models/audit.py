"""The report as pydantic models: what the library returns and every reporter renders.

Field names follow CONTRACT §3 and may be added to, never renamed. Floats are
rounded to 6 decimals when the report is built, so every format shows the
same figure and reruns give the same bytes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from auditor.models.fingerprint import finding_fingerprint

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
    """A round (kind `round`) or an inquiry (kind `inquiry`: a buyer's local day) behind a figure."""

    kind: Literal["round", "inquiry"] = "round"
    buyer_id: str
    first_message: RecordRef = Field(description="The round's first buyer message; for an inquiry, the buyer's first message that day.")
    reply: RecordRef | None = Field(description="The reply that closed the round; for an inquiry, the reply to its first round that helps the figure.")
    buyer_messages: int
    latency_s: float | None
    agent_id: str | None
    counted_good: bool = Field(description="Whether the unit helps the figure (e.g. answered within the limit).")
    rounds: int | None = Field(default=None, description="For an inquiry: how many rounds the buyer opened that day.")


class DayEvidence(_Model):
    """One day of a streak finding: the shop's daily figure beside the peer level, or why the streak stopped."""

    kind: Literal["day"] = "day"
    day: str
    value: float
    numerator: float | int
    denominator: int | None
    peer_value: float | None = Field(description="The peer level that day, from --peers; null when the file has none.")
    in_streak: bool
    note: str | None = None


Evidence = Annotated[RoundEvidence | DayEvidence, Field(discriminator="kind")]


class RuleVersion(_Model):
    """The dates of one version of a rule (docs/rule-versions.md): in force from `effective_from` (inclusive) until `effective_until` (exclusive)."""

    effective_from: str | None = Field(default=None, description="First local day in force; null: since always.")
    effective_until: str | None = Field(default=None, description="First local day no longer in force (exclusive); null: still in force.")


class WaiverMark(_Model):
    """The waiver in force that accepts a finding (docs/waivers-and-baselines.md): the finding stays, marked, and does not fail the run."""

    id: str
    reason: str
    approved_by: str
    expires: str = Field(description="The last day the waiver is in force (inclusive), YYYY-MM-DD.")


class Violation(_Model):
    rule_id: str
    shop_id: str
    period: Period
    severity: str
    metric: str
    value: float
    threshold: float
    op: str
    numerator: float | int | None = Field(description="Null when the value is a mean of daily figures (a streak); see `days`.")
    denominator: int | None
    title: dict[str, str]
    consequence: dict[str, Any]
    citation: Citation
    evidence: list[Evidence]
    evidence_total: int = Field(description="How many rounds or inquiries stand behind the figure; `evidence` lists the worst of them.")
    fingerprint: str = Field(default="", description="The finding's stable identity (kind, rule, shop, period; never lines); computed.")
    waiver: WaiverMark | None = Field(default=None, description="The waiver that accepts this finding; a waived finding does not fail the run.")
    baselined: bool = Field(default=False, description="In the --baseline file: an old finding, listed but not failing the run.")
    rule_version: RuleVersion | None = Field(
        default=None, description="The version of the rule in force on the finding's last day, which judged it; null when the rule is undated."
    )

    @model_validator(mode="after")
    def _identity(self) -> Violation:
        self.fingerprint = finding_fingerprint("violation", self.rule_id, self.shop_id, None, self.period.start, self.period.end)
        return self


class Flag(_Model):
    """A gaming lead: a pattern seen in a shop's or agent's records, scored in [0, 1]. A lead to check, not a verdict."""

    detector: str
    shop_id: str
    agent_id: str | None
    period: Period
    score: float = Field(description="How strongly the records show the pattern, in [0, 1]; the pack's doc says how it is computed.")
    summary: str = Field(description="What was seen, in plain English.")
    summary_zh: str = Field(description="What was seen, in plain Chinese.")
    title: dict[str, str]
    measures: dict[str, float | int] = Field(description="The numbers the score is computed from.")
    evidence: list[dict[str, Any]]
    evidence_total: int = Field(description="How many items stand behind the flag; `evidence` lists the strongest of them.")
    citation: Citation
    severity: str = "warning"
    fingerprint: str = Field(default="", description="The finding's stable identity (kind, detector, shop, agent, period; never lines); computed.")
    waiver: WaiverMark | None = Field(default=None, description="The waiver that accepts this flag; a waived flag does not fail the run.")
    baselined: bool = Field(default=False, description="In the --baseline file: an old finding, listed but not failing the run.")

    @model_validator(mode="after")
    def _identity(self) -> Flag:
        self.fingerprint = finding_fingerprint("flag", self.detector, self.shop_id, self.agent_id, self.period.start, self.period.end)
        return self


class NotEvaluated(_Model):
    rule_id: str
    shop_id: str | None
    reason: str
    days: list[str] = Field(default_factory=list, description="When only some days could not be judged: those days.")


class Fine(_Model):
    currency: str
    total: float
    findings: int


class Eligibility(_Model):
    """The answer to one of the pack's eligibility questions for a shop on the as-of day."""

    check: str
    question: dict[str, str]
    day: str
    eligible: bool
    complete: bool = Field(description="False when a rule that could bar the shop could not be evaluated; `reason` says which.")
    reason: dict[str, str] = Field(description="Why, in plain words (zh, en).")
    rule_id: str | None = Field(description="The rule that bars the shop, or the one whose figure shows it is clear.")
    metric: str | None
    value: float | None
    op: str | None
    threshold: float | None


class ShopSummary(_Model):
    shop_id: str
    platform: str | None
    category: str | None
    findings: dict[str, int] = Field(description="Violations and flags per severity.")
    fines: list[Fine] = Field(description="Total of the fines in the period, per currency.")
    eligibility: list[Eligibility]


class MetricDefinition(_Model):
    id: str
    kind: str
    unit: str = Field(description="ratio (a fraction in [0, 1]), seconds or count.")
    label: dict[str, str]
    doc: dict[str, str]
    citation: Citation | None = None


class RuleInfo(_Model):
    """A rule or detector of the pack, whether or not it found anything (for formats that list what was checked)."""

    id: str = Field(description="The rule id, or the detector name.")
    type: Literal["rule", "detector"]
    kind: str = Field(description="The rule kind (threshold, peer_streak) or the detector.")
    title: dict[str, str]
    doc: dict[str, str]
    severity: str
    metric: str | None = None
    op: str | None = None
    threshold: float | None = None
    consequence: dict[str, Any] | None = None
    citation: Citation
    rule_version: RuleVersion | None = Field(
        default=None, description="For a rule with versions (one RuleInfo each): the days this version is in force; null when undated."
    )


class HoursWindow(_Model):
    start: str = Field(description="HH:MM local, inclusive.")
    end: str = Field(description="HH:MM local, exclusive; 24:00 is midnight.")


class LatencyMark(_Model):
    """A latency the pack draws a line at: a metric's `within_seconds` or `max_latency_seconds`."""

    seconds: float
    metrics: list[str] = Field(description="The metrics whose setting this is, in pack order.")


class RuleLine(_Model):
    """A threshold of the pack's rules on a rate metric, drawn across the daily chart."""

    metric: str
    value: float
    op: str
    rules: list[str] = Field(description="The threshold rules on `metric` with this value, in pack order.")


class DayFigure(_Model):
    day: str
    value: float
    numerator: float | int
    denominator: int | None


class DailySeries(_Model):
    """Per-day figures of a rate metric the pack figures over the whole period (per-day metrics are in `metrics`)."""

    metric: str
    days: list[DayFigure]


class PeerDay(_Model):
    metric: str = Field(description="The shop's daily metric the peer level is compared with.")
    day: str
    value: float


class ShopProfile(_Model):
    """One shop's chart data, over the used records of the audited period."""

    shop_id: str
    latency: list[int] = Field(
        description="Answered rounds in service hours per latency bin: bin i holds latencies in (i*bin, (i+1)*bin] seconds "
        "(bin 0 includes 0); the last bin holds everything above `latency_max_seconds`."
    )
    unanswered: int = Field(description="Rounds in service hours left unanswered (not in `latency`).")
    hours: list[int] = Field(description="Rounds opened per local hour of day, 0-23 (in and out of service hours).")
    daily: list[DailySeries] = Field(default_factory=list)
    peers: list[PeerDay] = Field(default_factory=list, description="The peer level of the shop's category per day, from --peers.")


class ChartData(_Model):
    """What the charts of the human formats draw; marks and lines come from the pack, never from code."""

    latency_bin_seconds: int
    latency_max_seconds: int = Field(description="The end of the last regular bin; one overflow bin follows.")
    service_hours: list[HoursWindow] = Field(description="The pack's daily service windows, HH:MM local, [start, end).")
    latency_marks: list[LatencyMark]
    rule_lines: list[RuleLine]
    shops: list[ShopProfile]


class SideFile(_Model):
    """A side input of a run: the path as the user gave it (never resolved) and the sha256 of its bytes."""

    path: str
    digest: str = Field(description="sha256:<64 hex> of the file's bytes as read.")


class RunInfo(_Model):
    """What is needed to run the audit again and get the same bytes (`auditor verify`; docs/reproducible-runs.md)."""

    policy: str = Field(description="The --policy as given: a built-in name or a pack directory (relative paths stay relative).")
    as_of: str = Field(description="The as-of day the run settled on (given with --as-of or the latest day in the data).")
    max_record_bytes: int
    shops: SideFile | None = None
    peers: SideFile | None = None
    waivers: SideFile | None = None
    baseline: SideFile | None = None


class WaiverUse(_Model):
    """A waiver of the --waivers file and the findings it matched (by fingerprint)."""

    id: str
    rule: str
    shop: str
    agent: str | None = None
    period: Period | None = Field(default=None, description="The span the waiver covers (from, to as start, end); null: any period.")
    reason: str
    approved_by: str
    expires: str
    line: int | None = Field(default=None, description="Where the waiver starts in its file.")
    findings: list[str] = Field(default_factory=list, description="Fingerprints of the findings it matches (for an expired waiver: would have).")


class WaiverOutcome(_Model):
    """What the --waivers file did: waivers applied, expired (not applied; a warning) and stale (matching nothing)."""

    file: str = Field(description="The file as given.")
    sha256: str = Field(description="sha256:<64 hex> of its bytes.")
    applied: list[WaiverUse] = Field(default_factory=list)
    expired: list[WaiverUse] = Field(default_factory=list, description="`expires` is before the as-of day: the waiver no longer applies.")
    stale: list[WaiverUse] = Field(default_factory=list, description="In force but matching no finding: remove it, or fix its rule, shop or period.")
    waived: int = Field(default=0, description="How many findings are waived.")


class BaselineFinding(_Model):
    """A finding as a baseline file records it: its identity and enough to say what it was."""

    fingerprint: str
    type: Literal["violation", "flag"]
    rule_id: str = Field(description="The rule id, or the detector name of a flag.")
    shop_id: str
    agent_id: str | None = None
    period: Period
    severity: str


class BaselineOutcome(_Model):
    """What the --baseline file did: the findings it knew (baselined, not failing), the new ones, and its entries now gone."""

    file: str = Field(description="The file as given.")
    sha256: str = Field(description="sha256:<64 hex> of its bytes.")
    policy: PolicyRef
    as_of: str = Field(description="The as-of day the baseline was written on.")
    matched: int
    new: int
    findings: list[BaselineFinding] = Field(default_factory=list, description="Today's findings that the baseline holds: listed, not failing.")
    gone: list[BaselineFinding] = Field(default_factory=list, description="Baseline entries no longer found (fixed, or judged over another period).")


class Governance(_Model):
    """Waivers and baseline applied to the findings (docs/waivers-and-baselines.md)."""

    waivers: WaiverOutcome | None = None
    baseline: BaselineOutcome | None = None
    notes: list[str] = Field(default_factory=list, description="Warnings about the governance files that did not stop the audit.")


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
    flag_notice: dict[str, str] | None = Field(default=None, description="Present when there are flags: what a flag is and is not.")
    summary: list[ShopSummary] = Field(default_factory=list, description="Per shop: findings, fines in the period, eligibility on the as-of day.")
    definitions: list[MetricDefinition] = Field(default_factory=list, description="What each metric in `metrics` means, from the pack.")
    rules: list[RuleInfo] = Field(default_factory=list, description="Every rule and enabled detector the pack ran, in pack order.")
    charts: ChartData | None = Field(
        default=None, description="Per shop: the latency histogram, rounds per hour of day, daily series and peer levels the charts draw."
    )
    run: RunInfo | None = Field(default=None, description="The settings and side-file digests that reproduce this report (`auditor verify`).")
    governance: Governance | None = Field(default=None, description="Present with --waivers or --baseline: what they accepted, and their warnings.")

    def findings_at_or_above(self, level: str) -> int:
        """How many violations and flags are at or above `level` (error > warning > info); waived and baselined ones never count."""
        order = {"info": 0, "warning": 1, "error": 2}
        if level == "never":
            return 0
        floor = order[level]
        return sum(1 for x in [*self.violations, *self.flags] if order[x.severity] >= floor and x.waiver is None and not x.baselined)
