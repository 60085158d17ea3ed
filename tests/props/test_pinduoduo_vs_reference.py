"""Property tests: the engine under ``--policy pinduoduo`` against the pure-Python reference.

The same random conversations as ``test_engine_vs_reference.py`` (every role and kind, bots
among the replies, midnight edges, exclusions, duplicates, offsets) go through the public API
with the pinduoduo pack; every daily ``inquiries`` and ``reply_rate`` row (shop, day, value,
numerator, denominator) and every ``activity_floor`` / ``daily_fine`` finding must equal the
reference's, exactly. The fine needs more than 100 inquiring buyers in a day, which random
conversations never reach, so a second strategy (``crowd``) puts 100-odd buyers on one day with
about half of them answered, and an edited copy of the pack lowers the fine's bar to 2 buyers.

When a test fails, hypothesis prints the minimal case; check the reference against CONTRACT.md
first, then report it.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import PACKS, reference_metrics, reference_violations  # noqa: E402
from test_engine_vs_reference import (  # noqa: E402
    BASE_DAY,
    PROPS,
    TZ_NAME,
    US,
    as_reference_record,
    compare_ledger,
    edited_pack,
    run_audit,
    scenario,
)

PDD_DIR = Path(__file__).resolve().parents[2] / "policies" / "pinduoduo"
DAILY_METRICS = ("inquiries", "reply_rate")
THRESHOLD_RULES = ("pinduoduo.activity_floor", "pinduoduo.daily_fine")

# An edited copy: bots do not count (so a bot reply is the whole difference between this and
# the built-in pack), a 3-day period, service hours from 09:00 (which must not matter: the
# daily metrics are not hours-bound, `service_hours_only: false`), and thresholds that random
# conversations do reach: reply_rate < 0.75, and the fine from more than 2 buyers.
PDD_VARIANT_EDITS = [
    (r"valid_roles: \[agent, bot\]", "valid_roles: [agent]"),
    (r"days: 30\b", "days: 3"),
    (r'start: "00:00"', 'start: "09:00"'),
    (r"^(\s*)value: 0\.5$", r"\g<1>value: 0.75"),  # both threshold rules
    (r"^(\s*)value: 100$", r"\g<1>value: 2"),
]
PDD_VARIANT_PARAMS = dict(valid_reply_roles=("agent",), days=3, service_hours=[(9 * 3600, 24 * 3600)])
PDD_VARIANT_RULES = dict(rate_floor=0.75, fine_over=2)


def fix(x: float) -> float:
    """The report's rounding (CONTRACT §3 figures, auditor.models: 6 decimals)."""
    r = round(float(x), 6)
    return 0.0 if r == 0 else r


def check_daily(case: dict, policy: str, params: dict | None = None, rules: dict | None = None):
    """Audit ``case`` under ``policy`` and compare with the reference; return the report."""
    params = params if params is not None else PACKS["pinduoduo"]
    rules = rules if rules is not None else {}
    records = case["records"]
    report = run_audit(records, case["as_of"], policy, case["shop_accounts"])
    ref = reference_metrics(
        [as_reference_record(r) for r in records],
        as_of=case["as_of"],
        shop_accounts=case["shop_accounts"],
        **{"tz": TZ_NAME, **params},
    )
    compare_ledger(report, ref, len(records))

    # Every daily row, exactly: the same keys, then the same numbers.
    got = {}
    for row in report.metrics:
        if row.metric not in DAILY_METRICS:
            continue  # a pack may add more metrics (CONTRACT §5)
        assert row.agent_id is None, row  # CONTRACT §7.9 shop rows; both metrics are per shop only
        assert row.period.start == row.period.end, row  # CONTRACT §3 "A daily figure has start == end"
        key = (row.metric, row.shop_id, date.fromisoformat(row.period.start))
        assert key not in got, f"metric row twice: {key}"
        got[key] = (row.numerator, row.denominator, row.value)
    want = {key: (num, den, fix(value)) for key, (num, den, value) in ref["daily"].items()}
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for key in want:
        assert got[key] == want[key], (key, got[key], want[key])

    # The threshold findings: exactly the reference's days, with the day's figure.
    expected = reference_violations(ref["daily"], **rules)
    found = {}
    for v in report.violations:
        assert v.rule_id != "pinduoduo.below_peers", v  # no --peers: not evaluated (CONTRACT §5)
        if v.rule_id not in THRESHOLD_RULES:
            continue
        assert v.period.start == v.period.end, v
        key = (v.rule_id, v.shop_id, date.fromisoformat(v.period.start))
        assert key not in found, f"violation twice: {key}"
        assert v.metric == "reply_rate", v
        assert v.threshold == rules.get("rate_floor", 0.5), v
        found[key] = v.value
    assert sorted(found, key=repr) == sorted(expected, key=repr)
    for key, value in expected.items():
        assert found[key] == fix(value), (key, found[key], value)
    return report


