"""`auditor validate` end to end: exit codes, compiler-style lines with file:line:column, JSON, --output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import ROOT

BROKEN = "tests/fixtures/broken_packs"


def test_built_in_packs_are_valid_exit_0() -> None:
    r = run("validate", "taobao", "pinduoduo")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.decode("utf-8") == (
        "✓ policies/taobao/pack.yaml valid (taobao 2026.11.0)\n"
        "✓ policies/pinduoduo/pack.yaml valid (pinduoduo 2026.11.0)\n"
        "2 packs checked: 2 valid\n"
    )
    assert r.stderr == b""


@pytest.mark.parametrize(
    ("pack", "line"),
    [
        # each fixture's header works the place out by hand
        ("05-unknown-metric", "pack.yaml:54:5: error[unknown-metric] rules[0].metric: rule uses metric `avg_reply_time`, which the pack does not define"
                              " — define it under `metrics:` or use one of: avg_response_time, response_rate_3min"),
        ("07-rate-threshold-range", "pack.yaml:56:5: error[threshold-range] rules[0].value: threshold 50 is outside [0, 1]"),
        ("13-citation-path-escape", "pack.yaml:60:7: error[citation-path] rules[0].citation.source: cited source `../../../../etc/passwd` is a path"),
        ("16-eligibility-unknown-rule", "pack.yaml:71:44: error[unknown-rule] eligibility[0].blocked_by[1]: `mini.first_response_target` is not a rule"),
        ("18-yaml-alias", "pack.yaml:8:8: error[yaml-alias] YAML anchors and aliases are not allowed in packs — write the value out where it is needed"),
    ],
)  # fmt: skip
def test_a_broken_pack_exits_1_and_names_file_line_and_column(pack: str, line: str) -> None:
    r = run("validate", f"{BROKEN}/{pack}")
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode("utf-8").splitlines()
    assert out[0].startswith(f"{BROKEN}/{pack}/{line}")
    assert out[-1] == "1 pack checked: 0 valid, 1 with 1 problem"
    assert r.stderr == b""


def test_many_problems_in_one_run_in_file_order() -> None:
    r = run("validate", f"{BROKEN}/20-many-at-once", "taobao")
    assert r.returncode == 1
    out = r.stdout.decode("utf-8").splitlines()
    places = [ln.split(": ", 1)[0].removeprefix(f"{BROKEN}/20-many-at-once/pack.yaml:") for ln in out[:6]]
    # the header of 20-many-at-once works these out: the schema, citation, duplicate-key, duplicate-id, unknown-metric and type problems
    assert places == ["17:3", "36:7", "47:5", "68:5", "77:5", "79:5"]
    assert out[6] == "✓ policies/taobao/pack.yaml valid (taobao 2026.11.0)"
    assert out[7] == "2 packs checked: 1 valid, 1 with 6 problems"


def test_nothing_found_exits_2_with_the_report_and_a_sentence_on_stderr() -> None:
    r = run("validate", "no/such/pack")
    assert r.returncode == 2
    assert r.stdout.decode("utf-8") == (
        "no/such/pack: error[not-found] policy pack `no/such/pack` not found — give a built-in pack name or a directory that contains pack.yaml\n"
        "1 pack checked: 0 valid, 1 not found\n"
    )
    assert r.stderr.decode("utf-8").startswith("error: no pack was found, so nothing was checked")


def test_a_missing_pack_beside_a_readable_one_exits_1() -> None:
    r = run("validate", "taobao", "nosuchpack")
    assert r.returncode == 1
    out = r.stdout.decode("utf-8").splitlines()
    assert out[1].startswith("nosuchpack: error[not-found] no built-in policy pack named `nosuchpack` — use one of: ")
    assert out[-1] == "2 packs checked: 1 valid, 1 not found"


def test_json_parses_and_carries_every_field() -> None:
    r = run("validate", f"{BROKEN}/21-duplicate-metric-id", "pinduoduo", "nosuchpack", "--format", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    broken, pdd, missing = doc["packs"]
    assert broken["pack"] == f"{BROKEN}/21-duplicate-metric-id" and broken["name"] == "mini" and broken["digest"].startswith("sha256:")
    # the fixture's header: the duplicated metric id at 34:5 and the rule whose metric it displaced at 54:5
    assert [(p["line"], p["column"], p["code"], p["path"]) for p in broken["problems"]] == [
        (34, 5, "duplicate-id", "metrics[1].id"),
        (54, 5, "unknown-metric", "rules[0].metric"),
    ]
    assert set(broken["problems"][0]) == {"file", "line", "column", "path", "code", "severity", "message", "fix"}
    assert pdd["problems"] == [] and pdd["file"] == "policies/pinduoduo/pack.yaml"
    assert missing["file"] is None and [p["code"] for p in missing["problems"]] == ["not-found"]


def test_output_file_matches_stdout_and_reruns_are_identical(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    a = run("validate", f"{BROKEN}/20-many-at-once", "--format", "json", "--output", str(out))
    b = run("validate", f"{BROKEN}/20-many-at-once", "--format", "json")
    assert a.returncode == b.returncode == 1
    assert a.stdout == b"" and out.read_bytes() == b.stdout


def test_file_is_shown_as_given_when_outside_the_working_directory(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    shutil.copytree(ROOT / BROKEN / "05-unknown-metric", pack)
    r = run("validate", str(pack))
    assert r.stdout.decode("utf-8").startswith(f"{pack.as_posix()}/pack.yaml:54:5: error[unknown-metric]")


def test_control_characters_from_a_pack_never_reach_the_terminal(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    shutil.copytree(ROOT / BROKEN / "00-control-valid", pack)
    f = pack / "pack.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("metric: avg_response_time", 'metric: "avg\\e[31mred"'), encoding="utf-8")
    r = run("validate", str(pack))
    assert r.returncode == 1
    assert b"\x1b" not in r.stdout and b"avg\\x1b[31mred" in r.stdout


@pytest.mark.parametrize(("args", "needle"), [(["taobao", "--format", "xml"], b"unknown format `xml`"), ([], b"Missing argument")])
def test_bad_usage_exits_2(args: list[str], needle: bytes) -> None:
    r = run("validate", *args)
    assert r.returncode == 2
    assert needle in r.stderr


def test_files_checks_the_packs_holding_the_changed_files() -> None:
    # a pre-commit hook passes changed files: a source of one broken pack, the pack.yaml of another, a file under no pack
    r = run(
        "validate", "--files", f"{BROKEN}/05-unknown-metric/sources/002_92962fdfafc03648.txt", f"{BROKEN}/00-control-valid/pack.yaml", "README.md"
    )
    assert r.returncode == 1
    out = r.stdout.decode("utf-8").splitlines()
    assert out[0] == f"✓ {BROKEN}/00-control-valid/pack.yaml valid (mini 1.0.0)"
    assert out[1].startswith(f"{BROKEN}/05-unknown-metric/pack.yaml:54:5: error[unknown-metric]")
    assert out[2] == "2 packs checked: 1 valid, 1 with 1 problem"


def test_files_under_no_pack_check_nothing_and_pass() -> None:
    r = run("validate", "--files", "README.md")
    assert r.returncode == 0
    assert r.stdout == b"no pack holds the given files; nothing to validate\n"
