"""The markdown reporter of the audit report: sections, citations as quotes, data that cannot break the Markdown, zh."""

from __future__ import annotations

from auditor import render
from auditor.models import Citation, Eligibility, NotEvaluated, RecordRef, RoundEvidence, ShopSummary
from tests.unit.report.test_table import _report, _violation


def _md(report, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    return render(report, "markdown", lang=lang).decode("utf-8")


def _evidence(buyer: str = "b1", file: str = "chats.jsonl") -> RoundEvidence:
    return RoundEvidence(
        buyer_id=buyer, first_message=RecordRef(file=file, line=12, msg_id="m1", ts="2026-03-05T10:00:00+08:00"), reply=None,
        buyer_messages=1, latency_s=None, agent_id=None, counted_good=False, kind="inquiry",
    )  # fmt: skip


def test_finding_row_quote_and_evidence() -> None:
    v = _violation(citation=Citation(source="src.txt", text="回复率低于50%", gloss_en="below 50%"), evidence=[_evidence()], evidence_total=4)
    text = _md(_report(violations=[v]))
    assert "**1 error in 1 of 1 shops**" in text  # no summary here: the shops are those with figures (s1)
    # _violation(): reply_rate 0.25 < 0.5 from 1/4, consequence activity_ban
    assert "| **error** | `x.floor` | `s1` | 2026-03-05 | reply\\_rate 25.0% &lt; 50.0% (1/4) | barred from platform activities |" in text
    assert "> 回复率低于50%\n>\n> _below 50%_\n>\n> — src.txt" in text
    assert "| `chats.jsonl:12` | `m1` | 2026-03-05T10\\:00\\:00+08\\:00 | `b1` | unanswered |" in text
    assert "… the JSON report lists 1 of the 4." in text


def test_data_cannot_break_tables_or_inject_markup() -> None:
    nasty = "s|1<script>`x`\nnew"
    v = _violation(shop_id=nasty, evidence=[_evidence(buyer="b\x1b[31m", file="a|b.jsonl")], evidence_total=1)
    ne = NotEvaluated(rule_id="x.streak", shop_id=nasty, reason="no <b>peers</b> | here")
    text = _md(_report(violations=[v], not_evaluated=[ne]))
    assert "<script>" not in text and "<b>" not in text and "\x1b" not in text
    assert "s\\|1&lt;script&gt;\\`x\\` new" in text  # one line, the pipe escaped, the tag as entities, backticks escaped
    for line in text.splitlines():
        if line.startswith("| ") and "x.floor" in line:
            assert line.count(" | ") - line.count("\\| ") == 5  # six cells, however the shop id looks
    assert "a\\|b.jsonl\\:12" in text and "b\\\\x1b\\[31m" in text


def test_shops_fines_and_eligibility() -> None:
    e = Eligibility(
        check="activities", question={"en": "May the shop join activities?", "zh": "能否报名参加平台活动？"}, day="2026-03-10",
        eligible=False, complete=True, reason={"en": "Reply rate 19.8% < 50%", "zh": "客服回复率 19.8%，低于 50%"},
        rule_id="x.floor", metric="reply_rate", value=0.198, op="<", threshold=0.5,
    )  # fmt: skip
    s = ShopSummary(shop_id="s1", platform="pinduoduo", category="女装", findings={"error": 2}, fines=[], eligibility=[e])
    text = _md(_report(summary=[s]))
    assert "| `s1` | pinduoduo | 女装 | 2 | 0 | — | **no** |" in text
    assert "- `s1` — May the shop join activities? **no** on 2026-03-10: Reply rate 19.8% &lt; 50%" in text
    zh = _md(_report(summary=[s]), "zh")
    assert "- `s1` — 能否报名参加平台活动？ 2026-03-10：**不可以**。客服回复率 19.8%，低于 50%" in zh
    assert "| 店铺 | 平台 | 类目 | 错误 | 警告 | 罚款 | 可否报名 |" in zh


def test_no_findings_says_so() -> None:
    assert "No rule is broken in the audited period." in _md(_report())
    assert "审计期间内没有违反任何规则。" in _md(_report(), "zh")
