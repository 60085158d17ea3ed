"""`round_rate`: the share of counted rounds answered (within `within_seconds`, when set)."""

from __future__ import annotations

from typing import Any

from auditor.engine.metrics.base import MetricKind, register
from auditor.policy.model import RoundRateMetric

NS = 1_000_000_000


@register
class RoundRate(MetricKind):
    kind = "round_rate"
    unit = "ratio"
    spec: RoundRateMetric

    def params(self) -> dict[str, Any]:
        w = self.spec.within_seconds
        return {"within_ns": round(w * NS) if w is not None else None}

    def good_sql(self) -> str:
        return "(r.answered AND ($within_ns IS NULL OR r.latency_ns <= $within_ns))"

    def numerator_sql(self) -> str:
        return f"count(*) FILTER (WHERE {self.good_sql()})"

    def worst_first_sql(self) -> str:
        return f"{self.good_sql()} ASC, r.latency_ns DESC NULLS FIRST, r.first_ns, r.round_id"

    def finish(self, numerator: Any, denominator: int) -> tuple[float, float | int]:
        return int(numerator) / denominator, int(numerator)
