"""Golden reports: every registered format renders the golden input to exactly the committed bytes.

The golden input (tests/golden/input) is small enough to check by hand. Audited
period 2026-02-09..2026-03-10 (as-of = latest local day, 03-10; 30 days back).
  chats.jsonl: 12 lines, line 10 blank -> 11 records. Line 8 role `seller`
    (bad_enum:role), line 9 truncated JSON (invalid_json): 2 rejected. Line 6
    system, line 7 repeats msg_id m2 at the same instant as line 2 (duplicate).
    g1 rounds: u1 09:00:00 -> 09:00:45 (45 s, g1:amy); u2 10:00:00 -> bot at
    10:00:01 (not a valid reply) -> 10:04:00 (240 s, g1:bob); u3 07:30:00 ->
    07:30:10 is before 08:00, outside service hours.
    response_rate_3min = 1/2; avg = first = (45 + 240) / 2 = 142.5 s > 30 and > 20:
    two warnings for g1.
  chats.csv (CRLF, BOM-free, a quoted newline in line 3-4): 5 records; c4
    (02-01) out_of_period; c5 is a buyer-side ad (non_genuine).
    g2 rounds: v1 20:00:00 -> 20:00:10 (10 s); v1 23:59:30 never answered by
    midnight. response_rate_3min = 1/2; avg = first = 10 s: no finding.
  Ledger: read 16 = used 10 + excluded 4 (system, duplicate, out_of_period,
  non_genuine: 1 each) + rejected 2.

The pinduoduo golden (tests/golden/pinduoduo) runs the pinduoduo pack with
--shops and --peers (side/, outside the input directory so they are not read
as chat records); as-of 2026-03-10 (latest local day), period 02-09..03-10.
  input/chats.jsonl: 50 lines, hand-made. p1 (女装, accounts p1, p1:kf1):
    03-05 b1, b2 answered (2/2); 03-06 b1 answered, b3 by a bot (bot replies
    count), `b4<ESC>[31m` unanswered (2/3); 03-07 b5 closed then answered (a
    close is no reply), b6 asks 23:58 and is answered 00:01 the next day (1/2);
    03-08 b1, b2 (20 min late, still the same day), b3 answered, b7 not (3/4),
    and a buyer-side message from p1:kf1 (same_shop); 03-09 b8 two rounds, the
    first answered (1/1).
    p2 (数码): 03-06 1/2, 03-07 2/3, 03-08 1/2 (line 37 repeats msg_id p2-10:
    duplicate), 03-09 1/1, 03-10 2/2 plus a system notice.
    p3 (no category): 03-10 d1 answered by a bot (1/1); a buyer ad
    (non_genuine), a ts on Feb 30 (line 49, bad_ts), a record of 01-01
    (out_of_period).
  input/busy.jsonl: p1 on 03-10, 101 buyers (x001..x101), the first 20 answered
    by a bot: inquiries 101 > 100 and reply rate 20/101 < 50%: activity_floor
    and daily_fine (CNY 1000).
  side/peers.csv: 女装 0.9, 90%, 0.9, 0.8, 0.9, 0.85 on 03-05..03-10; 数码 0.8
    on 03-06..03-08 and 03-10; the 03-09 row is written `2026-03-9` (a problem
    noted, row left out).
  below_peers: p1 below on 03-06, 03-07, 03-08, ended by 03-09 (100% vs 90%):
    one warning, means 63.9% vs 86.7%; 03-10 is below again but alone. p2 below
    03-06..03-08, broken by 03-09 (no peer level): one warning, and 03-09 not
    evaluated for p2. p3 has no category: not evaluated.
  Eligibility on 03-10 (activities): p1 no (19.8% < 50%), p2 and p3 yes (100%).
  Ledger: read 171 = used 165 + excluded 5 (system, non_genuine, same_shop,
  duplicate, out_of_period: 1 each) + rejected 1.

Set UPDATE_GOLDEN=1 to rewrite the files after a deliberate format change, then
review the diff.
"""

from __future__ import annotations

import pytest

from auditor import AuditOptions, formats, render
from auditor.models import AuditReport
from tests.conftest import ROOT
from tests.conftest import audit_at_root as _audit_at_root
from tests.conftest import check_golden as _check_golden

GOLDEN = ROOT / "tests" / "golden"


PDD = GOLDEN / "pinduoduo"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return _audit_at_root("tests/golden/input", AuditOptions(policy="taobao"))


@pytest.fixture(scope="module")
def pdd_report():  # type: ignore[no-untyped-def]
    side = "tests/golden/pinduoduo/side"
    return _audit_at_root(
        "tests/golden/pinduoduo/input",
        AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"),  # type: ignore[arg-type]
    )


