"""One small data set audited under both built-in packs, to show where taobao and pinduoduo read it differently.

The packs share the round (CONTRACT §4) but not what they count (§5): taobao counts
rounds in 08:00-24:00 answered by a person; pinduoduo counts buyers' days over all
24 hours, with robot replies as valid replies. Each difference is shown by taking
out the records behind it and seeing which pack's figures move.

The data set, shop s1, 2026-03-10 (naive times: Asia/Shanghai), line by line:

  1 a asks 10:00:00            2 bot replies 10:00:05     a: answered by a robot only
  3 b asks 03:00:00            4 kf1 replies 03:00:30     b: at night, 30 s
  5 c asks 11:00:00            6 kf1 replies 11:00:20     c: round 1, 20 s
  7 c asks 15:00:00            8 kf1 replies 15:01:00     c: round 2, 60 s
  9 d asks 12:00:00                                       d: never answered

taobao (bot replies do not count, hours 08:00-24:00):
  rounds in hours: a (open all day: the bot message is not a reply -> unanswered),
  c1 (20 s), c2 (60 s), d (unanswered); b's round opens at 03:00, outside the hours.
  response_rate_3min = within 180 s / rounds in hours = (c1, c2) / (a, c1, c2, d) = 2/4
  avg_response_time  = (20 + 60) / 2 = 40 s  > 30 -> taobao.avg_response_target
  first_response_time: first round of each (buyer, day): a unanswered, b out of hours,
  c -> c1 = 20 s, d unanswered: 20 / 1 = 20 s, not > 20 -> no warning.

pinduoduo (bot replies count, all 24 hours; unit = a buyer's day):
  inquiries 2026-03-10 = a, b, c, d = 4 (c once, for two rounds)
  reply_rate = answered that day: a (by the bot), b, c = 3/4 = 0.75 -> no finding.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.api import AuditOptions, audit
from auditor.models import AuditReport

DAY = "2026-03-10"

A_ASKS = {"shop_id": "s1", "buyer_id": "a", "role": "buyer", "ts": f"{DAY}T10:00:00"}
A_BOT = {"shop_id": "s1", "buyer_id": "a", "role": "bot", "ts": f"{DAY}T10:00:05"}
B_ASKS = {"shop_id": "s1", "buyer_id": "b", "role": "buyer", "ts": f"{DAY}T03:00:00"}
B_REPLY = {"shop_id": "s1", "buyer_id": "b", "role": "agent", "sender_id": "kf1", "ts": f"{DAY}T03:00:30"}
C1_ASKS = {"shop_id": "s1", "buyer_id": "c", "role": "buyer", "ts": f"{DAY}T11:00:00"}
C1_REPLY = {"shop_id": "s1", "buyer_id": "c", "role": "agent", "sender_id": "kf1", "ts": f"{DAY}T11:00:20"}
C2_ASKS = {"shop_id": "s1", "buyer_id": "c", "role": "buyer", "ts": f"{DAY}T15:00:00"}
C2_REPLY = {"shop_id": "s1", "buyer_id": "c", "role": "agent", "sender_id": "kf1", "ts": f"{DAY}T15:01:00"}
D_ASKS = {"shop_id": "s1", "buyer_id": "d", "role": "buyer", "ts": f"{DAY}T12:00:00"}

ALL = [A_ASKS, A_BOT, B_ASKS, B_REPLY, C1_ASKS, C1_REPLY, C2_ASKS, C2_REPLY, D_ASKS]


def _audit(tmp_path: Path, records: list[dict[str, Any]], policy: str) -> AuditReport:
    data = tmp_path / f"{policy}-{len(records)}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return audit([data], AuditOptions(policy=policy, as_of=date.fromisoformat(DAY)))


def _figure(report: AuditReport, metric: str, *, day: str | None = None, agent: str | None = None) -> tuple[float, float | int, int | None]:
    rows = [
        m
        for m in report.metrics
        if m.metric == metric and m.shop_id == "s1" and m.agent_id == agent and (day is None or m.period.start == m.period.end == day)
    ]
    assert len(rows) == 1, f"{metric} {day} {agent}: {rows}"
    # reports round figures to 6 decimals (auditor.models.fix): 1/3 is 0.333333
    return rows[0].value, rows[0].numerator, rows[0].denominator


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AuditReport]:
    """The full set, audited once under each pack."""
    d = tmp_path_factory.mktemp("both")
    return {p: _audit(d, ALL, p) for p in ("taobao", "pinduoduo")}


def _taobao(report: AuditReport) -> dict[str, tuple[float, float | int, int | None]]:
    return {m: _figure(report, m) for m in ("response_rate_3min", "avg_response_time", "first_response_time")}


def _pinduoduo(report: AuditReport) -> dict[str, tuple[float, float | int, int | None]]:
    return {m: _figure(report, m, day=DAY) for m in ("inquiries", "reply_rate")}


def test_the_full_set_under_each_pack(full: dict[str, AuditReport]) -> None:
    tb, pdd = full["taobao"], full["pinduoduo"]
    # the same nine records are read and used by both: the packs differ in counting, not in input
    for r in (tb, pdd):
        assert (r.inputs.read, r.inputs.used, r.inputs.excluded, r.inputs.rejected) == (9, 9, {}, 0)
    # taobao, worked in the module doc: 2/4 within 3 min; avg (20 + 60) / 2; first 20 / 1
    assert _taobao(tb) == {
        "response_rate_3min": (0.5, 2, 4),
        "avg_response_time": (40.0, 80.0, 2),
        "first_response_time": (20.0, 20.0, 1),
    }
    # per agent: kf1 closed c1 and c2 in hours (b's 03:00 round is out of hours): 80 / 2
    assert _figure(tb, "avg_response_time", agent="kf1") == (40.0, 80.0, 2)
    # 40 > 30 fires the avg target; 20 is not > 20 (CONTRACT §7.11)
    assert [v.rule_id for v in tb.violations] == ["taobao.avg_response_target"]
    # pinduoduo: 4 inquiring buyers, 3 answered that day; 0.75 is not < 0.5
    assert _pinduoduo(pdd) == {"inquiries": (4.0, 4, None), "reply_rate": (0.75, 3, 4)}
    assert pdd.violations == []


def test_bot_only_reply_answers_on_pinduoduo_not_on_taobao(tmp_path: Path, full: dict[str, AuditReport]) -> None:
    """Take out the bot's message (line 2): only pinduoduo's figure moves."""
    without_bot = [r for r in ALL if r is not A_BOT]
    # taobao: a's round was unanswered with or without the bot message (自动回复不计入有效回复),
    # so it stays in the denominator and out of the numerator: 2/4 both times.
    tb = _audit(tmp_path, without_bot, "taobao")
    assert _taobao(tb) == _taobao(full["taobao"])
    assert _figure(tb, "response_rate_3min") == (0.5, 2, 4)
    # pinduoduo: the bot's message was a's only reply and it counts; without it a is
    # unanswered: 3/4 -> 2/4.
    assert _figure(full["pinduoduo"], "reply_rate", day=DAY) == (0.75, 3, 4)
    assert _figure(_audit(tmp_path, without_bot, "pinduoduo"), "reply_rate", day=DAY) == (0.5, 2, 4)


def test_buyer_at_three_in_the_morning_counts_only_on_pinduoduo(tmp_path: Path, full: dict[str, AuditReport]) -> None:
    """Take out b's 03:00 conversation (lines 3-4): only pinduoduo's figures move."""
    without_b = [r for r in ALL if r not in (B_ASKS, B_REPLY)]
    # taobao: 03:00 is outside 08:00-24:00, so b was in none of its figures (not even
    # first_response_time, whose (b, day) first round is out of hours): unchanged.
    assert _taobao(_audit(tmp_path, without_b, "taobao")) == _taobao(full["taobao"])
    # pinduoduo counts all 24 hours: b was an answered inquiry. Without b: 3 inquiries,
    # a and c answered: 2/3.
    assert _pinduoduo(_audit(tmp_path, without_b, "pinduoduo")) == {"inquiries": (3.0, 3, None), "reply_rate": (0.666667, 2, 3)}


def test_two_rounds_in_a_day_are_two_rounds_on_taobao_one_inquiry_on_pinduoduo(tmp_path: Path, full: dict[str, AuditReport]) -> None:
    """Take out c's second round (lines 7-8): only taobao's figures move."""
    one_round = [r for r in ALL if r not in (C2_ASKS, C2_REPLY)]
    tb = _audit(tmp_path, one_round, "taobao")
    # taobao counts rounds: in-hours rounds a, c1, d; within 3 min c1 only: 1/3 (was 2/4).
    # avg_response_time: c1 only, 20 / 1 (was 40); 20 is not > 30, so the avg warning
    # goes. first_response_time was c1 all along: 20 / 1.
    assert _taobao(tb) == {
        "response_rate_3min": (0.333333, 1, 3),
        "avg_response_time": (20.0, 20.0, 1),
        "first_response_time": (20.0, 20.0, 1),
    }
    assert tb.violations == []
    # pinduoduo counts c's day once, answered, with one round or two: 4 inquiries, 3/4.
    pdd = _pinduoduo(_audit(tmp_path, one_round, "pinduoduo"))
    assert pdd == _pinduoduo(full["pinduoduo"])
    assert pdd == {"inquiries": (4.0, 4, None), "reply_rate": (0.75, 3, 4)}
