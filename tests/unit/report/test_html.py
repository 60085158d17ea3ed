"""The `html` report: self-contained (nothing fetched), escaped, charts with the right marks, Chinese wording, stable bytes.

Counts below are worked from the golden inputs (see test_golden.py's docstring):
  taobao golden: g1 has a daily 3-minute rate on one day (03-10, 1/2): 1 point;
  latency bars in bins 1 (45 s) and 7 (240 s): 2 bars; rounds at hours 7, 9,
  10: 3 hour bars. g2: 1 point (03-09); 1 latency bar (10 s, bin 0); hours 20
  and 23: 2 hour bars. Each histogram carries the pack's two marks (180 s, 1800 s).
  pinduoduo golden: reply_rate points p1 6 (03-05..03-10), p2 5 (03-06..03-10),
  p3 1 (03-10); peer points p1 6, p2 4 (03-09 row malformed), p3 0 (no
  category); one rule line (< 50%) on each rate chart, no latency marks.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from auditor import AuditOptions, audit, render
from tests.conftest import ROOT
from tests.conftest import audit_at_root as _at_root

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def taobao():  # type: ignore[no-untyped-def]
    return _at_root("tests/golden/input", AuditOptions(policy="taobao"))


@pytest.fixture(scope="module")
def pdd():  # type: ignore[no-untyped-def]
    side = "tests/golden/pinduoduo/side"
    return _at_root(
        "tests/golden/pinduoduo/input",
        AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"),  # type: ignore[arg-type]
    )


def _svg(page: str, chart_id: str) -> str:
    m = re.search(rf'<svg [^>]*id="{re.escape(chart_id)}".*?</svg>', page, re.S)
    assert m, f"no chart {chart_id}"
    return m.group(0)


def test_charts_have_the_hand_counted_marks(taobao) -> None:  # type: ignore[no-untyped-def]
    page = render(taobao, "html").decode("utf-8")
    assert page.count('<svg class="chart') == 6  # 2 shops x (rate, latency, hours)
    for idx, points, bars, hours in ((1, 1, 2, 3), (2, 1, 1, 2)):
        assert _svg(page, f"s{idx}-rate-response_rate_3min").count('<circle class="pt"') == points
        hist = _svg(page, f"s{idx}-latency")
        assert hist.count('<rect class="bar') == bars
        assert hist.count('<line class="mark"') == 2
        assert re.findall(r'<text class="mark-label"[^>]*>([^<]*)</text>', hist) == ["180 s", "1800 s"]
        assert _svg(page, f"s{idx}-hours").count('<rect class="bar"') == hours
        assert _svg(page, f"s{idx}-hours").count('<rect class="band"') == 1  # 08:00-24:00
    hist = _svg(page, "s1-latency")
    assert "<title" in hist and "<desc" in hist and 'role="img"' in hist


def test_pinduoduo_rate_charts_draw_the_rule_and_the_peers(pdd) -> None:  # type: ignore[no-untyped-def]
    page = render(pdd, "html").decode("utf-8")
    for idx, points, peers in ((1, 6, 6), (2, 5, 4), (3, 1, 0)):
        chart = _svg(page, f"s{idx}-rate-reply_rate")
        assert chart.count('<circle class="pt"') == points
        assert chart.count('<circle class="peer-pt"') == peers
        assert chart.count('<line class="rule-line"') == 1
        assert "&lt; 50.0%: pinduoduo.activity_floor, pinduoduo.daily_fine" in chart
        assert '<line class="mark"' not in _svg(page, f"s{idx}-latency")
    assert "blockquote" in page and "如果商家的客服回复率低于50%,将无法报名参加任何平台活动" in page
    assert "b4\\x1b[31m" in page and "\x1b" not in page  # the control character in a buyer id is shown, not sent


def test_nothing_is_fetched(taobao, pdd) -> None:  # type: ignore[no-untyped-def]
    for report in (taobao, pdd):
        page = render(report, "html").decode("utf-8")
        assert re.findall(r'\b(?:src|href)\s*=\s*"(?!#)[^"]*"', page) == []  # only links within the page
        for banned in ("<script", "<link", "<img", "<iframe", "@import", "url(", "http://", "https://"):
            assert banned not in page


def test_data_is_escaped(tmp_path: Path) -> None:
    evil = '<script>alert("x")</script>&\'\x07'
    rows = [
        {"shop_id": evil, "buyer_id": f"b{evil}", "role": "buyer", "ts": "2026-03-10T10:00:00+08:00", "text": evil, "msg_id": f"m{evil}"},
        {"shop_id": evil, "buyer_id": f"b{evil}", "role": "agent", "sender_id": f"a{evil}", "ts": "2026-03-10T10:05:00+08:00", "text": evil},
    ]
    data = tmp_path / f"x{evil[:8]}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = audit([data], AuditOptions(policy="taobao"))
    assert report.violations  # the 300 s wait is over both targets, so the evidence tables list the records
    page = render(report, "html").decode("utf-8")
    assert "<script" not in page and "\x07" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;\\x07" in page
    assert page.count("<table") == page.count("</table>")


def test_wording_follows_the_language(pdd) -> None:  # type: ignore[no-untyped-def]
    zh = render(pdd, "html", lang="zh").decode("utf-8")
    en = render(pdd, "html", lang="en").decode("utf-8")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "店铺一览" in zh and "Shops at a glance" in en and "Shops at a glance" not in zh
    assert "能否报名参加平台活动？" in zh and "May the shop sign up for platform activities?" in en


def test_bytes_are_stable(pdd) -> None:  # type: ignore[no-untyped-def]
    assert render(pdd, "html", lang="zh") == render(pdd, "html", lang="zh")


def test_chinese_golden(pdd) -> None:  # type: ignore[no-untyped-def]
    path = GOLDEN / "pinduoduo" / "html" / "report.zh.html"
    data = render(pdd, "html", lang="zh")
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), "no zh golden: run with UPDATE_GOLDEN=1 and review it"
    assert data == path.read_bytes()
