"""End to end through `auditor diff`: lowering the pinduoduo fine line from 100 to 80 inquiries on the example data.

Done-when of the diff issue: the diff shows exactly which shop-days gain a
fine. The expected shop-days are computed here independently, from the daily
`inquiries` and `reply_rate` figures of a plain `auditor audit --format json`
run (80 < inquiries ≤ 100 and reply_rate < 0.5), and written by hand too:
on examples/pdd only pdd_orchard on 2026-10-13 (100 inquiring buyers, reply
rate 45/100 = 45 %) qualifies; its other low days have 128 and 156 buyers
(fined already) or 40 (10-31, below either line). So the change adds one
error (CNY 1000) and pdd_orchard's fines go from CNY 2000 (2) to CNY 3000 (3).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, edit_pack

DATA = "examples/pdd"
SIDE = ("--shops", "examples/pdd-shops.csv", "--peers", "examples/pdd-peers.csv")
FINE_LINE = "      - metric: inquiries\n        op: \">\"\n        value: 100"
HAND_WORKED = [("pdd_orchard", "2026-10-13")]


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_DEBUG"}
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, capture_output=True, env=env, timeout=180)


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(an untouched copy of policies/pinduoduo, a copy whose daily fine starts above 80 inquiries)."""
    root = tmp_path_factory.mktemp("packs")
    same, line80 = root / "same", root / "line80"
    for dest in (same, line80):
        shutil.copytree(ROOT / "policies" / "pinduoduo", dest, ignore=shutil.ignore_patterns("tests"))
    edit_pack(line80, FINE_LINE, FINE_LINE.replace("100", "80"))
    return same, line80


@pytest.fixture(scope="module")
def expected() -> list[tuple[str, str]]:
    r = run("audit", DATA, "--policy", "pinduoduo", *SIDE, "--format", "json")
    assert r.returncode == 1, r.stderr.decode()
    daily: dict[tuple[str, str], dict[str, float]] = {}
    for m in json.loads(r.stdout)["metrics"]:
        if m["agent_id"] is None and m["period"]["start"] == m["period"]["end"]:
            daily.setdefault((m["shop_id"], m["period"]["start"]), {})[m["metric"]] = m["value"]
    return sorted(k for k, f in daily.items() if 80 < f.get("inquiries", 0) <= 100 and f.get("reply_rate", 1.0) < 0.5)


@pytest.fixture(scope="module")
def line80_json(packs: tuple[Path, Path]) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = run("diff", "policies/pinduoduo", str(packs[1]), DATA, *SIDE, "--format", "json")
    assert r.stderr == b"", r.stderr.decode()
    return r.returncode, json.loads(r.stdout)


def test_the_shop_days_that_gain_a_fine(line80_json: tuple[int, dict], expected: list[tuple[str, str]]) -> None:  # type: ignore[type-arg]
    code, doc = line80_json
    assert expected == HAND_WORKED
    added = [f for s in doc["shops"] for f in s["added"]]
    fined = sorted((f["shop_id"], f["period"]["start"]) for f in added if f["consequence"]["type"] == "fine")
    assert fined == expected
    assert [f["rule_id"] for f in added] == ["pinduoduo.daily_fine"]  # nothing else is added …
    assert [f for s in doc["shops"] for f in s["resolved"] + s["changed"]] == []  # … resolved or changed
    assert doc["pack_changes"] == [
        {
            "section": "rules", "id": "pinduoduo.daily_fine", "change": "changed",
            "keys": [{"key": "also_when[0].value", "old": 100.0, "new": 80.0}],
            "title": doc["pack_changes"][0]["title"], "citation": doc["pack_changes"][0]["citation"],
        }
    ]  # fmt: skip
    (shop,) = doc["shops"]
    assert (shop["fines_before"], shop["fines_after"]) == (
        [{"currency": "CNY", "total": 2000.0, "findings": 2}],
        [{"currency": "CNY", "total": 3000.0, "findings": 3}],
    )
    assert shop["eligibility"] == [] and doc["metrics"] == []  # a threshold moves no figure
    assert code == 1  # an error finding is added


def test_fail_on(packs: tuple[Path, Path]) -> None:
    assert run("diff", "pinduoduo", str(packs[1]), DATA, *SIDE, "--format", "json", "--fail-on", "never").returncode == 0
    assert run("diff", "pinduoduo", str(packs[1]), DATA, *SIDE, "--format", "json", "--fail-on", "warning").returncode == 1


def test_markdown_names_the_shop_days(packs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    r = run("diff", "pinduoduo", str(packs[1]), DATA, *SIDE, "--format", "markdown", "--output", str(out))
    assert r.returncode == 1 and r.stdout == b""
    text = out.read_text(encoding="utf-8")
    assert "**This change adds 1 error (1 fine, CNY 1000) and resolves 0 findings on 16,914 records.**" in text
    assert "| rules | `pinduoduo.daily_fine` | changed | `also_when[0].value` | 100 → 80 |" in text
    for shop, day in HAND_WORKED:
        assert f"| **added** | error | `{shop}` | `pinduoduo.daily_fine` | {day} | reply\\_rate 45.0% &lt; 50.0% | fine CNY 1000 |" in text
    assert "| `pdd_orchard` | CNY 2000 (2 fines) | CNY 3000 (3 fines) |" in text
    assert "> 如果当日咨询量大于100人,而回复率未达标,商家还将面临1000元的罚款" in text
    # docs/diff.md shows this very comment; pack digests aside (any edit of the pack changes them), it must match
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    example = doc.split("````markdown\n", 1)[1].split("````", 1)[0]
    digest = re.compile(r"sha256:[0-9a-f]{12}…")
    assert digest.sub("sha256:…", example) == digest.sub("sha256:…", text)


def test_identical_packs_give_an_empty_diff(packs: tuple[Path, Path]) -> None:
    r = run("diff", "pinduoduo", str(packs[0]), DATA, *SIDE, "--format", "json", "--fail-on", "warning")
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert (doc["pack_changes"], doc["shops"], doc["metrics"]) == ([], [], [])
    table = run("diff", "pinduoduo", str(packs[0]), DATA, *SIDE)
    assert table.returncode == 0
    assert b"This change adds 0 findings and resolves 0 findings on 16,914 records." in table.stdout
    assert b"Pack changes: none" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("diff", "pinduoduo", "pdd", DATA), "no built-in policy pack named `pdd`"),
        (("diff", "pinduoduo", "pinduoduo", "no/such/dir"), "input path `no/such/dir` does not exist"),
        (("diff", "pinduoduo", "pinduoduo", DATA, "--format", "xml"), "unknown format `xml`"),
        (("diff", "pinduoduo", "pinduoduo", DATA, "--as-of", "2026-13-01"), "--as-of `2026-13-01` is not a date"),
        (("diff", "pinduoduo", "pinduoduo"), "Missing argument"),
    ],
)
def test_cannot_run_exit_2(args: tuple[str, ...], needle: str) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert needle in r.stderr.decode()
    assert b"Traceback" not in r.stderr and r.stdout == b""
