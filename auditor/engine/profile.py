"""Chart data per shop: the latency histogram, rounds per hour of day, daily rate series and peer levels.

Counted in SQL over the ``rounds`` table, with the figures' scope: rounds of
used records whose first buyer message falls in the audited period. The
latency histogram holds answered rounds in service hours, the ones the
platform times; the hour-of-day counts hold every round, so the chart shows
what falls outside the service hours too. Where the lines and marks go
(thresholds, time limits, service hours) is read from the pack, never
written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb

from auditor.engine.days import day_to_iso
from auditor.engine.metrics import kind_for
from auditor.models.audit import (
    ChartData,
    DailySeries,
    DayFigure,
    HoursWindow,
    LatencyMark,
    PeerDay,
    RuleLine,
    ShopProfile,
    fix,
)
from auditor.policy.model import Pack, PeerStreakRule, ThresholdRule

NS = 1_000_000_000
# 30 s bins up to one hour: fine enough to put a bin edge on 180 s and on
# 1800 s, so the 3-minute limit and the 30-minute cut fall between bars and a
# pile of replies held to minute 31 stands out as the bar just after the cut.
BIN_SECONDS = 30
MAX_SECONDS = 3600
N_BINS = MAX_SECONDS // BIN_SECONDS  # regular bins; one overflow bin follows

# A bin is right-closed, (lo, hi], like the packs' limits (latency <= 180 s is
# within 3 minutes), so a mark at a bin edge separates what a rule keeps from
# what it does not.
_LATENCY_SQL = """
SELECT shop_id,
  least(greatest((latency_ns + $bin_ns - 1) // $bin_ns - 1, 0), $n_bins) AS bin,
  count(*) AS n
FROM rounds
WHERE local_day BETWEEN $start AND $end AND in_hours AND answered
GROUP BY 1, 2
ORDER BY 1, 2
"""

_UNANSWERED_SQL = """
SELECT shop_id, count(*) FROM rounds
WHERE local_day BETWEEN $start AND $end AND in_hours AND NOT answered
GROUP BY 1 ORDER BY 1
"""

_HOURS_SQL = """
SELECT shop_id, least(first_tod // $hour_ns, 23) AS hour, count(*) AS n
FROM rounds
WHERE local_day BETWEEN $start AND $end
GROUP BY 1, 2
ORDER BY 1, 2
"""


def chart_data(
    con: duckdb.DuckDBPyConnection,
    pack: Pack,
    start_day: int,
    end_day: int,
    shop_ids: list[str],
    categories: Mapping[str, str | None] | None,
    peer_levels: Mapping[tuple[int, str, str], float] | None,
) -> ChartData:
    """The chart block of the report for ``shop_ids`` (every shop of the summary, sorted)."""
    span = {"start": start_day, "end": end_day}
    latency: dict[str, list[int]] = {s: [0] * (N_BINS + 1) for s in shop_ids}
    for shop, b, n in con.execute(_LATENCY_SQL, {**span, "bin_ns": BIN_SECONDS * NS, "n_bins": N_BINS}).fetchall():
        latency.setdefault(shop, [0] * (N_BINS + 1))[b] = n
    unanswered = dict(con.execute(_UNANSWERED_SQL, span).fetchall())
    hours: dict[str, list[int]] = {s: [0] * 24 for s in shop_ids}
    for shop, h, n in con.execute(_HOURS_SQL, {**span, "hour_ns": 3600 * NS}).fetchall():
        hours.setdefault(shop, [0] * 24)[h] = n

    daily = _daily_series(con, pack, start_day, end_day)
    peers = _peer_days(pack, start_day, end_day, categories, peer_levels)
    shops = sorted(set(shop_ids) | set(latency) | set(hours))
    return ChartData(
        latency_bin_seconds=BIN_SECONDS,
        latency_max_seconds=MAX_SECONDS,
        service_hours=[HoursWindow(start=w.start, end=w.end) for w in pack.service_hours],
        latency_marks=_latency_marks(pack),
        rule_lines=_rule_lines(pack),
        shops=[
            ShopProfile(
                shop_id=s,
                latency=latency.get(s, [0] * (N_BINS + 1)),
                unanswered=unanswered.get(s, 0),
                hours=hours.get(s, [0] * 24),
                daily=daily.get(s, []),
                peers=peers(s),
            )
            for s in shops
        ],
    )


def _rate_metrics(pack: Pack) -> list[str]:
    return [m.id for m in pack.metrics if kind_for(m).unit == "ratio"]


def _latency_marks(pack: Pack) -> list[LatencyMark]:
    """Every time limit a metric sets (`within_seconds`, `max_latency_seconds`), once per value."""
    found: dict[float, list[str]] = {}
    for m in pack.metrics:
        for attr in ("within_seconds", "max_latency_seconds"):
            v = getattr(m, attr, None)
            if v is not None:
                found.setdefault(float(v), []).append(m.id)
    return [LatencyMark(seconds=s, metrics=ids) for s, ids in sorted(found.items())]


def _rule_lines(pack: Pack) -> list[RuleLine]:
    """The thresholds of the pack's threshold rules on rate metrics, once per (metric, op, value)."""
    rates = set(_rate_metrics(pack))
    found: dict[tuple[str, str, float], list[str]] = {}
    for r in pack.rules:
        if isinstance(r, ThresholdRule) and r.metric in rates:
            ids = found.setdefault((r.metric, r.op, float(r.value)), [])
            if r.id not in ids:  # versions of one rule may share a line
                ids.append(r.id)
    return [RuleLine(metric=m, op=op, value=v, rules=ids) for (m, op, v), ids in found.items()]


def _daily_series(con: duckdb.DuckDBPyConnection, pack: Pack, start_day: int, end_day: int) -> dict[str, list[DailySeries]]:
    """Per-day shop figures of the rate metrics the pack figures over the whole period, by the metric's own SQL."""
    out: dict[str, list[DailySeries]] = {}
    for m in pack.metrics:
        if m.per != "period" or m.id not in _rate_metrics(pack):
            continue
        per_day = kind_for(m.model_copy(update={"per": "day", "by": ["shop"]}))
        days: dict[str, list[DayFigure]] = {}
        for v in per_day.compute(con, start_day, end_day):
            days.setdefault(v.shop_id, []).append(
                DayFigure(day=day_to_iso(v.start_day), value=fix(v.value), numerator=fix(v.numerator), denominator=v.denominator)  # type: ignore[arg-type]
            )
        for shop, figures in days.items():
            out.setdefault(shop, []).append(DailySeries(metric=m.id, days=figures))
    return out


def _peer_days(
    pack: Pack,
    start_day: int,
    end_day: int,
    categories: Mapping[str, str | None] | None,
    peer_levels: Mapping[tuple[int, str, str], float] | None,
) -> Callable[[str], list[PeerDay]]:
    """A function giving a shop's peer levels per day for the metrics the pack compares with peers."""
    compared = list(dict.fromkeys((r.metric, r.peer_key) for r in pack.rules if isinstance(r, PeerStreakRule)))

    def of(shop: str) -> list[PeerDay]:
        category = categories.get(shop) if categories is not None else None
        if peer_levels is None or category is None:
            return []
        return [
            PeerDay(metric=metric, day=day_to_iso(d), value=fix(level))  # type: ignore[arg-type]
            for metric, column in compared
            for d in range(start_day, end_day + 1)
            if (level := peer_levels.get((d, category, column))) is not None
        ]

    return of
