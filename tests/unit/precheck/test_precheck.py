"""`precheck`: the seller's answer, worked by hand on small pinduoduo days and on the taobao gaming fixture.

Every expected figure is worked out in the comment beside it. The table and
JSON of the example data's at-risk shop are golden files (both languages):
UPDATE_GOLDEN=1 rewrites them, to be reviewed before committing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from auditor.api import AuditOptions, precheck, render
from auditor.precheck import UnknownShop
from tests.conftest import ROOT, check_golden

GOLDEN = ROOT / "tests" / "golden" / "precheck"
FLAGS_INPUT = ROOT / "tests" / "golden" / "flags" / "input"
DAY = datetime(2026, 10, 31, 8, 0, 0)  # naive = the pack's zone, Asia/Shanghai


def _rec(shop: str, buyer: str, role: str, t: datetime, n: int, sender: str | None = None) -> dict[str, object]:
    r: dict[str, object] = {"shop_id": shop, "buyer_id": buyer, "role": role, "ts": t.strftime("%Y-%m-%dT%H:%M:%S"), "msg_id": f"{shop}-{n:05d}"}
    if sender:
        r["sender_id"] = sender
    return r


def _day(shop: str, start: datetime, asked: int, answered: int) -> list[dict[str, object]]:
    """`asked` buyers, buyer i asking at start + i minutes; the first `answered` of them get a reply 30 s later."""
    out = []
    for i in range(asked):
        t = start + timedelta(minutes=i)
        out.append(_rec(shop, f"{shop}-b{i:03d}", "buyer", t, 2 * i))
        if i < answered:
            out.append(_rec(shop, f"{shop}-b{i:03d}", "agent", t + timedelta(seconds=30), 2 * i + 1, sender=f"{shop}:a1"))
    return out


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_eligible_with_nothing_at_stake(tmp_path: Path) -> None:
    data = _write(tmp_path / "d" / "calm.jsonl", _day("calm", DAY, asked=4, answered=4))
    p = precheck([data], AuditOptions(policy="pinduoduo"), shop="calm")
    # 4 of 4 buyers answered: reply rate 1.0, not below 0.5 -> eligible; no finding, no flag
    assert p.verdict == "eligible" and p.exit_code() == 0
    assert [r.code for r in p.reasons] == ["clear"]
    assert [(e.check, e.eligible, e.value, e.numerator, e.denominator) for e in p.eligibility] == [("activities", True, 1.0, 4, 4)]
    floor, fine = p.stakes
    assert floor.rule_id == "pinduoduo.activity_floor" and floor.condition.holds is False and not floor.broken_today
    # margin: the least m with 4 / (4 + m) < 0.5  ⇔  m > 4 → 5 (4/9 = 0.44; 4/8 = 0.5 is not below)
    assert floor.margin == 5 and floor.answers_needed is None
    # the fine also needs inquiries > 100: today 4, the nearest whole count is 101, 97 more
    (inq,) = fine.also_when
    assert (inq.value, inq.holds, inq.reach, inq.more) == (4, False, 101, 97)
    assert fine.consequence == {"type": "fine", "amount": 1000.0, "currency": "CNY"} and not fine.one_step
    assert p.waiting == [] and p.waiting_total == 0 and p.waiting_metric == "reply_rate"
    assert p.flags == [] and p.findings == [] and p.fines == []


def test_fine_one_step_away_lists_waiting_buyers_oldest_first(tmp_path: Path) -> None:
    # 95 buyers from 08:00, one a minute (the last at 09:34); the first 40 answered 30 s later
    data = _write(tmp_path / "d" / "busy.jsonl", _day("busy", DAY, asked=95, answered=40))
    p = precheck([data], AuditOptions(policy="pinduoduo"), shop="busy")
    # reply rate 40/95 = 0.421053 < 0.5: not eligible on the as-of day (activity_floor), exit 1
    assert p.verdict == "not_eligible" and p.exit_code() == 1
    assert [(r.code, r.ref) for r in p.reasons] == [("barred", "activities"), ("one_step", "pinduoduo.daily_fine")]
    floor, fine = p.stakes
    assert floor.broken_today and floor.condition.value == 0.421053
    # answers needed: the least n with (40 + n) / 95 >= 0.5  ⇔  n >= 7.5 → 8 (48/95 = 0.505; 47/95 = 0.495)
    assert floor.answers_needed == 8 and fine.answers_needed == 8
    # the fine: rate below 0.5 holds, inquiries 95 > 100 does not: 101 - 95 = 6 more buyers and the fine applies
    assert fine.condition.holds is True and not fine.broken_today and fine.one_step
    assert [(c.metric, c.value, c.reach, c.more) for c in fine.also_when] == [("inquiries", 95, 101, 6)]
    # 55 buyers unanswered (b040..b094), oldest first, the list cut at 50
    assert p.waiting_total == 55 and len(p.waiting) == 50
    assert [w.buyer_id for w in p.waiting[:3]] == ["busy-b040", "busy-b041", "busy-b042"]
    # the last record of the day is b094's question at 09:34:00; b040 asked at 08:40:00 → waited 54 min = 3240 s
    assert p.data_until == "09:34:00"
    first = p.waiting[0]
    assert (first.asked_at, first.waiting_s, first.line, first.msg_id, first.in_figure) == ("08:40:00", 3240.0, 81, "busy-00080", True)
    # line 81: records 1..80 are the 40 answered buyers' question and reply; b040's question is the 81st line, msg_id 2·40
    assert p.waiting[-1].buyer_id == "busy-b089" and p.waiting[-1].waiting_s == 300.0  # 09:29 to 09:34


def test_fine_broken_today_and_fines_total(tmp_path: Path) -> None:
    # 101 buyers, 50 answered: 50/101 = 0.495 < 0.5 and 101 > 100 → the fine applies today
    data = _write(tmp_path / "d" / "fined.jsonl", _day("fined", DAY, asked=101, answered=50))
    p = precheck([data], AuditOptions(policy="pinduoduo"), shop="fined")
    _, fine = p.stakes
    assert fine.broken_today and not fine.one_step and fine.also_when[0].holds is True
    # 1 more answer: 51/101 = 0.505 is no longer below 0.5
    assert fine.answers_needed == 1
    assert [(f.currency, f.total, f.findings) for f in p.fines] == [("CNY", 1000.0, 1)]
    assert [(r.code, r.ref) for r in p.reasons] == [("barred", "activities"), ("broken_today", "pinduoduo.daily_fine")]


def test_at_risk_when_a_downrank_run_reaches_the_as_of_day(tmp_path: Path) -> None:
    # three days of 5 buyers with 3 answered (rate 0.6: not below 0.5, so eligible) against peers at 0.9:
    # 3 consecutive days below peers → one below_peers finding 10-29..10-31, consequence downrank, through the as-of day
    records = [r for d in range(3) for r in _day("slow", DAY - timedelta(days=2 - d), asked=5, answered=3)]
    for i, r in enumerate(records):
        r["msg_id"] = f"slow-{i:05d}"
    data = _write(tmp_path / "d" / "slow.jsonl", records)
    (tmp_path / "shops.csv").write_text("shop_id,platform,category,accounts\nslow,pinduoduo,fruit,slow\n", encoding="utf-8")
    (tmp_path / "peers.csv").write_text("date,category,reply_rate\n" + "".join(f"2026-10-{d},fruit,0.9\n" for d in (29, 30, 31)), encoding="utf-8")
    opts = AuditOptions(policy="pinduoduo", shops=tmp_path / "shops.csv", peers=tmp_path / "peers.csv")
    p = precheck([data], opts, shop="slow")
    assert p.verdict == "at_risk" and p.exit_code() == 1
    assert [(r.code, r.ref) for r in p.reasons] == [("finding_today", "pinduoduo.below_peers")]
    assert p.eligibility[0].eligible and p.category == "fruit"
    (f,) = p.findings
    assert (f.rule_id, f.period.start, f.period.end, f.value, f.threshold) == ("pinduoduo.below_peers", "2026-10-29", "2026-10-31", 0.6, 0.9)
    # today 2 of 5 unanswered (b003, b004), asked 08:03 and 08:04; the day's last record is b004's question at 08:04
    assert [(w.buyer_id, w.waiting_s) for w in p.waiting] == [("slow-b003", 60.0), ("slow-b004", 0.0)]


def test_taobao_has_no_eligibility_question_and_lists_slow_agents() -> None:
    p = precheck([FLAGS_INPUT], AuditOptions(policy="taobao"), shop="g_honest")
    # no eligibility block in the taobao pack: said plainly, nothing bars; the targets' warnings carry no consequence
    assert p.eligibility == [] and p.stakes == []
    assert p.verdict == "eligible" and [r.code for r in p.reasons] == ["no_checks", "clear"]
    # agent h1: 906 s over 12 rounds = 75.5 s, above both targets (20 s first, 30 s average)
    assert [(a.metric, a.agent_id, a.value, a.denominator, a.over_line) for a in p.slow_agents] == [
        ("first_response_time", "h1", 75.5, 12, True),
        ("avg_response_time", "h1", 75.5, 12, True),
    ]
    assert p.waiting_metric == "response_rate_3min" and p.waiting_total == 0
    assert sorted(f.rule_id for f in p.findings) == ["taobao.avg_response_target", "taobao.first_response_target"]


def test_gaming_flags_put_the_shop_at_risk() -> None:
    p = precheck([FLAGS_INPUT], AuditOptions(policy="taobao"), shop="g_delay")
    # delayed_reply for the shop and for agent d1 (score 0.8125 each): one reason, two flags with their clause
    assert p.verdict == "at_risk" and [(r.code, r.ref) for r in p.reasons] == [("flag", "delayed_reply"), ("no_checks", None)]
    assert [(f.detector, f.agent_id, f.score) for f in p.flags] == [("delayed_reply", None, 0.8125), ("delayed_reply", "d1", 0.8125)]
    assert all("31分" in f.citation.text and f.summary["zh"] and f.summary["en"] for f in p.flags)
    # d1: 380 s over 10 rounds = 38 s
    assert (p.slow_agents[0].agent_id, p.slow_agents[0].value) == ("d1", 38.0)


def test_no_data_for_a_listed_shop_without_records(tmp_path: Path) -> None:
    # `ghost` is in --shops but has no record: audited (summary entry) with no figure → no_data, exit 1
    (tmp_path / "shops.csv").write_text("shop_id,platform,category,accounts\nghost,taobao,fruit,ghost\n", encoding="utf-8")
    p = precheck([FLAGS_INPUT], AuditOptions(policy="taobao", shops=tmp_path / "shops.csv"), shop="ghost")
    assert p.verdict == "no_data" and p.exit_code() == 1 and [r.code for r in p.reasons] == ["no_data", "no_checks"]
    assert p.waiting_total == 0 and p.data_until is None and p.slow_agents == [] and p.findings == []


def test_unknown_shop_names_the_closest() -> None:
    with pytest.raises(UnknownShop) as e:
        precheck([FLAGS_INPUT], AuditOptions(policy="taobao"), shop="g_delya")
    assert e.value.hint == "did you mean `g_delay`?"


def test_table_words_come_from_the_catalogue(tmp_path: Path) -> None:
    data = _write(tmp_path / "d" / "busy.jsonl", _day("busy", DAY, asked=95, answered=40))
    p = precheck([data], AuditOptions(policy="pinduoduo"), shop="busy")
    zh = render(p, "table", lang="zh").decode()
    en = render(p, "table", lang="en").decode()
    assert "如果今天再有 6 位买家咨询，且客服回复率仍低于 50.0%，就会触发。" in zh
    assert "If 6 more buyers ask today and Reply rate stays below 50.0%, this applies." in en
    assert "后果：罚款 ¥1,000。" in zh and "Consequence: a fine of CNY 1,000." in en
    assert "1. busy-b040 于 08:40:00 提问，已等待 54 分钟" in zh and "1. busy-b040 asked at 08:40:00, waiting 54 min" in en
    # the clause stays in Chinese in both; the English gloss only in English
    assert "如果商家的客服回复率低于50%" in zh and "如果商家的客服回复率低于50%" in en
    assert "In English:" in en and "In English:" not in zh and "英文释义" not in zh
    assert "\x1b[" not in en  # no colour unless asked


def test_data_text_is_escaped(tmp_path: Path) -> None:
    records = _day("esc", DAY, asked=1, answered=0)
    records[0]["buyer_id"] = "evil\x1b[31mred"
    data = _write(tmp_path / "d" / "esc.jsonl", records)
    text = render(precheck([data], AuditOptions(policy="pinduoduo"), shop="esc"), "table", lang="en").decode()
    assert "\x1b" not in text and "evil\\x1b[31mred" in text


EXAMPLE = {"shops": Path("examples") / "pdd-shops.csv", "peers": Path("examples") / "pdd-peers.csv"}


@pytest.fixture(scope="module")
def orchard():  # type: ignore[no-untyped-def]
    # Paths are shown as given: run from the repository root with relative paths, so the
    # goldens read `examples/pdd/…` wherever the checkout lives.
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        opts = AuditOptions(policy="pinduoduo", as_of=date(2026, 10, 31), **EXAMPLE)
        return precheck([Path("examples") / "pdd"], opts, shop="pdd_orchard")


@pytest.mark.parametrize(("name", "fmt", "lang"), [("table.zh.txt", "table", "zh"), ("table.en.txt", "table", "en"), ("precheck.json", "json", "en")])
def test_golden(orchard, name: str, fmt: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    check_golden(GOLDEN / name, render(orchard, fmt, lang=lang))


def test_example_orchard(orchard) -> None:  # type: ignore[no-untyped-def]
    # examples/pdd, 2026-10-31: 16 of 40 buyers answered = 40% < 50% → not eligible; 24 still waiting;
    # fine: 101 - 40 = 61 more buyers; back to 50%: 20 of 40 → 4 more answers; fines in the period 2 × 1000 CNY
    assert orchard.verdict == "not_eligible"
    assert (orchard.waiting_total, orchard.stakes[1].also_when[0].more, orchard.stakes[0].answers_needed) == (24, 61, 4)
    assert [(f.currency, f.total) for f in orchard.fines] == [("CNY", 2000.0)]