@settings(max_examples=45, **PROPS)
@given(scenario())
def test_engine_matches_reference_pinduoduo(case):
    check_daily(case, "pinduoduo")


def test_engine_matches_reference_pinduoduo_edited(tmp_path_factory):
    pack_dir = str(edited_pack(tmp_path_factory.mktemp("pdd"), PDD_VARIANT_EDITS, source=PDD_DIR))

    @settings(max_examples=25, **PROPS)
    @given(scenario())
    def check(case):
        check_daily(case, pack_dir, PDD_VARIANT_PARAMS, PDD_VARIANT_RULES)

    check()


# ---- Many buyers on one day: the fine's "inquiries > 100" ------------------------------------

# What happens to one buyer of the crowd. Answered: the first round gets a valid reply that day.
ANSWERED = [
    "agent",  # an agent replies
    "bot",  # a robot replies (valid under pinduoduo, not under taobao)
    "bot_then_agent",
    "answered_then_asks_again",  # a second round, unanswered: the buyer still counts as answered
    "reply_tie",  # reply at the buyer's own instant (buyer first)
    "reply_duplicated",  # the reply written twice with one msg_id: counts once
]
# Not answered that day: the round stays open, or the "reply" is no valid reply.
UNANSWERED = [
    "silence",
    "close_only",  # a close is never a reply (CONTRACT §4)
    "bot_ad",  # an agent/bot ad or notice neither opens nor answers (CONTRACT §7.5)
    "reply_next_day",  # asked 23:59:30, answered 00:00:10 the next day
    "system_reply",  # role system: excluded before anything is counted
    "follow_ups",  # three questions, no answer: one round
]
# Not an inquiry at all: no round is opened.
DECOYS = ["buyer_ad", "buyer_notice", "agent_only", "system_only", "same_shop"]


def crowd_events(fate: str, t: datetime) -> list[tuple[str, str | None, datetime, dict]]:
    s = timedelta(seconds=1)
    if fate == "agent":
        return [("buyer", None, t, {}), ("agent", None, t + 30 * s, {"sender_id": "ag1"})]
    if fate == "bot":
        return [("buyer", None, t, {}), ("bot", "message", t + 2 * s, {"sender_id": "robot"})]
    if fate == "bot_then_agent":
        return [("buyer", None, t, {}), ("bot", None, t + s, {}), ("agent", None, t + 400 * s, {"sender_id": "ag2"})]
    if fate == "answered_then_asks_again":
        return [("buyer", None, t, {}), ("agent", None, t + 10 * s, {}), ("buyer", None, t + 60 * s, {})]
    if fate == "reply_tie":
        return [("agent", None, t, {"sender_id": "ag1"}), ("buyer", "message", t, {})]
    if fate == "reply_duplicated":
        return [("buyer", None, t, {}), ("agent", None, t + 5 * s, {"msg_id": "r"}), ("agent", None, t + 9 * s, {"msg_id": "r"})]
    if fate == "silence":
        return [("buyer", None, t, {})]
    if fate == "close_only":
        return [("buyer", None, t, {}), ("agent", "close", t + 5 * s, {})]
    if fate == "bot_ad":
        return [("buyer", None, t, {}), ("bot", "ad", t + 5 * s, {}), ("agent", "notice", t + 6 * s, {})]
    if fate == "reply_next_day":
        late = datetime(t.year, t.month, t.day, 23, 59, 30)
        return [("buyer", None, late, {}), ("agent", None, late + 40 * s, {})]
    if fate == "system_reply":
        return [("buyer", None, t, {}), ("system", None, t + 5 * s, {})]
    if fate == "follow_ups":
        return [("buyer", None, t, {}), ("buyer", None, t + 20 * s, {}), ("buyer", "", t + 200 * s, {})]
    if fate == "buyer_ad":
        return [("buyer", "ad", t, {}), ("agent", None, t + 5 * s, {})]
    if fate == "buyer_notice":
        return [("buyer", "notice", t, {})]
    if fate == "agent_only":
        return [("agent", None, t, {}), ("bot", None, t + s, {})]
    if fate == "system_only":
        return [("system", None, t, {})]
    if fate == "same_shop":
        return [("buyer", None, t, {}), ("agent", None, t + 5 * s, {})]
    raise AssertionError(fate)


