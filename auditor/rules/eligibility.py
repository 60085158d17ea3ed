"""Eligibility answers: may the shop do X on the as-of day, per the pack's `eligibility` checks.

A check names the rules that bar a shop; the answer is no when one of them
has a finding whose period includes the as-of day. Of a rule with versions,
the one in force on the as-of day is meant. The answer carries the
figure behind it either way, so a seller sees by how much they pass or fail,
and says when a barring rule could not be evaluated for the shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.engine.days import day_to_iso
from auditor.engine.metrics.base import MetricKind, MetricValue
from auditor.policy.model import EligibilityCheck, Pack
from auditor.rules.base import Finding, Unevaluated
from auditor.rules.versions import entry, in_force

# How a comparison reads in each language; `not_` is said of a figure that passes.
OP_WORDS = {
    ">": {"zh": "高于", "en": "above", "not_zh": "未高于", "not_en": "not above"},
    ">=": {"zh": "不低于", "en": "at or above", "not_zh": "低于", "not_en": "below"},
    "<": {"zh": "低于", "en": "below", "not_zh": "未低于", "not_en": "not below"},
    "<=": {"zh": "不高于", "en": "at or below", "not_zh": "高于", "not_en": "above"},
}


@dataclass(frozen=True)
class Answer:
    shop_id: str
    check: EligibilityCheck
    day: int
    eligible: bool
    complete: bool
    reason_zh: str
    reason_en: str
    rule_id: str | None = None
    metric: str | None = None
    value: float | None = None
    op: str | None = None
    threshold: float | None = None


def shown(value: float, unit: str) -> str:
    """A figure as a person reads it: rates in percent, seconds with a unit, counts whole."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        return f"{value:.1f} s"
    return f"{value:g}"


def answer_checks(
    pack: Pack,
    shops: list[str],
    day: int,
    findings: list[Finding],
    unevaluated: list[Unevaluated],
    values: list[MetricValue],
    kinds: dict[str, MetricKind],
) -> list[Answer]:
    iso = day_to_iso(day)
    covering = {(f.rule_id, f.shop_id): f for f in sorted(findings, key=lambda f: f.start_day) if f.start_day <= day <= f.end_day}
    missed = {(u.rule_id, u.shop_id) for u in unevaluated if not u.days or day in u.days} | {(u.rule_id, None) for u in unevaluated if u.shop_id is None}
    figure = {(v.metric, v.shop_id): v for v in values if v.agent_id is None and v.start_day <= day <= v.end_day}
    out: list[Answer] = []
    for shop in shops:
        for check in pack.eligibility:
            out.append(_answer(pack, check, shop, day, iso, covering, missed, figure, kinds))
    return out


def _answer(pack, check, shop, day, iso, covering, missed, figure, kinds) -> Answer:  # type: ignore[no-untyped-def]
    not_judged = [rid for rid in check.blocked_by if (rid, shop) in missed or (rid, None) in missed]
    complete = not not_judged
    caveat_zh = f"（注意：{'、'.join(not_judged)} 无法评估）" if not_judged else ""
    caveat_en = f" (note: {', '.join(not_judged)} could not be evaluated)" if not_judged else ""
    for rid in check.blocked_by:
        f = covering.get((rid, shop))
        if f is None:
            continue
        rule = entry(pack, rid, f.version)
        unit = kinds[f.metric].unit
        label = pack.metric(f.metric).label
        period_zh = f"{iso} " if f.start_day == f.end_day else f"截至 {iso} 的连续多日"
        period_en = f"on {iso}" if f.start_day == f.end_day else f"over a run of days including {iso}"
        w = OP_WORDS[f.op]
        return Answer(
            shop, check, day, False, complete,
            f"{period_zh}{label.zh}为 {shown(f.value, unit)}，{w['zh']} {shown(f.threshold, unit)}：{rule.title.zh}{caveat_zh}",
            f"{label.en} {period_en} was {shown(f.value, unit)}, {w['en']} {shown(f.threshold, unit)}: {rule.title.en}{caveat_en}",
            rid, f.metric, f.value, f.op, f.threshold,
        )
    for rid in check.blocked_by:
        rule = in_force(pack, rid, day)  # a rule with versions: the one in force on the as-of day
        if rule is None or rule.kind != "threshold":
            continue
        v = figure.get((rule.metric, shop))
        label = pack.metric(rule.metric).label
        if v is None:
            return Answer(
                shop, check, day, True, complete,
                f"{iso} 没有{label.zh}数据（当天无可计算的咨询），没有规则阻止{caveat_zh}",
                f"no {label.en} figure on {iso} (nothing to count that day), so no rule bars the shop{caveat_en}",
                rid, rule.metric, None, rule.op, rule.value,
            )
        unit = kinds[rule.metric].unit
        w = OP_WORDS[rule.op]
        return Answer(
            shop, check, day, True, complete,
            f"{iso} {label.zh}为 {shown(v.value, unit)}，{w['not_zh']} {shown(rule.value, unit)}{caveat_zh}",
            f"{label.en} on {iso} was {shown(v.value, unit)}, {w['not_en']} {shown(rule.value, unit)}{caveat_en}",
            rid, rule.metric, v.value, rule.op, rule.value,
        )
    return Answer(
        shop, check, day, True, complete,
        f"{iso} 没有阻止报名的违规{caveat_zh}",
        f"no finding bars the shop on {iso}{caveat_en}",
    )
