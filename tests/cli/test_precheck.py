"""`auditor precheck` end to end: exit codes 0/1/2, the language from --lang or the locale, JSON that parses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

FLAGS = "tests/golden/flags/input"
PDD = ["examples/pdd", "--policy", "pinduoduo", "--shops", "examples/pdd-shops.csv", "--peers", "examples/pdd-peers.csv"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("AUDITOR_DEBUG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "auditor.cli", "precheck", *args], cwd=ROOT, capture_output=True, env=full_env, timeout=120)


def test_eligible_exit_0() -> None:
    # g_honest: no eligibility question in taobao, no flag, findings without consequence
    r = run(FLAGS, "--policy", "taobao", "--shop", "g_honest", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[2] == "✓ Nothing at stake today."


def test_at_risk_and_not_eligible_exit_1() -> None:
    assert run(FLAGS, "--policy", "taobao", "--shop", "g_delay", "--lang", "en").returncode == 1  # gaming flag
    r = run(*PDD, "--shop", "pdd_orchard", "--lang", "en")
    assert r.returncode == 1, r.stderr
    assert "✗ Not eligible now" in r.stdout.decode()


def test_could_not_run_exit_2() -> None:
    r = run(FLAGS, "--policy", "taobao", "--shop", "g_delya")
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == "error: no record of shop `g_delya` in the input (did you mean `g_delay`?)\n"
    assert run(FLAGS, "--policy", "taobao", "--shop", "g_delay", "--as-of", "31/03/2026").returncode == 2
    assert run(FLAGS, "--policy", "taobao", "--shop", "g_delay", "--format", "sarif").returncode == 2
    assert run(FLAGS, "--policy", "taobao", "--shop", "g_delay", "--lang", "fr").returncode == 2


def test_language_from_flag_and_locale() -> None:
    zh = run(*PDD, "--shop", "pdd_home", env={"LANG": "zh_CN.UTF-8"})
    en = run(*PDD, "--shop", "pdd_home", env={"LANG": "en_US.UTF-8"})
    forced = run(*PDD, "--shop", "pdd_home", "--lang", "en", env={"LANG": "zh_CN.UTF-8"})
    assert zh.stdout.decode().startswith("店铺 pdd_home 自查")
    assert en.stdout.decode().startswith("Precheck for shop pdd_home")
    assert forced.stdout == en.stdout


def test_json_parses_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    r = run(*PDD, "--shop", "pdd_orchard", "--format", "json", "--output", str(out))
    assert r.returncode == 1 and r.stdout == b""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["verdict"] == "not_eligible" and doc["shop_id"] == "pdd_orchard" and doc["waiting_total"] == 24
