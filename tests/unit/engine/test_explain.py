"""`explain`: the trace behind a figure adds up to the audit's figure, and says in words why each unit does or does not count.

(a) Consistency: for every metric row the audit reports on the golden inputs
    (taobao and pinduoduo), the explanation's numerator, denominator and value
    are the row's, and they equal what the listed units marked counted add up to.
(b) Hand-worked cases, one per reason a unit is left out (expected values in
    the comments beside them).
(c) The worked example of tests/unit/report/test_golden.py's docstring, shop g1.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.api import AuditOptions, audit, explain
from auditor.errors import UsageError
from auditor.models import AuditReport, Explanation
from tests.conftest import ROOT

TAOBAO_IN = "tests/golden/input"
PDD_IN = "tests/golden/pinduoduo/input"
PDD_SIDE = "tests/golden/pinduoduo/side"
TAOBAO_OPTS = AuditOptions(policy="taobao")
PDD_OPTS = AuditOptions(policy="pinduoduo", shops=f"{PDD_SIDE}/shops.csv", peers=f"{PDD_SIDE}/peers.csv")  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _at_root():  # type: ignore[no-untyped-def]
    cwd = os.getcwd()
    os.chdir(ROOT)  # files are named as given, relative to where the run starts
    yield
    os.chdir(cwd)


# --- (a) every figure the audit reports, traced ------------------------------------------------------------------


def _check_every_row(path: str, options: AuditOptions) -> int:
    report: AuditReport = audit([path], options)
    checked = 0
    for row in report.metrics:
        e = explain(
            [path], options, shop=row.shop_id, metric=row.metric, agent=row.agent_id,
            day=date.fromisoformat(row.period.start) if row.period.start == row.period.end else None,  # a 30-day period: daily rows only
        )  # fmt: skip
        c = e.counts
        assert (c.numerator, c.denominator, c.value) == (row.numerator, row.denominator, row.value), (row, c)
        assert (e.figure_period.start, e.figure_period.end) == (row.period.start, row.period.end)
        den = [u for u in e.units if u.in_denominator]
        num = [u for u in e.units if u.in_numerator]
        assert all(u.in_denominator for u in num)
        unit = next(d.unit for d in report.definitions if d.id == row.metric)
        if unit == "seconds":  # numerator = the latencies summed, denominator = how many
            assert len(den) == row.denominator
            assert sum(u.latency_s or 0 for u in num) == pytest.approx(row.numerator)
        elif unit == "count":  # value = numerator = the count; no denominator (CONTRACT §7.8)
            assert len(num) == row.numerator and row.denominator is None
        else:
            assert (len(num), len(den)) == (row.numerator, row.denominator)
        # a unit that does not count fully says why; one that does says nothing
        assert all((u.why is None) == (u.in_denominator and u.in_numerator) for u in e.units)
        checked += 1
    return checked


def test_every_taobao_golden_figure_adds_up() -> None:
    # g1: 3 metrics per shop + per-agent rows of avg/first (amy, bob); g2: 3 + cat's two
    assert _check_every_row(TAOBAO_IN, TAOBAO_OPTS) == 12


def test_every_pinduoduo_golden_figure_adds_up() -> None:
    # 3 shops x 30 days of inquiries (0 on quiet days) + 12 reply_rate days (test_golden's table)
    assert _check_every_row(PDD_IN, PDD_OPTS) == 90 + 12


# --- (c) the golden input's worked example ------------------------------------------------------------------------


def test_golden_worked_example_g1() -> None:
    e = explain([TAOBAO_IN], TAOBAO_OPTS, shop="g1", metric="response_rate_3min")
    # u3 07:30 is before 08:00 (outside hours); u1 answered in 45 s; u2 answered by a person after 240 s
    # (the bot at 10:00:01 is no valid reply): 1 within 180 s of 2 rounds in hours = 0.5
    assert (e.counts.numerator, e.counts.denominator, e.counts.value) == (1, 2, 0.5)
    assert e.counts.arithmetic == "answered within 180 s: 1 of 2 rounds in service hours = 0.5"
    got = [(u.buyer_id, u.opened.line, u.reply.line if u.reply else None, u.latency_s, u.in_denominator, u.in_numerator) for u in e.units]
    assert got == [
        ("u3", 11, 12, 10.0, False, False),
        ("u1", 1, 2, 45.0, True, True),
        ("u2", 3, 5, 240.0, True, False),
    ]
    u3, u1, u2 = e.units
    assert u3.why == "outside service hours: opened at 07:30:00 local, service hours are 08:00-24:00"
    assert u1.why is None and u1.reply is not None and (u1.reply.role, u1.reply.sender_id, u1.reply.msg_id) == ("agent", "g1:amy", "m2")
    assert u2.why is not None and u2.why.startswith("answered after 180 s (240 s); the bot message at tests/golden/input/chats.jsonl:4")
    assert u2.not_a_reply is not None and (u2.not_a_reply.line, u2.not_a_reply.role) == (4, "bot")
    # g1's excluded records: line 6 system notice, line 7 repeats m2 (duplicate); line 8 (role `seller`) is rejected and
    # names g1, line 9 (truncated JSON) names no shop: 1 of the 2 rejected in all
    assert e.excluded.counts == {"system": 1, "duplicate": 1}
    assert [(x.line, x.reason) for x in e.excluded.records] == [(6, "system"), (7, "duplicate")]
    assert (e.rejected.total, e.rejected.for_shop, [(r.line, r.code) for r in e.rejected.records]) == (2, 1, [(8, "bad_enum:role")])


def test_golden_worked_example_average_and_rule() -> None:
    e = explain([TAOBAO_IN], TAOBAO_OPTS, shop="g1", rule="taobao.avg_response_target")
    # avg = (45 + 240) / 2 = 142.5 s > 30: violated; u3 is outside hours
    assert e.metric == "avg_response_time" and (e.counts.numerator, e.counts.denominator, e.counts.value) == (285.0, 2, 142.5)
    assert "45 + 240 = 285 s / 2 rounds = 142.5 s" in e.counts.arithmetic
    assert e.rule is not None and e.rule.verdict == "violated" and e.violated()
    assert [(c.metric, c.op, c.threshold, c.holds) for c in e.rule.conditions] == [("avg_response_time", ">", 30.0, True)]


def test_a_met_rule_is_not_violated() -> None:
    e = explain([TAOBAO_IN], TAOBAO_OPTS, shop="g2", rule="taobao.first_response_target")
    # g2: v1's first round of 03-09 answered in 10 s: 10 / 1 = 10 s, not > 20
    assert (e.counts.value, e.rule.verdict if e.rule else None, e.violated()) == (10.0, "met", False)
    assert e.rule is not None and e.rule.reason == "first_response_time = 10 is not > 20: the rule is met"


def test_pinduoduo_fine_day_with_both_conditions() -> None:
    e = explain([PDD_IN], PDD_OPTS, shop="p1", rule="pinduoduo.daily_fine")  # default day: the as-of day, 03-10
    # busy.jsonl: 101 buyers, the first 20 answered by a bot -> 20/101 < 0.5 and 101 > 100
    assert e.figure_period.start == e.figure_period.end == "2026-03-10"
    assert e.rule is not None and e.rule.verdict == "violated"
    assert [(c.metric, c.counts.numerator, c.counts.denominator, c.holds) for c in e.rule.conditions] == [
        ("reply_rate", 20, 101, True),
        ("inquiries", 101, None, True),
    ]
    assert len(e.units) == 101 and sum(u.in_numerator for u in e.units) == 20


def test_pinduoduo_day_under_threshold_but_few_inquiries_is_met() -> None:
    e = explain([PDD_IN], PDD_OPTS, shop="p1", rule="pinduoduo.daily_fine", day=date(2026, 3, 7))
    # 03-07: b5 answered, b6 not (1/2 = 0.5, not < 0.5); 2 inquiries, not > 100
    assert e.rule is not None and e.rule.verdict == "met"
    assert e.rule.reason == "reply_rate = 0.5 is not < 0.5; inquiries = 2 is not > 100: the rule is met"


def test_pinduoduo_streak_not_evaluated_without_a_category() -> None:
    e = explain([PDD_IN], PDD_OPTS, shop="p3", rule="pinduoduo.below_peers")
    # p3 has no category in shops.csv: below_peers cannot be judged for it (test_golden: not_evaluated p3)
    assert e.rule is not None and e.rule.verdict == "not_evaluated" and not e.violated()


def test_pinduoduo_streak_day_inside_a_run_is_violated() -> None:
    e = explain([PDD_IN], PDD_OPTS, shop="p1", rule="pinduoduo.below_peers", day=date(2026, 3, 7))
    # p1 below the peers on 03-06, 03-07, 03-08 (test_golden): 03-07 is inside that run
    assert e.rule is not None and e.rule.verdict == "violated"
    assert [(p.start, p.end) for p in e.rule.findings] == [("2026-03-06", "2026-03-08")]


# --- (b) one hand-worked case per reason ----------------------------------------------------------------------------

DAY = "2026-03-10"


def _write(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    f = tmp_path / "chats.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return f


def _rec(buyer: str, role: str, hms: str, **kw: Any) -> dict[str, Any]:
    return {"shop_id": "s1", "buyer_id": buyer, "role": role, "ts": f"{DAY}T{hms}", **kw}


def _explain(tmp_path: Path, records: list[dict[str, Any]], metric: str, policy: str | Path = "taobao", **kw: Any) -> Explanation:
    return explain([_write(tmp_path, records)], AuditOptions(policy=policy, as_of=date.fromisoformat(DAY)), shop="s1", metric=metric, **kw)


def test_why_not_first_round_of_the_day(tmp_path: Path) -> None:
    records = [
        _rec("a", "buyer", "09:00:00"), _rec("a", "agent", "09:00:10", sender_id="kf"),  # line 1-2: a's first round, 10 s
        _rec("a", "buyer", "09:05:00"), _rec("a", "agent", "09:05:20", sender_id="kf"),  # line 3-4: a's second round, 20 s
    ]  # fmt: skip
    e = _explain(tmp_path, records, "first_response_time")
    # only the first round of (a, 03-10) counts: 10 / 1 = 10 s
    assert (e.counts.numerator, e.counts.denominator, e.counts.value) == (10.0, 1, 10.0)
    assert [(u.opened.line, u.first_of_day, u.in_denominator) for u in e.units] == [(1, True, True), (3, False, False)]
    assert e.units[1].why == "not the buyer's first round of the day (only that one counts; a later round never stands in for it)"


def test_why_unanswered_and_a_close_is_no_reply(tmp_path: Path) -> None:
    records = [
        _rec("a", "buyer", "10:00:00"),                                 # line 1: a asks
        _rec("a", "agent", "10:00:30", sender_id="kf", kind="close"),  # line 2: closed, no reply: the round stays open all day
    ]  # fmt: skip
    e = _explain(tmp_path, records, "response_rate_3min")
    # 0 within 180 s of 1 round in hours = 0
    assert (e.counts.numerator, e.counts.denominator, e.counts.value) == (0, 1, 0.0)
    (u,) = e.units
    assert u.reply is None and u.in_denominator and not u.in_numerator
    assert u.why == (
        "unanswered: no valid reply that local day (a round still open at midnight ends unanswered); "
        f"the agent close at {_write(tmp_path, records)}:2 ({DAY}T10:00:30) is not a reply: a close is never a reply"
    )


def test_why_answered_only_by_a_bot_the_pack_does_not_count(tmp_path: Path) -> None:
    records = [_rec("a", "buyer", "10:00:00"), _rec("a", "bot", "10:00:02", text="您好")]  # line 2: taobao counts no bot reply
    e = _explain(tmp_path, records, "response_rate_3min")
    (u,) = e.units
    assert (e.counts.numerator, e.counts.denominator) == (0, 1)  # the round is unanswered: 0 of 1
    assert u.why is not None and u.why.endswith("is not a reply: this pack does not count bot replies (valid replies: agent)")
    assert u.not_a_reply is not None and (u.not_a_reply.line, u.not_a_reply.role, u.not_a_reply.kind) == (2, "bot", "message")


def test_why_over_the_1800_s_cut(tmp_path: Path) -> None:
    records = [
        _rec("a", "buyer", "10:00:00"), _rec("a", "agent", "10:31:00", sender_id="kf"),  # a: 31 min = 1860 s > 1800: left out
        _rec("b", "buyer", "11:00:00"), _rec("b", "agent", "11:00:40", sender_id="kf"),  # b: 40 s
    ]  # fmt: skip
    e = _explain(tmp_path, records, "avg_response_time")
    # mean over b alone: 40 / 1 = 40 s
    assert (e.counts.numerator, e.counts.denominator, e.counts.value) == (40.0, 1, 40.0)
    assert e.units[0].latency_s == 1860.0 and not e.units[0].in_denominator
    assert e.units[0].why == "latency 1860 s is over the 1800 s cut (the platform stops timing it)"
    # the same round under the 3-minute rate counts in the denominator, not the numerator
    rate = _explain(tmp_path, records, "response_rate_3min")
    assert rate.units[0].why == "answered after 180 s (1860 s)" and (rate.counts.numerator, rate.counts.denominator) == (1, 2)


def test_no_figure_without_a_denominator(tmp_path: Path) -> None:
    records = [_rec("a", "buyer", "07:00:00"), _rec("a", "agent", "07:00:05", sender_id="kf")]  # before 08:00: no round in hours
    e = _explain(tmp_path, records, "response_rate_3min")
    assert (e.counts.numerator, e.counts.denominator, e.counts.value) == (None, None, None)
    assert e.counts.arithmetic.startswith("no figure:")
    assert [u.in_denominator for u in e.units] == [False]


def test_agent_figure_lists_the_agents_rounds(tmp_path: Path) -> None:
    records = [
        _rec("a", "buyer", "10:00:00"), _rec("a", "agent", "10:00:10", sender_id="kf1"),  # kf1: 10 s
        _rec("b", "buyer", "10:00:00"), _rec("b", "agent", "10:00:50", sender_id="kf2"),  # kf2: 50 s
    ]  # fmt: skip
    e = _explain(tmp_path, records, "avg_response_time", agent="kf2")
    # kf2's figure: 50 / 1 = 50 s; only the rounds kf2 closed are listed
    assert (e.counts.value, [u.buyer_id for u in e.units]) == (50.0, ["b"])
    with pytest.raises(UsageError, match="names agent `kf3`"):
        _explain(tmp_path, records, "avg_response_time", agent="kf3")


def test_inquiry_outside_service_hours_is_listed(tmp_path: Path) -> None:
    # an edited pinduoduo pack whose reply rate counts only 08:00-24:00
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "policies" / "pinduoduo", pack, ignore=shutil.ignore_patterns("tests"))
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace('  - start: "00:00"', '  - start: "08:00"', 1)
    head, tail = text.split("  - id: reply_rate", 1)
    (pack / "pack.yaml").write_text(head + "  - id: reply_rate" + tail.replace("service_hours_only: false", "service_hours_only: true", 1), encoding="utf-8")
    records = [
        _rec("a", "buyer", "03:00:00"), _rec("a", "bot", "03:00:05"),   # a asks only at night
        _rec("b", "buyer", "09:00:00"),                                  # b asks in hours, never answered
    ]  # fmt: skip
    e = _explain(tmp_path, records, "reply_rate", policy=pack)
    # inquiries in hours: b alone; answered: none -> 0/1
    assert (e.counts.numerator, e.counts.denominator) == (0, 1)
    assert [(u.buyer_id, u.in_denominator) for u in e.units] == [("a", False), ("b", True)]
    assert e.units[0].why == "outside service hours: none of the buyer's rounds that day opened in 08:00-24:00 local (the first at 03:00:00)"
    assert e.units[1].why is not None and e.units[1].why.startswith("unanswered: none of the buyer's 1 round(s)")


def test_limit_caps_the_listing_not_the_counts() -> None:
    e = explain([TAOBAO_IN], TAOBAO_OPTS, shop="g1", metric="response_rate_3min", limit=1)
    assert e.excluded.counts == {"system": 1, "duplicate": 1}
    assert (len(e.excluded.records), e.excluded.not_shown) == (1, 1)


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"shop": "g3", "metric": "response_rate_3min"}, "did you mean `g2` or `g1`?"),
        ({"shop": "g1", "metric": "nope"}, "use one of: response_rate_3min, avg_response_time, first_response_time"),
        ({"shop": "g1", "rule": "taobao.nope"}, "use one of: taobao.first_response_target, taobao.avg_response_target"),
        ({"shop": "g1"}, "give --metric"),
        ({"shop": "g1", "metric": "avg_response_time", "day": date(2026, 3, 1)}, "--day applies to daily metrics"),
        ({"shop": "g1", "metric": "response_rate_3min", "agent": "g1:amy"}, "has no per-agent figures"),
    ],
)
def test_unknown_names_say_how_to_fix(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError) as err:
        explain([TAOBAO_IN], TAOBAO_OPTS, **kw)
    assert needle in str(err.value)


def test_day_outside_the_period() -> None:
    with pytest.raises(UsageError, match="outside the audited period 2026-02-09..2026-03-10"):
        explain([PDD_IN], PDD_OPTS, shop="p1", metric="reply_rate", day=date(2026, 1, 1))
