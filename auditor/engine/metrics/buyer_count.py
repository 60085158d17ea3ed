"""`buyer_count`: how many buyers opened at least one counted round (咨询人数), per (buyer, local day).

Every shop seen in the period gets a figure for every day (or the whole span),
0 when nobody asked: a quiet day is a fact a seller can check, not a gap.
"""

from __future__ import annotations

from typing import Any

from auditor.engine.metrics.base import register
from auditor.engine.metrics.buyer_days import BuyerDayKind
from auditor.policy.model import BuyerCountMetric


@register
class BuyerCount(BuyerDayKind):
    kind = "buyer_count"
    unit = "count"
    counts_zero = True
    spec: BuyerCountMetric

    def good_round_sql(self) -> str:
        return "r.answered"  # only picks which reply the evidence shows; every inquiry is counted

    def good_sql(self) -> str:
        return "TRUE"

    def numerator_sql(self) -> str:
        return "count(*)"

    def finish(self, numerator: Any, denominator: int) -> tuple[float, float | int]:
        return float(numerator), int(numerator)

    def shown_denominator(self, denominator: int) -> int | None:
        return None
