"""End to end through the real command: exit codes, stderr sentences, --output, byte-identical reruns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, edit_pack

GOLDEN_INPUT = "tests/golden/input"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("AUDITOR_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=cwd, capture_output=True, env=full_env, timeout=120)


def test_findings_below_fail_on_exit_0() -> None:
    # the golden input has two warnings and no error
    r = run("audit", GOLDEN_INPUT, "--policy", "taobao")
    assert r.returncode == 0, r.stderr
    assert b"Summary: 0 errors, 2 warnings" in r.stdout


def test_warnings_fail_with_fail_on_warning() -> None:
    assert run("audit", GOLDEN_INPUT, "--policy", "taobao", "--fail-on", "warning").returncode == 1


def test_fail_on_never() -> None:
    assert run("audit", GOLDEN_INPUT, "--policy", "taobao", "--fail-on", "never", "--format", "json").returncode == 0


def test_json_to_output_matches_stdout(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.json"
    a = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "json", "--output", str(out))
    b = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "json")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b""
    assert out.read_bytes() == b.stdout
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # no temp file left behind


def test_byte_identical_whatever_the_environment(tmp_path: Path) -> None:
    base = run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "json").stdout
    other = run(
        "audit", "tests/golden/input/chats.jsonl", "tests/golden/input/chats.csv", "--policy", "taobao", "--format", "json",
        env={"TZ": "America/Los_Angeles", "LC_ALL": "C", "PYTHONHASHSEED": "123", "AUDITOR_THREADS": "1"},
    ).stdout
    assert base == other


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("audit", GOLDEN_INPUT, "--policy", "tmall"), "no built-in policy pack named `tmall`"),
        (("audit", "no/such/dir", "--policy", "taobao"), "input path `no/such/dir` does not exist"),
        (("audit", GOLDEN_INPUT, "--policy", "taobao", "--as-of", "2026-02-30"), "--as-of `2026-02-30` is not a date"),
        (("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "xml"), "unknown format `xml`"),
        (("audit", "--policy", "taobao"), "Missing argument"),
    ],
)
def test_cannot_run_exit_2_with_one_sentence(args: tuple[str, ...], needle: str) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert needle in r.stderr.decode()
    assert b"Traceback" not in r.stderr
    assert r.stdout == b""


def test_broken_pack_exit_2_names_file_and_line(pack_copy: Path) -> None:
    edit_pack(pack_copy, "    op: \">\"\n    value: 20", "    op: \">\"\n    value: twenty")
    r = run("audit", GOLDEN_INPUT, "--policy", str(pack_copy))
    err = r.stderr.decode()
    assert r.returncode == 2
    assert "pack.yaml:" in err and "expected number, got str `'twenty'`" in err


def test_no_readable_input_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "header.csv").write_text("shop_id,buyer_id,role,ts\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    r = run("audit", str(tmp_path), "--policy", "taobao")
    assert r.returncode == 2
    assert "no readable input" in r.stderr.decode()


def test_no_supported_files_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    r = run("audit", str(tmp_path), "--policy", "taobao")
    assert r.returncode == 2 and "no readable input" in r.stderr.decode()


def test_all_records_rejected_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"shop_id": "s"}\nnot json\n', encoding="utf-8")
    r = run("audit", str(tmp_path), "--policy", "taobao")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "all 2 records were rejected" in err and "bad.jsonl:1: field `buyer_id` is missing" in err


def test_malformed_file_every_rejection_listed_and_ledger_balances(tmp_path: Path) -> None:
    lines = [
        '{"shop_id":"s","buyer_id":"b","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}',  # 1 used
        '{"shop_id":"s","buyer_id":"b","role":"agent","ts":"2026-03-01T10:00:30+08:00"}',  # 2 used
        '{"shop_id":"s","buyer_id":"b","role":"buyer"',  # 3 invalid_json
        '{"shop_id":"s","buyer_id":"b","role":"seller","ts":"2026-03-01T10:01:00+08:00"}',  # 4 bad_enum:role
        "",  # 5 blank: not a record
        '{"shop_id":"s","buyer_id":"b","role":"buyer","ts":"2026-03-01"}',  # 6 bad_ts (a bare date)
        '{"shop_id":"s","buyer_id":"","role":"buyer","ts":"2026-03-01T10:02:00+08:00"}',  # 7 missing:buyer_id
        '["not", "an", "object"]',  # 8 not_object
        '{"shop_id":"s","buyer_id":"b","role":"system","ts":"2026-03-01T10:03:00+08:00"}',  # 9 excluded system
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("audit", str(tmp_path / "mixed.jsonl"), "--policy", "taobao", "--format", "json")
    assert r.returncode == 0, r.stderr
    inputs = json.loads(r.stdout)["inputs"]
    assert [(x["line"], x["code"]) for x in inputs["rejections"]] == [
        (3, "invalid_json"), (4, "bad_enum:role"), (6, "bad_ts"), (7, "missing:buyer_id"), (8, "not_object"),
    ]
    assert all(x["file"].endswith("mixed.jsonl") for x in inputs["rejections"])
    # 8 records (the blank line is none): 2 used + 1 excluded + 5 rejected
    assert (inputs["read"], inputs["used"], inputs["excluded"], inputs["rejected"]) == (8, 2, {"system": 1}, 5)


def test_schema_command_prints_the_committed_schema() -> None:
    r = run("schema")
    assert r.returncode == 0
    assert r.stdout == (ROOT / "schema" / "pack.schema.json").read_bytes()


def test_version() -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith(b"auditor ")
