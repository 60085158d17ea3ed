"""`auditor audit --format sarif` end to end: the exit status of audit, a valid SARIF log, the same bytes whatever the environment."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import GOLDEN_INPUT, run
from tests.unit.report.test_sarif import assert_valid_sarif


def test_sarif_exits_as_audit_does_and_validates() -> None:
    # the golden input has two warnings and no error: exit 0 under the default --fail-on error
    r = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "sarif")
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""
    doc = assert_valid_sarif(r.stdout)
    levels = [res["level"] for res in doc["runs"][0]["results"]]
    assert levels == ["warning", "warning", "note", "note"]  # two findings, two rejected lines


def test_sarif_with_fail_on_warning_exits_1_with_the_whole_log() -> None:
    r = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "sarif", "--fail-on", "warning")
    assert r.returncode == 1
    assert len(assert_valid_sarif(r.stdout)["runs"][0]["results"]) == 4


def test_sarif_to_output_matches_stdout_and_the_environment_does_not_matter(tmp_path: Path) -> None:
    out = tmp_path / "audit.sarif"
    a = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "sarif", "--output", str(out))
    b = run(
        "audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "sarif",
        env={"TZ": "America/Los_Angeles", "LC_ALL": "C", "PYTHONHASHSEED": "123", "AUDITOR_THREADS": "1"},
    )  # fmt: skip
    assert a.returncode == b.returncode == 0
    assert a.stdout == b""
    assert out.read_bytes() == b.stdout
    assert json.loads(b.stdout)["runs"][0]["tool"]["driver"]["name"] == "auditor"
