"""`threshold`: a finding for each shop figure that meets `op value` and every `also_when` condition."""

from __future__ import annotations

from auditor.engine.evidence import FigureKey, rounds_behind
from auditor.policy.model import ThresholdRule
from auditor.policy.ops import OPS
from auditor.rules.base import (
    Finding,
    RuleContext,
    RuleKind,
    Unevaluated,
    register,
)


@register
class Threshold(RuleKind):
    kind = "threshold"
    spec: ThresholdRule

    def evaluate(self, ctx: RuleContext) -> tuple[list[Finding], list[Unevaluated]]:
        rule = self.spec
        others = {
            c.metric: {(v.shop_id, v.start_day, v.end_day): v.value for v in ctx.shop_values(c.metric)} for c in rule.also_when
        }
        hits = []
        for v in ctx.shop_values(rule.metric):
            if not OPS[rule.op](v.value, rule.value):
                continue
            key = (v.shop_id, v.start_day, v.end_day)
            if all(key in others[c.metric] and OPS[c.op](others[c.metric][key], c.value) for c in rule.also_when):
                hits.append(v)
        keys = [FigureKey(v.shop_id, v.start_day, v.end_day) for v in hits]
        evidence = rounds_behind(ctx.con, ctx.kinds[rule.metric], keys, limit=ctx.pack.evidence.max_rounds)
        findings = [
            Finding(rule.id, v.shop_id, v.start_day, v.end_day, rule.metric, v.value, rule.value, rule.op, v.numerator, v.denominator, *evidence[k])
            for v, k in zip(hits, keys, strict=True)
        ]
        return findings, []
