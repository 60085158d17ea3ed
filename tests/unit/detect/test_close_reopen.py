"""`close_reopen` on hand-made chats: gaming pairs against their honest look-alikes, per agent and per shop.

Shop s1, 2026-03-10, naive times (Asia/Shanghai), the taobao pack (only role
`agent` replies are valid; a `close` is never a reply). Each buyer is its own
conversation. kf1 and kf2 are the shop's sub-accounts (sender_id s1:kf1, s1:kf2).

Gaming pairs (a close while the buyer waits for a first reply, then the next
valid reply with no buyer message between, >= min_untimed_seconds = 60 s later):

  buyer  asks       (more)     close       reply       agent   timed   untimed
  a      10:00:00              10:00:10    10:05:00    kf1     10 s    290 s
  b      11:00:00   11:00:20   11:00:30    11:20:30    kf1     30 s    1200 s
  c      12:00:00              12:00:05    12:02:05    kf1      5 s    120 s
  k      12:30:00              12:30:08    12:45:08    kf2      8 s    900 s

  (timed = close - first ask: the part of the wait the platform sees;
   untimed = reply - close: the part it does not.)

Honest look-alikes, none of them a pair:

  d  close AFTER the reply:        asks 13:00:00, kf1 replies 13:00:30, kf1 closes 13:01:00
  e  the buyer reopened it:        asks 14:00:00, kf1 closes 14:00:10, buyer writes 14:10:00,
                                   kf1 replies 14:10:30 (a buyer message between close and reply)
  f  reply sooner than 60 s:       asks 15:00:00, kf1 closes 15:00:05, kf1 replies 15:00:50 (45 s)
  g  a close with no later reply:  asks 16:00:00, kf1 closes 16:00:10, nothing more
  h  only a robot after the close: asks 17:00:00, kf1 closes 17:00:05, bot writes 17:03:00
                                   (a bot message is not a valid reply under taobao)
  n  closed for the night:         asks 03-09 22:50:00, kf1 closes 03-09 23:00:00, kf1 replies
                                   03-10 09:05:00 (the round ended unanswered at midnight anyway)
  o  outside service hours:        asks 03:00:00, kf1 closes 03:00:10, kf1 replies 03:30:00
                                   (a round opened before 08:00, which the platform does not time)

Counts with the pack's defaults (pairs_for_full_score 3, min_score 0.5, by [agent, shop]):
  kf1: pairs a, b, c = 3 -> score 3/3 = 1.0, untimed 290 + 1200 + 120 = 1610 s = 26.8 min,
       longest 1200 s = 20.0 min; reported.
  kf2: pair k = 1 -> score 1/3 = 0.333 < 0.5: not reported.
  shop s1: pairs a, b, c, k = 4 -> score min(4/3, 1) = 1.0, untimed 1610 + 900 = 2510 s.

The other detectors of the pack are switched off in the copy used here, so that
these tests see close_reopen alone.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.api import AuditOptions, audit
from auditor.models import Flag
from tests.conftest import edit_pack

DAY = "2026-03-10"
NAME = "close_reopen"


def buyer(b: str, hms: str) -> dict[str, Any]:
    return {"shop_id": "s1", "buyer_id": b, "role": "buyer", "ts": f"{DAY}T{hms}", "text": "在吗"}


def agent(b: str, hms: str, who: str = "kf1") -> dict[str, Any]:
    return {"shop_id": "s1", "buyer_id": b, "role": "agent", "sender_id": f"s1:{who}", "ts": f"{DAY}T{hms}", "text": "亲，在的"}


def close(b: str, hms: str, who: str = "kf1") -> dict[str, Any]:
    return {"shop_id": "s1", "buyer_id": b, "role": "agent", "sender_id": f"s1:{who}", "ts": f"{DAY}T{hms}", "kind": "close"}


def eve(r: dict[str, Any]) -> dict[str, Any]:
    """The same record on the day before."""
    return {**r, "ts": r["ts"].replace(DAY, "2026-03-09")}


GAMING = [
    buyer("a", "10:00:00"), close("a", "10:00:10"), agent("a", "10:05:00"),  # lines 1-3
    buyer("b", "11:00:00"), buyer("b", "11:00:20"), close("b", "11:00:30"), agent("b", "11:20:30"),  # lines 4-7
    buyer("c", "12:00:00"), close("c", "12:00:05"), agent("c", "12:02:05"),  # lines 8-10
    buyer("k", "12:30:00"), close("k", "12:30:08", "kf2"), agent("k", "12:45:08", "kf2"),  # lines 11-13
]
LOOK_ALIKES = [
    buyer("d", "13:00:00"), agent("d", "13:00:30"), close("d", "13:01:00"),
    buyer("e", "14:00:00"), close("e", "14:00:10"), buyer("e", "14:10:00"), agent("e", "14:10:30"),
    buyer("f", "15:00:00"), close("f", "15:00:05"), agent("f", "15:00:50"),
    buyer("g", "16:00:00"), close("g", "16:00:10"),
    buyer("h", "17:00:00"), close("h", "17:00:05"),
    {"shop_id": "s1", "buyer_id": "h", "role": "bot", "sender_id": "s1:robot", "ts": f"{DAY}T17:03:00", "text": "【自动回复】您好"},
    eve(buyer("n", "22:50:00")), eve(close("n", "23:00:00")), agent("n", "09:05:00"),
    buyer("o", "03:00:00"), close("o", "03:00:10"), agent("o", "03:30:00"),
]
OTHERS = ("delayed_reply", "bot_as_human", "fake_chat")


@pytest.fixture
def pack(pack_copy: Path) -> Path:
    """The taobao pack with every detector but close_reopen switched off."""
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    for other in OTHERS:
        if f"  - detector: {other}\n" in text:
            edit_pack(pack_copy, f"  - detector: {other}\n", f"  - detector: {other}\n    enabled: false\n")
    return pack_copy


def tune(pack: Path, setting: str, old: str, new: str) -> None:
    """Change one setting of close_reopen's entry (other detectors have settings of the same name)."""
    f = pack / "pack.yaml"
    text = f.read_text(encoding="utf-8")
    at = text.index(f"  - detector: {NAME}\n")
    line = text.index(f"    {setting}: {old}\n", at)
    assert "  - detector:" not in text[at + 1 : line], f"{setting} not in {NAME}'s entry"
    f.write_text(text[:line] + f"    {setting}: {new}\n" + text[line + len(f"    {setting}: {old}\n") :], encoding="utf-8")


