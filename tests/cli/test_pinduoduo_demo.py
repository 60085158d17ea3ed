"""End to end through the real command: the pinduoduo pack on the bundled examples/pdd data set.

The data set is written by examples/generate.py so that every rule and every
side-input case shows (examples/README.md lists what each shop is for):
pdd_orchard breaks the 50 % floor on 10-08, 10-13, 10-20 and 10-31 and is
fined on the two busy days (> 100 inquiring buyers); pdd_home is below its
category's peers on 10-18..10-21 (a warning), and its other dips are too short
or broken by the day missing from pdd-peers.csv; pdd_new is not in
pdd-shops.csv; pdd_fresh and pdd_gadget are healthy. A ring of 15 friendly
accounts holds fake chats with pdd_orchard on 10-25 (which keeps it above the
floor and clear of the fine that day) and with pdd_home on 10-26/10-27: both
shops get a `fake_chat` flag, and no other shop does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DATA = "examples/pdd"
SHOPS = "examples/pdd-shops.csv"
PEERS = "examples/pdd-peers.csv"
SOURCE = "003_793285162bd82131.txt"
SHOP_IDS = ["pdd_fresh", "pdd_gadget", "pdd_home", "pdd_new", "pdd_orchard"]


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_DEBUG"}
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, capture_output=True, env=env, timeout=120)


def audit(*extra: str) -> subprocess.CompletedProcess[bytes]:
    return run("audit", DATA, "--policy", "pinduoduo", *extra)


@pytest.fixture(scope="module")
def full() -> tuple[int, dict]:
    """The demo's JSON run: --shops and --peers, default --fail-on."""
    r = audit("--shops", SHOPS, "--peers", PEERS, "--format", "json")
    assert r.stderr == b"", r.stderr.decode()
    return r.returncode, json.loads(r.stdout)


def found(report: dict) -> list[tuple[str, str, str, str]]:
    return [(v["rule_id"], v["shop_id"], v["period"]["start"], v["period"]["end"]) for v in report["violations"]]


def test_errors_found_exit_1(full: tuple[int, dict]) -> None:
    code, report = full
    assert code == 1
    assert report["policy"]["name"] == "pinduoduo"
    assert report["as_of"] == "2026-10-31"
    assert report["period"] == {"start": "2026-10-02", "end": "2026-10-31"}


def test_every_rule_fires_where_the_data_set_says(full: tuple[int, dict]) -> None:
    _, report = full
    assert sorted(found(report)) == sorted(
        [("pinduoduo.activity_floor", "pdd_orchard", d, d) for d in ("2026-10-08", "2026-10-13", "2026-10-20", "2026-10-31")]
        + [("pinduoduo.daily_fine", "pdd_orchard", d, d) for d in ("2026-10-08", "2026-10-20")]
        # 10-09..10-13 would be a 5-day run but 10-11 has no peer level; 10-26..10-27 is only 2 days
        + [("pinduoduo.below_peers", "pdd_home", "2026-10-18", "2026-10-21")]
    )


def test_consequences_severities_and_citations(full: tuple[int, dict]) -> None:
    _, report = full
    source = (ROOT / "policies" / "pinduoduo" / "sources" / SOURCE).read_text(encoding="utf-8")
    by_rule = {v["rule_id"]: v for v in report["violations"]}
    assert set(by_rule) == {"pinduoduo.activity_floor", "pinduoduo.daily_fine", "pinduoduo.below_peers"}
    assert by_rule["pinduoduo.activity_floor"]["consequence"]["type"] == "activity_ban"
    fine = by_rule["pinduoduo.daily_fine"]["consequence"]
    assert (fine["type"], fine["amount"], fine["currency"]) == ("fine", 1000, "CNY")
    assert by_rule["pinduoduo.below_peers"]["consequence"]["type"] == "downrank"
    assert {r: v["severity"] for r, v in by_rule.items()} == {
        "pinduoduo.activity_floor": "error", "pinduoduo.daily_fine": "error", "pinduoduo.below_peers": "warning",
    }
    for v in report["violations"]:
        assert v["citation"]["source"] == SOURCE
        assert v["citation"]["text"] and v["citation"]["text"] in source, v["citation"]["text"]
    assert "1000元的罚款" in by_rule["pinduoduo.daily_fine"]["citation"]["text"]
    assert "同行水平" in by_rule["pinduoduo.below_peers"]["citation"]["text"]


