"""A rule's behaviour lives in its pack: editing a copied pack changes the result, no Python touched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from auditor import AuditOptions, audit
from tests.conftest import edit_pack

# One buyer on 2026-03-10 (local): asks at 08:30:00, answered at 08:31:30 (90 s);
# asks again at 21:00:00, answered at 21:02:30 (150 s); and on 2026-02-01 (outside a
# 30-day window ending 03-10, inside a 60-day one) asks at 10:00, answered 10:00:20.
RECORDS = [
    {"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-03-10T08:30:00+08:00"},
    {"shop_id": "s", "buyer_id": "b", "role": "agent", "sender_id": "k", "ts": "2026-03-10T08:31:30+08:00"},
    {"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-03-10T21:00:00+08:00"},
    {"shop_id": "s", "buyer_id": "b", "role": "agent", "sender_id": "k", "ts": "2026-03-10T21:02:30+08:00"},
    {"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-02-01T10:00:00+08:00"},
    {"shop_id": "s", "buyer_id": "b", "role": "agent", "sender_id": "k", "ts": "2026-02-01T10:00:20+08:00"},
]


def _rate(tmp_path: Path, pack: str | Path) -> tuple[int, int]:
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    report = audit([data], AuditOptions(policy=pack, as_of=date(2026, 3, 10)))
    (row,) = [m for m in report.metrics if m.metric == "response_rate_3min"]
    return int(row.numerator), int(row.denominator or 0)


def test_builtin_pack(tmp_path: Path) -> None:
    # both 03-10 rounds are in 08:00-24:00 and within 180 s; 02-01 is out of the 30 days
    assert _rate(tmp_path, "taobao") == (2, 2)


def test_changing_the_three_minutes(tmp_path: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, "within_seconds: 180", "within_seconds: 120")
    # 90 s <= 120 s counts, 150 s does not
    assert _rate(tmp_path, pack_copy) == (1, 2)


def test_changing_the_service_hours(tmp_path: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, 'start: "08:00"', 'start: "09:00"')
    # the 08:30 round now falls outside service hours
    assert _rate(tmp_path, pack_copy) == (1, 1)


def test_changing_the_period(tmp_path: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, "  days: 30", "  days: 60")
    # 60 days ending 03-10 start on 01-10, so the 02-01 round (20 s) counts too
    assert _rate(tmp_path, pack_copy) == (3, 3)


def test_letting_bot_replies_count(tmp_path: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, "valid_roles: [agent]", "valid_roles: [agent, bot]")
    data = tmp_path / "bot.jsonl"
    data.write_text(
        json.dumps({"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-03-10T10:00:00+08:00"}) + "\n"
        + json.dumps({"shop_id": "s", "buyer_id": "b", "role": "bot", "ts": "2026-03-10T10:00:01+08:00"}) + "\n",
        encoding="utf-8",
    )
    builtin = audit([data], AuditOptions(policy="taobao", as_of=date(2026, 3, 10)))
    edited = audit([data], AuditOptions(policy=pack_copy, as_of=date(2026, 3, 10)))
    rate = lambda r: [(m.numerator, m.denominator) for m in r.metrics if m.metric == "response_rate_3min"]  # noqa: E731
    assert rate(builtin) == [(0, 1)]
    assert rate(edited) == [(1, 1)]
