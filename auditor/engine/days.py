"""Local days as the engine numbers them (days since 1970-01-01) and as reports write them."""

from __future__ import annotations

from datetime import date, timedelta

EPOCH = date(1970, 1, 1)


def day_to_iso(day: int) -> str:
    return (EPOCH + timedelta(days=day)).isoformat()


def iso_to_day(d: date) -> int:
    return (d - EPOCH).days
