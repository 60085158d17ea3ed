"""The metric seam: one MetricKind per file, chosen by the pack's `kind`, figured in SQL over ``rounds``.

A kind supplies SQL pieces over a counted unit ``r`` and its bound parameters:
the relation its units come from (``rounds``, or one row per buyer and local
day built from them), which units the figure counts (its denominator), what
it adds up for its numerator, and how to order units worst first for
evidence. Grouping per shop, per agent and per day is shared here, so every
kind gets it the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import duckdb

from auditor.policy.model import MetricSpec


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
    counts_zero: ClassVar[bool] = False  # a count has a figure (0) on a day with nothing to count; a rate or mean does not
    counts: ClassVar[str] = "round"  # what one unit of the denominator is: a round, or an inquiry (a buyer's day)

    def __init__(self, spec: MetricSpec) -> None:
        self.spec = spec

    def params(self) -> dict[str, Any]:
        return {}

    def source_sql(self) -> str:
        """The relation whose rows are the units counted; columns as in the ``rounds`` table."""
        return "rounds"

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

    def shown_denominator(self, denominator: int) -> int | None:
        """The denominator as reported; a count has none (CONTRACT §7.8)."""
        return denominator

    def compute(self, con: duckdb.DuckDBPyConnection, start_day: int, end_day: int) -> list[MetricValue]:
        out: list[MetricValue] = []
        per_day = self.spec.per == "day"
        for grouping in self.spec.by:
            agent = grouping == "agent"
            keys = ["r.shop_id"] + (["r.agent_id"] if agent else []) + (["r.local_day"] if per_day else [])
            where = f"r.local_day BETWEEN $start AND $end AND {self.scope_sql()}"
            if agent:
                where += " AND r.answered AND r.agent_id IS NOT NULL"
            span = "r.local_day AS d0, r.local_day AS d1" if per_day else "$start AS d0, $end AS d1"
            sql = f"""
SELECT r.shop_id, {"r.agent_id" if agent else "NULL"} AS agent_id, {span}, {self.numerator_sql()} AS num, count(*) AS den
FROM {self.source_sql()} r
WHERE {where}
GROUP BY {", ".join(keys)}
"""
            if self.counts_zero and not agent:
                sql = self._with_zeros(sql, per_day)
            sql += "ORDER BY 1, 2, 3"
            for shop, agent_id, d0, d1, num, den in con.execute(sql, {"start": start_day, "end": end_day, **self.params()}).fetchall():
                value, shown_num = self.finish(num, den)
                out.append(MetricValue(self.spec.id, shop, agent_id, d0, d1, value, shown_num, self.shown_denominator(den)))
        return out

    @staticmethod
    def _with_zeros(sql: str, per_day: bool) -> str:
        """A count is a figure even when nothing happened: 0 for every shop seen in the period, every day or the whole span."""
        spans = "SELECT d AS d0, d AS d1 FROM range($start, $end + 1) t(d)" if per_day else "SELECT $start AS d0, $end AS d1"
        return f"""
WITH found AS ({sql}), shops AS (
  SELECT DISTINCT shop_id FROM records WHERE code IS NULL AND exclusion IS NULL
), spans AS ({spans})
SELECT s.shop_id, NULL, p.d0, p.d1, coalesce(f.num, 0), coalesce(f.den, 0)
FROM shops s CROSS JOIN spans p
LEFT JOIN found f ON f.shop_id = s.shop_id AND f.d0 = p.d0
"""


KINDS: dict[str, type[MetricKind]] = {}


def register(cls: type[MetricKind]) -> type[MetricKind]:
    KINDS[cls.kind] = cls
    return cls


def kind_for(spec: MetricSpec) -> MetricKind:
    return KINDS[spec.kind](spec)
