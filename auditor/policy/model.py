"""The policy pack model: the single source of truth for what a pack may say.

The published JSON Schema (``schema/pack.schema.json``, ``auditor schema``) is
generated from these classes, so a field documented here is a field an editor
can complete. Every model forbids unknown keys: a typo in a pack is an error,
never a silently ignored setting.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1

_HHMM = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A phrase in both languages the reports speak."""

    zh: str = Field(min_length=1, description="Chinese wording.")
    en: str = Field(min_length=1, description="English wording.")


class Citation(_Strict):
    """The rule text a figure or finding rests on, quoted from a source file in the pack."""

    source: str = Field(
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="File name of the source article under the pack's `sources/` folder.",
    )
    quote: str = Field(min_length=1, description="The exact clause, in the original language, as it stands in the source.")
    gloss_en: str | None = Field(default=None, description="An English gloss of the clause, for readers without Chinese.")


class ServiceWindow(_Strict):
    """A daily window of local time, [start, end). `24:00` ends at midnight."""

    start: str = Field(pattern=_HHMM, description="Local start time, HH:MM (inclusive).")
    end: str = Field(pattern=_HHMM, description="Local end time, HH:MM (exclusive); 24:00 means midnight.")

    def seconds(self) -> tuple[int, int]:
        def s(v: str) -> int:
            h, m = v.split(":")
            return int(h) * 3600 + int(m) * 60

        return s(self.start), s(self.end)


class Period(_Strict):
    """The audited period: `days` local days ending on the as-of day."""

    days: int = Field(ge=1, le=366, description="How many local days the audit covers, ending on --as-of.")


class Replies(_Strict):
    """Which messages answer a buyer (a 'valid reply', 有效回复)."""

    valid_roles: list[Literal["agent", "bot"]] = Field(
        min_length=1,
        description="Roles whose `message` records close a round. Leave out `bot` where automatic replies do not count.",
    )
    doc: Text | None = None


class Exclusions(_Strict):
    """Records left out before anything is counted (CONTRACT §4); each switch names its reason code."""

    system: bool = Field(default=True, description="Exclude role `system` records (reason `system`).")
    non_genuine_kinds: list[Literal["ad", "notice"]] = Field(
        default_factory=lambda: ["ad", "notice"],
        description="Buyer-side record kinds that are not genuine inquiries (reason `non_genuine`).",
    )
    same_shop: bool = Field(
        default=True,
        description="Exclude conversations whose buyer is one of the shop's own accounts, from --shops (reason `same_shop`).",
    )
    duplicates: bool = Field(default=True, description="Count a repeated (shop_id, msg_id) once (reason `duplicate`).")


class EvidenceSettings(_Strict):
    """How much evidence a finding carries in the report (totals are always exact)."""

    max_rounds: int = Field(default=20, ge=0, le=10000, description="Rounds listed per finding, worst first.")


class _MetricBase(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Metric name as it appears in reports.")
    label: Text
    doc: Text = Field(description="What the figure means, in plain words.")
    by: list[Literal["shop", "agent"]] = Field(
        default_factory=lambda: ["shop"],
        min_length=1,
        description="Group figures per shop and/or per agent (the sender_id of the closing reply).",
    )
    per: Literal["period", "day"] = Field(default="period", description="One figure over the audited period, or one per local day.")
    service_hours_only: bool = Field(default=True, description="Count only rounds whose first buyer message is inside service hours.")
    first_round_of_day: bool = Field(
        default=False,
        description="Count only the first round of each (shop, buyer, local day); later rounds never stand in for it.",
    )
    citation: Citation | None = None

    @field_validator("by")
    @classmethod
    def _unique_by(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("`by` lists a grouping twice")
        return v


class RoundRateMetric(_MetricBase):
    """Share of rounds answered (within a time limit, when one is set)."""

    kind: Literal["round_rate"]
    within_seconds: float | None = Field(
        default=None,
        gt=0,
        description="A round counts in the numerator when answered with latency ≤ this; null: answered at all (same local day).",
    )


class RoundLatencyMetric(_MetricBase):
    """Mean latency, in seconds, of answered rounds."""

    kind: Literal["round_latency"]
    max_latency_seconds: float | None = Field(
        default=None,
        gt=0,
        description="Answered rounds slower than this are left out of the mean (the platform stops timing); null: keep all.",
    )


class BuyerCountMetric(_MetricBase):
    """Distinct buyers who opened at least one counted round (咨询人数): per shop, one per (buyer, local day).

    Over a span longer than a day the figure is the sum of the daily counts, so a
    buyer who asks on three days counts three times.
    """

    kind: Literal["buyer_count"]


class BuyerRateMetric(_MetricBase):
    """Share of inquiring buyers (per local day) with at least one counted round answered that day (回复率)."""

    kind: Literal["buyer_rate"]
    within_seconds: float | None = Field(
        default=None,
        gt=0,
        description="A buyer counts in the numerator when one of their rounds is answered with latency ≤ this; null: answered at all.",
    )


Metric = Annotated[RoundRateMetric | RoundLatencyMetric | BuyerCountMetric | BuyerRateMetric, Field(discriminator="kind")]
MetricSpec = RoundRateMetric | RoundLatencyMetric | BuyerCountMetric | BuyerRateMetric


class Consequence(_Strict):
    """What the platform does when the rule is broken."""

    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="none, activity_ban, fine, downrank, …")
    amount: float | None = Field(default=None, ge=0, description="For fines: the amount.")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="For fines: ISO 4217 currency code.")
    doc: Text | None = None


