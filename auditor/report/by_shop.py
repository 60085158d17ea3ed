"""A report's rows grouped by shop once, in report order: per-shop sections (the summary, each format's) must not rescan every row.

A report over 10,000 shops (200M records) holds hundreds of thousands of
figures and findings; filtering all of them again for each shop made the
HTML and JUnit renderers quadratic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from auditor.models import AuditReport, Flag, MetricRow, NotEvaluated, Violation


class _Shopped(Protocol):
    @property
    def shop_id(self) -> str | None: ...


T = TypeVar("T", bound=_Shopped)


def group(rows: Iterable[T]) -> dict[str | None, list[T]]:
    out: dict[str | None, list[T]] = {}
    for row in rows:
        out.setdefault(row.shop_id, []).append(row)
    return out


class ByShop:
    """Each list keeps the report's order; ``not_evaluated`` also holds the entries for every shop (shop ``None``)."""

    def __init__(self, report: AuditReport) -> None:
        self.metrics: dict[str | None, list[MetricRow]] = group(report.metrics)
        self.violations: dict[str | None, list[Violation]] = group(report.violations)
        self.flags: dict[str | None, list[Flag]] = group(report.flags)
        self._missed = report.not_evaluated
        self._missed_at: dict[str | None, list[int]] = {}
        for i, n in enumerate(report.not_evaluated):
            self._missed_at.setdefault(n.shop_id, []).append(i)

    def not_evaluated(self, shop_id: str, *, with_all_shops: bool = False) -> list[NotEvaluated]:
        at = self._missed_at.get(shop_id, []) + (self._missed_at.get(None, []) if with_all_shops else [])
        return [self._missed[i] for i in sorted(at)]