def test_threshold_figures_and_evidence(full: tuple[int, dict]) -> None:
    _, report = full
    fines = [v for v in report["violations"] if v["rule_id"] == "pinduoduo.daily_fine"]
    assert [(v["numerator"], v["denominator"]) for v in fines] == [(45, 128), (47, 156)]
    assert all(v["value"] < 0.5 and v["threshold"] == 0.5 for v in fines)
    # 10-13: exactly 100 inquiring buyers is not "more than 100": the floor, but no fine
    floor_13 = next(v for v in report["violations"] if v["rule_id"] == "pinduoduo.activity_floor" and v["period"]["start"] == "2026-10-13")
    assert (floor_13["numerator"], floor_13["denominator"]) == (45, 100)
    streak = next(v for v in report["violations"] if v["rule_id"] == "pinduoduo.below_peers")
    assert streak["value"] < streak["threshold"]  # means over the run
    days = [e for e in streak["evidence"] if e["kind"] == "day" and e["in_streak"]]
    assert [e["day"] for e in days] == ["2026-10-18", "2026-10-19", "2026-10-20", "2026-10-21"]
    assert all(e["value"] < e["peer_value"] for e in days)
    for v in report["violations"]:  # every finding points at the records behind it
        inquiries = [e for e in v["evidence"] if e["kind"] == "inquiry"]
        assert inquiries, v["rule_id"]
        assert all(e["first_message"]["file"] == f"{DATA}/{v['shop_id']}.jsonl" and e["first_message"]["line"] >= 1 for e in inquiries)


def test_ledger_balances_with_every_exclusion(full: tuple[int, dict]) -> None:
    _, report = full
    i = report["inputs"]
    assert i["read"] == i["used"] + sum(i["excluded"].values()) + i["rejected"]
    assert set(i["excluded"]) == {"system", "non_genuine", "same_shop", "duplicate", "out_of_period"}
    assert i["excluded"]["same_shop"] >= 1 and i["excluded"]["duplicate"] >= 1
    assert [(x["file"], x["line"], x["code"]) for x in i["rejections"]] == [(f"{DATA}/pdd_new.csv", 201, "bad_ts")]


def test_summary_fines_and_eligibility(full: tuple[int, dict]) -> None:
    _, report = full
    summary = {s["shop_id"]: s for s in report["summary"]}
    assert sorted(summary) == SHOP_IDS
    assert summary["pdd_orchard"]["fines"] == [{"currency": "CNY", "total": 2000, "findings": 2}]
    assert summary["pdd_orchard"]["findings"] == {"error": 6, "warning": 1, "info": 0}  # the warning: its fake_chat flag
    assert all(summary[s]["fines"] == [] for s in SHOP_IDS if s != "pdd_orchard")
    assert summary["pdd_home"]["findings"] == {"error": 0, "warning": 2, "info": 0}  # below_peers and fake_chat
    assert (summary["pdd_new"]["platform"], summary["pdd_new"]["category"]) == (None, None)
    assert (summary["pdd_home"]["platform"], summary["pdd_home"]["category"]) == ("pinduoduo", "home")
    eligible = {}
    for sid, s in summary.items():
        [answer] = s["eligibility"]
        assert answer["check"] == "activities" and answer["day"] == "2026-10-31" and answer["complete"]
        eligible[sid] = answer["eligible"]
    assert eligible == {"pdd_fresh": True, "pdd_gadget": True, "pdd_home": True, "pdd_new": True, "pdd_orchard": False}
    barred = summary["pdd_orchard"]["eligibility"][0]
    assert (barred["rule_id"], barred["value"], barred["threshold"]) == ("pinduoduo.activity_floor", 0.4, 0.5)


