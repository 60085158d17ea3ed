"""`auditor explain` end to end: exit codes (1 when the rule asked about is broken), --day, errors with a hint, JSON, the golden table.

The figures are those of tests/unit/report/test_golden.py's docstring: g1's
average response time (45 + 240) / 2 = 142.5 s > 30 breaks
taobao.avg_response_target; g2's first response time 10 s is not > 20.
Set UPDATE_GOLDEN=1 to rewrite tests/golden/explain/*.txt after a deliberate
format change, then review the diff.
"""

from __future__ import annotations

import json
import os

from tests.cli.test_cli import GOLDEN_INPUT, run
from tests.conftest import ROOT

PDD = ("tests/golden/pinduoduo/input", "--policy", "pinduoduo", "--shops", "tests/golden/pinduoduo/side/shops.csv",
       "--peers", "tests/golden/pinduoduo/side/peers.csv")  # fmt: skip
GOLDEN = ROOT / "tests" / "golden" / "explain"


def test_broken_rule_exits_1() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1", "--rule", "taobao.avg_response_target")
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert "verdict: VIOLATED — avg_response_time = 142.5 > 30" in out
    assert "45 + 240 = 285 s / 2 rounds = 142.5 s" in out


def test_met_rule_exits_0() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g2", "--rule", "taobao.first_response_target")
    assert r.returncode == 0, r.stderr
    assert "verdict: MET — first_response_time = 10 is not > 20: the rule is met" in r.stdout.decode()


def test_metric_exits_0_and_spells_out_the_arithmetic() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1", "--metric", "response_rate_3min")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "answered within 180 s: 1 of 2 rounds in service hours = 0.5" in out
    assert "#1 u3: outside service hours: opened at 07:30:00 local, service hours are 08:00-24:00" in out


def test_daily_metric_with_day() -> None:
    # p1 on 03-06: b1 answered by kf1, b3 by a bot (bot replies count), `b4<ESC>[31m` never: 2 of 3
    r = run("explain", *PDD, "--shop", "p1", "--metric", "reply_rate", "--day", "2026-03-06", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["figure_period"], doc["counts"]["numerator"], doc["counts"]["denominator"]) == (
        {"start": "2026-03-06", "end": "2026-03-06"}, 2, 3,
    )  # fmt: skip
    assert [u["buyer_id"] for u in doc["units"]] == ["b1", "b3", "b4\x1b[31m"]
    assert doc["units"][2]["why"].startswith("unanswered")


def test_daily_rule_violated_on_the_as_of_day() -> None:
    # p1 on 03-10 (the as-of day, the default): 20 of 101 answered and 101 > 100 -> the fine rule is broken
    r = run("explain", *PDD, "--shop", "p1", "--rule", "pinduoduo.daily_fine")
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert "answered the same day: 20 of 101 inquiring buyers = 0.19802" in out
    assert "\x1b" not in out  # a buyer id carrying an escape sequence is shown escaped, never raw


def test_unknown_shop_exit_2_with_a_hint() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g3", "--metric", "response_rate_3min")
    assert r.returncode == 2
    assert "no record of shop `g3` in the input (did you mean `g2` or `g1`?)" in r.stderr.decode()
    assert b"Traceback" not in r.stderr and r.stdout == b""


def test_bad_day_and_missing_figure_exit_2() -> None:
    r = run("explain", *PDD, "--shop", "p1", "--metric", "reply_rate", "--day", "2026-3-6")
    assert r.returncode == 2 and "--day `2026-3-6` is not a date" in r.stderr.decode()
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1")
    assert r.returncode == 2 and "say which figure to explain" in r.stderr.decode()


def test_json_parses_and_matches_the_audit() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1", "--metric", "avg_response_time", "--agent", "g1:bob", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    audit = json.loads(run("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "json").stdout)
    row = next(m for m in audit["metrics"] if (m["shop_id"], m["metric"], m["agent_id"]) == ("g1", "avg_response_time", "g1:bob"))
    assert {k: doc["counts"][k] for k in ("numerator", "denominator", "value")} == {k: row[k] for k in ("numerator", "denominator", "value")}


def test_golden_table() -> None:
    r = run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1", "--rule", "taobao.avg_response_target")
    path = GOLDEN / "g1-avg_response_target.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(r.stdout)
    assert path.exists(), f"no golden file `{path.relative_to(ROOT)}`: run with UPDATE_GOLDEN=1 and review it"
    assert r.stdout == path.read_bytes()
    assert run("explain", GOLDEN_INPUT, "--policy", "taobao", "--shop", "g1", "--rule", "taobao.avg_response_target").stdout == r.stdout
