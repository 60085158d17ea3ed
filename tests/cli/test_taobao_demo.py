"""End to end through the real command: the taobao pack on the bundled examples/data set, its figures and gaming flags.

The data set is written by examples/generate.py (examples/README.md lists what
each shop is for). Two shops game their figures: tb_slow holds slow replies
until just past 30 minutes (delayed_reply) and closes sessions before replying
(close_reopen), both agents; tb_auto passes its robot off as the sub-account
tb_auto:xiaozhi with role agent (bot_as_human), which is how it meets both
service targets. tb_bot's robot sends as role bot, honestly: not flagged, and
the shop misses the targets. tb_fast, tb_night and tb_small have no flag.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

DATA = "examples/data"
SHOPS = "examples/shops.yaml"
SOURCE = "002_92962fdfafc03648.txt"


@pytest.fixture(scope="module")
def report() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_DEBUG"}
    r = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "audit", DATA, "--policy", "taobao", "--shops", SHOPS, "--format", "json"],
        cwd=ROOT, capture_output=True, env=env, timeout=120,
    )
    assert r.returncode == 0, r.stderr.decode()  # warnings only: targets and flags
    return json.loads(r.stdout)


def test_ledger_balances(report: dict) -> None:
    i = report["inputs"]
    assert (i["read"], i["used"], i["rejected"]) == (34196, 33377, 8)
    assert i["excluded"] == {"system": 297, "non_genuine": 196, "same_shop": 8, "duplicate": 75, "out_of_period": 235}
    assert i["read"] == i["used"] + sum(i["excluded"].values()) + i["rejected"]


def test_flags_where_the_data_set_games_and_nowhere_else(report: dict) -> None:
    assert [(f["detector"], f["shop_id"], f["agent_id"]) for f in report["flags"]] == [
        ("bot_as_human", "tb_auto", "tb_auto:xiaozhi"),
        ("close_reopen", "tb_slow", None),
        ("close_reopen", "tb_slow", "tb_slow:laowang"),
        ("close_reopen", "tb_slow", "tb_slow:xiaoli"),
        ("delayed_reply", "tb_slow", None),
        ("delayed_reply", "tb_slow", "tb_slow:laowang"),
        ("delayed_reply", "tb_slow", "tb_slow:xiaoli"),
    ]
    source = (ROOT / "policies" / "taobao" / "sources" / SOURCE).read_text(encoding="utf-8")
    for f in report["flags"]:
        assert f["score"] >= 0.5 and f["severity"] == "warning"
        assert f["citation"]["source"] == SOURCE and f["citation"]["text"] in source
        assert f["summary"] and f["summary_zh"] and f["evidence"]
        records = [v for e in f["evidence"] for v in e.values() if isinstance(v, dict) and "line" in v]
        assert records and all(r["file"].startswith(f"{DATA}/") and r["line"] >= 1 for r in records)


def test_tb_slow_delayed_replies_pile_just_past_the_cut(report: dict) -> None:
    shop = next(f for f in report["flags"] if f["detector"] == "delayed_reply" and f["agent_id"] is None)
    m = shop["measures"]
    assert (m["pile"], m["before"], m["beyond"]) == (62, 2, 5)
    piles = [e for e in shop["evidence"] if e["kind"] == "pile_round"]
    assert piles and all(1800 < e["latency_s"] <= 1920 and e["reply"]["file"] == f"{DATA}/jsonl/tb_slow.jsonl" for e in piles)
    pairs = next(f for f in report["flags"] if f["detector"] == "close_reopen" and f["agent_id"] is None)
    assert pairs["measures"]["pairs"] == 56


def test_tb_auto_meets_the_targets_with_a_robot_under_an_agent_account(report: dict) -> None:
    assert not [v for v in report["violations"] if v["shop_id"] == "tb_auto"]
    bot = next(f for f in report["flags"] if f["detector"] == "bot_as_human")
    m = bot["measures"]
    assert m["templates"] == 3 and m["template_share"] == 1 and m["fast_share"] == 1
    assert 1 <= m["latency_median_s"] <= 2
    assert {e["kind"] for e in bot["evidence"]} == {"template", "fast_reply"}
    agent_rt = {(x["metric"], x["agent_id"]): x["value"] for x in report["metrics"] if x["shop_id"] == "tb_auto"}
    assert agent_rt[("avg_response_time", "tb_auto:xiaozhi")] < 2
    assert agent_rt[("first_response_time", None)] <= 20 and agent_rt[("avg_response_time", None)] <= 30
    # tb_bot's robot sends as role bot: not a valid reply under taobao, not an agent, not flagged; the shop misses the targets
    assert {v["rule_id"] for v in report["violations"] if v["shop_id"] == "tb_bot"} == {
        "taobao.first_response_target", "taobao.avg_response_target",
    }