class Condition(_Strict):
    """A comparison of a metric's figure with a fixed value."""

    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    op: Literal[">", ">=", "<", "<="]
    value: float


class _RuleBase(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", description="Stable rule id, `pack.rule`.")
    title: Text
    doc: Text = Field(description="What the rule asks and why, in plain words.")
    severity: Literal["error", "warning", "info"]
    consequence: Consequence
    citation: Citation
    effective_from: str | None = Field(
        default=None,
        pattern=_DAY,
        description="First local day (YYYY-MM-DD, inclusive) this version of the rule is in force; absent: since always. "
        "Entries sharing an id are versions of one rule and must cover a contiguous range without overlap (docs/rule-versions.md).",
    )
    effective_until: str | None = Field(
        default=None,
        pattern=_DAY,
        description="The local day (YYYY-MM-DD, EXCLUSIVE) from which this version no longer applies, usually the next version's "
        "`effective_from`; absent: still in force.",
    )

    @property
    def dated(self) -> bool:
        """Whether the entry is one version of a rule that changed (it carries `effective_from` or `effective_until`)."""
        return self.effective_from is not None or self.effective_until is not None

    def in_force(self, day: date) -> bool:
        """Whether this version applies on local day ``day``: from <= day < until."""
        return (self.effective_from is None or date.fromisoformat(self.effective_from) <= day) and (
            self.effective_until is None or day < date.fromisoformat(self.effective_until)
        )


class ThresholdRule(_RuleBase):
    """A finding for every figure of `metric` (per shop and period) that meets `op value` and every `also_when`."""

    kind: Literal["threshold"]
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The metric judged; its figure is the finding's value.")
    op: Literal[">", ">=", "<", "<="]
    value: float = Field(description="The threshold the figure is compared with.")
    also_when: list[Condition] = Field(
        default_factory=list,
        description="Further conditions on other metrics of the same shop and period, all of which must hold.",
    )


class PeerStreakRule(_RuleBase):
    """One finding per run of `min_days` or more consecutive days on which the shop's daily figure is `op` the peer level.

    The peer level comes from the --peers file: the column named `peer_column` for
    the day and the shop's category (from --shops). Days with no figure neither
    break nor extend a run; a day with a figure but no peer level breaks it.
    """

    kind: Literal["peer_streak"]
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="A daily metric (`per: day`) of the shop.")
    op: Literal[">", ">=", "<", "<="] = Field(description="The day counts toward a run when `figure op peer level`.")
    min_days: int = Field(ge=1, le=366, description="How many consecutive days with figures make a run.")
    peer_column: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Column of the --peers file holding the peer level; default: the metric's id.",
    )

    @property
    def peer_key(self) -> str:
        return self.peer_column or self.metric


Rule = Annotated[ThresholdRule | PeerStreakRule, Field(discriminator="kind")]


