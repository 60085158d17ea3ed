"""What `auditor precheck` returns: one shop's self-check on the as-of day, as data a seller's words are made from.

A ``Precheck`` answers three questions for one shop: may it sign up for what
the pack's eligibility checks guard (and on which figure, line and clause);
what its daily rules put at stake today (each condition's figure against its
line, and how far it is from holding); and what to fix (the buyers still
waiting, the slowest agents, the gaming patterns the platform can see too).
Every figure comes from the audit report of the same run; the wording is the
reporters' business (message catalogues), so this document holds no sentence
of its own beyond the pack's texts and the audit's reasons.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auditor.models.audit import Citation, Fine, Period, PolicyRef, _Model

Verdict = Literal["eligible", "at_risk", "not_eligible", "no_data"]


class PrecheckEligibility(_Model):
    """One of the pack's eligibility questions, answered for the shop on the as-of day (from the audit's summary)."""

    check: str
    question: dict[str, str]
    eligible: bool
    complete: bool = Field(description="False when a rule that could bar the shop could not be evaluated.")
    reason: dict[str, str] = Field(description="The audit's own answer in a sentence (zh, en).")
    rule_id: str | None
    rule_title: dict[str, str] | None = None
    metric: str | None
    label: dict[str, str] | None = Field(default=None, description="The metric's name in the pack (zh, en).")
    unit: str | None = None
    value: float | None
    numerator: float | int | None = None
    denominator: int | None = None
    op: str | None
    threshold: float | None
    citation: Citation | None = Field(default=None, description="The clause of the rule behind the answer, in the original Chinese with the English gloss.")


class StakeCondition(_Model):
    """One comparison of a daily rule on the as-of day: the figure, the line, whether it holds, and how far it is."""

    metric: str
    label: dict[str, str]
    unit: str = Field(description="ratio, seconds or count.")
    value: float | None = Field(description="Today's figure; null when there is none (nothing to count that day).")
    numerator: float | int | None = None
    denominator: int | None = None
    op: str
    threshold: float
    holds: bool | None = Field(description="Whether the comparison holds today; null without a figure.")
    reach: int | None = Field(
        default=None, description="For a count that does not hold yet: the nearest whole figure at which it would (`> 100` → 101)."
    )
    more: int | None = Field(default=None, description="For a count that does not hold yet: reach − today's figure (how many more).")


class Stake(_Model):
    """A daily rule on the as-of day: what it costs and how close the shop is to it."""

    rule_id: str
    title: dict[str, str]
    severity: str
    counts: Literal["round", "inquiry"] = Field(description="What one unit of the rule's figure is: a round, or an inquiring buyer.")
    condition: StakeCondition = Field(description="The rule's main comparison.")
    also_when: list[StakeCondition] = Field(default_factory=list, description="The further conditions, each of which must also hold.")
    consequence: dict[str, Any] = Field(description="type, and amount and currency for a fine.")
    consequence_doc: dict[str, str] | None = None
    citation: Citation
    broken_today: bool = Field(description="The audit has a finding of this rule for the shop on the as-of day.")
    one_step: bool = Field(description="Not broken, but the main comparison holds and only counts that more units would reach stand between.")
    answers_needed: int | None = Field(
        default=None, description="When the main comparison holds on a rate: how many of today's unanswered units must be answered to clear it."
    )
    margin: int | None = Field(
        default=None, description="When it does not hold on a rate: how many more unanswered units today would make it hold."
    )


class WaitingBuyer(_Model):
    """A buyer whose question on the as-of day got no valid reply that day, with the record to open."""

    buyer_id: str
    file: str
    line: int
    msg_id: str | None
    ts: str = Field(description="The first unanswered question's timestamp as written in the input.")
    asked_at: str = Field(description="Local time of day of that question, HH:MM:SS.")
    waiting_s: float = Field(description="Seconds from the question to the last record of the day in the input.")
    buyer_messages: int
    in_figure: bool = Field(description="Whether the buyer counts in the figure (false: e.g. outside service hours).")


class SlowAgent(_Model):
    """An agent's figure on a metric a rule judges (rules judge shop figures; this shows who drives it)."""

    agent_id: str
    metric: str
    label: dict[str, str]
    unit: str
    value: float
    numerator: float | int
    denominator: int | None
    period: Period
    rule_id: str
    op: str
    threshold: float
    over_line: bool = Field(description="Whether the agent's own figure meets the rule's comparison (is on the wrong side of the line).")


class GamingFlag(_Model):
    """A gaming lead the audit raised for the shop: a lead to check, not a verdict."""

    detector: str
    title: dict[str, str]
    agent_id: str | None
    period: Period
    score: float
    severity: str
    summary: dict[str, str] = Field(description="What was seen, in plain words (zh, en).")
    citation: Citation = Field(description="The clause the pattern exploits.")
    evidence_total: int


class PeriodFinding(_Model):
    """A violation of the shop in the audited period."""

    rule_id: str
    title: dict[str, str]
    severity: str
    period: Period
    metric: str
    label: dict[str, str]
    unit: str
    value: float
    op: str
    threshold: float
    consequence: dict[str, Any]
    citation: Citation


class Reason(_Model):
    """One reason for the verdict, as a code the reporters put into words, with what it points at."""

    code: Literal[
        "barred", "incomplete", "broken_today", "one_step", "finding_today", "flag", "no_checks", "no_figure_today", "no_data", "clear"
    ]
    ref: str | None = Field(default=None, description="The check, rule or detector the reason is about.")


class Precheck(_Model):
    auditor_version: str
    policy: PolicyRef
    policy_title: dict[str, str]
    shop_id: str
    platform: str | None
    category: str | None
    as_of: str
    period: Period = Field(description="The audited period (the pack's days back to the as-of day).")
    data_until: str | None = Field(description="Local time of the last record of the as-of day in the input, HH:MM:SS; waits are measured to it.")
    verdict: Verdict
    reasons: list[Reason]
    eligibility: list[PrecheckEligibility] = Field(description="Empty when the pack asks no eligibility question.")
    stakes: list[Stake] = Field(description="Each threshold rule on a daily metric, judged on the as-of day.")
    waiting_metric: str | None = Field(description="The metric whose units list the waiting buyers; null when the pack judges no rate.")
    waiting: list[WaitingBuyer] = Field(description="Buyers unanswered on the as-of day, oldest question first, at most `waiting_limit`.")
    waiting_total: int
    waiting_limit: int
    slow_agents: list[SlowAgent] = Field(description="Per metric a rule judges per agent: the shop's agents, worst first.")
    flags: list[GamingFlag]
    findings: list[PeriodFinding] = Field(description="The shop's violations in the audited period, by period.")
    fines: list[Fine] = Field(description="Total of the fines in the period, per currency.")

    def exit_code(self) -> int:
        """0 eligible and nothing at stake; 1 otherwise (not eligible, at risk, or no data to judge)."""
        return 0 if self.verdict == "eligible" else 1
