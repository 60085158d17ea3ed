"""The table reporter on hand-built reports: daily figures cut to the days that matter (and saying so), streaks,
inquiries, not-evaluated days, the per-shop section, and data shown escaped."""

from __future__ import annotations

from typing import Any

from auditor import render
from auditor.models import (
    AuditReport,
    Citation,
    DayEvidence,
    Eligibility,
    Fine,
    Inputs,
    MetricDefinition,
    MetricRow,
    NotEvaluated,
    Period,
    PolicyRef,
    RecordRef,
    RoundEvidence,
    ShopSummary,
    Violation,
)

AS_OF = "2026-03-10"
DAYS = [f"2026-03-{d:02d}" for d in range(1, 11)]
DEFS = [
    MetricDefinition(id="inquiries", kind="buyer_count", unit="count", label={"en": "Inquiring buyers", "zh": "咨询人数"}, doc={"en": "", "zh": ""}),
    MetricDefinition(id="reply_rate", kind="buyer_rate", unit="ratio", label={"en": "Reply rate", "zh": "客服回复率"}, doc={"en": "", "zh": ""}),
]


def _day_rows(shop: str) -> list[MetricRow]:
    rows = []
    for d in DAYS:
        rows.append(MetricRow(shop_id=shop, agent_id=None, metric="inquiries", period=Period(start=d, end=d), value=4, numerator=4, denominator=None))
        rows.append(MetricRow(shop_id=shop, agent_id=None, metric="reply_rate", period=Period(start=d, end=d), value=0.75, numerator=3, denominator=4))
    return rows


def _ref(line: int, file: str = "chats.jsonl") -> RecordRef:
    return RecordRef(file=file, line=line, msg_id=None, ts="2026-03-05T10:00:00+08:00")


def _violation(**kw: Any) -> Violation:
    base: dict[str, Any] = {
        "rule_id": "x.floor", "shop_id": "s1", "period": Period(start="2026-03-05", end="2026-03-05"), "severity": "error",
        "metric": "reply_rate", "value": 0.25, "threshold": 0.5, "op": "<", "numerator": 1, "denominator": 4,
        "title": {"en": "Floor", "zh": "底线"}, "consequence": {"type": "activity_ban"},
        "citation": Citation(source="src.txt", text="引文"), "evidence": [], "evidence_total": 0,
    }  # fmt: skip
    base.update(kw)
    return Violation(**base)


def _report(**kw: Any) -> AuditReport:
    base: dict[str, Any] = {
        "auditor_version": "0", "policy": PolicyRef(name="x", version="1", digest="sha256:" + "0" * 64), "as_of": AS_OF,
        "period": Period(start=DAYS[0], end=AS_OF),
        "inputs": Inputs(read=0, used=0, excluded={}, rejected=0, rejections=[]),
        "metrics": _day_rows("s1"), "violations": [], "flags": [], "definitions": DEFS,
    }  # fmt: skip
    base.update(kw)
    return AuditReport(**base)


def _table(report: AuditReport) -> str:
    return render(report, "table", width=160).decode("utf-8")


def _shop_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("s1 ")]


def test_daily_figures_show_finding_days_and_as_of_and_count_the_rest() -> None:
    text = _table(_report(violations=[_violation()]))
    rows = _shop_rows(text)
    assert [r.split()[1] for r in rows] == ["2026-03-05", AS_OF]
    assert "1 error" in rows[0] and rows[1].rstrip().endswith("ok")
    assert "8 other days hidden (s1 8). The JSON report has every day." in text


def test_a_streak_marks_every_day_of_its_run_and_a_not_evaluated_day_is_shown() -> None:
    streak = _violation(
        rule_id="x.streak", severity="warning", period=Period(start="2026-03-02", end="2026-03-04"), numerator=None, denominator=None,
    )
    missed = NotEvaluated(rule_id="x.streak", shop_id="s1", reason="no peer level", days=["2026-03-07"])
    rows = _shop_rows(_table(_report(violations=[streak], not_evaluated=[missed])))
    shown = {r.split()[1]: r for r in rows}
    assert list(shown) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-07", AS_OF]
    assert "warning (run 2026-03-02…2026-03-04)" in shown["2026-03-03"]
    assert "x.streak not evaluated" in shown["2026-03-07"]