@st.composite
def crowd(draw) -> dict:
    """One shop, one day, 100-102 (or 150) inquiring buyers, about half of them answered, so that
    both rules sit at their edges: 100 vs 101 buyers, 50/101 < 0.5, 51/102 = 0.5 is not."""
    n = draw(st.sampled_from([100, 101, 101, 102, 150]))
    half = (n + 1) // 2  # the fewest answered buyers with a rate >= 0.5
    answered = half + draw(st.sampled_from([-1, -1, 0, 1]))
    fates = [draw(st.sampled_from(ANSWERED)) for _ in range(answered)]
    fates += [draw(st.sampled_from(UNANSWERED)) for _ in range(n - answered)]
    fates += draw(st.lists(st.sampled_from(DECOYS), max_size=4))
    day = datetime(BASE_DAY.year, BASE_DAY.month, BASE_DAY.day)
    records: list[dict] = []
    for i, fate in enumerate(fates):
        buyer = "shop-sub" if fate == "same_shop" else f"b{i}"
        t = day + timedelta(microseconds=draw(st.integers(0, 23 * 3600 * US)))  # replies stay on the day
        for role, kind, at, extra in crowd_events(fate, t):
            rec = {"shop_id": "s1", "buyer_id": buyer, "role": role, "ts": at.isoformat(), **extra}
            if "msg_id" in rec:
                rec["msg_id"] = f"{rec['msg_id']}{i}"
            if kind is not None:
                rec["kind"] = kind
            records.append(rec)
        if draw(st.integers(0, 19)) == 19:  # now and then a buyer's message twice: a duplicate
            first = next(r for r in records if r["buyer_id"] == buyer)
            first["msg_id"] = f"q{i}"
            records.append(dict(first))
    # a small second shop, sometimes, whose days must not mix with the crowd's
    if draw(st.booleans()):
        records.append({"shop_id": "s2", "buyer_id": "b0", "role": "buyer", "ts": f"{BASE_DAY}T10:00:00"})
    records = draw(st.permutations(records))
    as_of = draw(st.sampled_from([None, BASE_DAY]))
    return {"records": records, "as_of": as_of, "shop_accounts": {"s1": {"shop-sub"}}}


@settings(max_examples=10, **PROPS)
@given(crowd())
def test_engine_matches_reference_crowd(case):
    check_daily(case, "pinduoduo")


# ---- Written out: the fine at its edges and the bot difference --------------------------------


def crowd_day(n: int, answered: int, bot_answers: int = 0) -> list[dict]:
    """``n`` buyers asking on 2026-01-07 from 09:00, one a minute; the first ``answered`` of them
    answered 10 s later, the first ``bot_answers`` of those by a robot."""
    recs = []
    for i in range(n):
        t = datetime(2026, 1, 7, 9, 0) + timedelta(minutes=i)
        recs.append({"shop_id": "s1", "buyer_id": f"b{i}", "role": "buyer", "ts": t.isoformat()})
        if i < answered:
            role = "bot" if i < bot_answers else "agent"
            recs.append({"shop_id": "s1", "buyer_id": f"b{i}", "role": role, "ts": (t + timedelta(seconds=10)).isoformat()})
    return recs


@pytest.mark.parametrize(
    "n, answered, rules",
    [
        (101, 50, set(THRESHOLD_RULES)),  # 101 > 100 and 50/101 < 0.5: ban and fine
        (101, 51, set()),  # 51/101 ≥ 0.5: neither
        (102, 51, set()),  # 51/102 = 0.5 exactly: not < 0.5 (CONTRACT §7.11 strict)
        (100, 49, {"pinduoduo.activity_floor"}),  # 49/100 < 0.5 but 100 is not > 100: no fine
    ],
)
def test_fine_edges_through_engine(n, answered, rules):
    case = {"records": crowd_day(n, answered, bot_answers=answered // 2), "as_of": None, "shop_accounts": None}
    report = check_daily(case, "pinduoduo")
    assert {v.rule_id for v in report.violations if v.rule_id in THRESHOLD_RULES} == rules
    for v in report.violations:
        if v.rule_id == "pinduoduo.daily_fine":
            # CONTRACT §5 / §7.13: the fine carries its amount and currency
            assert v.consequence == {"type": "fine", "amount": 1000, "currency": "CNY"}
            assert (v.period.start, v.value) == ("2026-01-07", fix(answered / n))


def test_bot_replies_count_only_under_pinduoduo(tmp_path_factory):
    """101 buyers, 60 answered, 20 of them only by a robot: 60/101 under pinduoduo (no finding),
    40/101 when bots do not count (ban and fine)."""
    case = {"records": crowd_day(101, 60, bot_answers=20), "as_of": None, "shop_accounts": None}
    report = check_daily(case, "pinduoduo")
    rows = {(m.metric, m.period.start): (m.numerator, m.denominator) for m in report.metrics}
    assert rows[("reply_rate", "2026-01-07")] == (60, 101)
    assert not [v for v in report.violations if v.rule_id in THRESHOLD_RULES]

    agents_only = edited_pack(
        tmp_path_factory.mktemp("pdd-agents"), [(r"valid_roles: \[agent, bot\]", "valid_roles: [agent]")], source=PDD_DIR
    )
    report = check_daily(case, str(agents_only), {**PACKS["pinduoduo"], "valid_reply_roles": ("agent",)})
    rows = {(m.metric, m.period.start): (m.numerator, m.denominator) for m in report.metrics}
    assert rows[("reply_rate", "2026-01-07")] == (40, 101)
    assert {v.rule_id for v in report.violations if v.rule_id in THRESHOLD_RULES} == set(THRESHOLD_RULES)
