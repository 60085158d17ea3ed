"""`junit`: audits and pack-test runs as JUnit XML that CI test reporters read.

Structure is checked against the element order and attributes of Jenkins'
junit-10 schema (testsuites > testsuite > properties?, testcase*, system-out?;
testcase > skipped?, error*, failure*, system-out*) with the counts worked out
from the report. `xmlschema` is not a dependency, so the schema's rules are
written out in `check_junit` instead of validating against a vendored XSD.

Golden files: the audit golden inputs render to tests/golden/{,pinduoduo/,flags/}junit/report.xml
(checked by test_golden.py with every other format); a pack-test run of the
taobao worked examples renders to tests/golden/junit/packtest.xml.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from auditor import AuditOptions, render
from auditor.api import run_pack_tests
from auditor.models import CaseFailure, CaseOutcome, CoverageItem, PackTestReport, PackTests
from tests.conftest import ROOT
from tests.conftest import audit_at_root as _audit_at_root

GOLDEN = ROOT / "tests" / "golden"

TESTCASE_CHILDREN = ["skipped", "error", "failure", "system-out", "system-err"]


def check_junit(data: bytes) -> ET.Element:
    """Parse, then check the junit-10 structure and that every count attribute matches the children."""
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n') and data.endswith(b"\n")
    root = ET.fromstring(data)
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        assert suite.tag == "testsuite"
        assert suite.get("name")
        kids = [c.tag for c in suite]
        # properties first (at most once), then testcases, then at most one system-out
        assert kids == (["properties"] if "properties" in kids else []) + ["testcase"] * kids.count("testcase") + (
            ["system-out"] if "system-out" in kids else []
        ), kids
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for k, n in counts.items():
            assert suite.get(k) == str(n), (suite.get("name"), k)
            totals[k] += n
        for case in cases:
            assert case.get("name") and case.get("classname")
            order = [TESTCASE_CHILDREN.index(c.tag) for c in case]
            assert order == sorted(order), [c.tag for c in case]
            assert case.find("skipped") is None or case.find("failure") is None
            for f in case.findall("failure") + case.findall("error"):
                assert f.get("message") and f.get("type") and f.text
            if case.get("line") is not None:
                assert int(case.get("line")) >= 1 and case.get("file")
        props = suite.find("properties")
        if props is not None:
            assert all(p.tag == "property" and p.get("name") and p.get("value") is not None for p in props)
    for k, n in totals.items():
        assert root.get(k) == str(n), k
    return root


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return _audit_at_root("tests/golden/input", AuditOptions(policy="taobao"))


@pytest.fixture(scope="module")
def pdd_report():  # type: ignore[no-untyped-def]
    side = "tests/golden/pinduoduo/side"
    return _audit_at_root("tests/golden/pinduoduo/input", AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"))  # type: ignore[arg-type]


def test_audit_one_suite_per_shop_one_case_per_rule_and_detector(report) -> None:  # type: ignore[no-untyped-def]
    # test_golden.py: shops g1 and g2; g1 breaks both targets (142.5 s > 20 and > 30), g2 (10 s) none.
    # taobao runs 2 rules and 4 detectors: 6 testcases per shop, 12 in all, 2 failures.
    root = check_junit(render(report, "junit"))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("12", "2", "0")
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["taobao g1", "taobao g2"]
    g1 = {c.get("name"): c for c in suites["taobao g1"].findall("testcase")}
    assert list(g1) == ["taobao.first_response_target", "taobao.avg_response_target", "delayed_reply", "close_reopen", "bot_as_human", "fake_chat"]
    assert {c.get("classname") for c in g1.values()} == {"g1"}
    fail = g1["taobao.avg_response_target"].find("failure")
    assert fail.get("type") == "warning"
    assert fail.get("message") == "warning: avg_response_time = 142.5 s > 30 s in 2026-02-09..2026-03-10; consequence: none"
    assert "「首次响应时间为20秒,平均响应为30秒」 — 002_92962fdfafc03648.txt" in fail.text
    assert "(First response in 20 seconds, average response in 30 seconds.)" in fail.text
    # the first evidence round is the worst: u2's 240 s round, asked on line 3 of the golden jsonl
    assert (g1["taobao.avg_response_target"].get("file"), g1["taobao.avg_response_target"].get("line")) == ("tests/golden/input/chats.jsonl", "3")
    assert all(c.find("failure") is None for c in suites["taobao g2"].findall("testcase"))


def test_audit_not_evaluated_is_skipped_and_control_characters_never_reach_the_xml(pdd_report) -> None:  # type: ignore[no-untyped-def]
    # test_golden.py: p3 has no category, so below_peers is not evaluated for it (skipped); p2's
    # 03-09 had no peer level (a system-out note); p1 breaks activity_floor, daily_fine and below_peers.
    data = render(pdd_report, "junit")
    assert b"\x1b" not in data  # buyer `b4<ESC>[31m` is in p1's evidence
    root = check_junit(data)
    suites = {s.get("name"): s for s in root}
    p3 = {c.get("name"): c for c in suites["pinduoduo p3"].findall("testcase")}
    assert p3["pinduoduo.below_peers"].find("skipped").get("message").startswith("not evaluated: ")
    p2 = {c.get("name"): c for c in suites["pinduoduo p2"].findall("testcase")}
    assert "2026-03-09" in p2["pinduoduo.below_peers"].find("system-out").text
    p1 = {c.get("name"): c for c in suites["pinduoduo p1"].findall("testcase")}
    assert [n for n, c in p1.items() if c.find("failure") is not None] == ["pinduoduo.activity_floor", "pinduoduo.daily_fine", "pinduoduo.below_peers"]
    assert p1["pinduoduo.daily_fine"].find("failure").get("message") == "error: reply_rate = 19.8% < 50.0% on 2026-03-10; consequence: fine CNY 1000"
    assert "b4\\x1b[31m" in p1["pinduoduo.below_peers"].find("failure").text
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("12", "4", "1")


def test_audit_junit_is_deterministic(report) -> None:  # type: ignore[no-untyped-def]
    assert render(report, "junit") == render(report, "junit")


def test_pack_test_run_golden() -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        doc = run_pack_tests(["taobao"], "worked_example")
    finally:
        os.chdir(cwd)
    data = render(doc, "junit")
    path = GOLDEN / "junit" / "packtest.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes()
    root = check_junit(data)
    # three worked examples, all passing; the other taobao cases deselected
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "0", "0")
    case = root.find("testsuite/testcase")
    assert case.get("classname") == "taobao.worked_examples"
    assert (case.get("file"), case.get("line")) == ("policies/taobao/tests/worked_examples.yml", "5")


def _doc() -> PackTestReport:
    failure = CaseFailure(what="metric reply_rate shop s1 value", expected=0.5, actual=0.333333, message="metric reply_rate shop s1 value: expected 0.5, got 0.333333")
    odd = CaseFailure(what="flag x", expected=None, actual="a\x1b[31m", message="flag x: reported, not expected (buyer a\x1b[31m)")
    cases = [
        CaseOutcome(file="p/tests/a.yml", line=3, name="ok", doc="", outcome="passed"),
        CaseOutcome(file="p/tests/a.yml", line=20, name="bad", doc="d", outcome="failed", failures=[failure, odd]),
        CaseOutcome(file="p/tests/b.yml", line=7, name="broke", doc="", outcome="error", failures=[CaseFailure(what="audit", message="audit raised: no readable input")]),
    ]
    cov = [CoverageItem(kind="rule", id="r1", fires=[], quiet=[]), CoverageItem(kind="detector", id="fake_chat", fires=[], quiet=[])]
    pack = PackTests(name="p", dir="p", version="1", digest="sha256:0", cases=cases, coverage=cov, uncovered=["rule r1", "detector fake_chat"])
    return PackTestReport(auditor_version="0", select=None, packs=[pack])


def test_pack_test_failures_and_errors() -> None:
    data = render(_doc(), "junit")
    assert b"\x1b" not in data
    root = check_junit(data)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    bad, broke = root.findall("testsuite/testcase")[1:]
    f = bad.find("failure")
    assert f.get("message") == "2 expectations not met; first: metric reply_rate shop s1 value: expected 0.5, got 0.333333"
    assert f.text.splitlines()[1] == "flag x: reported, not expected (buyer a\\x1b[31m)"
    assert (bad.get("classname"), bad.get("file"), bad.get("line")) == ("p.a", "p/tests/a.yml", "20")
    assert broke.find("error").get("message") == "audit raised: no readable input"
    assert root.find("testsuite/system-out").text == "coverage: no case: rule r1; no case: detector fake_chat"
