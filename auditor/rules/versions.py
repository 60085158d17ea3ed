"""Rule versions: which entry of a rule judges which figures, so that no rule kind has to know rules change.

A pack may hold several entries with one rule id, each in force over
[`effective_from`, `effective_until`) (docs/rule-versions.md). A figure is
judged on the last day of its period (a daily figure on its day; a figure over
the audited period on the as-of day), by the version in force that day: each
entry is evaluated on a copy of the rule context that keeps only the figures
it judges. A run of days (`peer_streak`) therefore does not continue across a
change: each version sees only its own days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from auditor.engine.days import day_to_iso
from auditor.engine.metrics.base import MetricValue
from auditor.policy.model import Pack, PeerStreakRule, ThresholdRule
from auditor.rules.base import RULE_KINDS, Finding, RuleContext, Unevaluated

RuleSpec = ThresholdRule | PeerStreakRule
Version = tuple[str | None, str | None]  # (effective_from, effective_until) as ISO days; None: open on that side


def version_of(rule: RuleSpec) -> Version | None:
    """The entry's (from, until), or None for an undated rule (its only version, always in force)."""
    return (rule.effective_from, rule.effective_until) if rule.dated else None


def judging_day(v: MetricValue) -> int:
    """The day a figure is judged on: the last day of its period."""
    return v.end_day


def judges(rule: RuleSpec, day: int) -> bool:
    """Whether this entry is the one in force on engine day ``day``."""
    return rule.in_force(date.fromisoformat(day_to_iso(day)))


def restricted(ctx: RuleContext, rule: RuleSpec) -> RuleContext:
    """The context with only the figures this entry judges (all of them when the rule is undated)."""
    if not rule.dated:
        return ctx
    return replace(ctx, values=[v for v in ctx.values if judges(rule, judging_day(v))])


def evaluate(rule: RuleSpec, ctx: RuleContext) -> tuple[list[Finding], list[Unevaluated]]:
    """One entry of the pack's rules judged on the figures whose judging day falls in its range; findings carry the version."""
    found, missed = RULE_KINDS[rule.kind](rule).evaluate(restricted(ctx, rule))
    version = version_of(rule)
    return [replace(f, version=version) for f in found], missed


def in_force(pack: Pack, rule_id: str, day: int) -> RuleSpec | None:
    """The version of ``rule_id`` in force on engine day ``day``; None when no version is (not yet, or no longer)."""
    for r in pack.versions(rule_id):
        if judges(r, day):
            return r
    return None


def entry(pack: Pack, rule_id: str, version: Version | None) -> RuleSpec:
    """The pack entry a finding was judged by: the rule with that id and those dates."""
    for r in pack.versions(rule_id):
        if version_of(r) == version:
            return r
    raise KeyError((rule_id, version))
