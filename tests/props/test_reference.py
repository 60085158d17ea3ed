"""Unit tests of the pure-Python reference: the worked examples of the source and edge cases.

Source: policies/taobao/sources/002_92962fdfafc03648.txt, 「举例」 under
「阿里旺旺三分钟响应率定义」. All times are local (Asia/Shanghai), 2026-01-07 unless said.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import PACKS, reference_metrics, reference_violations  # noqa: E402

DAY = "2026-01-07"


def buyer(t: str, who: str = "a", shop: str = "s1", **kw) -> dict:
    return {"shop_id": shop, "buyer_id": who, "role": "buyer", "ts": t if "T" in t else f"{DAY}T{t}", **kw}


def agent(t: str, who: str = "a", shop: str = "s1", sender: str | None = "ag1", role: str = "agent", **kw) -> dict:
    rec = {"shop_id": shop, "buyer_id": who, "role": role, "ts": t if "T" in t else f"{DAY}T{t}", **kw}
    if sender is not None:
        rec["sender_id"] = sender
    return rec


def rate(result: dict, shop: str = "s1"):
    row = result["metrics"].get(("response_rate_3min", shop, None))
    return None if row is None else row[:2]


def lat(result: dict, metric: str, shop: str = "s1", agent_id: str | None = None):
    row = result["metrics"].get((metric, shop, agent_id))
    return None if row is None else (row[0], row[1])


# ---- The three worked examples (举例) ---------------------------------------------------------


def test_worked_example_1():
    # 「买家a:1月7日10:10:15秒咨询商家,商家未回复,10:15:20秒再次咨询商家,商家在:10:18:10**复。
    #   则3分钟内回复的对话轮次数为0/该时段总的对话轮次数1。」
    recs = [buyer("10:10:15"), buyer("10:15:20"), agent("10:18:10")]
    r = reference_metrics(recs, as_of=None)
    # one round opened at 10:10:15 (10:15:20 joins it); latency 10:18:10 - 10:10:15 = 475 s > 180
    assert rate(r) == (0, 1)
    # 475 s ≤ 1800 -> counts in the latency means
    assert lat(r, "avg_response_time") == (475.0, 1)
    assert lat(r, "first_response_time") == (475.0, 1)


def test_worked_example_2():
    # 「…商家在:10:18:10**复。买家10:18:30秒又咨询商家,商家10:19:00**复买家,
    #   则3分钟内回复的对话轮次数为1/该时段总的对话轮次数2。」
    recs = [buyer("10:10:15"), buyer("10:15:20"), agent("10:18:10"), buyer("10:18:30"), agent("10:19:00")]
    r = reference_metrics(recs, as_of=None)
    # round 1: 475 s (not within); round 2: 10:19:00 - 10:18:30 = 30 s (within) -> 1/2
    assert rate(r) == (1, 2)
    # avg: (475 + 30) / 2 = 252.5
    assert lat(r, "avg_response_time") == (505.0, 2)
    assert r["metrics"][("avg_response_time", "s1", None)][2] == 252.5
    # first round of the day only: 475 s
    assert lat(r, "first_response_time") == (475.0, 1)
    assert lat(r, "avg_response_time", agent_id="ag1") == (505.0, 2)


def test_worked_example_3():
    # 「买家a:3分钟内问了10个问题,截止到当天晚12点,卖家均没回答,
    #   则3分钟内回复的对话轮次数为0/该时段总的对话轮次数1。」
    recs = [buyer(f"10:{10 + i // 6:02d}:{(i * 10) % 60:02d}") for i in range(10)]  # 10:10:00 … 10:11:30
    r = reference_metrics(recs, as_of=None)
    assert rate(r) == (0, 1)  # ten questions, one round, unanswered
    # no answered round -> no latency figure at all (CONTRACT §7.8)
    assert lat(r, "avg_response_time") is None
    assert lat(r, "first_response_time") is None


# ---- Edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply, within",
    [
        ("10:02:59", True),  # 10:02:59 - 10:00:00 = 179 s ≤ 180
        ("10:03:00", True),  # 180 s ≤ 180
        ("10:03:01", False),  # 181 s > 180
        ("10:03:00.500000", False),  # 180.5 s > 180 (CONTRACT §7.6)
        ("10:03:00.000001", False),  # 180.000001 s > 180
        ("10:03:00.000000001", False),  # 180.000000001 s > 180: every digit counts
        ("10:02:59.999999999", True),  # 179.999999999 s
    ],
)
def test_three_minute_edge(reply, within):
    r = reference_metrics([buyer("10:00:00"), agent(reply)], as_of=None)
    assert rate(r) == ((1, 1) if within else (0, 1))


def test_nanosecond_digits_kept():
    r = reference_metrics([buyer("10:00:00.000000001"), agent("10:00:10.5")], as_of=None)
    row = r["metrics"][("avg_response_time", "s1", None)]
    assert row[1] == 1 and abs(row[0] - 10.499999999) < 1e-12  # 10.5 - 0.000000001 s


def test_fractional_latency_exact():
    r = reference_metrics([buyer("10:00:00.250000"), agent("10:00:10.750000")], as_of=None)
    assert lat(r, "avg_response_time") == (10.5, 1)  # 10.75 - 0.25 = 10.5 s


def test_round_crossing_midnight_is_unanswered():
    # buyer 23:59:00 on the 7th; reply 00:00:30 on the 8th (90 s later) - a later local day
    recs = [buyer("23:59:00"), agent("2026-01-08T00:00:30")]
    r = reference_metrics(recs, as_of=None)
    assert r["as_of"] == date(2026, 1, 8)  # latest local day over all records
    assert rate(r) == (0, 1)  # round of the 7th closed unanswered at the day change
    assert lat(r, "avg_response_time") is None  # never answered -> no latency figure
    assert r["used"] == 2


def test_round_crossing_midnight_new_round_next_day():
    # the day-7 round is closed unanswered; the day-8 00:00:10 buyer message opens a round
    # outside service hours (00:00:10 < 08:00), so it counts in no hours-bound figure
    recs = [buyer("23:59:00"), buyer("2026-01-08T00:00:10"), agent("2026-01-08T00:00:30")]
    r = reference_metrics(recs, as_of=None)
    assert rate(r) == (0, 1)
    assert lat(r, "avg_response_time") is None


@pytest.mark.parametrize(
    "first, counted",
    [
        ("07:59:59", False),  # 28799 s < 28800 = 08:00 -> outside [08:00, 24:00)
        ("07:59:59.999999", False),
        ("08:00:00", True),  # 28800 s, window start inclusive
        ("23:59:59.999999", True),
    ],
)
def test_service_hours_edge(first, counted):
    nxt = {"07:59:59": "08:00:05", "07:59:59.999999": "08:00:05", "08:00:00": "08:00:05", "23:59:59.999999": "23:59:59.999999"}[first]
    r = reference_metrics([buyer(first), agent(nxt)], as_of=None)
    if counted:
        assert rate(r) == (1, 1)
    else:
        assert rate(r) is None  # no round in service hours -> no figure (CONTRACT §7.8)
        assert lat(r, "avg_response_time") is None


def test_service_hours_by_first_message_only():
    # first buyer message 07:59:00 (outside), a second at 08:01:00 joins the same round
    recs = [buyer("07:59:00"), buyer("08:01:00"), agent("08:01:30")]
    r = reference_metrics(recs, as_of=None)
    assert rate(r) is None  # the round's hours are those of its first message: 07:59 -> not counted


def test_equal_timestamps_buyer_first():
    # reply listed first in the input, same instant as the buyer message: buyer first
    recs = [agent("10:00:00"), buyer("10:00:00")]
    r = reference_metrics(recs, as_of=None)
    assert rate(r) == (1, 1)  # latency 0 s
    assert lat(r, "avg_response_time") == (0.0, 1)


def test_equal_timestamps_first_reply_in_input_order_credited():
    recs = [buyer("10:00:00"), agent("10:00:05", sender="x"), agent("10:00:05", sender="y")]
    r = reference_metrics(recs, as_of=None)
    assert lat(r, "avg_response_time", agent_id="x") == (5.0, 1)
    assert lat(r, "avg_response_time", agent_id="y") is None


def test_equal_instants_with_offsets():
    # 10:00:00+08:00 == 02:00:00Z: same instant, buyer first -> latency 0
    recs = [agent("2026-01-07T02:00:00Z"), buyer("2026-01-07T10:00:00+08:00")]
    r = reference_metrics(recs, as_of=None)
    assert lat(r, "avg_response_time") == (0.0, 1)


def test_bot_reply_not_valid():
    recs = [buyer("10:00:00"), agent("10:00:10", role="bot", sender="robot"), agent("10:05:00")]
    r = reference_metrics(recs, as_of=None)
    # the bot does not close the round; the agent at 10:05:00 does: 300 s > 180
    assert rate(r) == (0, 1)
    assert lat(r, "avg_response_time") == (300.0, 1)
    assert lat(r, "avg_response_time", agent_id="robot") is None


def test_bot_reply_valid_when_pack_says_so():
    recs = [buyer("10:00:00"), agent("10:00:10", role="bot", sender="robot"), agent("10:05:00")]
    r = reference_metrics(recs, as_of=None, valid_reply_roles=("agent", "bot"))
    assert rate(r) == (1, 1)  # 10 s
    assert lat(r, "avg_response_time", agent_id="robot") == (10.0, 1)


def test_close_is_not_a_reply():
    recs = [buyer("10:00:00"), agent("10:00:05", kind="close"), agent("10:10:00")]
    r = reference_metrics(recs, as_of=None)
    # close neither answers nor ends the round; the 10:10:00 reply closes it: 600 s
    assert rate(r) == (0, 1)
    assert lat(r, "avg_response_time") == (600.0, 1)


def test_agent_ad_notice_neither_opens_nor_answers():
    recs = [agent("09:00:00", kind="ad"), buyer("10:00:00"), agent("10:00:05", kind="notice"), agent("10:04:00")]
    r = reference_metrics(recs, as_of=None)
    assert r["used"] == 4  # agent-side ad/notice are used, not excluded
    assert rate(r) == (0, 1)  # answered at 10:04:00: 240 s
    assert lat(r, "avg_response_time") == (240.0, 1)


@pytest.mark.parametrize(
    "reply, kept",
    [
        ("10:30:00", True),  # 1800 s ≤ 1800 kept
        ("10:30:01", False),  # 1801 s > 1800 left out
        ("10:30:00.000001", False),  # 1800.000001 s left out
    ],
)
def test_latency_cut(reply, kept):
    r = reference_metrics([buyer("10:00:00"), agent(reply)], as_of=None)
    assert rate(r) == (0, 1)  # answered, but not within 180 s
    expected = (1800.0, 1) if kept else None
    assert lat(r, "avg_response_time") == (expected if kept else None)
    assert lat(r, "first_response_time") == (expected if kept else None)


def test_first_response_only_first_round_of_day():
    # round 1 at 07:00 (outside hours), answered; round 2 at 10:00 answered in 5 s
    recs = [buyer("07:00:00"), agent("07:00:20"), buyer("10:00:00"), agent("10:00:05")]
    r = reference_metrics(recs, as_of=None)
    # first round of the day is outside service hours -> no first_response_time figure;
    # the 10:00 round never stands in for it (CONTRACT §7.10)
    assert lat(r, "first_response_time") is None
    assert lat(r, "avg_response_time") == (5.0, 1)
    assert rate(r) == (1, 1)


def test_first_response_over_cut_not_replaced():
    recs = [buyer("10:00:00"), agent("10:31:00"), buyer("11:00:00"), agent("11:00:05")]
    r = reference_metrics(recs, as_of=None)
    assert lat(r, "first_response_time") is None  # 1860 s > 1800, no stand-in
    assert lat(r, "avg_response_time") == (5.0, 1)


def test_first_response_per_buyer_and_day():
    recs = [
        buyer("10:00:00", who="a"), agent("10:00:10", who="a"),  # 10 s
        buyer("11:00:00", who="a"), agent("11:00:50", who="a"),  # 50 s (not first)
        buyer("12:00:00", who="b"), agent("12:00:20", who="b", sender="ag2"),  # 20 s
        buyer("2026-01-08T09:00:00", who="a"), agent("2026-01-08T09:00:30", who="a"),  # 30 s
    ]
    r = reference_metrics(recs, as_of=None)
    assert lat(r, "first_response_time") == (60.0, 3)  # 10 + 20 + 30 = 60 over 3
    assert lat(r, "first_response_time", agent_id="ag1") == (40.0, 2)  # 10 + 30
    assert lat(r, "first_response_time", agent_id="ag2") == (20.0, 1)
    assert lat(r, "avg_response_time") == (110.0, 4)  # 10 + 50 + 20 + 30


def test_reply_without_sender_counts_only_in_shop_figure():
    recs = [buyer("10:00:00"), agent("10:00:10", sender=None), buyer("11:00:00"), agent("11:00:20")]
    r = reference_metrics(recs, as_of=None)
    assert lat(r, "avg_response_time") == (30.0, 2)  # 10 + 20
    assert lat(r, "avg_response_time", agent_id="ag1") == (20.0, 1)
    assert [k for k in r["metrics"] if k[0] == "avg_response_time"] == [
        ("avg_response_time", "s1", None),
        ("avg_response_time", "s1", "ag1"),
    ]


def test_exclusions_and_ledger():
    recs = [
        {"shop_id": "s1", "buyer_id": "a", "role": "system", "ts": f"{DAY}T09:00:00", "msg_id": "m1"},
        buyer("09:00:01", kind="ad"),  # non_genuine
        buyer("09:00:02", kind="notice"),  # non_genuine
        buyer("10:00:00", who="s1-sub"),  # same_shop
        agent("10:00:01", who="s1-sub"),  # same_shop (whole conversation)
        buyer("10:00:00", msg_id="m2"),
        buyer("10:00:00", msg_id="m2"),  # duplicate (same instant, later input)
        agent("10:00:20", msg_id="m1"),  # duplicate of the earlier system record m1 (§7.3 literal)
        buyer("2025-12-01T10:00:00"),  # out_of_period: 2026-01-07 - 29 days = 2025-12-09
        agent("10:00:30", msg_id="m3"),
        agent("09:59:00", msg_id="m3", shop="s2"),  # another shop: not a duplicate
    ]
    r = reference_metrics(recs, as_of=None, shop_accounts={"s1": {"s1-sub"}})
    assert r["as_of"] == date(2026, 1, 7)
    assert r["period"] == (date(2025, 12, 9), date(2026, 1, 7))
    assert r["excluded"] == {"system": 1, "non_genuine": 2, "same_shop": 2, "duplicate": 2, "out_of_period": 1}
    assert r["used"] == 3  # 11 read - 8 excluded
    assert rate(r) == (1, 1)  # buyer 10:00:00, reply 10:00:30 -> 30 s


def test_duplicate_keeps_earliest_instant_not_input_order():
    # the later-listed copy has the earlier instant: it is kept, the first-listed is duplicate
    recs = [buyer("10:00:30", msg_id="m"), buyer("10:00:00", msg_id="m"), agent("10:01:00")]
    r = reference_metrics(recs, as_of=None)
    assert r["excluded"] == {"duplicate": 1}
    assert lat(r, "avg_response_time") == (60.0, 1)  # from 10:00:00, not 10:00:30


def test_as_of_explicit_and_period():
    recs = [buyer("2026-01-07T10:00:00"), agent("2026-01-07T10:00:10"), buyer("2026-01-08T10:00:00")]
    r = reference_metrics(recs, as_of=date(2026, 1, 7))
    assert r["excluded"] == {"out_of_period": 1}
    assert rate(r) == (1, 1)
    r2 = reference_metrics(recs, as_of=date(2026, 1, 7), days=1)
    assert r2["period"] == (date(2026, 1, 7), date(2026, 1, 7))


def test_naive_is_pack_time_zone():
    # 01:00Z on the 7th = 09:00 Shanghai (in hours); naive 01:00 = 01:00 Shanghai (not)
    r = reference_metrics([buyer("2026-01-07T01:00:00Z"), agent("2026-01-07T01:00:05Z")], as_of=None)
    assert rate(r) == (1, 1)
    r = reference_metrics([buyer("2026-01-07T01:00:00"), agent("2026-01-07T01:00:05")], as_of=None)
    assert rate(r) is None


def test_local_day_from_utc_instant():
    # 2026-01-07T20:00:00Z is 2026-01-08 04:00 in Shanghai: the local day is the 8th
    r = reference_metrics([buyer("2026-01-07T20:00:00Z")], as_of=None)
    assert r["as_of"] == date(2026, 1, 8)


def test_custom_window_and_within():
    recs = [buyer("08:30:00"), agent("08:30:50"), buyer("09:00:00"), agent("09:00:59"), buyer("10:00:00"), agent("10:01:01")]
    r = reference_metrics(recs, as_of=None, within_seconds=60, service_hours=[(9 * 3600, 24 * 3600)])
    # 08:30 round outside 09:00-24:00; 59 s within 60; 61 s not -> 1/2
    assert rate(r) == (1, 2)


# ---- Pinduoduo: inquiries and reply_rate per shop and local day --------------------------------

PDD = PACKS["pinduoduo"]
D7, D8 = date(2026, 1, 7), date(2026, 1, 8)


def daily(result: dict, metric: str, day: date, shop: str = "s1"):
    return result["daily"].get((metric, shop, day))


def pdd_day_example() -> list[dict]:
    return [
        buyer("09:00:00", who="e", kind="ad"),  # a buyer-side ad: non_genuine, opens nothing
        buyer("10:00:00", who="a"), agent("10:00:05", who="a", role="bot", sender="robot"),  # a robot answers
        buyer("11:00:00", who="b"), agent("11:00:05", who="b", kind="close"), agent("11:45:00", who="b"),
        buyer("12:00:00", who="c"), buyer("12:05:00", who="c"),  # two questions, one round, no answer
        buyer("13:00:00", who="f"), agent("13:00:10", who="f"), buyer("14:00:00", who="f"),
        buyer("23:59:00", who="d"), agent("2026-01-08T00:00:30", who="d"),  # answered the next day
    ]  # fmt: skip


def test_pinduoduo_day_hand_worked():
    r = reference_metrics(pdd_day_example(), as_of=None, **PDD)
    # as-of = the latest local day = 2026-01-08 (d's reply); period 2025-12-10 … 2026-01-08
    assert r["period"] == (date(2025, 12, 10), D8)
    # 7th: buyers who opened a round: a, b, c, f, d = 5 (e's ad is excluded, CONTRACT §4)
    assert daily(r, "inquiries", D7) == (5, None, 5.0)
    # answered that day: a (bot, 5 s), b (the close is no reply; the agent at 11:45 answers,
    # 2700 s: no latency cut in a reply rate), f (13:00:10; the 14:00 round stays open but f is
    # already answered) = 3; c never answered; d's reply comes on the 8th -> unanswered
    assert daily(r, "reply_rate", D7) == (3, 5, 0.6)
    # 8th: d's reply opens nothing -> 0 inquiries, a row all the same; no reply_rate figure
    assert daily(r, "inquiries", D8) == (0, None, 0.0)
    assert daily(r, "reply_rate", D8) is None
    # one inquiries row for each of the 30 days of the period, one reply_rate row (the 7th)
    assert sum(1 for k in r["daily"] if k[0] == "inquiries") == 30
    assert [k for k in r["daily"] if k[0] == "reply_rate"] == [("reply_rate", "s1", D7)]
    # 3/5 = 0.6 is not < 0.5: no finding
    assert reference_violations(r["daily"]) == {}


def test_pinduoduo_bots_do_not_count_under_taobao_roles():
    r = reference_metrics(pdd_day_example(), as_of=None, **PACKS["taobao"])
    # the same 5 inquiring buyers; without the robot, a is unanswered: b and f = 2/5 = 0.4
    assert daily(r, "inquiries", D7) == (5, None, 5.0)
    assert daily(r, "reply_rate", D7) == (2, 5, 0.4)
    # 0.4 < 0.5: the activity floor; 5 buyers is not > 100: no fine
    assert reference_violations(r["daily"]) == {("pinduoduo.activity_floor", "s1", D7): 0.4}


def test_pinduoduo_rows_only_for_shops_with_used_records():
    recs = [
        buyer("10:00:00"), agent("10:00:09"),  # s1: 1 buyer, answered -> 1/1  # fmt: skip
        agent("10:00:00", shop="s2"),  # s2: only an agent message: used, but no round
        {"shop_id": "s3", "buyer_id": "a", "role": "system", "ts": f"{DAY}T10:00:00"},  # s3: excluded
        buyer("2025-11-01T10:00:00", shop="s4"),  # s4: out of period
    ]
    r = reference_metrics(recs, as_of=D7, **PDD)
    assert r["excluded"] == {"system": 1, "out_of_period": 1}
    assert daily(r, "reply_rate", D7) == (1, 1, 1.0)
    # s2 has a used record: 30 days of inquiries = 0, and no reply_rate (no denominator, §7.8)
    assert [v for k, v in r["daily"].items() if k[1] == "s2"] == [(0, None, 0.0)] * 30
    # s3 and s4 have no used record in the period: no rows at all
    assert not [k for k in r["daily"] if k[1] in ("s3", "s4")]


def test_pinduoduo_exclusions_before_counting():
    recs = [
        {"shop_id": "s1", "buyer_id": "a", "role": "system", "ts": f"{DAY}T09:00:00", "msg_id": "m1"},
        buyer("10:00:00", who="a", msg_id="q1"),
        buyer("10:00:00", who="a", msg_id="q1"),  # duplicate: a still asked once
        agent("10:00:20", who="a", msg_id="m1"),  # duplicate of the system record m1 (§7.3): no reply
        buyer("10:00:00", who="s1-sub"), agent("10:00:01", who="s1-sub"),  # same_shop: not an inquiry
        buyer("11:00:00", who="b"), agent("11:00:30", who="b", role="bot", kind="notice"),  # a bot notice answers nothing
        buyer("12:00:00", who="c"), agent("12:00:01", who="c", role="bot"),  # a robot answers
    ]  # fmt: skip
    r = reference_metrics(recs, as_of=None, shop_accounts={"s1": {"s1-sub"}}, **PDD)
    assert r["excluded"] == {"system": 1, "duplicate": 2, "same_shop": 2}
    # asked: a, b, c = 3; answered: only c = 1/3
    assert daily(r, "inquiries", D7) == (3, None, 3.0)
    assert daily(r, "reply_rate", D7) == (1, 3, 1 / 3)


def many(n: int, answered: int) -> list[dict]:
    """n buyers asking at 09:00 + i minutes; the first ``answered`` of them answered 10 s later."""
    recs = []
    for i in range(n):
        t = f"{9 + i // 60:02d}:{i % 60:02d}:00"
        recs.append(buyer(t, who=f"b{i}"))
        if i < answered:
            recs.append(agent(t[:-2] + "10", who=f"b{i}"))
    return recs


@pytest.mark.parametrize(
    "n, answered, found",
    [
        (101, 50, {"pinduoduo.activity_floor", "pinduoduo.daily_fine"}),  # 50/101 ≈ 0.495 < 0.5, 101 > 100
        (101, 51, set()),  # 51/101 ≈ 0.505: not < 0.5
        (102, 51, set()),  # 51/102 = 0.5 exactly: not < 0.5 (§7.11 strict)
        (100, 49, {"pinduoduo.activity_floor"}),  # 0.49 < 0.5, but 100 is not > 100: no fine
        (100, 0, {"pinduoduo.activity_floor"}),  # 0/100 = 0.0
    ],
)
def test_pinduoduo_fine_edges(n, answered, found):
    r = reference_metrics(many(n, answered), as_of=None, **PDD)
    assert daily(r, "inquiries", D7) == (n, None, float(n))
    assert daily(r, "reply_rate", D7) == (answered, n, answered / n)
    v = reference_violations(r["daily"])
    assert {k[0] for k in v} == found
    assert all(key[1:] == ("s1", D7) and value == answered / n for key, value in v.items())