def flags(tmp_path: Path, pack: Path, records: list[dict[str, Any]]) -> list[Flag]:
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    report = audit([data], AuditOptions(policy=pack, as_of=date.fromisoformat(DAY)))
    return [f for f in report.flags if f.detector == NAME]


def scored(fs: list[Flag]) -> dict[str | None, tuple[float, int]]:
    return {f.agent_id: (f.score, int(f.measures["pairs"])) for f in fs}


def test_gaming_pairs_flag_agent_and_shop_with_evidence_lines(tmp_path: Path, pack: Path) -> None:
    fs = flags(tmp_path, pack, GAMING + LOOK_ALIKES)
    assert scored(fs) == {None: (1.0, 4), "s1:kf1": (1.0, 3)}  # kf2: 1/3 < min_score 0.5
    kf1 = next(f for f in fs if f.agent_id == "s1:kf1")
    assert kf1.measures["untimed_s"] == 1610 and kf1.measures["longest_untimed_s"] == 1200
    assert "closed 3 session(s)" in kf1.summary and "26.8 min" in kf1.summary
    assert "3 次" in kf1.summary_zh
    # the pairs, longest untimed wait first: b (lines 4, 6, 7), a (1, 2, 3), c (8, 9, 10)
    got = [(e["first_message"]["line"], e["close"]["line"], e["reply"]["line"], e["timed_s"], e["untimed_s"]) for e in kf1.evidence]
    assert got == [(4, 6, 7, 30, 1200), (1, 2, 3, 10, 290), (8, 9, 10, 5, 120)]
    assert all(e["kind"] == "close_reply_pair" and e["close"]["file"].endswith("chats.jsonl") for e in kf1.evidence)
    assert kf1.evidence_total == 3
    shop = next(f for f in fs if f.agent_id is None)
    assert shop.measures["untimed_s"] == 2510 and shop.evidence_total == 4
    assert [e["close"]["line"] for e in shop.evidence] == [6, 12, 2, 9]  # 1200, 900, 290, 120 s
    assert shop.citation.source == "002_92962fdfafc03648.txt" and "最近联系人" in shop.citation.text


