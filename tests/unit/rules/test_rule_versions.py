"""Rules with versions (docs/rule-versions.md): each figure judged by the version in force on its last day.

A tiny pack, written below, has a daily rate whose floor rises from 0.5 to 0.6
on 2026-03-04 and a rate over the period whose floor rises the same way on
2026-03-06; a tiny data set of one shop, ten buyers a day, is audited under
it. Every expected finding is worked out by hand beside the data. The pack
checks (overlap, gap, dates), the `rule_version` expectation of pack tests
and a run of days cut at a change are tested here too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from auditor import AuditOptions, audit
from auditor.duck import run
from auditor.engine.connection import connect
from auditor.engine.exclusions import apply_exclusions, load_accounts, materialize_records
from auditor.engine.metrics import kind_for
from auditor.engine.metrics.base import MetricValue
from auditor.engine.rounds import build_rounds
from auditor.io.base import STAGED_DDL
from auditor.packtests import load_cases, run_case
from auditor.policy.loader import check_pack, load_pack
from auditor.rules import RuleContext
from auditor.rules.versions import evaluate, in_force
from tests.conftest import ROOT

SOURCE = "本店规则：回复率低于50%不合格。自2026年3月4日起，回复率低于60%不合格。\n"

PACK = """\
schema_version: 1
name: mini
version: "1.0.0"
title: {zh: 测试, en: Test}
timezone: Asia/Shanghai
period: {days: 6}
service_hours: [{start: "00:00", end: "24:00"}]
replies: {valid_roles: [agent]}
metrics:
  - id: reply_rate
    kind: buyer_rate
    label: {zh: 回复率, en: Reply rate}
    doc: {zh: 当天得到回复的买家比例。, en: Share of the day's buyers answered that day.}
    per: day
    service_hours_only: false
  - id: answered_share
    kind: round_rate
    label: {zh: 回复轮次比例, en: Answered rounds}
    doc: {zh: 期间内得到回复的轮次比例。, en: Share of the period's rounds answered the same day.}
    service_hours_only: false
rules:
  - id: mini.floor
    kind: threshold
    title: {zh: 回复率低于50%, en: Reply rate below 50%}
    doc: {zh: 测试。, en: Test.}
    severity: error
    effective_until: 2026-03-04
    metric: reply_rate
    op: "<"
    value: 0.5
    consequence: {type: none}
    citation: {source: rules.txt, quote: "回复率低于50%不合格"}
  - id: mini.floor
    kind: threshold
    title: {zh: 回复率低于60%, en: Reply rate below 60%}
    doc: {zh: 测试。, en: Test.}
    severity: error
    effective_from: 2026-03-04
    metric: reply_rate
    op: "<"
    value: 0.6
    consequence: {type: none}
    citation: {source: rules.txt, quote: "自2026年3月4日起，回复率低于60%不合格"}
  - id: mini.period_floor
    kind: threshold
    title: {zh: 期间回复比例低于50%, en: Answered share below 50%}
    doc: {zh: 测试。, en: Test.}
    severity: warning
    effective_until: "2026-03-06"
    metric: answered_share
    op: "<"
    value: 0.5
    consequence: {type: none}
    citation: {source: rules.txt, quote: "回复率低于50%不合格"}
  - id: mini.period_floor
    kind: threshold
    title: {zh: 期间回复比例低于60%, en: Answered share below 60%}
    doc: {zh: 测试。, en: Test.}
    severity: warning
    effective_from: "2026-03-06"
    metric: answered_share
    op: "<"
    value: 0.6
    consequence: {type: none}
    citation: {source: rules.txt, quote: "自2026年3月4日起，回复率低于60%不合格"}
eligibility:
  - id: activities
    question: {zh: 能否报名？, en: "May the shop sign up?"}
    doc: {zh: 测试。, en: Test.}
    blocked_by: [mini.floor]
"""
# (the period rule's days are quoted on purpose: quoted and unquoted days are the same to the pack)

# Buyers answered out of ten, per day; every buyer asks once at 10:00:00, an answered one gets a reply at 10:00:30.
ANSWERED = {"2026-03-01": 8, "2026-03-02": 5, "2026-03-03": 4, "2026-03-04": 5, "2026-03-05": 6, "2026-03-06": 3}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("versions")
    pack = root / "mini"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / "rules.txt").write_text(SOURCE, encoding="utf-8")
    (pack / "pack.yaml").write_text(PACK, encoding="utf-8")
    lines = []
    for day, answered in ANSWERED.items():
        for b in range(10):
            lines.append({"shop_id": "s1", "buyer_id": f"b{b}", "role": "buyer", "ts": f"{day}T10:00:00"})
            if b < answered:
                lines.append({"shop_id": "s1", "buyer_id": f"b{b}", "role": "agent", "ts": f"{day}T10:00:30"})
    data = root / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return pack, data


def found(report) -> list[tuple[str, str, str, float, float, tuple[str | None, str | None] | None]]:  # type: ignore[no-untyped-def]
    return [
        (v.rule_id, v.period.start, v.period.end, v.value, v.threshold,
         (v.rule_version.effective_from, v.rule_version.effective_until) if v.rule_version else None)
        for v in report.violations
    ]  # fmt: skip


def test_each_day_is_judged_by_the_version_then_in_force(setup: tuple[Path, Path]) -> None:
    pack, data = setup
    report = audit([data], AuditOptions(policy=pack))
    assert report.as_of == "2026-03-06" and report.period.start == "2026-03-01"
    # mini.floor, daily reply_rate = answered / 10:
    #   03-01 0.8  v1 (< 0.5): no
    #   03-02 0.5  v1: no — 0.5 is not < 0.5, although the later line (< 0.6) would catch it
    #   03-03 0.4  v1: yes
    #   03-04 0.5  v2 (< 0.6, from 03-04): yes — the first day of the new line
    #   03-05 0.6  v2: no — 0.6 is not < 0.6
    #   03-06 0.3  v2: yes
    # mini.period_floor, answered_share over 03-01..03-06 = (8+5+4+5+6+3)/60 = 31/60 = 0.516667, judged on
    #   its last day 03-06, by v2 (< 0.6, from 03-06): yes (v1's 0.5 would not catch it)
    assert found(report) == [
        ("mini.period_floor", "2026-03-01", "2026-03-06", 0.516667, 0.6, ("2026-03-06", None)),
        ("mini.floor", "2026-03-03", "2026-03-03", 0.4, 0.5, (None, "2026-03-04")),
        ("mini.floor", "2026-03-04", "2026-03-04", 0.5, 0.6, ("2026-03-04", None)),
        ("mini.floor", "2026-03-06", "2026-03-06", 0.3, 0.6, ("2026-03-04", None)),
    ]
    # each version's own title and citation go with its findings
    assert [v.title["en"] for v in report.violations if v.rule_id == "mini.floor"] == [
        "Reply rate below 50%", "Reply rate below 60%", "Reply rate below 60%",
    ]  # fmt: skip
    # the report lists every version of a rule, with its dates
    versions = [(r.id, r.threshold, r.rule_version.model_dump() if r.rule_version else None) for r in report.rules]
    assert versions == [
        ("mini.floor", 0.5, {"effective_from": None, "effective_until": "2026-03-04"}),
        ("mini.floor", 0.6, {"effective_from": "2026-03-04", "effective_until": None}),
        ("mini.period_floor", 0.5, {"effective_from": None, "effective_until": "2026-03-06"}),
        ("mini.period_floor", 0.6, {"effective_from": "2026-03-06", "effective_until": None}),
    ]
    # the as-of day 03-06 is barred by v2's finding that day (0.3 < 0.6)
    (answer,) = report.summary[0].eligibility
    assert (answer.eligible, answer.value, answer.threshold) == (False, 0.3, 0.6)


def test_a_figure_over_the_period_is_judged_on_the_as_of_day(setup: tuple[Path, Path]) -> None:
    pack, data = setup
    report = audit([data], AuditOptions(policy=pack, as_of=date(2026, 3, 5)))
    # period 02-28..03-05: answered_share = (8+5+4+5+6)/50 = 28/50 = 0.56, judged on 03-05 by v1 (< 0.5, until 03-06): no
    # finding, although v2's 0.6 would catch it. mini.floor as before, up to 03-05: 03-03 (v1) and 03-04 (v2).
    assert found(report) == [
        ("mini.floor", "2026-03-03", "2026-03-03", 0.4, 0.5, (None, "2026-03-04")),
        ("mini.floor", "2026-03-04", "2026-03-04", 0.5, 0.6, ("2026-03-04", None)),
    ]
    # eligible on 03-05: 0.6 is not below the line in force that day, 0.6 (v2), which the answer shows
    (answer,) = report.summary[0].eligibility
    assert (answer.eligible, answer.value, answer.threshold, answer.rule_id) == (True, 0.6, 0.6, "mini.floor")


def test_pack_rule_and_in_force_pick_the_version_of_a_day(setup: tuple[Path, Path]) -> None:
    pack = load_pack(setup[0]).pack
    assert [r.value for r in pack.versions("mini.floor")] == [0.5, 0.6]
    assert pack.rule("mini.floor", date(2026, 3, 3)).value == 0.5  # type: ignore[union-attr]
    assert pack.rule("mini.floor", date(2026, 3, 4)).value == 0.6  # type: ignore[union-attr]  # from is inclusive
    assert pack.rule("mini.floor").value == 0.6  # type: ignore[union-attr]  # no day: the latest
    day = (date(2026, 3, 3) - date(1970, 1, 1)).days
    assert in_force(pack, "mini.floor", day).value == 0.5  # type: ignore[union-attr]
    assert in_force(pack, "mini.floor", day + 1).value == 0.6  # type: ignore[union-attr]  # until is exclusive


# --- a run of days does not continue across a change --------------------------------------------------------------


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An engine with the real tables and no records: evidence queries run and find nothing."""
    pack = load_pack("pinduoduo").pack
    c = connect()
    run(c, STAGED_DDL)
    load_accounts(c, [])
    materialize_records(c, pack)
    apply_exclusions(c, pack, 20_500, 20_529)
    build_rounds(c, pack)
    yield c
    c.close()


def test_a_streak_is_cut_where_the_rule_changes(con: duckdb.DuckDBPyConnection) -> None:
    pack = load_pack("pinduoduo").pack
    streak = pack.rule("pinduoduo.below_peers")  # reply_rate < peer level on 3 or more consecutive days with figures
    start = 20_500  # 2026-02-16
    change = "2026-02-18"  # day 20_502: the rule gets a second version (the same settings) from then on
    old = streak.model_copy(update={"effective_until": change})
    new = streak.model_copy(update={"effective_from": change})
    # four days below the peers, 20_500..20_503: one run of 4 for an undated rule; 2 + 2 across the change, each short of 3
    values = [MetricValue("reply_rate", "s1", None, start + d, start + d, 0.4, 40, 100) for d in range(4)]
    ctx = RuleContext(
        con=con, pack=pack, kinds={m.id: kind_for(m) for m in pack.metrics}, values=values, start_day=start, end_day=start + 29,
        categories={"s1": "fruit"}, peer_levels={(start + d, "fruit", "reply_rate"): 0.8 for d in range(4)},
    )  # fmt: skip
    whole, _ = evaluate(streak, ctx)
    assert [(f.start_day, f.end_day, f.version) for f in whole] == [(start, start + 3, None)]
    assert evaluate(old, ctx)[0] == [] and evaluate(new, ctx)[0] == []
    # five days: the new version sees 20_502..20_504, a run of 3 of its own, judged and dated by it
    five = values + [MetricValue("reply_rate", "s1", None, start + 4, start + 4, 0.4, 40, 100)]
    ctx5 = RuleContext(**{**ctx.__dict__, "values": five, "peer_levels": {(start + d, "fruit", "reply_rate"): 0.8 for d in range(5)}})
    assert [(f.start_day, f.end_day, f.version) for f in evaluate(new, ctx5)[0]] == [(start + 2, start + 4, (change, None))]


# --- the pack checks ----------------------------------------------------------------------------------------------

CONTROL = ROOT / "tests" / "fixtures" / "broken_packs" / "00-control-valid"
RULE_AT = "    severity: warning\n"  # control line 53, in the one rule (lines 45-61)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    shutil.copytree(CONTROL, dest)
    return dest


def versioned(pack: Path, first: str, second: str) -> None:
    """The control's rule with `first` after its line 53, and a copy after a blank line 62 with `second` (its line 73)."""
    f = pack / "pack.yaml"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    rule = lines[44:61]
    assert rule[8] == RULE_AT
    one = rule[:9] + [first] + rule[9:] if first else rule
    two = rule[:9] + [second] + rule[9:] if second else rule
    f.write_text("".join(lines[:44] + one + ["\n"] + two), encoding="utf-8")


def codes(pack: Path) -> set[tuple[int | None, int | None, str]]:
    return {(p.line, p.column, p.code) for p in check_pack(pack).problems}


def test_back_to_back_versions_are_valid_and_a_day_may_be_quoted_or_not(mini: Path) -> None:
    versioned(mini, "    effective_until: 2026-10-20\n", '    effective_from: "2026-10-20"\n')
    assert codes(mini) == set()
    assert [(r.effective_from, r.effective_until) for r in load_pack(mini).pack.rules] == [(None, "2026-10-20"), ("2026-10-20", None)]


def test_an_undated_entry_beside_a_dated_one_overlaps_it(mini: Path) -> None:
    # rule 1 undated (45-61, always in force), the copy (63-79, its id at 63) from 2026-10-20 at line 72
    versioned(mini, "", "    effective_from: 2026-10-20\n")
    assert codes(mini) == {(72, 5, "rule-versions-overlap")}


def test_two_versions_in_force_since_always_overlap(mini: Path) -> None:
    # both with only `effective_until`: the second has no start, so it is reported at its id (line 64)
    versioned(mini, "    effective_until: 2026-10-20\n", "    effective_until: 2026-10-25\n")
    assert codes(mini) == {(64, 5, "rule-versions-overlap")}


def test_a_quoted_day_that_does_not_exist(mini: Path) -> None:
    # "2026-02-30" has the form of a day (the schema's pattern) but is none: line 54
    versioned(mini, '    effective_until: "2026-02-30"\n', "    effective_from: 2026-02-28\n")
    assert codes(mini) == {(54, 5, "rule-version-dates")}


def test_an_unquoted_day_that_does_not_exist_stops_the_yaml(mini: Path) -> None:
    versioned(mini, "    effective_until: 2026-02-30\n", "    effective_from: 2026-02-28\n")
    assert codes(mini) == {(54, 22, "yaml-value")}  # the value after `    effective_until: ` (21 characters)


# --- pack tests can say which version judged a finding -----------------------------------------------------------

CASE = """\
cases:
  - name: fined_under_each_version
    as_of: "2026-03-04"
    records:
      - {{repeat: 10, records: [{{shop_id: s1, buyer_id: "b{{i}}", role: buyer, ts: "2026-03-03T10:00:00"}}]}}
      - {{repeat: 4, records: [{{shop_id: s1, buyer_id: "b{{i}}", role: agent, ts: "2026-03-03T10:00:30"}}]}}
      - {{repeat: 10, records: [{{shop_id: s1, buyer_id: "b{{i}}", role: buyer, ts: "2026-03-04T10:00:00"}}]}}
      - {{repeat: 5, records: [{{shop_id: s1, buyer_id: "b{{i}}", role: agent, ts: "2026-03-04T10:00:30"}}]}}
    expect:
      violations:
        - {{rule_id: mini.floor, shop_id: s1, period: 2026-03-03, rule_version: {{effective_until: 2026-03-04}}}}
        - {{rule_id: mini.floor, shop_id: s1, period: 2026-03-04, rule_version: {first}}}
"""


@pytest.mark.parametrize(
    ("first", "passes"),
    [
        ("{effective_from: 2026-03-04, effective_until: null}", True),
        ("{effective_from: 2026-03-03}", False),
        ("null", False),
    ],
)
def test_a_case_names_the_version_that_judged(setup: tuple[Path, Path], tmp_path: Path, first: str, passes: bool) -> None:
    # 03-03: 4/10 = 0.4 < 0.5 (v1); 03-04: 5/10 = 0.5 < 0.6 (v2, from 03-04); the period rule: 9/20 = 0.45, judged on
    # 03-04 by its v1 (< 0.5, until 03-06): a finding too, so the case's complete list must name it
    pack = tmp_path / "mini"
    shutil.copytree(setup[0], pack)
    (pack / "tests").mkdir()
    case = CASE.format(first=first) + "        - {rule_id: mini.period_floor, shop_id: s1, rule_version: {effective_until: '2026-03-06'}}\n"
    (pack / "tests" / "versions.yml").write_text(case, encoding="utf-8")
    (only,) = load_cases(pack)
    result = run_case(only, pack)
    assert result.passed is passes, [f.message for f in result.failures] + [result.error or ""]
    if not passes:
        assert [f.what for f in result.failures][0].startswith("violation mini.floor shop s1 2026-03-04 rule_version")