def test_fake_chat_ring_is_flagged_in_both_shops_and_nowhere_else(full: tuple[int, dict]) -> None:
    _, report = full
    flags = {f["shop_id"]: f for f in report["flags"]}
    assert [(f["detector"], f["shop_id"], f["agent_id"]) for f in report["flags"]] == [
        ("fake_chat", "pdd_home", None), ("fake_chat", "pdd_orchard", None),
    ]
    source = (ROOT / "policies" / "pinduoduo" / "sources" / SOURCE).read_text(encoding="utf-8")
    for shop, f in flags.items():
        assert f["score"] >= 0.5 and f["severity"] == "warning"
        assert f["citation"]["source"] == SOURCE and "假聊" in f["citation"]["text"] and f["citation"]["text"] in source
        assert f["measures"]["ring_buyers"] == 15 and f["measures"]["ring_inquiries"] == 15
        rounds = [e for e in f["evidence"] if e["kind"] == "ring_round"]
        assert len(rounds) == 15 and all(e["message"]["file"] == f"{DATA}/{shop}.jsonl" and e["latency_s"] <= 10 for e in rounds)
        ring = {e["buyer_id"] for e in f["evidence"] if e["kind"] == "ring_buyer"}
        assert len(ring) == 15 and all(e["buyer_id"] in ring for e in rounds)
    assert {e["buyer_id"] for e in flags["pdd_home"]["evidence"] if e["kind"] == "ring_buyer"} == {
        e["buyer_id"] for e in flags["pdd_orchard"]["evidence"] if e["kind"] == "ring_buyer"
    }
    # pdd_orchard 10-25: 142 buyers, 78 answered (54.9 %); without the ring's 15, 63 of 127 (49.6 %): floor and fine
    [day] = [e for e in flags["pdd_orchard"]["evidence"] if e["kind"] == "ring_day"]
    assert (day["day"], day["ring_inquiries"], day["inquiries"]) == ("2026-10-25", 15, 142)
    assert {s["rule_id"] for s in day["at_stake"]} == {"pinduoduo.activity_floor", "pinduoduo.daily_fine"}
    assert [round(c["value_without_ring"], 4) for c in day["at_stake"][0]["conditions"] if c["metric"] == "reply_rate"] == [0.4961]
    assert flags["pdd_orchard"]["measures"]["stake"] == 1
    days = [(e["day"], e["ring_inquiries"]) for e in flags["pdd_home"]["evidence"] if e["kind"] == "ring_day"]
    assert days == [("2026-10-26", 8), ("2026-10-27", 7)]


def test_side_input_gaps_are_not_evaluated_and_noted(full: tuple[int, dict]) -> None:
    _, report = full
    missing = {(n["rule_id"], n["shop_id"]): n for n in report["not_evaluated"]}
    assert set(missing) == {("pinduoduo.below_peers", "pdd_new"), ("pinduoduo.below_peers", "pdd_home")}
    assert "not in the --shops file" in missing[("pinduoduo.below_peers", "pdd_new")]["reason"]
    assert missing[("pinduoduo.below_peers", "pdd_home")]["days"] == ["2026-10-11"]
    assert any("pdd_new" in note and "--shops" in note for note in report["inputs"]["notes"])


def test_without_peers_below_peers_is_not_evaluated_for_every_shop() -> None:
    r = audit("--shops", SHOPS, "--format", "json")
    assert r.returncode == 1, r.stderr.decode()
    report = json.loads(r.stdout)
    assert {v["rule_id"] for v in report["violations"]} == {"pinduoduo.activity_floor", "pinduoduo.daily_fine"}
    missing = [(n["rule_id"], n["shop_id"]) for n in report["not_evaluated"]]
    assert sorted(missing) == [("pinduoduo.below_peers", s) for s in SHOP_IDS]
    assert all("--peers" in n["reason"] for n in report["not_evaluated"])


def test_missing_peers_file_exit_2() -> None:
    r = audit("--shops", SHOPS, "--peers", "examples/no-such-peers.csv")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "peers file `examples/no-such-peers.csv` does not exist" in err
    assert "Traceback" not in err
    assert r.stdout == b""


def test_fail_on_never_exit_0() -> None:
    r = audit("--shops", SHOPS, "--peers", PEERS, "--fail-on", "never")
    assert r.returncode == 0, r.stderr.decode()


def test_table_report_shows_every_rule() -> None:
    r = audit("--shops", SHOPS, "--peers", PEERS)
    assert r.returncode == 1, r.stderr.decode()
    out = r.stdout.decode()
    for rule in ("pinduoduo.activity_floor", "pinduoduo.daily_fine", "pinduoduo.below_peers"):
        assert rule in out
    assert "pdd_new" in out and r.stderr == b""


def test_json_run_is_byte_identical(full: tuple[int, dict], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    r = audit("--shops", SHOPS, "--peers", PEERS, "--format", "json", "--output", str(out))
    assert r.returncode == full[0]
    again = audit("--shops", SHOPS, "--peers", PEERS, "--format", "json").stdout
    assert out.read_bytes() == again
