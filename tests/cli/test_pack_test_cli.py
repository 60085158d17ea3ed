"""`auditor test PACK...` end to end: exit codes, the pytest-like table, the diff of a failed case, JUnit, coverage."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import TAOBAO


@pytest.fixture
def pack_with_tests(tmp_path: Path) -> Path:
    """A private copy of the taobao pack, its tests included."""
    dest = tmp_path / "pack"
    shutil.copytree(TAOBAO, dest)
    return dest


def _edit(f: Path, old: str, new: str) -> None:
    text = f.read_text(encoding="utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_builtin_packs_pass_exit_0_with_a_summary() -> None:
    r = run("test", "taobao", "pinduoduo")
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    assert "policies/taobao/tests/worked_examples.yml:5 worked_example_1_two_questions_late_answer PASSED" in out
    assert "policies/pinduoduo/tests/fake_chat.yml:7 fake_chat_ring_of_five_lifts_a_failing_day_over_the_floor PASSED" in out
    assert "FAILED" not in out and "\x1b" not in out  # not a terminal: no colour
    assert "taobao: every rule, detector and check has a case where it fires and one where it does not" in out
    assert re.fullmatch(r"=+ \d+ passed in \d+\.\d\ds =+", out.rstrip("\n").splitlines()[-1])


def test_wrong_expectation_exit_1_with_expected_and_actual(pack_with_tests: Path) -> None:
    # worked example 2's rate is 1/2 = 0.5; the copy expects 0.75
    cases = pack_with_tests / "tests" / "worked_examples.yml"
    _edit(cases, "numerator: 1, denominator: 2, value: 0.5}", "numerator: 1, denominator: 2, value: 0.75}")
    r = run("test", str(pack_with_tests), "-k", "worked_example_2")
    out = r.stdout.decode()
    assert r.returncode == 1, out
    assert "worked_example_2_second_round_answered_in_time FAILED" in out
    assert "FAILURES" in out
    block = out[out.index("metric response_rate_3min shop s1 value") :]
    assert block.splitlines()[1].split() == ["expected:", "0.75"]
    assert block.splitlines()[2].split() == ["actual:", "0.5"]
    assert re.search(r" 1 failed, \d+ deselected in ", out.splitlines()[-1])


def test_long_values_are_shown_as_a_diff(pack_with_tests: Path) -> None:
    # worked example 1 reads 3 records with nothing excluded; the copy expects one `system` exclusion
    cases = pack_with_tests / "tests" / "worked_examples.yml"
    _edit(cases, "inputs: {read: 3, used: 3, excluded: {}, rejected: 0}", "inputs: {rejections: [{line: 1, code: invalid_json}, {line: 2, code: bad_ts}]}")
    r = run("test", str(pack_with_tests), "-k", "worked_example_1")
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "inputs.rejections" in out and "--- expected" in out and "+++ actual" in out
    assert '-    "code": "invalid_json",' in out


def test_junit_format_parses(tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    r = run("test", "pinduoduo", "-k", "fake_chat", "--format", "junit", "--output", str(target))
    assert r.returncode == 0, r.stderr
    root = ET.parse(target).getroot()
    suite = root.find("testsuite")
    assert suite.get("name") == "pinduoduo" and suite.get("tests") == "2" and len(suite.findall("testcase")) == 2
    assert root.get("failures") == "0"
    assert "2 passed, " in r.stdout.decode()  # the summary goes to the terminal, never into the file


def test_junit_on_stdout_is_only_xml() -> None:
    r = run("test", "taobao", "-k", "worked_example_3", "--format", "junit")
    assert r.returncode == 0
    ET.fromstring(r.stdout)
    assert "1 passed" in r.stderr.decode()


def test_coverage_lists_a_rule_without_cases(pack_with_tests: Path) -> None:
    # the copy's only cases are the three worked examples: both target rules still fire in 1 and 2 and stay
    # quiet in 3, but no case says anything about the four detectors
    for f in (pack_with_tests / "tests").glob("*.yml"):
        if f.name != "worked_examples.yml":
            f.unlink()
    r = run("test", str(pack_with_tests))
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "no case: detector delayed_reply, detector close_reopen, detector bot_as_human, detector fake_chat" in out
    (pack_with_tests / "tests" / "worked_examples.yml").write_text(
        (pack_with_tests / "tests" / "worked_examples.yml").read_text(encoding="utf-8").split("  - name: worked_example_3")[0], encoding="utf-8"
    )
    out = run("test", str(pack_with_tests)).stdout.decode()
    assert "rule taobao.first_response_target has no case where it does not fire" in out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("cases:\n  - name: a\n    records: [\n", "worked.yml:4: not valid YAML"),
        ("cases:\n  - name: a\n    records: []\n    expect:\n      violation: []\n", "worked.yml:5: case `a`: unknown expectation `violation`"),
        ("cases:\n  - name: a\n    recods: []\n", "worked.yml:3: case `a` has an unknown key `recods`"),
        ("cases: {}\n", "worked.yml:1: a test file holds `cases:`, a list"),
    ],
)
def test_malformed_case_file_exit_2_with_file_and_line(pack_with_tests: Path, content: str, needle: str) -> None:
    (pack_with_tests / "tests" / "worked.yml").write_text(content, encoding="utf-8")
    r = run("test", str(pack_with_tests))
    assert r.returncode == 2
    assert needle in r.stderr.decode()
    assert b"Traceback" not in r.stderr and r.stdout == b""


def test_unknown_pack_and_format_exit_2() -> None:
    assert run("test", "tmall").returncode == 2
    r = run("test", "taobao", "--format", "sarifx")
    assert r.returncode == 2 and "unknown format `sarifx`" in r.stderr.decode()


def test_same_packs_same_bytes() -> None:
    a = run("test", "taobao", "-k", "latency", "--format", "json").stdout
    b = run("test", "taobao", "-k", "latency", "--format", "json", env={"TZ": "America/Los_Angeles", "PYTHONHASHSEED": "7"}).stdout
    assert a == b and b'"outcome": "passed"' in a


def test_files_tests_the_packs_holding_changed_files(pack_with_tests: Path) -> None:
    # a pre-commit hook passes changed files: the pack above each one is tested, a file under no pack is ignored
    changed = pack_with_tests / "tests" / "worked_examples.yml"
    r = run("test", "--files", str(changed), "README.md", "-k", "worked_example_3")
    assert r.returncode == 0, r.stderr
    assert "worked_example_3_ten_questions_never_answered PASSED" in r.stdout.decode()
    r = run("test", "--files", "README.md")
    assert r.returncode == 0 and "nothing to test" in r.stdout.decode()
