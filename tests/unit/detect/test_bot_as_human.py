"""The `bot_as_human` detector on hand-made chats: robots posing as agents and their honest look-alikes.

Every fixture is a handful of conversations written out below, audited under
the taobao pack (or an edited copy). The signals are worked out by hand in
each test with the pack's defaults: max_chars_per_minute 300, template_min_buyers
5, min_messages 20, min_chars 10, regular_window_seconds 2, share_for_full 0.4,
weights template 0.3, speed 0.4, regularity 0.3 (sum 1).

- template = templated texts / texts of >= 10 chars;
- speed = min(1, fast replies / replies of >= 10 chars / 0.4);
- regularity = min(1, most replies with latencies in one [x, x + 2 s) window / replies / 0.4).
A reply is the agent message that closes a round; its latency runs from the round's first buyer message.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from auditor.api import AuditOptions, audit
from auditor.models import AuditReport, Flag
from tests.conftest import edit_pack

TZ = timezone(timedelta(hours=8))
DAY = date(2026, 3, 2)
BASE = datetime(2026, 3, 2, 9, 0, 0, tzinfo=TZ)

# The robot's three answers; the first carries an order number that changes per buyer.
BOT_TEXTS = [
    "亲，您的订单{n}已安排发货，请耐心等待哦",  # 23 chars with a 5-digit number
    "亲，本店商品均为现货，下单后当天发货",  # 18 chars
    "亲，七天无理由退换，运费险已为您购买",  # 18 chars
]
QUICK = "亲，在的，请问有什么可以帮您？"  # 15 chars, the quick-reply phrase
COLOURS = ["红色", "蓝色", "白色", "黑色"]
ITEMS = ["外套", "裤子", "衬衫", "裙子", "帽子", "鞋子"]


def free_text(i: int) -> str:
    """A person's own words, different for each of 24 buyers: 16 chars."""
    return f"{COLOURS[i // 6]}{ITEMS[i % 6]}还有货，今天下单明天就发"


