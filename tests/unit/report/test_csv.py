"""The csv reporter: one row per violation, flag and rule check not evaluated; BOM; RFC 4180 quoting; no formula runs."""

from __future__ import annotations

import csv
import io

from auditor import render
from auditor.models import Citation, Flag, NotEvaluated, Period, RecordRef, RoundEvidence
from auditor.report.csv import COLUMNS, neutralise, number
from tests.unit.report.test_table import _report, _violation

BOM = b"\xef\xbb\xbf"


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def _flag(**kw: object) -> Flag:
    base: dict[str, object] = {
        "detector": "fake_chat", "shop_id": "s1", "agent_id": None, "period": Period(start="2026-03-01", end="2026-03-10"),
        "score": 0.75, "summary": "six buyers", "summary_zh": "六个买家", "title": {"en": "Fake chats", "zh": "找人假聊"},
        "measures": {}, "evidence": [{"kind": "buyer", "first": {"file": "a.jsonl", "line": 7, "msg_id": None, "ts": "t"}}],
        "evidence_total": 6, "citation": Citation(source="src.txt", text="假聊", gloss_en="fake chats"),
    }  # fmt: skip
    base.update(kw)
    return Flag(**base)  # type: ignore[arg-type]


def test_header_bom_and_one_row_per_violation_flag_and_not_evaluated() -> None:
    ev = RoundEvidence(
        buyer_id="b1", first_message=RecordRef(file="chats.jsonl", line=12, msg_id="m1", ts="t"), reply=None, buyer_messages=1,
        latency_s=None, agent_id=None, counted_good=False, kind="inquiry",
    )  # fmt: skip
    v = _violation(consequence={"type": "fine", "amount": 1000, "currency": "CNY"}, evidence=[ev], evidence_total=101)
    missed = NotEvaluated(rule_id="x.streak", shop_id="s2", reason="no category", days=["2026-03-09"])
    data = render(_report(violations=[v], flags=[_flag()], not_evaluated=[missed]), "csv")
    assert data.count(BOM) == 1 and b"\r\n" in data  # RFC 4180 line ends
    rows = _rows(data)
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["kind"], r["rule_or_detector"], r["shop_id"]) for r in rows] == [
        ("violation", "x.floor", "s1"), ("flag", "fake_chat", "s1"), ("not_evaluated", "x.streak", "s2"),
    ]  # fmt: skip
    viol, flag, ne = rows
    # the violation of _violation(): 0.25 < 0.5 from 1/4, a 1000 CNY fine, its first evidence record
    assert (viol["value"], viol["op"], viol["threshold"], viol["numerator"], viol["denominator"]) == ("0.25", "<", "0.5", "1", "4")
    assert (viol["consequence_type"], viol["consequence_amount"], viol["consequence_currency"]) == ("fine", "1000", "CNY")
    assert (viol["evidence_total"], viol["first_evidence"], viol["title"]) == ("101", "chats.jsonl:12", "Floor")
    assert (flag["score"], flag["summary"], flag["first_evidence"], flag["citation_gloss_en"]) == ("0.75", "six buyers", "a.jsonl:7", "fake chats")
    assert ne["summary"] == "no category (2026-03-09)" and ne["value"] == ""


def test_formula_injection_is_neutralised_in_text_cells() -> None:
    shops = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-2+3", "+1", "\tx", "safe=1"]
    report = _report(violations=[_violation(shop_id=s) for s in shops])
    got = [r["shop_id"] for r in _rows(render(report, "csv"))]
    assert got == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'-2+3", "'+1", "'\tx", "safe=1"]


def test_numbers_stay_numbers() -> None:
    assert neutralise("-2") == "'-2"  # as text from the data it is neutralised …
    assert number(-2.0) == "-2" and number(0.198020) == "0.19802" and number(1000.0) == "1000" and number(None) == ""
    rows = _rows(render(_report(violations=[_violation(value=0.125, threshold=0.5)]), "csv"))
    assert (rows[0]["value"], rows[0]["threshold"]) == ("0.125", "0.5")  # … a figure this module writes is not


def test_quoting_keeps_commas_quotes_and_line_breaks_in_one_cell() -> None:
    title = {"en": 'a, "b"\nc', "zh": "甲"}
    data = render(_report(violations=[_violation(title=title)]), "csv")
    assert b'"a, ""b""\nc"' in data
    assert _rows(data)[0]["title"] == 'a, "b"\nc'


def test_chinese_header_and_titles_with_lang_zh() -> None:
    data = render(_report(violations=[_violation()], flags=[_flag()]), "csv", lang="zh")
    header = data[len(BOM) :].decode("utf-8").splitlines()[0]
    assert header.startswith("类型,规则或检测项,店铺,客服,开始日期,结束日期,级别")
    rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))
    assert rows[1][0] == "violation" and rows[1][17] == "底线"  # codes stay codes; the title is in Chinese
    assert rows[2][18] == "六个买家"