@pytest.mark.parametrize(
    "case",
    [
        LOOK_ALIKES[0:3],  # d: close after the reply
        LOOK_ALIKES[3:7],  # e: the buyer wrote again after the close
        LOOK_ALIKES[7:10],  # f: replied 45 s after the close (< 60 s)
        LOOK_ALIKES[10:12],  # g: closed, never answered
        LOOK_ALIKES[12:15],  # h: closed, only a robot wrote after
        LOOK_ALIKES[15:18],  # n: closed for the night, answered the next morning
        LOOK_ALIKES[18:21],  # o: a round opened outside service hours
        LOOK_ALIKES,  # all of them together
    ],
    ids=["close-after-reply", "buyer-reopened", "reply-within-60s", "close-no-reply", "bot-after-close", "night", "out-of-hours", "all"],
)
def test_honest_look_alikes_are_not_pairs(tmp_path: Path, pack: Path, case: list[dict[str, Any]]) -> None:
    # pairs_for_full_score 1 and min_score 0: a single pair would be reported at score 1
    tune(pack, "pairs_for_full_score", "3", "1")
    edit_pack(pack, "  - detector: close_reopen\n", "  - detector: close_reopen\n    min_score: 0\n")
    assert flags(tmp_path, pack, case) == []


def test_per_shop_only(tmp_path: Path, pack: Path) -> None:
    tune(pack, "by", "[agent, shop]", "[shop]")
    assert scored(flags(tmp_path, pack, GAMING + LOOK_ALIKES)) == {None: (1.0, 4)}


def test_per_agent_only(tmp_path: Path, pack: Path) -> None:
    tune(pack, "by", "[agent, shop]", "[agent]")
    assert scored(flags(tmp_path, pack, GAMING + LOOK_ALIKES)) == {"s1:kf1": (1.0, 3)}


def test_reply_without_sender_counts_for_the_shop_only(tmp_path: Path, pack: Path) -> None:
    # c's reply has no sender_id: kf1 keeps a and b (2/3 = 0.667), the shop still has 4 pairs
    records = [dict(r) for r in GAMING]
    del records[9]["sender_id"]
    fs = flags(tmp_path, pack, records)
    assert {a: (round(s, 3), n) for a, (s, n) in scored(fs).items()} == {None: (1.0, 4), "s1:kf1": (0.667, 2)}


def test_switched_off_no_flags(tmp_path: Path, pack: Path) -> None:
    edit_pack(pack, "  - detector: close_reopen\n", "  - detector: close_reopen\n    enabled: false\n")
    assert flags(tmp_path, pack, GAMING + LOOK_ALIKES) == []


def test_pairs_for_full_score_tunes_the_score(tmp_path: Path, pack: Path) -> None:
    # 1 pair is enough: kf2's single pair now scores 1/1
    tune(pack, "pairs_for_full_score", "3", "1")
    assert scored(flags(tmp_path, pack, GAMING)) == {None: (1.0, 4), "s1:kf1": (1.0, 3), "s1:kf2": (1.0, 1)}


def test_more_pairs_needed_scales_the_score_down(tmp_path: Path, pack: Path) -> None:
    # 8 pairs for full score: kf1 3/8 = 0.375 < 0.5 (not reported); the shop 4/8 = 0.5 (reported: not below min_score)
    tune(pack, "pairs_for_full_score", "3", "8")
    assert scored(flags(tmp_path, pack, GAMING)) == {None: (0.5, 4)}


def test_min_untimed_seconds_tunes_what_is_a_pair(tmp_path: Path, pack: Path) -> None:
    # at 30 s, f's reply 45 s after the close is a pair too: kf1 has 4, the shop 5
    tune(pack, "min_untimed_seconds", "60", "30")
    fs = flags(tmp_path, pack, GAMING + LOOK_ALIKES)
    assert scored(fs) == {None: (1.0, 5), "s1:kf1": (1.0, 4)}
    # at 300 s, only b (1200 s) and k (900 s) remain: kf1 1/3, kf2 1/3, the shop 2/3
    (tmp_path / "again").mkdir()
    tune(pack, "min_untimed_seconds", "30", "300")
    fs = flags(tmp_path / "again", pack, GAMING + LOOK_ALIKES)
    assert {a: (round(s, 3), n) for a, (s, n) in scored(fs).items()} == {None: (0.667, 2)}


def test_summary_numbers_match_the_measures(tmp_path: Path, pack: Path) -> None:
    for f in flags(tmp_path, pack, GAMING):
        pairs = int(f.measures["pairs"])
        assert re.search(rf"\b{pairs} session\(s\)", f.summary) and f"{pairs} 次" in f.summary_zh