class Chat:
    """Records written by hand: per conversation a shop, a buyer, an opening time and (offset s, role, text, sender)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def conv(self, shop: str, buyer: str, start: datetime, events: list[tuple[float, str, str, str | None]]) -> None:
        for offset, role, text, sender in events:
            row: dict[str, Any] = {
                "shop_id": shop,
                "buyer_id": buyer,
                "role": role,
                "ts": (start + timedelta(seconds=offset)).isoformat(),
                "text": text,
                "msg_id": f"{shop}-{len(self.rows)}",
            }
            if sender is not None:
                row["sender_id"] = sender
            self.rows.append(row)

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows), encoding="utf-8")
        return path


def at(i: int) -> datetime:
    return BASE + timedelta(minutes=10 * i)


def bot_shop(chat: Chat, shop: str = "S_BOT", agent: str | None = "bot1", buyers: int = 24, delay: float | None = None) -> None:
    """A robot sending as `agent`: buyer i asks, the answer is BOT_TEXTS[i % 3] after 1 s (even i) or 2 s (odd i).

    `delay` fixes the latency instead. With 24 buyers each text goes to 8 buyers (>= 5): every message is a
    template, the numbered one too (digit runs normalise to #).
    """
    for i in range(buyers):
        text = BOT_TEXTS[i % 3].format(n=10000 + i)
        lat = (1 + i % 2) if delay is None else delay
        chat.conv(shop, f"b{i}", at(i), [(0, "buyer", "你好，请问什么时候发货", None), (lat, "agent", text, agent)])


def mixed_shop(chat: Chat, shop: str = "S_MIX") -> None:
    """A person's account `kf1` with a robot behind a third of its replies.

    Buyer i asks once. For i % 3 == 0 (8 buyers) the robot answers BOT_TEXTS[0] (its order number differs,
    the normalised text does not) after 1 s; the other 16 get the person's own words after 10 + 4k s
    (k = 0..15: 10, 14, ..., 70 s).
    """
    k = 0
    for i in range(24):
        if i % 3 == 0:
            reply = (1.0, "agent", BOT_TEXTS[0].format(n=20000 + i), "kf1")
        else:
            reply = (10.0 + 4 * k, "agent", free_text(i), "kf1")
            k += 1
        chat.conv(shop, f"m{i}", at(i), [(0, "buyer", "这个还有货吗", None), reply])


def human_quick_replier(chat: Chat, shop: str = "S_QUICK") -> None:
    """A person with one quick-reply phrase, free text in between, and the shop's auto-reply before them.

    Buyer i says hello; the shop's robot (role bot: not a valid reply under taobao) greets at once; the agent
    clicks QUICK after A[i % 6] s (closing round 1); 30 s later the buyer asks; the agent types 16 chars of
    its own after B[i % 6] s (closing round 2).
    """
    a = [2, 6, 9, 15, 25, 40]
    b = [12, 20, 35, 50, 70, 90]
    for i in range(24):
        t_ask = a[i % 6] + 30
        chat.conv(
            shop,
            f"q{i}",
            at(i),
            [
                (0, "buyer", "在吗", None),
                (0, "bot", "您好，欢迎光临本店，客服马上为您服务", None),
                (a[i % 6], "agent", QUICK, "human1"),
                (t_ask, "buyer", "这个还有货吗", None),
                (t_ask + b[i % 6], "agent", free_text(i), "human1"),
            ],
        )


def fast_typist(chat: Chat, shop: str = "S_TYPIST") -> None:
    """A person who types fast and steadily: buyer i asks, 30 chars of its own follow after 8 + 0.4 i s (8.0 .. 17.2 s)."""
    for i in range(24):
        text = f"{COLOURS[i // 6]}{ITEMS[i % 6]}是纯棉面料，透气舒服，尺码偏大，建议您拍小一号试试看"
        assert len(text) == 30
        chat.conv(shop, f"t{i}", at(i), [(0, "buyer", "这个尺码准吗", None), (8 + 0.4 * i, "agent", text, "typist1")])


def run_audit(tmp_path: Path, chat: Chat, policy: str | Path = "taobao") -> AuditReport:
    data = chat.write(tmp_path / "chat.jsonl")
    return audit([data], AuditOptions(policy=policy, as_of=DAY))


def flags(report: AuditReport) -> list[Flag]:
    return [f for f in report.flags if f.detector == "bot_as_human"]


def only(report: AuditReport, shop: str) -> Flag:
    found = [f for f in flags(report) if f.shop_id == shop]
    assert len(found) == 1, found
    return found[0]


def min_score_zero(pack: Path) -> None:
    edit_pack(pack, "    min_messages: 20\n", "    min_messages: 20\n    min_score: 0\n")


def test_bot_posing_as_agent_is_flagged(tmp_path: Path) -> None:
    # template = 24/24 = 1; fast: 18-23 chars in 1-2 s (>= 540/min) -> 24/24, speed = min(1, 1/0.4) = 1;
    # latencies twelve 1 s and twelve 2 s, all in [1 s, 3 s) -> regularity = min(1, 1/0.4) = 1; score 1.
    chat = Chat()
    bot_shop(chat)
    f = only(run_audit(tmp_path, chat), "S_BOT")
    assert f.agent_id == "bot1"
    assert f.score == 1
    m = f.measures
    assert (m["messages"], m["texts"], m["templates"], m["templated_messages"]) == (24, 24, 3, 24)
    assert (m["replies"], m["speed_judged"], m["fast_replies"], m["peak_replies"]) == (24, 24, 24, 24)
    assert (m["template_share"], m["fast_share"], m["peak_share"], m["speed"], m["regularity"]) == (1, 1, 1, 1, 1)
    assert (m["peak_from_s"], m["latency_min_s"], m["latency_q1_s"], m["latency_median_s"], m["latency_q3_s"]) == (1, 1, 1, 1.5, 2)
    assert f.citation.source == "002_92962fdfafc03648.txt"
    assert "bot1" in f.summary and "bot1" in f.summary_zh
    assert f.evidence_total == 24 + 24

    # Evidence: max_rounds 20 -> up to 10 templates (there are 3), the fastest 17 replies fill the rest.
    tpl = [e for e in f.evidence if e["kind"] == "template"]
    fast = [e for e in f.evidence if e["kind"] == "fast_reply"]
    assert len(tpl) == 3 and len(fast) == 17
    numbered = next(e for e in tpl if "#" in e["normalised"])
    assert numbered["normalised"] == "亲您的订单#已安排发货请耐心等待哦"
    assert numbered["count"] == 8 and numbered["buyers"] == 8
    assert numbered["example_text"] == "亲，您的订单10000已安排发货，请耐心等待哦"
    assert numbered["example"]["file"].endswith("chat.jsonl") and numbered["example"]["line"] == 2
    # The fastest: the 23-char numbered text 1 s after the buyer (1380 chars/min), buyer i = 0 on lines 1-2.
    top = fast[0]
    assert (top["chars"], top["seconds"], top["chars_per_minute"]) == (23, 1, 1380)
    assert (top["buyer_message"]["line"], top["reply"]["line"]) == (1, 2)
    assert all(e["chars_per_minute"] > 300 for e in fast)


def test_bot_without_sender_id_is_scored_as_one_pseudo_agent(tmp_path: Path) -> None:
    chat = Chat()
    bot_shop(chat, agent=None)
    f = only(run_audit(tmp_path, chat), "S_BOT")
    assert f.agent_id is None
    assert f.score == 1


def test_robot_behind_a_third_of_a_persons_replies_is_flagged(tmp_path: Path) -> None:
    # 24 replies, all >= 10 chars. template: the robot's text to 8 buyers -> 8/24 = 1/3.
    # fast: the robot's 23 chars in 1 s; the person's 16 chars in >= 10 s is <= 96/min -> 8/24, speed = (1/3)/0.4 = 0.8333.
    # window [1 s, 3 s) holds the robot's 8; the person's replies are 4 s apart -> 8/24, regularity = 0.8333.
    # score = 0.3/3 + 0.4 * 0.8333 + 0.3 * 0.8333 = 0.1 + 0.3333 + 0.25 = 0.6833.
    chat = Chat()
    mixed_shop(chat)
    f = only(run_audit(tmp_path, chat), "S_MIX")
    assert f.agent_id == "kf1"
    assert f.score == pytest.approx(0.1 + 0.7 / 1.2)
    m = f.measures
    assert (m["templated_messages"], m["fast_replies"], m["peak_replies"], m["replies"]) == (8, 8, 8, 24)
    assert m["speed"] == pytest.approx(1 / 1.2) and m["regularity"] == pytest.approx(1 / 1.2)
    assert [e["reply"]["line"] for e in f.evidence if e["kind"] == "fast_reply"] == [2 + 6 * j for j in range(8)]


def test_robot_with_a_fixed_delay_is_caught_by_regularity(tmp_path: Path) -> None:
    # Every answer exactly 30 s after the buyer: 18-23 chars in 30 s is <= 46/min, so speed = 0;
    # template 1, all 24 latencies in one window -> regularity 1; score = 0.3 + 0 + 0.3 = 0.6.
    chat = Chat()
    bot_shop(chat, delay=30)
    f = only(run_audit(tmp_path, chat), "S_BOT")
    assert f.score == pytest.approx(0.6)
    assert (f.measures["speed"], f.measures["regularity"], f.measures["peak_from_s"]) == (0, 1, 30)
    assert [e["kind"] for e in f.evidence] == ["template"] * 3 and f.evidence_total == 24


def test_human_quick_replier_is_not_flagged(tmp_path: Path) -> None:
    # 48 agent messages, all replies (the role-bot greeting does not close a round under taobao).
    # template: QUICK (15 chars) went to 24 buyers, each free text (16 chars) to one -> 24/48 = 0.5.
    # latencies: 4 each of 2,6,9,15,25,40 (QUICK) and 12,20,35,50,70,90 (free text).
    # fast: QUICK after 2 s = 450/min (4 buyers); QUICK after >= 6 s <= 150/min; free text <= 80/min
    #   -> 4/48, speed = (1/12)/0.4 = 0.2083.
    # no two latency values lie within 2 s of each other -> the densest window holds 4: regularity = 0.2083.
    # score = 0.15 + 0.4 * 0.2083 + 0.3 * 0.2083 = 0.2958 < 0.5: no flag.
    chat = Chat()
    human_quick_replier(chat)
    assert flags(run_audit(tmp_path, chat)) == []


def test_fast_typist_is_not_flagged(tmp_path: Path) -> None:
    # template 0 (every answer different); speed: 30 chars after >= 8 s is <= 225/min -> 0;
    # latencies 0.4 s apart: a 2 s window holds 5 (x, x+0.4, .., x+1.6) -> 5/24 = 0.2083, regularity = 0.5208;
    # score = 0.3 * 0.5208 = 0.1563 < 0.5.
    chat = Chat()
    fast_typist(chat)
    assert flags(run_audit(tmp_path, chat)) == []


def test_look_alikes_scored_with_min_score_zero(tmp_path: Path, pack_copy: Path) -> None:
    """All the shops at min_score 0: the scores worked out above, the robots far from the people."""
    min_score_zero(pack_copy)
    chat = Chat()
    bot_shop(chat)
    mixed_shop(chat)
    human_quick_replier(chat)
    fast_typist(chat)
    report = run_audit(tmp_path, chat, pack_copy)
    scores = {f.shop_id: f.score for f in flags(report)}
    assert scores == pytest.approx(
        {"S_BOT": 1.0, "S_MIX": 0.1 + 0.7 / 1.2, "S_QUICK": 0.15 + 0.7 * (1 / 12) / 0.4, "S_TYPIST": 0.3 * (5 / 24) / 0.4}, abs=1e-6
    )
    quick = only(report, "S_QUICK").measures
    assert (quick["messages"], quick["templated_messages"], quick["fast_replies"], quick["peak_replies"]) == (48, 24, 4, 4)
    assert (quick["latency_q1_s"], quick["latency_median_s"], quick["latency_q3_s"]) == (11.25, 22.5, 42.5)
    typist = only(report, "S_TYPIST").measures
    assert (typist["fast_replies"], typist["peak_replies"], typist["peak_from_s"]) == (0, 5, 8)


def test_below_min_messages_is_not_scored(tmp_path: Path, pack_copy: Path) -> None:
    # The same robot with 19 buyers (19 messages < min_messages 20): not scored at all, even at min_score 0.
    min_score_zero(pack_copy)
    chat = Chat()
    bot_shop(chat, buyers=19)
    assert flags(run_audit(tmp_path, chat, pack_copy)) == []
    # At 20 it is scored: 20 = min_messages.
    chat = Chat()
    bot_shop(chat, buyers=20)
    assert [f.shop_id for f in flags(run_audit(tmp_path, chat, pack_copy))] == ["S_BOT"]


def test_disabled_detector_flags_nothing(tmp_path: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, "  - detector: bot_as_human\n", "  - detector: bot_as_human\n    enabled: false\n")
    chat = Chat()
    bot_shop(chat)
    mixed_shop(chat)
    assert flags(run_audit(tmp_path, chat, pack_copy)) == []


@pytest.mark.parametrize(
    ("weights", "mix", "quick"),
    [
        # template only: the mixed account 1/3 -> not flagged; the quick-replier 0.5 reaches min_score 0.5.
        ("{template: 1, speed: 0, regularity: 0}", None, 0.5),
        # speed only: 0.8333 and 0.2083.
        ("{template: 0, speed: 1, regularity: 0}", 1 / 1.2, None),
        # a missing weight is 0: regularity only -> 0.8333 and 0.2083.
        ("{regularity: 1}", 1 / 1.2, None),
        # weights are normalised: 2:2 is 1:1 of template and regularity -> (1/3 + 0.8333)/2 = 0.5833 and (0.5 + 0.2083)/2.
        ("{template: 2, speed: 0, regularity: 2}", (1 / 3 + 1 / 1.2) / 2, None),
    ],
)
def test_weights_change_the_score(tmp_path: Path, pack_copy: Path, weights: str, mix: float | None, quick: float | None) -> None:
    edit_pack(pack_copy, "weights: {template: 0.3, speed: 0.4, regularity: 0.3}", f"weights: {weights}")
    chat = Chat()
    mixed_shop(chat)
    human_quick_replier(chat)
    report = run_audit(tmp_path, chat, pack_copy)
    assert [f.score for f in flags(report) if f.shop_id == "S_MIX"] == ([] if mix is None else [pytest.approx(mix)])
    assert [f.score for f in flags(report) if f.shop_id == "S_QUICK"] == ([] if quick is None else [pytest.approx(quick)])


def test_share_for_full_scales_speed_and_regularity(tmp_path: Path, pack_copy: Path) -> None:
    # share_for_full 1: the mixed account's speed and regularity are its raw shares, 1/3 each -> score 1/3, no flag;
    # the pure robot keeps 1.
    edit_pack(pack_copy, "    share_for_full: 0.4\n", "    share_for_full: 1\n")
    chat = Chat()
    bot_shop(chat)
    mixed_shop(chat)
    assert [(f.shop_id, f.score) for f in flags(run_audit(tmp_path, chat, pack_copy))] == [("S_BOT", 1)]


def test_regular_window_narrower_than_the_robots_jitter(tmp_path: Path, pack_copy: Path) -> None:
    # A 0.5 s window: the robot's 1 s and 2 s answers no longer share one -> 12/24, regularity min(1, 0.5/0.4) = 1 still;
    # the typist's window holds 2 (x, x+0.4) -> 2/24 / 0.4 = 0.2083, score 0.0625.
    edit_pack(pack_copy, "    regular_window_seconds: 2\n", "    regular_window_seconds: 0.5\n")
    min_score_zero(pack_copy)
    chat = Chat()
    bot_shop(chat)
    fast_typist(chat)
    report = run_audit(tmp_path, chat, pack_copy)
    assert only(report, "S_BOT").measures["peak_replies"] == 12 and only(report, "S_BOT").score == 1
    assert only(report, "S_TYPIST").score == pytest.approx(0.3 * (2 / 24) / 0.4)


def test_bot_answering_at_the_buyers_instant(tmp_path: Path) -> None:
    # Latency 0 (at one instant the buyer's message comes first): infinitely fast, all in one window -> score 1.
    # The evidence shows 0 s and no chars/min figure rather than infinity.
    chat = Chat()
    bot_shop(chat, delay=0)
    f = only(run_audit(tmp_path, chat), "S_BOT")
    assert f.score == 1 and f.measures["latency_median_s"] == 0
    top = next(e for e in f.evidence if e["kind"] == "fast_reply")
    assert (top["seconds"], top["chars_per_minute"]) == (0, None)
    assert top["buyer_message"]["line"] == top["reply"]["line"] - 1


def test_max_evidence_bounds_the_evidence(tmp_path: Path, pack_copy: Path) -> None:
    # max_rounds 3: ceil(3/2) = 2 templates, then 1 fastest reply.
    edit_pack(pack_copy, "  max_rounds: 20\n", "  max_rounds: 3\n")
    chat = Chat()
    bot_shop(chat)
    f = only(run_audit(tmp_path, chat, pack_copy), "S_BOT")
    assert [e["kind"] for e in f.evidence] == ["template", "template", "fast_reply"]
    assert f.evidence_total == 48
