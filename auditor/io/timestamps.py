"""Time zones as data: the UTC offset segments of a zone, and the ISO 8601 parser in SQL.

Instants are kept as integer nanoseconds since the epoch, UTC, so latencies
are exact and every engine agrees. Converting between UTC and a zone's local
time is a range join with the zone's offset segments (from the IANA database
via zoneinfo), which works for any zone, DST or not, and on any SQL engine.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NS = 1_000_000_000
DAY_NS = 86_400 * NS
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

# YYYY-MM-DD[T ]hh:mm[:ss[.f{1,9}]][Z|±hh[:mm]]
ISO_PATTERN = r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$"


def tz_segments(tz: str, first_year: int, last_year: int) -> list[tuple[int, int, int]]:
    """[(utc_start_ns, utc_end_ns, offset_ns)] covering all time; exact transitions within the years given."""
    zone = ZoneInfo(tz)
    lo = max(1900, min(first_year, last_year) - 1)
    hi = min(2200, max(first_year, last_year) + 1)
    t = datetime(lo, 1, 1, tzinfo=UTC)
    end = datetime(hi + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)

    def off(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        assert delta is not None
        return int(delta.total_seconds()) * NS

    segments: list[tuple[int, int, int]] = []
    start_ns, cur = I64_MIN, off(t)
    while t < end:
        nxt = t + step
        o = off(nxt)
        if o != cur:
            a, b = t, nxt  # the change lies in (a, b]: bisect to the second
            while (b - a) > timedelta(seconds=1):
                mid = a + (b - a) / 2
                if off(mid) == cur:
                    a = mid
                else:
                    b = mid
            b = b.replace(microsecond=0) if off(b.replace(microsecond=0)) != cur else b
            edge = int(b.timestamp()) * NS
            segments.append((start_ns, edge, cur))
            start_ns, cur = edge, o
        t = nxt
    segments.append((start_ns, I64_MAX, cur))
    return segments
