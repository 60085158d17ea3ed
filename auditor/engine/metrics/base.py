"""The metric seam: one MetricKind per file, chosen by the pack's `kind`, figured in SQL over ``rounds``.

A kind supplies three SQL pieces over a round ``r`` and its bound parameters:
which rounds the figure counts (its denominator), what it adds up for its
numerator, and how to order rounds worst first for evidence. Grouping per
shop, per agent and per day is shared here, so every kind gets it the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import duckdb

from auditor.policy.model import RoundLatencyMetric, RoundRateMetric

MetricSpec = RoundRateMetric | RoundLatencyMetric


@dataclass(frozen=True)
class MetricValue:
    metric: str
    shop_id: str
    agent_id: str | None
    start_day: int
    end_day: int
    value: float
    numerator: float | int
    denominator: int | None


class MetricKind(ABC):
    kind: ClassVar[str]
    unit: ClassVar[str]  # how reports show the value: ratio (a fraction in [0, 1]), seconds or count

    def __init__(self, spec: MetricSpec) -> None:
        self.spec = spec

    def params(self) -> dict[str, Any]:
        return {}

    def scope_sql(self) -> str:
        """Rounds the figure counts: service hours and first-of-day, as the pack says."""
        parts = ["TRUE"]
        if self.spec.service_hours_only:
            parts.append("r.in_hours")
        if self.spec.first_round_of_day:
            parts.append("r.first_of_day")
        return " AND ".join(parts)

    @abstractmethod
    def numerator_sql(self) -> str:
        """An aggregate over the counted rounds."""

    @abstractmethod
    def good_sql(self) -> str:
        """Whether a counted round is a good one (for evidence: the bad ones are listed first)."""

    @abstractmethod
    def worst_first_sql(self) -> str:
        """ORDER BY terms putting the rounds that hurt the figure most first."""

    @abstractmethod
    def finish(self, numerator: Any, denominator: int) -> tuple[float, float | int]:
        """(value, numerator as reported) from the SQL aggregates."""

    def compute(self, con: duckdb.DuckDBPyConnection, start_day: int, end_day: int) -> list[MetricValue]:
        out: list[MetricValue] = []
        per_day = self.spec.per == "day"
        for grouping in self.spec.by:
            agent = grouping == "agent"
            keys = ["r.shop_id"] + (["r.agent_id"] if agent else []) + (["r.local_day"] if per_day else [])
            where = f"r.local_day BETWEEN $start AND $end AND {self.scope_sql()}"
            if agent:
                where += " AND r.answered AND r.agent_id IS NOT NULL"
            sql = f"""
SELECT r.shop_id, {"r.agent_id" if agent else "NULL"}, {"r.local_day" if per_day else "$start"}, {"r.local_day" if per_day else "$end"},
  {self.numerator_sql()} AS num, count(*) AS den
FROM rounds r
WHERE {where}
GROUP BY {", ".join(keys)}
ORDER BY {", ".join(keys)}
"""
            for shop, agent_id, d0, d1, num, den in con.execute(sql, {"start": start_day, "end": end_day, **self.params()}).fetchall():
                value, shown_num = self.finish(num, den)
                out.append(MetricValue(self.spec.id, shop, agent_id, d0, d1, value, shown_num, den))
        return out


KINDS: dict[str, type[MetricKind]] = {}


def register(cls: type[MetricKind]) -> type[MetricKind]:
    KINDS[cls.kind] = cls
    return cls


def kind_for(spec: MetricSpec) -> MetricKind:
    return KINDS[spec.kind](spec)