def test_nothing_hidden_says_nothing() -> None:
    report = _report(metrics=[r for r in _day_rows("s1") if r.period.start in ("2026-03-09", AS_OF)])
    text = _table(report)
    assert len(_shop_rows(text)) == 1  # 03-09 has no finding; the as-of day stays
    assert "1 other day hidden" in text
    report = _report(metrics=[r for r in _day_rows("s1") if r.period.start == AS_OF])
    assert "hidden" not in _table(report)


def test_streak_finding_lists_its_days_with_peer_levels_and_no_none_ratio() -> None:
    days = [
        DayEvidence(day="2026-03-02", value=0.4, numerator=2, denominator=5, peer_value=0.8, in_streak=True),
        DayEvidence(day="2026-03-03", value=0.5, numerator=1, denominator=2, peer_value=0.8, in_streak=True),
        DayEvidence(day="2026-03-04", value=1.0, numerator=1, denominator=1, peer_value=None, in_streak=False, note="no peer level: broken here"),
    ]
    v = _violation(
        rule_id="x.streak", severity="warning", period=Period(start="2026-03-02", end="2026-03-03"), value=0.45, threshold=0.8,
        numerator=None, denominator=None, consequence={"type": "downrank"}, evidence=days,
    )
    text = _table(_report(violations=[v]))
    assert "None" not in text
    assert "reply_rate = 45.0% < 80.0% (means over the 2 days of the run); consequence: downrank" in text
    assert "2026-03-02  40.0% (2/5)             80.0%" in text
    assert "2026-03-04  100.0% (1/1)             none  — no peer level: broken here" in text


def test_long_streak_is_cut_and_says_so() -> None:
    days = [DayEvidence(day=f"2026-02-{d:02d}", value=0.1, numerator=1, denominator=10, peer_value=0.5, in_streak=True) for d in range(1, 21)]
    end = DayEvidence(day="2026-02-21", value=0.9, numerator=9, denominator=10, peer_value=0.5, in_streak=False, note="not below")
    v = _violation(rule_id="x.streak", period=Period(start="2026-02-01", end="2026-02-20"), numerator=None, denominator=None, evidence=[*days, end])
    text = _table(_report(violations=[v]))
    assert "2026-02-14" in text and "2026-02-15" not in text
    assert "… 6 more days of the run; the JSON report lists all" in text
    assert text.index("… 6 more days") < text.index("2026-02-21  90.0% (9/10)")  # the day that ended it is always listed


def test_inquiry_evidence_reads_as_asked_and_answered() -> None:
    ev = [
        RoundEvidence(kind="inquiry", buyer_id="b1", first_message=_ref(3), reply=None, buyer_messages=2, latency_s=None, agent_id=None, counted_good=False, rounds=2),
        RoundEvidence(kind="inquiry", buyer_id="b2", first_message=_ref(5), reply=_ref(6, "other.csv"), buyer_messages=1, latency_s=40.0, agent_id="a", counted_good=True, rounds=1),
    ]  # fmt: skip
    text = _table(_report(violations=[_violation(evidence=ev, evidence_total=7)]))
    assert "e.g. buyer b1 asked at chats.jsonl:3, unanswered (2 rounds that day)" in text
    assert "e.g. buyer b2 asked at chats.jsonl:5, answered at other.csv:6 after 40 s" in text


def test_ratio_value_and_threshold_in_percent_and_fine_with_its_currency() -> None:
    v = _violation(consequence={"type": "fine", "amount": 1000.0, "currency": "EUR"})
    text = _table(_report(violations=[v]))
    assert "reply_rate = 25.0% < 50.0% (from 1/4); consequence: fine EUR 1000" in text
    assert "¥" not in text


