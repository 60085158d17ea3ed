"""Figures that count buyers, not rounds: one unit per (shop, buyer, local day), an 'inquiry'.

A buyer's day is built from the rounds the metric counts (its service hours,
its first-round-of-day setting), so a pack's scope settings mean the same for
buyer figures as for round figures. The day's first message, and the reply to
its first round that helps the figure, stand as the inquiry's evidence.
"""

from __future__ import annotations

from abc import abstractmethod

from auditor.engine.metrics.base import MetricKind


class BuyerDayKind(MetricKind):
    counts = "inquiry"

    @abstractmethod
    def good_round_sql(self) -> str:
        """Whether one counted round of the buyer's day helps the figure (over a round ``r``)."""

    def source_sql(self) -> str:
        good = self.good_round_sql()
        return f"""(
  SELECT shop_id, buyer_id, local_day, round_id, first_rec, first_ns, n_asks, n_rounds, answered, good,
    g.reply AS reply_rec, g.reply_ns AS reply_ns, g.lat AS latency_ns, g.agent AS agent_id
  FROM (
    SELECT r.shop_id, r.buyer_id, r.local_day,
      min(r.round_id) AS round_id, min(r.round_id) AS first_rec, min(r.first_ns) AS first_ns,
      sum(r.n_asks) AS n_asks, count(*) AS n_rounds,
      bool_or(r.answered) AS answered,
      bool_or({good}) AS good,
      min({{'t': r.first_ns, 'r': r.round_id, 'reply': r.reply_rec, 'reply_ns': r.reply_ns, 'lat': r.latency_ns, 'agent': r.agent_id}})
        FILTER (WHERE {good}) AS g
    FROM rounds r
    WHERE {super().scope_sql()}
    GROUP BY r.shop_id, r.buyer_id, r.local_day
  )
)"""

    def scope_sql(self) -> str:
        return "TRUE"  # applied inside source_sql, to the rounds

    def worst_first_sql(self) -> str:
        return f"{self.good_sql()} ASC, r.first_ns, r.round_id"
