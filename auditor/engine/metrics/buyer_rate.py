"""`buyer_rate`: the share of inquiring buyers answered that day (回复率).

A buyer's day is good when at least one of its counted rounds was answered
that day (within `within_seconds`, when set); a buyer who asked three times
and got one answer counts as answered once.
"""

from __future__ import annotations

from typing import Any

from auditor.engine.metrics.base import register
from auditor.engine.metrics.buyer_days import BuyerDayKind
from auditor.policy.model import BuyerRateMetric

NS = 1_000_000_000


@register
class BuyerRate(BuyerDayKind):
    kind = "buyer_rate"
    unit = "ratio"
    spec: BuyerRateMetric

    def params(self) -> dict[str, Any]:
        w = self.spec.within_seconds
        return {"within_ns": round(w * NS) if w is not None else None}

    def good_round_sql(self) -> str:
        return "(r.answered AND ($within_ns IS NULL OR r.latency_ns <= $within_ns))"

    def good_sql(self) -> str:
        return "r.good"

    def numerator_sql(self) -> str:
        return "count(*) FILTER (WHERE r.good)"

    def finish(self, numerator: Any, denominator: int) -> tuple[float, float | int]:
        return int(numerator) / denominator, int(numerator)