def test_not_evaluated_lists_its_days() -> None:
    many = NotEvaluated(rule_id="x.streak", shop_id="s1", reason="no peers", days=DAYS[:9] + ["2026-03-10", "2026-03-11", "2026-03-12"])
    one = NotEvaluated(rule_id="x.streak", shop_id="s2", reason="no category")
    text = _table(_report(not_evaluated=[many, one]))
    assert "NOT EVALUATED x.streak  shop s1: no peers" in text
    assert "days not evaluated: 2026-03-01, " in text and "… (12 days; the JSON report lists all)" in text
    assert "NOT EVALUATED x.streak  shop s2: no category\n" in text


def _eligibility(eligible: bool, complete: bool = True) -> Eligibility:
    return Eligibility(
        check="activities", question={"en": "May the shop join activities?", "zh": "能否报名活动？"}, day=AS_OF, eligible=eligible,
        complete=complete, reason={"en": "because en", "zh": "因为中文"}, rule_id=None, metric=None, value=None, op=None, threshold=None,
    )  # fmt: skip


def test_per_shop_section_has_fines_per_currency_and_eligibility_in_both_languages() -> None:
    summary = [
        ShopSummary(
            shop_id="s1", platform="pinduoduo", category="女装", findings={"error": 2, "warning": 1, "info": 0},
            fines=[Fine(currency="CNY", total=2000.0, findings=2), Fine(currency="USD", total=12.5, findings=1)],
            eligibility=[_eligibility(False)],
        ),
        ShopSummary(shop_id="s2", platform=None, category=None, findings={"error": 0, "warning": 0, "info": 0}, fines=[], eligibility=[_eligibility(True, False)]),
    ]  # fmt: skip
    text = _table(_report(summary=summary))
    assert "Per shop" in text
    assert "  s1 (pinduoduo · 女装): 2 errors, 1 warning · fines: CNY 2000 (2 fines), USD 12.50 (1 fine)" in text
    assert "May the shop join activities? / 能否报名活动？ — 2026-03-10: NO" in text
    assert "      because en\n      因为中文" in text
    assert "  s2: no findings\n" in text
    assert "2026-03-10: yes (not every rule that could bar the shop was evaluated)" in text
    assert "fines CNY 2000, USD 12.50" in text.splitlines()[-1]


def test_no_per_shop_section_without_fines_or_eligibility() -> None:
    summary = [ShopSummary(shop_id="s1", platform=None, category=None, findings={"error": 0, "warning": 0, "info": 0}, fines=[], eligibility=[])]
    assert "Per shop" not in _table(_report(summary=summary))


def test_data_in_new_sections_is_escaped() -> None:
    bad = "s\x1b[2J\x07"
    ev = [RoundEvidence(kind="inquiry", buyer_id="b\x1b[31m", first_message=_ref(1, "f\x1b.jsonl"), reply=None, buyer_messages=1, latency_s=None, agent_id=None, counted_good=False, rounds=1)]  # fmt: skip
    days = [DayEvidence(day="2026-03-02", value=0.1, numerator=1, denominator=10, peer_value=0.5, in_streak=False, note="cat `\x1b]0;x\x07`")]
    summary = [ShopSummary(shop_id=bad, platform="p\x1b", category="c\x9b", findings={"error": 1}, fines=[Fine(currency="C\x1bY", total=1.0, findings=1)], eligibility=[])]
    report = _report(
        metrics=_day_rows(bad),
        violations=[_violation(shop_id=bad, evidence=days + ev)],  # type: ignore[operator]
        not_evaluated=[NotEvaluated(rule_id="x.r", shop_id=bad, reason="why \x1b[1m", days=["2026-03-0\x1b"])],
        summary=summary,
    )
    text = _table(report)
    assert not any(c in text for c in "\x1b\x07\x9b")
    assert "s\\x1b[2J\\x07" in text and "b\\x1b[31m" in text and "C\\x1bY" in text
