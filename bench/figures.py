"""The figures the bench compares: one shape for the audit's metric rows, the baseline's and pandas' results.

A figure is keyed by (metric, shop, agent, period start, period end) and
carries numerator, denominator and value as the JSON report shows them
(floats rounded to six decimals, as ``auditor.models.audit.fix`` does). Every
producer computes latencies in exact integers and converts them the way the
audit does, so equal definitions give equal figures, bit for bit.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

DECIMALS = 6  # auditor.models.audit.FLOAT_DECIMALS
NS = 1_000_000_000
EPOCH = date(1970, 1, 1)


class Figure(NamedTuple):
    metric: str
    shop_id: str
    agent_id: str | None
    start: str
    end: str
    numerator: float | int
    denominator: int | None
    value: float

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.metric, self.shop_id, self.agent_id or "", self.start, self.end)


def fix(x: float) -> float:
    r = round(float(x), DECIMALS)
    return 0.0 if r == 0 else r


def day_iso(day: int) -> str:
    """A local day number (days since 1970-01-01) as the report writes it."""
    return (EPOCH + timedelta(days=int(day))).isoformat()


def rate(metric: str, shop: str, start: str, end: str, good: int, total: int) -> Figure:
    return Figure(metric, shop, None, start, end, int(good), int(total), fix(int(good) / int(total)))


def mean_latency(metric: str, shop: str, agent: str | None, start: str, end: str, total_ns: int, count: int) -> Figure:
    """A mean latency from a sum of integer nanoseconds, converted as the audit converts it (round_latency.finish)."""
    total_ns = int(total_ns)
    return Figure(metric, shop, agent, start, end, fix(total_ns / NS), int(count), fix(total_ns / int(count) / NS))


def count(metric: str, shop: str, start: str, end: str, n: int) -> Figure:
    return Figure(metric, shop, None, start, end, int(n), None, fix(float(n)))


def from_report(report: dict[str, Any], metrics: set[str] | None = None) -> list[Figure]:
    """The figures of a parsed JSON audit report (CONTRACT §3 ``metrics``), optionally only some metrics."""
    out = []
    for m in report["metrics"]:
        if metrics is not None and m["metric"] not in metrics:
            continue
        out.append(
            Figure(
                m["metric"], m["shop_id"], m["agent_id"], m["period"]["start"], m["period"]["end"],
                m["numerator"], m["denominator"], m["value"],
            )
        )
    return sorted(out, key=lambda f: f.key)


def from_report_file(path: str | Path, metrics: set[str] | None = None) -> list[Figure]:
    return from_report(json.loads(Path(path).read_text(encoding="utf-8")), metrics)


def to_json(figures: list[Figure]) -> list[dict[str, Any]]:
    return [f._asdict() for f in sorted(figures, key=lambda f: f.key)]


def from_json(rows: list[dict[str, Any]]) -> list[Figure]:
    return sorted((Figure(**r) for r in rows), key=lambda f: f.key)


def compare(expected: list[Figure], actual: list[Figure], *, limit: int = 20) -> list[str]:
    """Every difference between two sets of figures, as sentences (at most ``limit``, then a count); [] when equal."""
    exp = {f.key: f for f in expected}
    act = {f.key: f for f in actual}
    problems: list[str] = []
    for key in sorted(exp.keys() | act.keys()):
        e, a = exp.get(key), act.get(key)
        name = "/".join(k for k in key if k)
        if e is None:
            problems.append(f"{name}: only in the second set ({a.numerator}/{a.denominator} = {a.value})")  # type: ignore[union-attr]
        elif a is None:
            problems.append(f"{name}: only in the first set ({e.numerator}/{e.denominator} = {e.value})")
        elif (e.numerator, e.denominator, e.value) != (a.numerator, a.denominator, a.value):
            problems.append(f"{name}: {e.numerator}/{e.denominator} = {e.value} vs {a.numerator}/{a.denominator} = {a.value}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"… and {len(problems) - limit} more differences"]
    return problems
