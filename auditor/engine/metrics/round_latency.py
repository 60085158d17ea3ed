"""`round_latency`: mean seconds from a round's first buyer message to its answer.

Only answered rounds count, and those slower than `max_latency_seconds` are
left out entirely (the platform stops timing them). Latencies are summed as
integer nanoseconds, so the figure does not depend on summation order.
"""

from __future__ import annotations

from typing import Any

from auditor.engine.metrics.base import MetricKind, register
from auditor.policy.model import RoundLatencyMetric

NS = 1_000_000_000


@register
class RoundLatency(MetricKind):
    kind = "round_latency"
    unit = "seconds"
    spec: RoundLatencyMetric

    def params(self) -> dict[str, Any]:
        cap = self.spec.max_latency_seconds
        return {"cap_ns": round(cap * NS) if cap is not None else None}

    def scope_sql(self) -> str:
        return super().scope_sql() + " AND r.answered AND ($cap_ns IS NULL OR r.latency_ns <= $cap_ns)"

    def good_sql(self) -> str:
        return "TRUE"

    def numerator_sql(self) -> str:
        return "sum(r.latency_ns)"

    def worst_first_sql(self) -> str:
        return "r.latency_ns DESC, r.round_id"

    def finish(self, numerator: Any, denominator: int) -> tuple[float, float | int]:
        total_ns = int(numerator)
        return total_ns / denominator / NS, total_ns / NS
