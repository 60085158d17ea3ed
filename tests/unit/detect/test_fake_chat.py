"""`fake_chat` on hand-made chats: a ring of friendly accounts against its honest look-alikes.

A copy of the pinduoduo pack (bot and agent replies valid, every hour counts,
daily `reply_rate` and `inquiries` with the `activity_floor` rule, reply rate
< 0.5, and the `daily_fine` rule, reply rate < 0.5 and inquiries > 100).
Days 2026-03-01 .. 03-05, audited as of 03-10. An *inquiry* is a buyer's day
with a round in the shop.

Shops A, B, C, D each have two genuine buyers a day, 03-01 .. 03-05, asking a
real two-message question answered after 60 s (10 genuine inquiries each).

The ring: r1..r8, one message each ("在吗" or "hi", 2 characters), answered in
5 s, in each of A, B and C; r1-r4 on 03-02, r5-r8 on 03-04.

Honest look-alikes:
  loyal  a genuine repeat customer of A and D, every day 03-01 .. 03-05, a real
         two-message question answered in 10 s (on 03-01 the first message is
         "在吗", the second the question: one round of two messages, not trivial)
  pop    a popular buyer who asks A, B, C and D one real question on 03-03
         (one message, 20 characters, answered in 8 s): too long to be trivial
  solo   one "在吗" in D only, on 03-01, answered in 3 s: trivial, but one shop
C also has six genuine buyers on 03-02 whom nobody answers.

Worked by hand (defaults: trivial_max_chars 6, answer_within_seconds 30,
min_shops 2, min_ring_buyers 5, share_for_full_signal 0.15, stake_margin 0.1,
stake_boost 0.4, weights share 0.6 / bunching 0.4). share = Σ ring(d)²/inquiries(d) / Σ ring(d)
over the ring's days:

  inquiries per day      03-01  03-02  03-03  03-04  03-05  total  ring days' total
  A  (2 + loyal [+pop])     3    3+4      4    3+4      3     24       14
  B  (2 [+pop])             2    2+4      3    2+4      2     19       12
  C  (2 [+6] [+pop])        2  2+6+4      3    2+4      2     25       18
  D  (2 + loyal [+pop][+solo]) 4   3      4      3      3     17        -

  ring: 8 buyers, each in 3 shops; per ring shop 8 ring inquiries on 2 of its 5 days.
  bunching = 1 - (2 - 1) / (min(8, 5) - 1) = 0.75 for A, B and C.
  A: share (4*4/7 + 4*4/7)/8 = 4/7 = 0.5714 -> signal min(1, 0.5714/0.15) = 1; base 0.6*1 + 0.4*0.75 = 0.9;
     no figure at stake (every day's reply rate is 1 with or without the ring); size min(1, 8/5) = 1 -> 0.9
  B: share (4*4/6 + 4*4/6)/8 = 0.6667 -> signal 1 -> 0.9
  C: share (4*4/12 + 4*4/6)/8 = 0.5 -> signal 1, base 0.9. On 03-02 the reply rate is (2 + 4)/12 = 0.5
     with the ring (not < 0.5) and 2/8 = 0.25 without it (< 0.5): activity_floor is at stake, broken only
     without the ring (daily_fine is not: 12 and 8 inquiries, not > 100 nor > 90). On 03-04 the rate is 1
     either way: far from 0.55. stake = 4 of 8 ring inquiries = 0.5 -> score 0.9 + 0.4*0.5*(1 - 0.9) = 0.92.
  D: no ring buyer (solo is in one shop only) -> no lead at all.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.api import AuditOptions, audit
from auditor.models import Flag
from tests.conftest import ROOT, edit_pack

NAME = "fake_chat"
QUESTION = ["你好，这款外套有没有加绒的版本？", "我平时穿L码，应该选哪个尺码比较合适？"]
POP_QUESTION = "请问这个型号和上一代相比续航提升了多少？"  # 20 characters
RING = [f"r{i}" for i in range(1, 9)]


def at(day: int, seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"2026-03-{day:02d}T{h:02d}:{m:02d}:{s:02d}+08:00"


def ask(shop: str, buyer: str, day: int, seconds: int, text: str | None) -> dict[str, Any]:
    rec = {"shop_id": shop, "buyer_id": buyer, "role": "buyer", "ts": at(day, seconds)}
    if text is not None:
        rec["text"] = text
    return rec


def answer(shop: str, buyer: str, day: int, seconds: int, text: str = "亲，在的，请说") -> dict[str, Any]:
    return {"shop_id": shop, "buyer_id": buyer, "role": "agent", "sender_id": f"{shop}:kf1", "ts": at(day, seconds), "text": text}


def genuine(shop: str, buyer: str, day: int, t: int, wait: int = 60) -> list[dict[str, Any]]:
    """A real question in two messages, answered `wait` seconds after the first."""
    return [
        ask(shop, buyer, day, t, QUESTION[0]),
        ask(shop, buyer, day, t + 20, QUESTION[1]),
        answer(shop, buyer, day, t + wait, "有的，L码合适"),
    ]


def trivial(shop: str, buyer: str, day: int, t: int, text: str, wait: int) -> list[dict[str, Any]]:
    return [ask(shop, buyer, day, t, text), answer(shop, buyer, day, t + wait)]


def records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for shop in "ABCD":
        for day in range(1, 6):
            for i in range(2):
                out += genuine(shop, f"{shop}-g{day}{i}", day, 9 * 3600 + i * 3600)
    for n, buyer in enumerate(RING):
        day = 2 if n < 4 else 4
        for shop in "ABC":
            out += trivial(shop, buyer, day, 20 * 3600 + n * 60, "在吗" if n % 2 == 0 else "hi", 5)
    for shop in "AD":
        for day in range(1, 6):
            first = "在吗" if day == 1 else QUESTION[0]
            out += [
                ask(shop, "loyal", day, 15 * 3600, first),
                ask(shop, "loyal", day, 15 * 3600 + 5, QUESTION[1]),
                answer(shop, "loyal", day, 15 * 3600 + 10),
            ]
    for shop in "ABCD":
        out += [ask(shop, "pop", 3, 16 * 3600, POP_QUESTION), answer(shop, "pop", 3, 16 * 3600 + 8, "提升了约两成")]
    out += trivial("D", "solo", 1, 17 * 3600, "在吗", 3)
    for i in range(6):  # nobody answers these
        out += [ask("C", f"C-u{i}", 2, 12 * 3600 + i * 60, QUESTION[0]), ask("C", f"C-u{i}", 2, 12 * 3600 + i * 60 + 10, QUESTION[1])]
    return out


@pytest.fixture
def pdd(tmp_path: Path) -> Path:
    """A private copy of the pinduoduo pack that a test may edit."""
    dest = tmp_path / "pack"
    shutil.copytree(ROOT / "policies" / "pinduoduo", dest, ignore=shutil.ignore_patterns("tests"))
    return dest


def flags(tmp_path: Path, pack: Path, recs: list[dict[str, Any]] | None = None) -> dict[str, Flag]:
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (records() if recs is None else recs)), encoding="utf-8")
    report = audit([data], AuditOptions(policy=pack, as_of=date(2026, 3, 10)))
    out = {f.shop_id: f for f in report.flags if f.detector == NAME}
    assert len(out) == len([f for f in report.flags if f.detector == NAME])  # one lead per shop
    return out


def ring_ids(flag: Flag) -> set[str]:
    return {e["buyer_id"] for e in flag.evidence if e["kind"] == "ring_buyer"}


def test_the_ring_is_flagged_in_each_of_its_shops(tmp_path: Path, pdd: Path) -> None:
    got = flags(tmp_path, pdd)
    assert sorted(got) == ["A", "B", "C"]
    assert got["A"].score == pytest.approx(0.9)
    assert got["B"].score == pytest.approx(0.9)
    assert got["C"].score == pytest.approx(0.92)
    for shop in "ABC":
        f = got[shop]
        assert f.score >= 0.5
        assert f.agent_id is None and f.severity == "warning"
        assert f.citation.text == "商家可以通过找人假聊的方式来提高回复率"
        assert f.measures["ring_buyers"] == 8 and f.measures["ring_inquiries"] == 8
        assert f.measures["ring_days"] == 2 and f.measures["shop_days"] == 5
        assert f.measures["bunching"] == pytest.approx(0.75)
        assert f.measures["share_signal"] == 1
        assert ring_ids(f) == set(RING)
        assert "8 buyer(s)" in f.summary and "8 个买家" in f.summary_zh
    assert got["A"].measures["inquiries"] == 24 and got["A"].measures["ring_day_inquiries"] == 14
    assert got["A"].measures["share"] == pytest.approx(8 / 14, abs=1e-4)
    assert got["B"].measures["inquiries"] == 19 and got["B"].measures["share"] == pytest.approx(8 / 12, abs=1e-4)
    assert got["C"].measures["inquiries"] == 25 and got["C"].measures["share"] == pytest.approx(0.5)
    assert got["A"].measures["stake"] == 0 and got["C"].measures["stake"] == pytest.approx(0.5)


def test_evidence_names_the_ring_its_rounds_and_its_days(tmp_path: Path, pdd: Path) -> None:
    f = flags(tmp_path, pdd)["C"]
    kinds = [e["kind"] for e in f.evidence]
    assert kinds == ["ring_buyer"] * 8 + ["ring_day"] * 2 + ["ring_round"] * 8
    assert f.evidence_total == 8 + 2 + 8
    buyer = next(e for e in f.evidence if e["kind"] == "ring_buyer")
    assert buyer["shops"] == ["A", "B", "C"] and buyer["shops_total"] == 3 and buyer["inquiries"] == 1
    rnd = next(e for e in f.evidence if e["kind"] == "ring_round")
    assert rnd["buyer_id"] == "r1" and rnd["day"] == "2026-03-02"
    assert rnd["text"] == "在吗" and rnd["text_chars"] == 2 and rnd["latency_s"] == 5
    assert rnd["message"]["file"].endswith("chats.jsonl") and rnd["message"]["line"] > 0
    assert rnd["reply"]["line"] == rnd["message"]["line"] + 1
    d2, d4 = [e for e in f.evidence if e["kind"] == "ring_day"]
    assert (d2["day"], d2["ring_inquiries"], d2["inquiries"]) == ("2026-03-02", 4, 12)
    assert (d4["day"], d4["ring_inquiries"], d4["inquiries"], d4["at_stake"]) == ("2026-03-04", 4, 6, [])
    (stake,) = d2["at_stake"]
    assert stake["rule_id"] == "pinduoduo.activity_floor"
    assert stake["period"] == {"start": "2026-03-02", "end": "2026-03-02"}
    assert stake["broken_without_ring"] is True and stake["broken_with_ring"] is False
    assert stake["conditions"] == [{"metric": "reply_rate", "op": "<", "threshold": 0.5, "value": 0.5, "value_without_ring": 0.25}]
    assert "pinduoduo.activity_floor" in f.summary and "pinduoduo.activity_floor" in f.summary_zh


def test_honest_look_alikes_are_not_in_the_ring(tmp_path: Path, pdd: Path) -> None:
    # Every shop with a ring buyer gets a lead at min_score 0, so a shop with none has no lead at all.
    edit_pack(pdd, "min_ring_buyers: 5", "min_ring_buyers: 5\n    min_score: 0")
    got = flags(tmp_path, pdd)
    assert "D" not in got  # the repeat customer, the popular buyer and the one-shop "在吗" make no ring
    for f in got.values():
        assert not ring_ids(f) & {"loyal", "pop", "solo"}


def test_a_genuine_repeat_customer_alone_is_not_flagged(tmp_path: Path, pdd: Path) -> None:
    recs = [r for r in records() if r["buyer_id"] not in RING]
    assert flags(tmp_path, pdd, recs) == {}


def test_stake_boost_zero_leaves_the_weighted_mean(tmp_path: Path, pdd: Path) -> None:
    edit_pack(pdd, "stake_boost: 0.4", "stake_boost: 0")
    got = flags(tmp_path, pdd)
    assert got["C"].score == pytest.approx(0.9)  # no boost: 0.6*1 + 0.4*0.75


def test_single_shop_rings_when_min_shops_is_one(tmp_path: Path, pdd: Path) -> None:
    # solo: D's only ring buyer, 1 of D's 4 inquiries on 03-01 -> share 1*1/4 / 1 = 0.25 -> signal 1; one ring
    # inquiry bunches nothing -> bunching 0; base 0.6*1 = 0.6; size 1/5 -> score 0.12.
    edit_pack(pdd, "min_shops: 2", "min_shops: 1\n    min_score: 0")
    got = flags(tmp_path, pdd)
    assert ring_ids(got["D"]) == {"solo"}
    assert got["D"].score == pytest.approx(0.12)
    assert got["D"].measures["share"] == pytest.approx(0.25) and got["D"].measures["bunching"] == 0
    assert ring_ids(got["A"]) == set(RING)  # the repeat customer still is not trivial


def test_a_ring_seen_in_fewer_shops_than_min_shops_is_none(tmp_path: Path, pdd: Path) -> None:
    edit_pack(pdd, "min_shops: 2", "min_shops: 4")  # the ring is in 3 shops
    assert flags(tmp_path, pdd) == {}


def test_slow_answers_are_not_trivial_rounds(tmp_path: Path, pdd: Path) -> None:
    edit_pack(pdd, "answer_within_seconds: 30", "answer_within_seconds: 4")  # the ring is answered in 5 s
    assert flags(tmp_path, pdd) == {}


def test_switched_off(tmp_path: Path, pdd: Path) -> None:
    edit_pack(pdd, "min_ring_buyers: 5", "min_ring_buyers: 5\n    enabled: false")
    assert flags(tmp_path, pdd) == {}


def stake_records() -> list[dict[str, Any]]:
    """A ring of 12 (k1..k12, "在吗", answered in 5 s) visiting shops X, Y and Z on 03-05.

    X: 110 genuine buyers on 03-05, 50 answered, 60 not; and 2 answered genuine buyers on each of 03-01 .. 03-04.
    Y: 2 answered genuine buyers on 03-05.
    Z: 25 genuine buyers on 03-05, 13 answered, 12 not.
    """
    recs: list[dict[str, Any]] = []
    for i in range(110):
        t = 8 * 3600 + i * 120
        recs += genuine("X", f"X-g{i}", 5, t) if i < 50 else [ask("X", f"X-g{i}", 5, t, QUESTION[0])]
    for day in range(1, 5):
        for i in range(2):
            recs += genuine("X", f"X-e{day}{i}", day, 9 * 3600 + i * 600)
    for i in range(2):
        recs += genuine("Y", f"Y-g{i}", 5, 9 * 3600 + i * 600)
    for i in range(25):
        t = 8 * 3600 + i * 120
        recs += genuine("Z", f"Z-g{i}", 5, t) if i < 13 else [ask("Z", f"Z-g{i}", 5, t, QUESTION[0])]
    for n in range(12):
        for shop in "XYZ":
            recs += trivial(shop, f"k{n + 1}", 5, 21 * 3600 + n * 60, "在吗", 5)
    return recs


def test_rules_at_stake_are_replayed_with_their_also_when(tmp_path: Path, pdd: Path) -> None:
    """X on 03-05 with the ring: 122 inquiries, rate 62/122 = 0.508 -> no rule; without: 110 inquiries,
    rate 50/110 = 0.4545 -> activity_floor and daily_fine (> 100 inquiries) both broken -> both at stake, stake = 1.
    share = 12*12/122 / 12 = 0.09836 -> signal 0.09836/0.15 = 0.65574; bunching = 1 - (1 - 1)/(min(12, 5) - 1) = 1;
    base = 0.6*0.65574 + 0.4*1 = 0.79344; score = 0.79344 + 0.4*1*(1 - 0.79344) = 0.87607.

    Z on 03-05: with the ring 37 inquiries, rate 25/37 = 0.676; without: 25 inquiries, rate 13/25 = 0.52 -> not
    broken, but within 10 % of the 0.5 floor (< 0.55) and the ring lifts it: activity_floor at stake, broken
    neither way (daily_fine: 25 inquiries is not near 100). share 12/37 -> signal 1; one day -> bunching 0;
    base 0.6; stake 1 -> 0.6 + 0.4*0.4 = 0.76.

    Y: the ring and 2 answered genuine buyers on 03-05 only: share 12/14 -> signal 1; bunching 0; rate 1 either
    way, nothing at stake -> 0.6.
    """
    got = flags(tmp_path, pdd, stake_records())
    x = got["X"]
    assert x.score == pytest.approx(0.87607, abs=1e-4)
    assert x.measures["stake"] == 1 and x.measures["bunching"] == 1
    (day,) = [e for e in x.evidence if e["kind"] == "ring_day"]
    assert (day["day"], day["ring_inquiries"], day["inquiries"]) == ("2026-03-05", 12, 122)
    by_rule = {s["rule_id"]: s for s in day["at_stake"]}
    assert sorted(by_rule) == ["pinduoduo.activity_floor", "pinduoduo.daily_fine"]
    fine = by_rule["pinduoduo.daily_fine"]
    assert fine["broken_without_ring"] is True and fine["broken_with_ring"] is False
    rate, count = fine["conditions"]
    assert (rate["metric"], rate["value"], rate["value_without_ring"]) == (
        "reply_rate",
        pytest.approx(62 / 122, abs=1e-4),
        pytest.approx(50 / 110, abs=1e-4),
    )
    assert (count["metric"], count["op"], count["threshold"], count["value"], count["value_without_ring"]) == (
        "inquiries",
        ">",
        100,
        122,
        110,
    )
    assert "would have been broken on 2 figure(s)" in x.summary

    z = got["Z"]
    assert z.score == pytest.approx(0.76)
    (day,) = [e for e in z.evidence if e["kind"] == "ring_day"]
    (floor,) = day["at_stake"]
    assert floor["rule_id"] == "pinduoduo.activity_floor"
    assert floor["broken_without_ring"] is False and floor["broken_with_ring"] is False
    assert floor["conditions"][0]["value_without_ring"] == pytest.approx(0.52)
    assert "nearly broken (within 10% of the threshold) on 1" in z.summary

    assert got["Y"].score == pytest.approx(0.6) and got["Y"].measures["stake"] == 0


def test_stake_margin_zero_counts_only_broken_rules(tmp_path: Path, pdd: Path) -> None:
    # Z's 0.52 is no longer near the floor: stake 0, score = base 0.6; X's rules are broken without the ring: unchanged.
    edit_pack(pdd, "stake_margin: 0.1", "stake_margin: 0")
    got = flags(tmp_path, pdd, stake_records())
    assert got["Z"].score == pytest.approx(0.6) and got["Z"].measures["stake"] == 0
    assert got["X"].score == pytest.approx(0.87607, abs=1e-4)


def test_empty_texts_are_trivial(tmp_path: Path, pdd: Path) -> None:
    # The same ring sending messages with no text at all (an emoji sticker, an image) is still a ring.
    recs = [dict(r, text=None) if r["buyer_id"] in RING and r["role"] == "buyer" else r for r in records()]
    recs = [{k: v for k, v in r.items() if v is not None} for r in recs]
    got = flags(tmp_path, pdd, recs)
    assert sorted(got) == ["A", "B", "C"]
    assert got["A"].score == pytest.approx(0.9)
    rnd = next(e for e in got["A"].evidence if e["kind"] == "ring_round")
    assert rnd["text"] is None and rnd["text_chars"] == 0
    assert "e.g." not in got["A"].summary


def test_per_period_rules_of_another_pack_are_replayed_too(tmp_path: Path, pack_copy: Path) -> None:
    """The same chats under the taobao pack (agent replies only, 08:00-24:00; every round here is inside).

    Its rules judge period figures: avg_response_time > 30 s and first_response_time > 20 s (every round here is
    its buyer's first of the day, so both figures are the same mean). Shop A: 10 genuine rounds at 60 s, 5 of
    loyal's at 10 s, pop's at 8 s and the ring's 8 at 5 s: (600 + 50 + 8 + 40)/24 = 29.08 s with the ring,
    (600 + 50 + 8)/16 = 41.1 s without. So avg_response_target is broken only without the ring and
    first_response_target either way (29.08 > 20), and the ring pulls both down: both at stake on the period,
    which holds every ring inquiry -> stake 1, score 0.9 + 0.4*1*(1 - 0.9) = 0.94.
    """
    doc = yaml.safe_load((pack_copy / "pack.yaml").read_text(encoding="utf-8"))
    doc["detectors"] = [d for d in doc["detectors"] if d["detector"] == NAME]  # the others are not under test here
    (pack_copy / "pack.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    got = flags(tmp_path, pack_copy)
    a = got["A"]
    assert a.score == pytest.approx(0.94) and a.measures["stake"] == 1
    day = next(e for e in a.evidence if e["kind"] == "ring_day")
    by_rule = {s["rule_id"]: s for s in day["at_stake"]}
    assert sorted(by_rule) == ["taobao.avg_response_target", "taobao.first_response_target"]
    avg = by_rule["taobao.avg_response_target"]
    assert avg["period"] == {"start": "2026-02-09", "end": "2026-03-10"}
    assert (avg["broken_with_ring"], avg["broken_without_ring"]) == (False, True)
    assert avg["conditions"][0]["value"] == pytest.approx(698 / 24, abs=1e-4)
    assert avg["conditions"][0]["value_without_ring"] == pytest.approx(658 / 16, abs=1e-4)
    assert by_rule["taobao.first_response_target"]["broken_with_ring"] is True