def test_hand_worked_figures(report) -> None:  # type: ignore[no-untyped-def]
    i = report.inputs
    assert (i.read, i.used, i.rejected) == (16, 10, 2)
    assert i.excluded == {"system": 1, "non_genuine": 1, "duplicate": 1, "out_of_period": 1}
    assert [(r.file, r.line, r.code) for r in i.rejections] == [
        ("tests/golden/input/chats.jsonl", 8, "bad_enum:role"),
        ("tests/golden/input/chats.jsonl", 9, "invalid_json"),
    ]
    fig = {(m.shop_id, m.metric, m.agent_id): (m.numerator, m.denominator, m.value) for m in report.metrics}
    assert fig[("g1", "response_rate_3min", None)] == (1, 2, 0.5)
    assert fig[("g1", "avg_response_time", None)] == (285.0, 2, 142.5)
    assert fig[("g1", "avg_response_time", "g1:amy")] == (45.0, 1, 45.0)
    assert fig[("g1", "first_response_time", "g1:bob")] == (240.0, 1, 240.0)
    assert fig[("g2", "response_rate_3min", None)] == (1, 2, 0.5)
    assert fig[("g2", "first_response_time", None)] == (10.0, 1, 10.0)
    assert [(v.rule_id, v.shop_id) for v in report.violations] == [
        ("taobao.avg_response_target", "g1"),
        ("taobao.first_response_target", "g1"),
    ]


