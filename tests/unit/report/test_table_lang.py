"""Human formats in Chinese (`--lang zh`) against committed goldens, and the table's colours on a terminal.

The zh goldens are the same three reports as tests/unit/report/test_golden.py
(its docstring works their figures by hand), rendered with lang="zh":
tests/golden/table-zh/ and tests/golden/markdown-zh/ (report.*, pinduoduo.*,
flags.*). English is the default and its goldens do not change.
"""

from __future__ import annotations

import pytest

from auditor import AuditOptions, render
from auditor.models import Period
from tests.unit.report import test_golden as golden
from tests.unit.report.test_table import _report, _violation


@pytest.fixture(scope="module")
def reports():  # type: ignore[no-untyped-def]
    """The three golden reports, built as tests/unit/report/test_golden.py builds them."""
    side = "tests/golden/pinduoduo/side"
    return {
        "report": golden._audit_at_root("tests/golden/input", AuditOptions(policy="taobao")),
        "pinduoduo": golden._audit_at_root(
            "tests/golden/pinduoduo/input",
            AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"),  # type: ignore[arg-type]
        ),
        "flags": golden._audit_at_root("tests/golden/flags/input", AuditOptions(policy="taobao", as_of="2026-03-10")),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize(("fmt", "suffix"), [("table", ".txt"), ("markdown", ".md")])
def test_zh_goldens(reports, fmt: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    for name, doc in reports.items():
        golden._check_golden(golden.GOLDEN / f"{fmt}-zh" / f"{name}{suffix}", render(doc, fmt, lang="zh"))


def test_zh_table_reads_in_chinese(reports) -> None:  # type: ignore[no-untyped-def]
    text = render(reports["pinduoduo"], "table", lang="zh").decode("utf-8")
    # p1 on 03-10: 20 of 101 buyers answered, a 1000 CNY fine, barred from activities
    assert "客服回复率 = 19.8% < 50.0%（20/101）；后果：罚款 CNY 1000" in text
    assert "能否报名参加平台活动？ — 2026-03-10：不可以" in text
    assert "汇总：2 个错误，2 个警告；2 家店铺有问题；罚款 CNY 1000；2 项规则检查未评估" in text
    assert "Reply rate below" not in text  # pack titles in Chinese only


def test_english_is_the_default(reports) -> None:  # type: ignore[no-untyped-def]
    assert render(reports["pinduoduo"], "table") == render(reports["pinduoduo"], "table", lang="en")


def test_colour_marks_severity_and_the_figure_that_breaches_its_line() -> None:
    v = _violation(period=Period(start="2026-03-05", end="2026-03-05"))  # error: reply_rate 0.25 < 0.5 on 03-05
    coloured = render(_report(violations=[v]), "table", color=True, width=160).decode("utf-8")
    plain = render(_report(violations=[v]), "table", width=160).decode("utf-8")
    assert "\x1b[" not in plain
    red = "\x1b[1;31m"
    assert f"{red}reply_rate = 25.0%\x1b[0m < 50.0%" in coloured  # the finding's figure, in the finding's colour
    rows = {line.split()[1]: line for line in coloured.splitlines() if line.startswith("s1 ")}
    assert f"{red}75.0% (3/4)\x1b[0m" in rows["2026-03-05"]  # the day's figure the finding rests on
    assert "75.0% (3/4)   ok" in rows["2026-03-10"]  # a day without a finding is not marked
    assert f"{red}  ERROR   x.floor" in coloured
