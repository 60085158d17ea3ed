"""The chart block (auditor/engine/profile.py): bins, hours, daily series, peer levels and pack-driven marks, worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

from auditor import AuditOptions, audit
from tests.conftest import audit_at_root as _at_root
from tests.conftest import edit_pack


def _nonzero(counts: list[int]) -> dict[int, int]:
    return {i: n for i, n in enumerate(counts) if n}


def test_taobao_golden_input_profile() -> None:
    # tests/golden/input (test_golden.py's docstring): g1 u1 09:00 answered in 45 s -> bin 1 = (30, 60];
    # u2 10:00 answered in 240 s -> bin 7 = (210, 240]; u3 07:30 is outside 08:00-24:00: not in the
    # histogram, but counted at hour 7. g2 v1 20:00 answered in 10 s -> bin 0; v1 23:59:30 unanswered.
    r = _at_root("tests/golden/input", AuditOptions(policy="taobao"))
    c = r.charts
    assert c is not None
    assert (c.latency_bin_seconds, c.latency_max_seconds) == (30, 3600)
    assert [(w.start, w.end) for w in c.service_hours] == [("08:00", "24:00")]
    # The marks are the pack's settings: within_seconds 180, max_latency_seconds 1800 (twice, one mark).
    assert [(m.seconds, m.metrics) for m in c.latency_marks] == [
        (180.0, ["response_rate_3min"]),
        (1800.0, ["avg_response_time", "first_response_time"]),
    ]
    assert c.rule_lines == []  # the taobao rules judge response times, not a rate
    g1, g2 = c.shops
    assert (g1.shop_id, g2.shop_id) == ("g1", "g2")
    assert len(g1.latency) == 121 and len(g1.hours) == 24
    assert (_nonzero(g1.latency), g1.unanswered, _nonzero(g1.hours)) == ({1: 1, 7: 1}, 0, {7: 1, 9: 1, 10: 1})
    assert (_nonzero(g2.latency), g2.unanswered, _nonzero(g2.hours)) == ({0: 1}, 1, {20: 1, 23: 1})
    # response_rate_3min is figured over the period; its daily series: g1 1/2 on 03-10, g2 1/2 on 03-09.
    assert [(s.metric, [(d.day, d.numerator, d.denominator, d.value) for d in s.days]) for s in g1.daily] == [
        ("response_rate_3min", [("2026-03-10", 1, 2, 0.5)])
    ]
    assert [(d.day, d.numerator, d.denominator) for d in g2.daily[0].days] == [("2026-03-09", 1, 2)]
    assert g1.peers == [] and g2.peers == []


def test_pinduoduo_golden_input_profile() -> None:
    side = "tests/golden/pinduoduo/side"
    r = _at_root(
        "tests/golden/pinduoduo/input",
        AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"),  # type: ignore[arg-type]
    )
    c = r.charts
    assert c is not None
    assert c.latency_marks == []  # the pinduoduo metrics set no time limit
    assert [(x.metric, x.op, x.value, x.rules) for x in c.rule_lines] == [
        ("reply_rate", "<", 0.5, ["pinduoduo.activity_floor", "pinduoduo.daily_fine"])
    ]
    shops = {s.shop_id: s for s in c.shops}
    assert sorted(shops) == ["p1", "p2", "p3"]
    # side/peers.csv: 女装 (p1) 0.9, 90%, 0.9, 0.8, 0.9, 0.85 on 03-05..03-10; 数码 (p2) 0.8 on 03-06..03-08
    # and 03-10 (the 03-09 row is malformed and left out); p3 has no category: no peer level.
    assert [(p.day, p.value) for p in shops["p1"].peers] == [
        ("2026-03-05", 0.9), ("2026-03-06", 0.9), ("2026-03-07", 0.9), ("2026-03-08", 0.8), ("2026-03-09", 0.9), ("2026-03-10", 0.85),
    ]  # fmt: skip
    assert [p.day for p in shops["p2"].peers] == ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-10"]
    assert shops["p3"].peers == []
    assert all(s.daily == [] for s in c.shops)  # reply_rate is per day already: its series is in `metrics`
    # p3: one round on 03-10, answered by a bot, at hour 8 (see the golden input).
    assert (sum(shops["p3"].latency), shops["p3"].unanswered, sum(shops["p3"].hours)) == (1, 0, 1)
    # Every round is in the hours chart once: answered + unanswered = all rounds (service hours are 24 h here).
    for s in c.shops:
        assert sum(s.latency) + s.unanswered == sum(s.hours)


def _round(buyer: str, ask: str, reply: str) -> list[dict[str, str]]:
    return [
        {"shop_id": "s", "buyer_id": buyer, "role": "buyer", "ts": f"2026-03-10T{ask}+08:00", "text": "hi"},
        {"shop_id": "s", "buyer_id": buyer, "role": "agent", "sender_id": "s:a", "ts": f"2026-03-10T{reply}+08:00", "text": "ok"},
    ]


def test_bins_are_right_closed_like_the_limits(tmp_path: Path) -> None:
    # Latency -> bin: 0 s -> 0 (bin 0 includes 0); 180 s -> 5 = (150, 180]; 180.5 s -> 6; 1800 s -> 59;
    # 1800.5 s -> 60 (the first bar past the cut); 3600 s -> 119; 3601 s -> 120 (overflow).
    rows = (
        _round("b0", "10:00:00", "10:00:00")
        + _round("b1", "10:00:00", "10:03:00")
        + _round("b2", "10:00:00", "10:03:00.5")
        + _round("b3", "10:00:00", "10:30:00")
        + _round("b4", "10:00:00", "10:30:00.5")
        + _round("b5", "10:00:00", "11:00:00")
        + _round("b6", "10:00:00", "11:00:01")
    )
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    r = audit([tmp_path / "c.jsonl"], AuditOptions(policy="taobao"))
    (s,) = r.charts.shops  # type: ignore[union-attr]
    assert _nonzero(s.latency) == {0: 1, 5: 1, 6: 1, 59: 1, 60: 1, 119: 1, 120: 1}
    assert _nonzero(s.hours) == {10: 7}


def test_marks_follow_the_pack(pack_copy: Path, tmp_path: Path) -> None:
    edit_pack(pack_copy, "within_seconds: 180", "within_seconds: 120")
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _round("b", "10:00:00", "10:01:00")), encoding="utf-8")
    r = audit([tmp_path / "c.jsonl"], AuditOptions(policy=pack_copy))
    assert [m.seconds for m in r.charts.latency_marks] == [120.0, 1800.0]  # type: ignore[union-attr]
