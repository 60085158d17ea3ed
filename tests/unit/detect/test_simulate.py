"""Smoke tests of tools/simulate.py, the seeded chat generator the detector measurements run on.

The measurement itself (tools/measure_detectors.py, `make detectors-table`)
is too slow for `make test`; these check that its data are what its docstring
says: the same seed gives the same records, clean data is valid input that
balances the ledger and shows the honest look-alikes, and each injected
pattern changes the data as documented (and nothing else).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from auditor.api import AuditOptions, audit
from tools.simulate import (
    BOT_AS_AGENT,
    FAKE_DAYS,
    QUICK,
    RING_SIZE,
    TRIVIAL,
    AgentPlan,
    ShopPlan,
    inject,
    random_shops,
    ring_accounts,
    simulate,
    write_jsonl,
)

START = date(2026, 3, 1)
DAYS = 14
# An ordinary agent with plenty of slow replies, on a long shift, plus a colleague.
TARGET = AgentPlan("kf01", median_s=25, slow_share=0.12, slow_median_s=600, quick_share=0.2, shift=(8, 24), days_off=0)
MATE = AgentPlan("kf02", median_s=15, quick_share=0.4, shift=(9, 18))
SHOP = ShopPlan("s1", (TARGET, MATE), buyers_per_day=120, robot="greeting")


def at(r: dict) -> float:
    return datetime.fromisoformat(r["ts"]).timestamp()


def conversations(records: list[dict], shop: str) -> dict[str, list[dict]]:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if r["shop_id"] == shop:
            by[r["buyer_id"]].append(r)
    for recs in by.values():
        recs.sort(key=lambda r: (at(r), r["role"] != "buyer"))
    return by


def first_replies(records: list[dict], shop: str, sender: str) -> list[tuple[float, str]]:
    """(seconds from a round's first buyer message, text) of each agent message that closes a round, for one sender."""
    out = []
    for recs in conversations(records, shop).values():
        first, day = None, ""
        for r in recs:
            kind = r.get("kind", "message")
            if first is not None and r["ts"][:10] != day:  # a round still open at midnight is unanswered
                first = None
            if r["role"] == "buyer" and kind == "message":
                if first is None:
                    first, day = at(r), r["ts"][:10]
            elif r["role"] == "agent" and kind == "message" and first is not None:
                if r.get("sender_id") == sender:
                    out.append((at(r) - first, r.get("text", "")))
                first = None
    return out


def close_pairs(records: list[dict], shop: str, min_untimed: float = 60) -> int:
    """Closes while a round is open, followed by the next agent reply with no buyer message between, >= min_untimed later."""
    pairs = 0
    for recs in conversations(records, shop).values():
        first = closed = None
        for r in recs:
            kind = r.get("kind", "message")
            if r["role"] == "buyer" and kind == "message":
                first, closed = first if first is not None else at(r), None
            elif r["role"] == "agent" and kind == "close" and first is not None and closed is None:
                closed = at(r)
            elif r["role"] == "agent" and kind == "message" and first is not None:
                pairs += closed is not None and at(r) - closed >= min_untimed
                first = closed = None
    return pairs


def audited(tmp_path: Path, records: list[dict], policy: str):  # type: ignore[no-untyped-def]
    path = write_jsonl(records, tmp_path / f"{policy}.jsonl")
    return audit([path], AuditOptions(policy=policy))


def test_same_seed_same_records_other_seed_other_records() -> None:
    plans = random_shops(7, 2, "pinduoduo", buyers=(40, 60))
    assert plans == random_shops(7, 2, "pinduoduo", buyers=(40, 60))
    a = simulate(7, plans, START, 5)
    assert a == simulate(7, plans, START, 5)
    assert a != simulate(8, plans, START, 5)


def test_injection_leaves_other_shops_untouched() -> None:
    other = replace(SHOP, shop_id="s2")
    clean = simulate(1, [SHOP, other], START, DAYS)
    gamed = simulate(1, [inject(SHOP, "delayed_reply", 1.0), other], START, DAYS)
    assert [r for r in clean if r["shop_id"] == "s2"] == [r for r in gamed if r["shop_id"] == "s2"]
    assert [r for r in clean if r["shop_id"] == "s1"] != [r for r in gamed if r["shop_id"] == "s1"]


@pytest.mark.parametrize("policy", ["taobao", "pinduoduo"])
def test_clean_data_is_valid_input_and_balances_the_ledger(tmp_path: Path, policy: str) -> None:
    plans = random_shops(3, 3, policy, buyers=(40, 80))
    records = simulate(3, plans, START, DAYS)
    assert all(r["ts"] < (START.replace(day=START.day + DAYS)).isoformat() for r in records)  # nothing after the last day
    assert len({(r["shop_id"], r["msg_id"]) for r in records}) == len(records)
    report = audited(tmp_path, records, policy)
    i = report.inputs
    assert i.rejected == 0 and i.read == len(records)
    assert i.read == i.used + sum(i.excluded.values())
    assert set(i.excluded) <= {"system", "non_genuine"}
    assert report.period.end == date(2026, 3, DAYS).isoformat()


def test_clean_data_shows_the_honest_look_alikes() -> None:
    records = simulate(5, [SHOP], START, DAYS)
    roles = {(r["role"], r.get("kind", "message")) for r in records}
    assert {("buyer", "message"), ("agent", "message"), ("agent", "close"), ("bot", "message"), ("system", "notice"),
            ("buyer", "notice"), ("buyer", "ad")} <= roles
    lat = [s for s, _ in first_replies(records, "s1", "s1:kf01")]
    assert sum(s > 1800 for s in lat) >= 10  # a smooth slow tail runs past 30 minutes ...
    assert sum(1200 < s <= 1800 for s in lat) >= 10  # ... and through it
    quick = [s for s, text in first_replies(records, "s1", "s1:kf02") if text in QUICK]
    assert quick and min(quick) < 6  # a person clicking a quick-reply phrase: a long text within seconds
    assert close_pairs(records, "s1") == 0  # closes come after replies, or the buyer writes again, or no reply follows
    # buyers who come back after a close
    back = sum(
        any(r.get("kind") == "close" and any(x["role"] == "buyer" and at(x) > at(r) for x in recs) for r in recs)
        for recs in conversations(records, "s1").values()
    )
    assert back >= 5


def test_delayed_reply_holds_slow_replies_just_past_the_cut() -> None:
    def pile_and_band(strength: float) -> tuple[int, int]:
        records = simulate(5, [inject(SHOP, "delayed_reply", strength)], START, DAYS)
        lat = [s for s, _ in first_replies(records, "s1", "s1:kf01")]
        return sum(1800 < s <= 1890 for s in lat), sum(600 <= s <= 1800 for s in lat)

    pile0, band0 = pile_and_band(0.0)
    pile_half, band_half = pile_and_band(0.5)
    pile1, band1 = pile_and_band(1.0)
    assert band0 >= 30 and pile0 <= band0 / 8  # the natural tail: 90 s of it against 1200 s
    assert pile0 < pile_half < pile1 and band1 < band_half < band0
    assert pile1 >= band0 * 0.7  # (nearly) all of the 10-30 min replies moved into the pile
    assert band1 <= band0 * 0.25  # what is left: answers at the start of a shift, which are not held


def test_close_reopen_closes_first_and_replies_unprompted() -> None:
    clean = simulate(5, [SHOP], START, DAYS)
    half = simulate(5, [inject(SHOP, "close_reopen", 0.5)], START, DAYS)
    full = simulate(5, [inject(SHOP, "close_reopen", 1.0)], START, DAYS)
    replies = len(first_replies(full, "s1", "s1:kf01"))
    assert close_pairs(clean, "s1") == 0
    assert 0.35 * replies < close_pairs(half, "s1") < 0.65 * replies
    assert close_pairs(full, "s1") >= 0.9 * replies
    # only kf01 does it
    mate_closes_first = close_pairs([r for r in full if r.get("sender_id") != "s1:kf01" or r["role"] != "agent"], "s1")
    assert mate_closes_first == 0


def test_bot_as_human_answers_in_templates_within_two_seconds() -> None:
    for strength, lo, hi in ((0.0, 0.0, 0.0), (0.5, 0.4, 0.6), (1.0, 0.9, 1.0)):  # at 1: all but the answers to questions left from the night
        records = simulate(5, [inject(SHOP, "bot_as_human", strength)], START, DAYS)
        replies = first_replies(records, "s1", "s1:kf01")
        bot = [s for s, text in replies if text in BOT_AS_AGENT]
        assert lo <= len(bot) / len(replies) <= hi, strength
        assert all(1.0 <= s <= 2.0 for s in bot)
        assert not any(text in BOT_AS_AGENT for _, text in first_replies(records, "s1", "s1:kf02"))
        assert all(r["role"] == "agent" for r in records if r.get("text") in BOT_AS_AGENT)


def test_fake_chat_ring_is_shared_trivial_answered_at_once_and_bunched() -> None:
    ring_shops = [replace(SHOP, shop_id=s, robot="answers") for s in ("r1", "r2")]
    clean = replace(SHOP, shop_id="c1", robot="answers")
    plans = [inject(s, "fake_chat", 0.5) for s in ring_shops] + [clean]
    records = simulate(5, plans, START, DAYS)
    accounts = set(ring_accounts(5))
    ring = defaultdict(set)
    for r in records:
        if r["buyer_id"] in accounts:
            ring[r["shop_id"]].add(r["buyer_id"])
    assert set(ring) == {"r1", "r2"}  # the clean shop sees none of them
    members = ring["r1"] | ring["r2"]
    assert len(members) <= RING_SIZE and len(ring["r1"] & ring["r2"]) >= 5  # the same accounts in both shops
    for shop in ("r1", "r2"):
        convos = conversations(records, shop)
        for buyer in ring[shop]:
            convo = convos[buyer]
            asks = [r for r in convo if r["role"] == "buyer"]
            answers = [r for r in convo if r["role"] in ("agent", "bot")]
            assert len(asks) == len(answers) and all(a["text"] in TRIVIAL for a in asks)
            assert all(0 < at(b) - at(a) <= 12 for a, b in zip(asks, answers, strict=True))
        days = {r["ts"][:10] for r in records if r["shop_id"] == shop and r["buyer_id"] in ring[shop]}
        assert len(days) == FAKE_DAYS  # bunched on a few days


def test_bad_plans_are_refused() -> None:
    with pytest.raises(ValueError, match="strength"):
        inject(SHOP, "delayed_reply", 1.5)
    with pytest.raises(ValueError, match="unknown pattern"):
        inject(SHOP, "fast_refund", 0.5)
    with pytest.raises(ValueError, match="inject_agent"):
        replace(SHOP, inject_agent="nobody")


def test_fast_enough() -> None:
    [plan] = random_shops(11, 1, buyers=(300, 300))
    t = time.perf_counter()
    records = simulate(11, [plan], START, 30)
    assert len(records) > 30_000
    assert time.perf_counter() - t < 5  # about 0.5 s on an idle laptop core; generous for busy CI machines
