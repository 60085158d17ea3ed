"""Golden diffs: the table and markdown formats render a hand-checked diff to exactly the committed bytes.

Input: the pinduoduo golden set (tests/golden/pinduoduo, its docstring is in
tests/unit/report/test_golden.py) with --shops and --peers; as-of 2026-03-10.
The new pack is a copy of policies/pinduoduo with three edits: bot replies no
longer count (`valid_roles: [agent]`), the daily fine is 1500 CNY instead of
1000, and a run below the peers needs 2 days instead of 3.

Worked by hand. The bot replies are chats.jsonl lines 4 (p1 03-05), 8 (p1
03-06), 21 (p1 03-08), 33 (p2 03-07), 44 (p2 03-10), 47 (p3 03-10) and the 20
replies of busy.jsonl (p1 03-10). Without them the reply rates that move are:
p1 03-05 2/2 → 1/2, 03-06 2/3 → 1/3, 03-08 3/4 → 2/4, 03-10 20/101 → 0/101;
p2 03-07 2/3 → 1/3, 03-10 2/2 → 1/2; p3 03-10 1/1 → 0/1 (7 figures move).
  activity_floor (< 50 %) is new on p1 03-06, p2 03-07, p3 03-10 (1/2 is not
  below 50 %): 3 errors added; on p1 03-10 the figure moves 19.8 % → 0 %
  (changed).
  daily_fine on p1 03-10: figure 19.8 % → 0 %, consequence CNY 1000 → 1500
  (changed); p1's fines CNY 1000 → CNY 1500, one fine either way.
  below_peers, 2 days now: p1 is below on 03-05 (50 % vs 90 %), 03-06, 03-07
  and 03-08, ended by 03-09 (100 % vs 90 %): the run 03-05..03-08 (means
  45.8 % vs 87.5 %) is added and the old run 03-06..03-08 resolved (another
  period is another finding). p2's run 03-06..03-08 stays (broken by 03-09,
  which has no peer level), its mean 55.6 % → 44.4 % (changed); its 03-10
  (50 % vs 80 %) is one day alone.
  Eligibility on 03-10: p3 yes → no (0/1); p1 stays no, p2 stays yes (50 %).
Headline: 3 errors and 1 warning added, 1 finding resolved, 3 changed, one
eligibility flip, on the 171 records read.

Set UPDATE_GOLDEN=1 to rewrite the files after a deliberate format change, then review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from auditor import api, render
from auditor.models import DiffReport
from tests.conftest import ROOT, edit_pack
from tests.conftest import check_golden as _check_golden

GOLDEN = ROOT / "tests" / "golden" / "diff"
SIDE = "tests/golden/pinduoduo/side"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> DiffReport:
    new = tmp_path_factory.mktemp("diff") / "pinduoduo"
    shutil.copytree(ROOT / "policies" / "pinduoduo", new, ignore=shutil.ignore_patterns("tests"))
    edit_pack(new, "valid_roles: [agent, bot]", "valid_roles: [agent]")
    edit_pack(new, "      amount: 1000\n", "      amount: 1500\n")
    edit_pack(new, "    min_days: 3\n", "    min_days: 2\n")
    cwd = os.getcwd()
    os.chdir(ROOT)  # reports name files as given, relative to where the audit runs
    try:
        return api.diff("pinduoduo", new, ["tests/golden/pinduoduo/input"], shops=Path(f"{SIDE}/shops.csv"), peers=Path(f"{SIDE}/peers.csv"))
    finally:
        os.chdir(cwd)


def test_hand_worked(report: DiffReport) -> None:
    assert [(c.section, c.id, [k.key for k in c.keys]) for c in report.pack_changes] == [
        ("pack", "replies", ["replies.valid_roles"]),
        ("rules", "pinduoduo.daily_fine", ["consequence.amount"]),
        ("rules", "pinduoduo.below_peers", ["min_days"]),
    ]
    added = [(f.rule_id, f.shop_id, f.period.start, f.period.end) for s in report.shops for f in s.added]
    assert added == [
        ("pinduoduo.below_peers", "p1", "2026-03-05", "2026-03-08"),
        ("pinduoduo.activity_floor", "p1", "2026-03-06", "2026-03-06"),
        ("pinduoduo.activity_floor", "p2", "2026-03-07", "2026-03-07"),
        ("pinduoduo.activity_floor", "p3", "2026-03-10", "2026-03-10"),
    ]
    p1 = report.shops[0]
    assert [(f.rule_id, f.period.start, f.period.end) for f in p1.resolved] == [("pinduoduo.below_peers", "2026-03-06", "2026-03-08")]
    assert (round(p1.added[0].value or 0, 6), round(p1.added[0].threshold or 0, 6)) == (0.458333, 0.875)
    changed = [(c.after.rule_id, c.after.shop_id, c.before.value, c.after.value) for s in report.shops for c in s.changed]
    assert changed == [
        ("pinduoduo.activity_floor", "p1", 0.19802, 0.0),
        ("pinduoduo.daily_fine", "p1", 0.19802, 0.0),
        ("pinduoduo.below_peers", "p2", 0.555556, 0.444444),
    ]
    assert [(f.total, f.findings) for f in p1.fines_before + p1.fines_after] == [(1000.0, 1), (1500.0, 1)]
    assert [(s.shop_id, e.before, e.after) for s in report.shops for e in s.eligibility] == [("p3", True, False)]
    assert len(report.metrics) == 7
    assert (report.added_at_or_above("error"), report.added_at_or_above("warning")) == (3, 4)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_golden_bytes(report: DiffReport, fmt: str) -> None:
    from auditor.report import REPORTERS

    _check_golden(GOLDEN / f"diff{REPORTERS[(DiffReport, fmt)].suffix}", render(report, fmt))


def test_headline(report: DiffReport) -> None:
    text = render(report, "table").decode()
    assert "This change adds 3 errors and 1 warning, resolves 1 finding and changes 3 findings on 171 records; 1 eligibility answer flips." in text


def test_table_color_only_when_asked(report: DiffReport) -> None:
    assert b"\x1b[" not in render(report, "table")
    assert b"\x1b[" in render(report, "table", color=True)


def _hostile(report: DiffReport) -> DiffReport:
    """The same diff with p3 renamed to an id full of Markdown, HTML and control characters."""
    bad = "p3|<img src=x onerror=alert(1)>`x`\n# *h* @me\x1b[31m"
    shops = [s.model_copy(update={"shop_id": bad, "added": [f.model_copy(update={"shop_id": bad}) for f in s.added]}) if s.shop_id == "p3" else s for s in report.shops]
    return report.model_copy(update={"shops": shops})


def test_markdown_escapes_data(report: DiffReport) -> None:
    text = render(_hostile(report), "markdown").decode()
    assert "<img" not in text and "\x1b" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    rows = [line for line in text.splitlines() if "onerror" in line]
    assert rows  # the finding row and the eligibility row
    for row in rows:
        assert row.startswith("| ")  # the newline in the id did not end the row
        unescaped_pipes = len(re.findall(r"(?<!\\)\|", row))
        assert unescaped_pipes in (8, 6), row  # 7 cells (findings) or 5 cells (eligibility): no extra cell from the id


def test_table_escapes_control_characters(report: DiffReport) -> None:
    text = render(_hostile(report), "table").decode()
    assert "\x1b" not in text and "\\x1b[31m" in text
