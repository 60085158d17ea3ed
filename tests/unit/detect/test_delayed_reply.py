"""`delayed_reply`: replies held just past the 30-minute cut are flagged; an honest slow tail is not.

Every fixture is a hand-made JSONL file: one buyer per round, asking on
2026-03-10 (Asia/Shanghai) at 09:00 + i minutes (in service hours) and
answered by the round's agent `latency` seconds later, so round i sits on
lines 2i+1 (the question) and 2i+2 (the reply). The audit runs through
`auditor.api.audit` on a copy of the taobao pack holding only this detector.

Defaults (pack): cut 1800 s, window 120 s, neighbour_windows 2, noise_sd 1.5,
min_pile 6, min_score 0.5. So the bands are

    before (1560, 1800]   pile (1800, 1920]   beyond (1920, 2160]

and  expected = (before + beyond) / 4,  margin = 1.5 * sqrt(expected + 1),
     excess = max(0, pile - expected - margin),  score = excess / max(pile, 6).
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.api import AuditOptions, audit
from auditor.models import Flag

DAY = date(2026, 3, 10)
CST = timezone(timedelta(hours=8))
BASE = datetime(2026, 3, 10, 9, 0, tzinfo=CST)

# The brief's gamer: 8 replies at 1805-1896 s (13 s apart), nothing in 1560-1800 s.
# Bins of 30 s over the pile: (1800,1830] 1805 1818 | (1830,1860] 1831 1844 1857 |
# (1860,1890] 1870 1883 | (1890,1920] 1896  ->  2, 3, 2, 1.
GAMER = [1805.0 + 13 * i for i in range(8)]

# An honest slow agent: 61 replies every 40 s from 20 to 60 minutes (1200 ... 3600 s).
#   before (1560,1800]: 1600 1640 1680 1720 1760 1800 = 6
#   pile   (1800,1920]: 1840 1880 1920                = 3
#   beyond (1920,2160]: 1960 2000 2040 2080 2120 2160 = 6
#   expected = 12/4 = 3, margin = 1.5 * sqrt(4) = 3, excess = max(0, 3 - 3 - 3) = 0 -> score 0.
HONEST = [1200.0 + 40 * k for k in range(61)]

# The same agent gaming: every reply it would have sent in (1200, 1800] (1240 ... 1800,
# 15 rounds) is held to 1801 + (latency - 1240) // 5, i.e. 1801 ... 1913, all in the pile.
#   before = 0, pile = 3 + 15 = 18, beyond = 6
#   expected = 6/4 = 1.5, margin = 1.5 * sqrt(2.5) = 2.372, excess = 18 - 1.5 - 2.372 = 14.128
#   score = 14.128 / 18 = 0.785
HELD = [1801.0 + (x - 1240) // 5 if 1200 < x <= 1800 else x for x in HONEST]


def rounds(spec: list[tuple[str | None, float]], *, shop: str = "s1", start: datetime = BASE) -> list[dict[str, Any]]:
    """One buyer per (agent, latency): asks at start + i min, answered `latency` s later (no sender_id if agent is None).

    Past 600 rounds (10 hours) the next rounds go on the day before, and so on back.
    """
    out: list[dict[str, Any]] = []
    for i, (agent, latency) in enumerate(spec):
        asked = start - timedelta(days=i // 600) + timedelta(minutes=i % 600)
        out.append({"shop_id": shop, "buyer_id": f"b{i}", "role": "buyer", "ts": asked.isoformat(), "msg_id": f"q{i}"})
        reply = {
            "shop_id": shop,
            "buyer_id": f"b{i}",
            "role": "agent",
            "ts": (asked + timedelta(seconds=latency)).isoformat(),
            "msg_id": f"r{i}",
        }
        if agent is not None:
            reply["sender_id"] = agent
        out.append(reply)
    return out


def only_this_detector(pack: Path, max_rounds: int | None = None, **settings: Any) -> Path:
    """The copied taobao pack with delayed_reply as its only detector, its settings changed as given."""
    f = pack / "pack.yaml"
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["detectors"] = [d for d in doc["detectors"] if d["detector"] == "delayed_reply"]
    doc["detectors"][0].update(settings)
    if max_rounds is not None:
        doc["evidence"]["max_rounds"] = max_rounds
    f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pack


def flags(tmp_path: Path, pack: Path, records: list[dict[str, Any]]) -> list[Flag]:
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = audit([data], AuditOptions(policy=pack, as_of=DAY))
    return [f for f in report.flags if f.detector == "delayed_reply"]


def by_agent(found: list[Flag]) -> dict[str | None, Flag]:
    return {f.agent_id: f for f in found}


def test_gaming_agent_is_flagged_with_its_histogram_and_pile(tmp_path: Path, pack_copy: Path) -> None:
    # 10 quick rounds (30 s) then the 8 held ones: rounds 10..17 on lines 21..36.
    spec = [("kf1", 30.0)] * 10 + [("kf1", x) for x in GAMER]
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy), rounds(spec)))
    assert set(found) == {"kf1", None}  # the agent, and the shop (all its rounds are kf1's)
    for f in found.values():
        # pile 8, before 0, beyond 0: expected 0, margin 1.5 * sqrt(1) = 1.5, excess 8 - 0 - 1.5 = 6.5, score 6.5/max(8, 6)
        assert f.score == pytest.approx(6.5 / 8)
        assert f.measures == {
            "answered_rounds": 18,
            "pile": 8,
            "before": 0,
            "beyond": 0,
            "expected_pile": 0.0,
            "noise_margin": 1.5,
            "excess": 6.5,
        }
        assert f.evidence_total == 8
        assert f.citation.source == "002_92962fdfafc03648.txt" and "31分" in f.citation.text
        assert "8 round(s)" in f.summary and "30–32 min" in f.summary and "8 个对话轮次" in f.summary_zh

        hist, *pile = f.evidence
        assert hist["kind"] == "latency_histogram" and hist["bin_s"] == 30 and hist["pile"] == {"from_s": 1800, "to_s": 1920}
        assert [b["count"] for b in hist["bins"]] == [0] * 8 + [2, 3, 2, 1] + [0] * 8
        assert [b["band"] for b in hist["bins"]] == ["before"] * 8 + ["pile"] * 4 + ["beyond"] * 8
        assert (hist["bins"][0]["from_s"], hist["bins"][-1]["to_s"]) == (1560, 2160)

        assert [e["kind"] for e in pile] == ["pile_round"] * 8
        assert [e["latency_s"] for e in pile] == GAMER
        assert [(e["first_message"]["line"], e["reply"]["line"]) for e in pile] == [(2 * i + 1, 2 * i + 2) for i in range(10, 18)]
        assert [e["first_message"]["msg_id"] for e in pile] == [f"q{i}" for i in range(10, 18)]
        assert all(e["reply"]["file"].endswith("data.jsonl") and e["agent_id"] == "kf1" for e in pile)


def test_evidence_is_bounded_by_max_rounds(tmp_path: Path, pack_copy: Path) -> None:
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy, max_rounds=3), rounds([("kf1", x) for x in GAMER])))
    f = found["kf1"]
    # the histogram, then the first 3 of the 8 pile rounds in time order; the total still says 8
    assert [e["kind"] for e in f.evidence] == ["latency_histogram"] + ["pile_round"] * 3
    assert [e["latency_s"] for e in f.evidence[1:]] == GAMER[:3]
    assert f.evidence_total == 8


def test_honest_slow_agent_is_not_flagged(tmp_path: Path, pack_copy: Path) -> None:
    spec = [("kf1", x) for x in HONEST]
    assert flags(tmp_path, only_this_detector(pack_copy), rounds(spec)) == []
    # with min_score 0 every group with a pile is reported: the score is 0 (see HONEST above)
    (tmp_path / "all").mkdir()
    found = by_agent(flags(tmp_path / "all", only_this_detector(pack_copy, min_score=0), rounds(spec)))
    assert found["kf1"].score == 0
    assert {k: found["kf1"].measures[k] for k in ("pile", "before", "beyond", "expected_pile", "noise_margin", "excess")} == {
        "pile": 3,
        "before": 6,
        "beyond": 6,
        "expected_pile": 3.0,
        "noise_margin": 3.0,
        "excess": 0.0,
    }


def test_the_same_agent_holding_its_slow_replies_is_flagged(tmp_path: Path, pack_copy: Path) -> None:
    # the nearest honest look-alike above, with the 15 replies of 20-30 min held past the cut (see HELD)
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy), rounds([("kf1", x) for x in HELD])))
    f = found["kf1"]
    assert (f.measures["pile"], f.measures["before"], f.measures["beyond"]) == (18, 0, 6)
    assert f.score == pytest.approx((18 - 1.5 - 1.5 * math.sqrt(2.5)) / 18, abs=1e-6)
    assert f.score >= 0.5


def test_separates_slow_agents_from_the_same_agents_holding_replies(tmp_path: Path, pack_copy: Path) -> None:
    # Ten honest slow agents, 150 replies each drawn uniformly from 20-60 min (seeded): about
    # 150 * 120/2400 = 7.5 rounds per 2-min band, so expected ~ 7.5 and a score of 0.5 would
    # need a pile of ~2 * (7.5 + 1.5 * sqrt(8.5)) ~ 24: none is flagged.
    # Ten more agents with the same draws, each holding its 20-30 min replies (~37 a month)
    # to 30:01-31:50: pile ~ 7.5 + 37, before 0, beyond ~ 15 -> expected ~ 3.75, score ~ 0.84.
    rng = random.Random(5)
    draws = {f"kf{a}": [rng.uniform(1200, 3600) for _ in range(150)] for a in range(10)}
    spec = [(agent, round(x, 1)) for agent, xs in draws.items() for x in xs]
    spec += [
        (f"held-{agent}", round(1800 + rng.uniform(1, 110), 1) if 1200 < x <= 1800 else round(x, 1))
        for agent, xs in draws.items()
        for x in xs
    ]
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy), rounds(spec)))
    assert sorted(a for a in found if a is not None) == sorted(f"held-kf{a}" for a in range(10))
    assert all(f.score > 0.7 for a, f in found.items() if a is not None)


def test_mixed_shop_names_the_gamer_only(tmp_path: Path, pack_copy: Path) -> None:
    spec = [("honest", x) for x in HONEST] + [("gamer", x) for x in GAMER]
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy), rounds(spec)))
    # honest scores 0 (HONEST above), gamer 6.5/8 (GAMER). The shop as a whole: before 6,
    # pile 3 + 8 = 11, beyond 6 -> expected 3, margin 1.5 * 2 = 3, excess 11 - 3 - 3 = 5,
    # score 5/11 = 0.455: the honest agent's smooth tail dilutes the cliff below 0.5.
    assert list(found) == ["gamer"]
    assert found["gamer"].score == pytest.approx(6.5 / 8)
    assert {e["agent_id"] for e in found["gamer"].evidence[1:]} == {"gamer"}

    (tmp_path / "all").mkdir()
    everyone = by_agent(flags(tmp_path / "all", only_this_detector(pack_copy, min_score=0), rounds(spec)))
    assert everyone["honest"].score == 0
    shop = everyone[None]
    assert (shop.measures["pile"], shop.measures["before"], shop.measures["beyond"]) == (11, 6, 6)
    assert shop.score == pytest.approx(5 / 11, abs=1e-6)
    assert shop.evidence_total == 11
    assert {e["agent_id"] for e in shop.evidence[1:]} == {"honest", "gamer"}


def test_a_small_pile_scores_lower(tmp_path: Path, pack_copy: Path) -> None:
    spec = [("kf1", x) for x in (1810.0, 1850.0, 1890.0)]
    # default: pile 3, nothing around: excess 3 - 0 - 1.5 = 1.5, score 1.5/max(3, 6) = 0.25 -> not reported
    assert flags(tmp_path, only_this_detector(pack_copy), rounds(spec)) == []
    (tmp_path / "low").mkdir()
    low = by_agent(flags(tmp_path / "low", only_this_detector(pack_copy, min_score=0), rounds(spec)))
    assert low["kf1"].score == pytest.approx(0.25)
    # min_pile 3: the same pile is full size, score 1.5/3 = 0.5, reported (min_score is inclusive)
    (tmp_path / "full").mkdir()
    full = by_agent(flags(tmp_path / "full", only_this_detector(pack_copy, min_pile=3), rounds(spec)))
    assert full["kf1"].score == pytest.approx(0.5)
    # while 8 such rounds are a full-size pile at the default: 6.5/8 (GAMER)


def test_band_edges_follow_the_cut(tmp_path: Path, pack_copy: Path) -> None:
    # 1800 s is still timed (before); 1800.5 s is not (pile); each band is closed on the right.
    spec = [("kf1", x) for x in (1560.0, 1800.0, 1800.5, 1920.0, 1920.5, 2160.0, 2160.5)]
    found = by_agent(flags(tmp_path, only_this_detector(pack_copy, min_score=0), rounds(spec)))
    m = found["kf1"].measures
    # 1560 and 2160.5 lie outside; before {1800}, pile {1800.5, 1920}, beyond {1920.5, 2160}
    assert (m["before"], m["pile"], m["beyond"], m["answered_rounds"]) == (1, 2, 2, 7)
    # expected 0.75, margin 1.5 * sqrt(1.75) = 1.98: 2 - 0.75 - 1.98 < 0 -> score 0
    assert found["kf1"].score == 0
    assert [e["latency_s"] for e in found["kf1"].evidence[1:]] == [1800.5, 1920.0]


def test_rounds_outside_service_hours_are_not_looked_at(tmp_path: Path, pack_copy: Path) -> None:
    # the gamer's rounds opened at 02:00-02:07, before the 08:00-24:00 hours the platform times
    records = rounds([("kf1", x) for x in GAMER], start=datetime(2026, 3, 10, 2, 0, tzinfo=CST))
    assert flags(tmp_path, only_this_detector(pack_copy, min_score=0), records) == []


def test_switched_off(tmp_path: Path, pack_copy: Path) -> None:
    assert flags(tmp_path, only_this_detector(pack_copy, enabled=False), rounds([("kf1", x) for x in GAMER])) == []


def test_a_tuned_cut_moves_the_pile(tmp_path: Path, pack_copy: Path) -> None:
    early = [x - 600 for x in GAMER]  # 1205 ... 1296: held past a 20-minute cut
    # default cut 1800: 1205-1296 lie below every band (from 1560) -> no pile, no flag
    assert flags(tmp_path, only_this_detector(pack_copy), rounds([("kf1", x) for x in early])) == []
    (tmp_path / "tuned").mkdir()
    tuned = only_this_detector(pack_copy, cut_seconds=1200)
    # cut 1200: pile (1200, 1320] = 8, before (960, 1200] = 0, beyond (1320, 1560] = 0 -> 6.5/8
    found = by_agent(flags(tmp_path / "tuned", tuned, rounds([("kf1", x) for x in early])))
    assert found["kf1"].score == pytest.approx(6.5 / 8)
    hist = found["kf1"].evidence[0]
    assert hist["pile"] == {"from_s": 1200, "to_s": 1320} and hist["bins"][0]["from_s"] == 960
    assert "20–22 min" in found["kf1"].summary
    # and the original 1805-1896 s gamer is not past a 20-minute cut's pile: no flag
    (tmp_path / "orig").mkdir()
    assert flags(tmp_path / "orig", tuned, rounds([("kf1", x) for x in GAMER])) == []


def test_by_shop_only_and_replies_without_sender(tmp_path: Path, pack_copy: Path) -> None:
    # replies without sender_id count only for the shop
    anonymous = rounds([(None, x) for x in GAMER])
    assert [f.agent_id for f in flags(tmp_path, only_this_detector(pack_copy), anonymous)] == [None]
    (tmp_path / "shop").mkdir()
    named = rounds([("kf1", x) for x in GAMER])
    assert [f.agent_id for f in flags(tmp_path / "shop", only_this_detector(pack_copy, by=["shop"]), named)] == [None]


def test_shops_are_scored_apart(tmp_path: Path, pack_copy: Path) -> None:
    # a gaming shop and an honest one with the same agent id: only the gaming shop's groups are flagged
    records = rounds([("kf1", x) for x in GAMER], shop="a") + rounds([("kf1", x) for x in HONEST], shop="b")
    found = flags(tmp_path, only_this_detector(pack_copy), records)
    assert sorted((f.shop_id, f.agent_id or "") for f in found) == [("a", ""), ("a", "kf1")]
