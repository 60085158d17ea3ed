"""Applying waivers and baselines to a report: pure functions over the model, judged on the report's as-of day."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from auditor import AuditOptions, render
from auditor.errors import InputError
from auditor.governance import GovernanceFiles, baseline_bytes, read_governance
from auditor.governance.baseline import read_baseline
from auditor.governance.waivers import covers
from auditor.models import AuditReport
from auditor.policy.loader import load_pack
from auditor.policy.waivers import Waiver, load_waivers
from tests.conftest import ROOT, audit_at_root

FIXTURES = ROOT / "tests" / "fixtures" / "waivers"
# tests/golden/input under taobao, as of 2026-03-10 (period 2026-02-09..2026-03-10): two warnings for shop g1,
# taobao.avg_response_target and taobao.first_response_target, both over the whole period, no flags.
AVG = hashlib.sha256(json.dumps(["violation", "taobao.avg_response_target", "g1", None, "2026-02-09", "2026-03-10"]).encode()).hexdigest()[:32]
FIRST = hashlib.sha256(json.dumps(["violation", "taobao.first_response_target", "g1", None, "2026-02-09", "2026-03-10"]).encode()).hexdigest()[:32]


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_at_root("tests/golden/input", AuditOptions(policy="taobao"))


def taobao_waivers(name: str) -> GovernanceFiles:
    return read_governance(FIXTURES / name, None, [load_pack("taobao").pack])


def test_fingerprints_are_the_sarif_ones(report: AuditReport) -> None:
    assert [v.fingerprint for v in report.violations] == [AVG, FIRST]
    # the committed SARIF golden (written before the fingerprint moved to auditor.models) holds the same values
    sarif = (ROOT / "tests" / "golden" / "sarif" / "report.sarif").read_text(encoding="utf-8")
    assert AVG in sarif and FIRST in sarif


def test_an_old_report_without_fingerprints_still_parses_and_gets_them(report: AuditReport) -> None:
    data = json.loads(render(report, "json"))
    for v in data["violations"]:
        for key in ("fingerprint", "waiver", "baselined"):
            v.pop(key)
    data.pop("governance", None)
    again = AuditReport.model_validate(data)
    assert [v.fingerprint for v in again.violations] == [AVG, FIRST]
    assert AuditReport.model_validate_json(render(report, "json")) == report  # and a new one round-trips


def test_waived_findings_stay_marked_and_do_not_count(report: AuditReport) -> None:
    assert report.findings_at_or_above("warning") == 2
    got = taobao_waivers("golden-both.yaml").apply(report)
    assert len(got.violations) == 2  # never dropped
    assert [(v.waiver.id if v.waiver else None) for v in got.violations] == ["WV-1", "WV-2"]
    assert got.violations[0].waiver.reason.startswith("agents were trained")  # type: ignore[union-attr]
    assert got.findings_at_or_above("warning") == 0
    w = got.governance.waivers  # type: ignore[union-attr]
    assert ([u.id for u in w.applied], w.expired, w.stale, w.waived) == (["WV-1", "WV-2"], [], [], 2)
    assert [u.findings for u in w.applied] == [[AVG], [FIRST]]
    assert report.violations[0].waiver is None  # the input report is left alone


def test_a_waiver_is_in_force_through_its_expiry_day_and_expired_after(report: AuditReport) -> None:
    got = taobao_waivers("golden-expired.yaml").apply(report)
    # WV-LAST expires 2026-03-10 = the as-of day: in force; WV-OLD expired 2026-03-09: applies to nothing
    assert [(v.rule_id, v.waiver.id if v.waiver else None) for v in got.violations] == [
        ("taobao.avg_response_target", "WV-LAST"),
        ("taobao.first_response_target", None),
    ]
    w = got.governance.waivers  # type: ignore[union-attr]
    assert [(u.id, u.findings) for u in w.expired] == [("WV-OLD", [FIRST])]  # what it would have matched
    assert got.findings_at_or_above("warning") == 1


def test_a_waiver_matching_nothing_is_stale_not_an_error(report: AuditReport) -> None:
    got = taobao_waivers("golden-stale.yaml").apply(report)
    w = got.governance.waivers  # type: ignore[union-attr]
    assert [u.id for u in w.stale] == ["WV-SHOP", "WV-SPAN"]
    assert w.applied == [] and w.waived == 0
    assert got.findings_at_or_above("warning") == 2
    assert got.findings_at_or_above("error") == 0  # a stale waiver changes no exit status


def test_the_first_matching_waiver_in_file_order_marks_the_finding(report: AuditReport, tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(
        "waivers:\n"
        "  - {id: B, rule: taobao.avg_response_target, shop: g1, reason: second, approved_by: x, expires: 2026-12-31}\n"
        "  - {id: A, rule: taobao.avg_response_target, shop: g1, reason: first, approved_by: x, expires: 2026-12-31}\n",
        encoding="utf-8",
    )
    got = GovernanceFiles(waivers=load_waivers(f, {"taobao.avg_response_target"})).apply(report)
    assert got.violations[0].waiver.id == "B"  # type: ignore[union-attr]
    assert [(u.id, u.findings) for u in got.governance.waivers.applied] == [("B", [AVG]), ("A", [AVG])]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("agent", "start", "end", "finding", "hit"),
    [
        (None, None, None, ("r", "s", None, "2026-01-01", "2026-01-30"), True),  # no period: any
        (None, None, None, ("r", "s", "a1", "2026-01-01", "2026-01-01"), True),  # no agent: the shop's agents too
        ("a1", None, None, ("r", "s", "a1", "2026-01-01", "2026-01-01"), True),
        ("a1", None, None, ("r", "s", None, "2026-01-01", "2026-01-01"), False),  # an agent's waiver: not the shop-level finding
        (None, "2026-01-01", "2026-01-30", ("r", "s", None, "2026-01-01", "2026-01-30"), True),  # the edges are inside
        (None, "2026-01-02", "2026-01-30", ("r", "s", None, "2026-01-01", "2026-01-30"), False),  # starts before the span
        (None, "2026-01-01", "2026-01-29", ("r", "s", None, "2026-01-01", "2026-01-30"), False),  # ends after it
        (None, None, None, ("other", "s", None, "2026-01-01", "2026-01-01"), False),
        (None, None, None, ("r", "other", None, "2026-01-01", "2026-01-01"), False),
    ],
)
def test_what_a_waiver_covers(agent: str | None, start: str | None, end: str | None, finding: tuple, hit: bool) -> None:  # type: ignore[type-arg]
    w = Waiver(id="W", rule="r", shop="s", agent=agent, start=start, end=end, reason="x", approved_by="y", expires="2026-12-31", line=1)
    assert covers(w, *finding) is hit


def test_the_baseline_is_every_finding_sorted_and_byte_stable(report: AuditReport, tmp_path: Path) -> None:
    waived = taobao_waivers("golden-both.yaml").apply(report)
    data = baseline_bytes(waived)
    assert data == baseline_bytes(waived) == baseline_bytes(report)  # waived findings are recorded too; marks are not
    doc = json.loads(data)
    assert doc["auditor_baseline"] == 1 and doc["as_of"] == "2026-03-10" and doc["policy"]["name"] == "taobao"
    assert [(f["rule_id"], f["fingerprint"], f["type"]) for f in doc["findings"]] == [
        ("taobao.avg_response_target", AVG, "violation"),  # same shop and period: ordered by type, then rule id
        ("taobao.first_response_target", FIRST, "violation"),
    ]
    assert data.endswith(b"}\n")


def test_a_baseline_marks_known_findings_and_lists_the_gone(report: AuditReport, tmp_path: Path) -> None:
    f = tmp_path / "base.json"
    doc = json.loads(baseline_bytes(report))
    doc["findings"] = doc["findings"][:1] + [dict(doc["findings"][1], fingerprint="0" * 32, rule_id="taobao.fixed_rule")]
    f.write_text(json.dumps(doc), encoding="utf-8")
    # the baseline holds AVG and one finding no longer found; FIRST is new
    got = GovernanceFiles(baseline=read_baseline(f)).apply(report)
    assert [(v.rule_id, v.baselined) for v in got.violations] == [("taobao.avg_response_target", True), ("taobao.first_response_target", False)]
    b = got.governance.baseline  # type: ignore[union-attr]
    assert (b.matched, b.new, [x.rule_id for x in b.findings], [x.rule_id for x in b.gone]) == (1, 1, ["taobao.avg_response_target"], ["taobao.fixed_rule"])
    assert got.findings_at_or_above("warning") == 1
    assert b.sha256 == "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()


def test_a_baseline_of_another_pack_is_a_warning(report: AuditReport, tmp_path: Path) -> None:
    f = tmp_path / "base.json"
    doc = json.loads(baseline_bytes(report))
    doc["policy"]["name"] = "pinduoduo"
    f.write_text(json.dumps(doc), encoding="utf-8")
    got = GovernanceFiles(baseline=read_baseline(f)).apply(report)
    assert len(got.governance.notes) == 1 and "pack `pinduoduo`" in got.governance.notes[0]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"auditor_baseline": 1,\n "findings": [', "not valid JSON"),
        ('{"findings": []}', "no `auditor_baseline` key"),
        ('{"auditor_baseline": 2, "policy": {"name": "t", "version": "1", "digest": "d"}, "as_of": "2026-01-01", "findings": []}', "auditor_baseline"),
        ('{"auditor_baseline": 1, "policy": {"name": "t", "version": "1", "digest": "d"}, "as_of": "2026-01-01", "findings": [{}]}', "findings.0"),
    ],
)
def test_a_bad_baseline_is_refused_with_the_fix(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "base.json"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_baseline(f)
    assert needle in str(err.value) and "--write-baseline" in str(err.value)


def test_the_library_applies_both_inside_audit(tmp_path: Path) -> None:
    options = AuditOptions(policy="taobao", waivers=FIXTURES / "golden-expired.yaml")
    first = audit_at_root("tests/golden/input", options)
    (tmp_path / "base.json").write_bytes(baseline_bytes(first))
    again = audit_at_root("tests/golden/input", options.model_copy(update={"baseline": tmp_path / "base.json"}))
    assert [(v.waiver.id if v.waiver else None, v.baselined) for v in again.violations] == [("WV-LAST", True), (None, True)]
    assert again.findings_at_or_above("warning") == 0


def test_the_pdd_example_waivers() -> None:
    options = AuditOptions(
        policy="pinduoduo", shops=ROOT / "examples" / "pdd-shops.csv", peers=ROOT / "examples" / "pdd-peers.csv", waivers=FIXTURES / "pdd.yaml"
    )
    got = audit_at_root("examples/pdd", options)
    marks = [(v.rule_id, v.period.start, v.waiver.id if v.waiver else None) for v in got.violations if v.shop_id == "pdd_orchard"]
    # pdd.yaml: PDD-FLOOR covers activity_floor within 10-08..10-20 (not 10-31); PDD-FINE every daily_fine
    assert marks == [
        ("pinduoduo.activity_floor", "2026-10-08", "PDD-FLOOR"),
        ("pinduoduo.daily_fine", "2026-10-08", "PDD-FINE"),
        ("pinduoduo.activity_floor", "2026-10-13", "PDD-FLOOR"),
        ("pinduoduo.activity_floor", "2026-10-20", "PDD-FLOOR"),
        ("pinduoduo.daily_fine", "2026-10-20", "PDD-FINE"),
        ("pinduoduo.activity_floor", "2026-10-31", None),
    ]
    assert got.findings_at_or_above("error") == 1  # only 10-31's floor finding still fails
    w = got.governance.waivers  # type: ignore[union-attr]
    assert [u.id for u in w.stale] == ["PDD-RING"]  # the fake_chat flag is shop-level (agent null), the waiver names an agent
    assert w.waived == 5