@pytest.mark.parametrize("fmt", formats())
def test_golden_bytes(report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from auditor.report import REPORTERS

    _check_golden(GOLDEN / fmt / f"report{REPORTERS[(AuditReport, fmt)].suffix}", render(report, fmt))


@pytest.mark.parametrize("fmt", formats())
def test_pinduoduo_golden_bytes(pdd_report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from auditor.report import REPORTERS

    _check_golden(PDD / fmt / f"report{REPORTERS[(AuditReport, fmt)].suffix}", render(pdd_report, fmt))


def test_every_format_has_a_golden_file() -> None:
    from auditor.report import REPORTERS

    missing = [n for (doc, n), cls in REPORTERS.items() if doc is AuditReport and not (GOLDEN / n / f"report{cls.suffix}").exists()]
    assert not missing


def test_json_report_follows_the_contract_shape(report) -> None:  # type: ignore[no-untyped-def]
    import json

    doc = json.loads(render(report, "json"))
    for key in ("auditor_version", "policy", "as_of", "inputs", "metrics", "violations", "flags"):
        assert key in doc
    assert set(doc["policy"]) >= {"name", "version", "digest"}
    assert set(doc["inputs"]) >= {"read", "used", "excluded", "rejected", "rejections"}
    for m in doc["metrics"]:
        assert set(m) >= {"shop_id", "agent_id", "metric", "period", "value", "numerator", "denominator"}
    for v in doc["violations"]:
        assert set(v) >= {"rule_id", "shop_id", "period", "severity", "metric", "value", "threshold", "consequence", "citation", "evidence"}
        assert set(v["citation"]) >= {"source", "text"}
        assert v["consequence"] == {"type": "none"}
    keys = [(m["shop_id"], m["period"]["start"], m["metric"]) for m in doc["metrics"]]
    assert keys == sorted(keys)


def test_pinduoduo_hand_worked_figures(pdd_report) -> None:  # type: ignore[no-untyped-def]
    r = pdd_report
    i = r.inputs
    assert (i.read, i.used, i.rejected) == (171, 165, 1)
    assert i.excluded == {"system": 1, "non_genuine": 1, "same_shop": 1, "duplicate": 1, "out_of_period": 1}
    assert [(x.line, x.code) for x in i.rejections] == [(49, "bad_ts")]
    assert i.notes == ["tests/golden/pinduoduo/side/peers.csv:11: date `2026-03-9` is not YYYY-MM-DD; row left out"]
    rate = {(m.shop_id, m.period.start): (m.numerator, m.denominator) for m in r.metrics if m.metric == "reply_rate"}
    assert rate == {
        ("p1", "2026-03-05"): (2, 2), ("p1", "2026-03-06"): (2, 3), ("p1", "2026-03-07"): (1, 2),
        ("p1", "2026-03-08"): (3, 4), ("p1", "2026-03-09"): (1, 1), ("p1", "2026-03-10"): (20, 101),
        ("p2", "2026-03-06"): (1, 2), ("p2", "2026-03-07"): (2, 3), ("p2", "2026-03-08"): (1, 2),
        ("p2", "2026-03-09"): (1, 1), ("p2", "2026-03-10"): (2, 2),
        ("p3", "2026-03-10"): (1, 1),
    }  # fmt: skip
    inquiries = [m for m in r.metrics if m.metric == "inquiries"]
    assert len(inquiries) == 3 * 30  # a count has a figure (0) on every day of the period
    found = [(v.rule_id, v.shop_id, v.period.start, v.period.end) for v in r.violations]
    assert found == [
        ("pinduoduo.below_peers", "p1", "2026-03-06", "2026-03-08"),
        ("pinduoduo.activity_floor", "p1", "2026-03-10", "2026-03-10"),
        ("pinduoduo.daily_fine", "p1", "2026-03-10", "2026-03-10"),
        ("pinduoduo.below_peers", "p2", "2026-03-06", "2026-03-08"),
    ]
    streak = r.violations[0]
    assert (streak.value, round(streak.threshold, 6)) == (0.638889, 0.866667)
    assert [(d.day, d.in_streak) for d in streak.evidence if d.kind == "day"] == [
        ("2026-03-06", True), ("2026-03-07", True), ("2026-03-08", True), ("2026-03-09", False),
    ]  # fmt: skip
    assert [(n.rule_id, n.shop_id, n.days) for n in r.not_evaluated] == [
        ("pinduoduo.below_peers", "p2", ["2026-03-09"]),
        ("pinduoduo.below_peers", "p3", []),
    ]
    summary = {s.shop_id: s for s in r.summary}
    assert [(f.currency, f.total, f.findings) for f in summary["p1"].fines] == [("CNY", 1000.0, 1)]
    assert {sid: [e.eligible for e in s.eligibility] for sid, s in summary.items()} == {"p1": [False], "p2": [True], "p3": [True]}


def test_pinduoduo_table_reads_for_a_person(pdd_report) -> None:  # type: ignore[no-untyped-def]
    text = render(pdd_report, "table").decode("utf-8")
    assert "\x1b" not in text and "b4\\x1b[31m" in text  # a control character in a buyer id is shown escaped
    assert "80 other days hidden (p1 26, p2 25, p3 29). The JSON report has every day." in text
    assert "reply_rate = 19.8% < 50.0% (from 20/101); consequence: fine CNY 1000" in text
    assert "(from None" not in text
    assert "fines: CNY 1000 (1 fine)" in text
    assert "day not evaluated: 2026-03-09" in text


def test_every_float_in_the_report_is_rounded(pdd_report) -> None:  # type: ignore[no-untyped-def]
    from auditor.models import fix

    floats = [("value", v.value) for v in pdd_report.violations] + [("threshold", v.threshold) for v in pdd_report.violations]
    floats += [("metric", m.value) for m in pdd_report.metrics]
    assert [(what, x) for what, x in floats if fix(x) != x] == []


FLAGS = GOLDEN / "flags"


@pytest.fixture(scope="module")
def flags_report():  # type: ignore[no-untyped-def]
    return _audit_at_root("tests/golden/flags/input", AuditOptions(policy="taobao", as_of="2026-03-10"))  # type: ignore[arg-type]


def test_flags_golden_input_is_what_its_script_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import runpy

    script = FLAGS / "make_input.py"
    before = (FLAGS / "input" / "chats.jsonl").read_bytes()
    runpy.run_path(str(script), run_name="__main__")
    assert (FLAGS / "input" / "chats.jsonl").read_bytes() == before


def test_flags_hand_checked(flags_report) -> None:  # type: ignore[no-untyped-def]
    # make_input.py's docstring: one shop per pattern, each flagged for it alone; g_honest is not flagged.
    got = sorted(((f.detector, f.shop_id, f.agent_id) for f in flags_report.flags), key=lambda k: (k[0], k[1], k[2] or ""))
    assert got == [
        ("bot_as_human", "g_bot", "r1"),
        ("close_reopen", "g_close", None),
        ("close_reopen", "g_close", "c1"),
        ("delayed_reply", "g_delay", None),
        ("delayed_reply", "g_delay", "d1"),
        ("fake_chat", "g_ringa", None),
        ("fake_chat", "g_ringb", None),
    ]
    close = next(f for f in flags_report.flags if f.detector == "close_reopen" and f.agent_id is None)
    # 3 pairs, each answered 20 min after the buyer asked and 10 s after the close: untimed 1190 s each.
    assert close.score == 1.0 and close.measures["pairs"] == 3 and close.measures["untimed_s"] == 3 * 1190.0
    delay = next(f for f in flags_report.flags if f.detector == "delayed_reply" and f.agent_id == "d1")
    assert delay.measures["pile"] == 8 and delay.evidence_total == 8  # replies at 1805 + 13 i s, i = 0..7, all within (1800, 1920]
    for f in flags_report.flags:
        assert f.citation.text and f.summary and f.summary_zh
        assert 0.5 <= f.score <= 1
    assert flags_report.flag_notice is not None
    assert all(s.findings["warning"] >= 1 for s in flags_report.summary if s.shop_id != "g_honest")


@pytest.mark.parametrize("fmt", formats())
def test_flags_golden_bytes(flags_report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from auditor.report import REPORTERS

    _check_golden(FLAGS / fmt / f"report{REPORTERS[(AuditReport, fmt)].suffix}", render(flags_report, fmt))