class EligibilityCheck(_Strict):
    """A yes/no question a seller asks (e.g. may I sign up for activities?), answered per shop on the as-of day."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable id of the check, e.g. `activities`.")
    question: Text = Field(description="The question, as a seller would ask it.")
    doc: Text = Field(description="How the answer is reached, in plain words.")
    blocked_by: list[str] = Field(
        min_length=1,
        description="Rule ids; a finding of any of them whose period includes the as-of day makes the answer no. "
        "Of a rule with versions, the version in force on the as-of day is meant.",
    )


class _DetectorBase(_Strict):
    """A gaming detector: a pattern sellers use to lift their figures, scored in [0, 1] per shop or agent.

    A flag is a lead for a person to check, not a verdict. Flags scoring at or
    above `min_score` are reported; each cites the clause the pattern exploits.
    """

    enabled: bool = Field(default=True, description="Switch the detector off without deleting its settings.")
    title: Text
    doc: Text = Field(description="What the pattern is and what the score means, in plain words.")
    severity: Literal["error", "warning", "info"] = Field(default="warning", description="Severity of its flags (counts for --fail-on).")
    min_score: float = Field(default=0.5, ge=0, le=1, description="Flags scoring below this are not reported.")
    citation: Citation


class DelayedReplyDetector(_DetectorBase):
    """Slow replies piling up just past a timing cut-off (a cliff), compared with the latencies just before it and further out."""

    detector: Literal["delayed_reply"]
    cut_seconds: float = Field(default=1800, gt=0, description="The cut-off past which the platform stops timing a wait.")
    window_seconds: float = Field(default=120, gt=0, description="Width of the pile just past the cut, (cut, cut + window].")
    neighbour_windows: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Width, in windows, of each neighbouring band the pile is compared with: (cut - n*window, cut] before it and "
        "(cut + window, cut + (n+1)*window] beyond it. Wider bands predict the pile with less noise.",
    )
    noise_sd: float = Field(
        default=1.5,
        ge=0,
        description="Allowance for chance: the pile must exceed the neighbours' prediction by this many times sqrt(prediction + 1) "
        "(Poisson count noise) before any of it counts as excess. 0 turns the allowance off.",
    )
    min_pile: int = Field(
        default=6,
        ge=1,
        description="Rounds in the pile for a full-strength score; fewer scale it down (score = excess / max(pile, min_pile)).",
    )
    by: list[Literal["shop", "agent"]] = Field(default_factory=lambda: ["agent", "shop"], min_length=1, description="Score per agent and/or per shop.")


class CloseReopenDetector(_DetectorBase):
    """Sessions closed before any reply and answered later without the buyer writing again: the wait the platform did not time."""

    detector: Literal["close_reopen"]
    min_untimed_seconds: float = Field(default=60, ge=0, description="A pair counts when the reply comes at least this long after the close.")
    pairs_for_full_score: int = Field(default=3, ge=1, description="Pairs in the period that make the score 1; fewer scale it.")
    by: list[Literal["shop", "agent"]] = Field(default_factory=lambda: ["agent", "shop"], min_length=1, description="Score per agent and/or per shop.")


class BotAsHumanDetector(_DetectorBase):
    """Role-`agent` messages that no person types: templated texts, inhuman speed, machine-regular latencies."""

    detector: Literal["bot_as_human"]
    max_chars_per_minute: float = Field(
        default=300, gt=0, description="A reply faster than this (its length over the time since the round's first buyer message) no person types."
    )
    template_min_buyers: int = Field(default=5, ge=2, description="A normalised text sent to at least this many buyers is a template.")
    min_messages: int = Field(default=20, ge=1, description="Agents with fewer messages in the period are not scored.")
    min_chars: int = Field(
        default=10, ge=1, description="Only texts at least this long (characters, whitespace not counted) count for the template and speed signals."
    )
    regular_window_seconds: float = Field(
        default=2, gt=0, description="Replies whose latencies all fall within a window this wide are clockwork; regularity is the largest such share."
    )
    share_for_full: float = Field(
        default=0.4,
        gt=0,
        le=1,
        description="The share of an agent's replies that, fast or clockwork, makes the speed or regularity signal 1; smaller shares scale it.",
    )
    weights: dict[Literal["template", "speed", "regularity"], float] = Field(
        default_factory=lambda: {"template": 0.3, "speed": 0.4, "regularity": 0.3},
        description="Weights of the three signals in the score (missing = 0); they are normalised to sum to 1.",
    )

    @field_validator("weights")
    @classmethod
    def _some_weight(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return v


class FakeChatDetector(_DetectorBase):
    """Inquiries from friendly accounts: trivial rounds answered at once, the same buyers across shops, bunched on some days."""

    detector: Literal["fake_chat"]
    trivial_max_chars: int = Field(
        default=6, ge=0, description="A buyer message at most this many characters long (spaces around it not counted; empty or absent = 0) is trivial."
    )
    answer_within_seconds: float = Field(
        default=30, gt=0, description="A trivial round (one buyer message) counts toward the pattern when a valid reply came within this many seconds."
    )
    min_shops: int = Field(
        default=2,
        ge=1,
        description="A buyer whose every round in the period is trivial is in a ring when seen in at least this many shops; "
        "1 lets a single shop's own trivial-only buyers form a ring.",
    )
    min_ring_buyers: int = Field(default=5, ge=1, description="Ring buyers a shop needs for a full-strength score; fewer scale it.")
    share_for_full_signal: float = Field(
        default=0.15,
        gt=0,
        le=1,
        description="The ring's share of the shop's inquiries on the days it was active (averaged over its inquiries) that gives a full "
        "share signal; share signal = min(1, share / this).",
    )
    stake_margin: float = Field(
        default=0.1,
        ge=0,
        description="A threshold rule is at stake on a figure when, without the ring's inquiries, each of its conditions holds or misses "
        "by at most this fraction of its threshold (0.1: a rate under 0.55 is near a 0.5 floor), and the ring moves the figure away "
        "from breaking it. 0: only figures the rule breaks without the ring.",
    )
    stake_boost: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="How far the score moves towards 1 when the ring's inquiries fall on figures where a rule is at stake: "
        "score = base + stake_boost * stake * (1 - base), stake = the share of ring inquiries on such figures. Below 0.5, a stake "
        "alone never makes a lead. 0 turns the boost off.",
    )
    weights: dict[Literal["share", "bunching"], float] = Field(
        default_factory=lambda: {"share": 0.6, "bunching": 0.4},
        description="Weights of the ring's share of the shop's inquiries and of how the ring bunches on few days (missing = 0); normalised to sum to 1.",
    )

    @field_validator("weights")
    @classmethod
    def _some_fake_chat_weight(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return v


Detector = Annotated[
    DelayedReplyDetector | CloseReopenDetector | BotAsHumanDetector | FakeChatDetector,
    Field(discriminator="detector"),
]
DetectorSpec = DelayedReplyDetector | CloseReopenDetector | BotAsHumanDetector | FakeChatDetector


class Pack(_Strict):
    """A policy pack: a platform's rules as data."""

    schema_version: Literal[1] = Field(description="Version of this pack format.")
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(min_length=1, description="The pack's own version, reported with every audit.")
    title: Text
    timezone: str = Field(description="IANA time zone of the platform's local day, e.g. Asia/Shanghai.")
    period: Period
    service_hours: list[ServiceWindow] = Field(min_length=1, description="Daily windows of local time that hours-bound metrics count.")
    replies: Replies
    exclusions: Exclusions = Field(default_factory=Exclusions)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    metrics: list[Metric] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    eligibility: list[EligibilityCheck] = Field(default_factory=list, description="Questions answered per shop on the as-of day.")
    detectors: list[Detector] = Field(default_factory=list, description="Gaming detectors and their settings; leave one out or set `enabled: false` to switch it off.")

    def metric(self, metric_id: str) -> MetricSpec:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)

    def rule(self, rule_id: str, day: date | None = None) -> ThresholdRule | PeerStreakRule:
        """The rule entry with this id; of a rule with several versions, the one in force on ``day`` (default: the latest)."""
        versions = self.versions(rule_id)
        if not versions:
            raise KeyError(rule_id)
        if day is not None:
            for r in versions:
                if r.in_force(day):
                    return r
        return versions[-1]

    def versions(self, rule_id: str) -> list[ThresholdRule | PeerStreakRule]:
        """Every entry with this id, oldest version first (an undated rule is its only version)."""
        return sorted((r for r in self.rules if r.id == rule_id), key=lambda r: r.effective_from or "")

    def service_seconds(self) -> list[tuple[int, int]]:
        return [w.seconds() for w in self.service_hours]

