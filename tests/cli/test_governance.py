"""Waivers and baselines end to end: exit codes, the JSON marks, the warnings, the baseline file's bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_cli import run
from tests.conftest import ROOT
from tests.unit.report.test_sarif import assert_valid_sarif

GOLDEN = ["audit", "tests/golden/input", "--policy", "taobao"]  # two warnings for shop g1, as of 2026-03-10
W = "tests/fixtures/waivers/"
PDD = ["--policy", "pinduoduo", "--shops", "examples/pdd-shops.csv", "--peers", "examples/pdd-peers.csv", "--as-of", "2026-10-31"]


def test_a_waived_finding_stays_marked_and_exit_0_where_it_was_1() -> None:
    assert run(*GOLDEN, "--fail-on", "warning").returncode == 1
    r = run(*GOLDEN, "--fail-on", "warning", "--waivers", W + "golden-both.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(v["rule_id"], v["waiver"]["id"]) for v in doc["violations"]] == [
        ("taobao.avg_response_target", "WV-1"),
        ("taobao.first_response_target", "WV-2"),
    ]
    assert doc["violations"][1]["waiver"] == {"id": "WV-2", "reason": "same training period", "approved_by": "ops@example.com", "expires": "2026-04-30"}
    assert doc["governance"]["waivers"]["waived"] == 2


def test_an_expired_waiver_does_not_apply_and_is_reported() -> None:
    r = run(*GOLDEN, "--fail-on", "warning", "--waivers", W + "golden-expired.yaml", "--format", "json")
    assert r.returncode == 1  # WV-OLD expired on 2026-03-09, so first_response_target still fails
    g = json.loads(r.stdout)["governance"]["waivers"]
    assert [(u["id"], u["expires"]) for u in g["expired"]] == [("WV-OLD", "2026-03-09")]
    assert [u["id"] for u in g["applied"]] == ["WV-LAST"]  # in force on its expiry day, the as-of day
    table = run(*GOLDEN, "--waivers", W + "golden-expired.yaml", "--lang", "en").stdout.decode()
    assert "warning: waiver WV-OLD expired on 2026-03-09 (as of 2026-03-10) and no longer applies" in table
    zh = run(*GOLDEN, "--waivers", W + "golden-expired.yaml", "--lang", "zh").stdout.decode()
    assert "警告：豁免 WV-OLD 已于 2026-03-09 到期" in zh and "已豁免（WV-LAST）" in zh


def test_a_stale_waiver_is_reported_and_changes_no_exit_status() -> None:
    r = run(*GOLDEN, "--waivers", W + "golden-stale.yaml", "--format", "json")
    assert r.returncode == 0  # default --fail-on error: two warnings, as without the file
    assert [u["id"] for u in json.loads(r.stdout)["governance"]["waivers"]["stale"]] == ["WV-SHOP", "WV-SPAN"]
    assert run(*GOLDEN, "--waivers", W + "golden-stale.yaml", "--fail-on", "warning").returncode == 1
    md = run(*GOLDEN, "--waivers", W + "golden-stale.yaml", "--format", "markdown", "--lang", "en").stdout.decode()
    assert "matches no finding" in md and "WV" in md


def test_a_bad_waiver_file_is_exit_2_at_file_line_column() -> None:
    r = run(*GOLDEN, "--waivers", W + "bad.yaml")
    assert r.returncode == 2 and r.stdout == b""
    err = r.stderr.decode()
    # bad.yaml: the second waiver's id (line 8, column 5) repeats WV-1; all three problems are listed
    assert err.startswith("error: tests/fixtures/waivers/bad.yaml:8:5: invalid waiver file (3 problems): waiver id `WV-1` is used twice")
    assert "bad.yaml:9: the pack has no rule or detector `taobao.avg_respons_target`" in err
    assert "bad.yaml:13: the waiver expires (2026-01-31) before its period starts (2026-02-01)" in err


def test_waivers_in_sarif_and_junit() -> None:
    sarif = run(*GOLDEN, "--waivers", W + "golden-expired.yaml", "--format", "sarif")
    doc = assert_valid_sarif(sarif.stdout)
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert results["taobao.avg_response_target"]["suppressions"] == [
        {"justification": "in force through the as-of day", "kind": "external", "state": "accepted",
         "properties": {"approved_by": "ops", "expires": "2026-03-10", "waiver_id": "WV-LAST"}}
    ]  # fmt: skip
    assert "suppressions" not in results["taobao.first_response_target"]
    assert "baselineState" not in results["taobao.first_response_target"]  # no --baseline: no state
    notes = [n["message"]["text"] for n in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any("WV-OLD expired" in n for n in notes)
    junit = run(*GOLDEN, "--waivers", W + "golden-expired.yaml", "--format", "junit").stdout.decode()
    assert '<skipped message="waived (WV-LAST, 2026-02-09..2026-03-10): in force through the as-of day" />' in junit
    assert 'failures="1" errors="0" skipped="1"' in junit


def test_a_baseline_hides_old_findings_and_surfaces_new_ones(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "examples" / "pdd", data)
    base = tmp_path / "base.json"
    first = run("audit", str(data), *PDD, "--write-baseline", str(base), "--format", "json")
    assert first.returncode == 1 and base.is_file()  # writing a baseline changes no exit status
    # README: 9 findings as of 2026-10-31 (6 errors for pdd_orchard, below_peers for pdd_home, 2 fake_chat flags)
    assert len(json.loads(base.read_bytes())["findings"]) == 9
    again = run("audit", str(data), *PDD, "--baseline", str(base))
    assert again.returncode == 0, again.stdout[-500:]  # the same day: every finding is known
    # a new shop on the as-of day: two buyers, no reply, reply rate 0/2 < 50% → one new activity_floor error (2 ≤ 100: no fine)
    (data / "pdd_extra.jsonl").write_text(
        '{"shop_id":"pdd_extra","buyer_id":"xb1","role":"buyer","ts":"2026-10-31T09:00:00+08:00","text":"在吗","msg_id":"x-1"}\n'
        '{"shop_id":"pdd_extra","buyer_id":"xb2","role":"buyer","ts":"2026-10-31T10:00:00+08:00","text":"发货了吗","msg_id":"x-2"}\n',
        encoding="utf-8",
    )
    r = run("audit", str(data), *PDD, "--baseline", str(base), "--format", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    failing = [(v["rule_id"], v["shop_id"]) for v in doc["violations"] + doc["flags"] if not v["baselined"] and "rule_id" in v]
    assert failing == [("pinduoduo.activity_floor", "pdd_extra")]
    b = doc["governance"]["baseline"]
    assert (b["matched"], b["new"], b["gone"], b["file"]) == (9, 1, [], base.as_posix())
    table = run("audit", str(data), *PDD, "--baseline", str(base), "--lang", "en").stdout.decode()
    assert "Baselined (not failing): 9" in table and "Not failing: 0 waived, 9 baselined" in table
    sarif = assert_valid_sarif(run("audit", str(data), *PDD, "--baseline", str(base), "--format", "sarif").stdout)
    states = sorted({(r["ruleId"], r["baselineState"]) for r in sarif["runs"][0]["results"] if "baselineState" in r})
    assert ("pinduoduo.activity_floor", "new") in states and ("pinduoduo.daily_fine", "unchanged") in states


def test_the_baseline_file_is_byte_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(*GOLDEN, "--write-baseline", str(a), "--format", "json").returncode == 0
    run(
        "audit", "tests/golden/input/chats.jsonl", "tests/golden/input/chats.csv", "--policy", "taobao", "--write-baseline", str(b),
        env={"TZ": "America/Los_Angeles", "LC_ALL": "C", "PYTHONHASHSEED": "7", "AUDITOR_THREADS": "1"},
    )  # fmt: skip
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]  # no temp file left behind


def test_a_bad_baseline_is_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "base.json"
    f.write_text("{}", encoding="utf-8")
    r = run(*GOLDEN, "--baseline", str(f))
    assert r.returncode == 2 and b"not an auditor baseline file" in r.stderr and b"--write-baseline" in r.stderr


def test_schema_publishes_the_waiver_schema() -> None:
    r = run("schema", "--waivers")
    assert r.returncode == 0
    assert r.stdout == (ROOT / "auditor" / "policy" / "waiver.schema.json").read_bytes()


def test_precheck_and_diff_take_waivers(tmp_path: Path) -> None:
    # precheck: waiving pdd_orchard's fake_chat flag drops the `flag` risk; eligibility (the platform's fact) stays "no"
    f = tmp_path / "w.yaml"
    f.write_text("waivers:\n  - {id: R, rule: fake_chat, shop: pdd_orchard, reason: ours, approved_by: ops, expires: 2026-12-31}\n", encoding="utf-8")
    plain = run("precheck", "examples/pdd", *PDD, "--shop", "pdd_orchard", "--format", "json")
    waived = run("precheck", "examples/pdd", *PDD, "--shop", "pdd_orchard", "--format", "json", "--waivers", str(f))
    before, after = json.loads(plain.stdout), json.loads(waived.stdout)
    assert plain.returncode == waived.returncode == 1 and before["verdict"] == after["verdict"] == "not_eligible"
    assert {"code": "flag", "ref": "fake_chat"} in before["reasons"] and {"code": "flag", "ref": "fake_chat"} not in after["reasons"]
    # diff: an old pack whose avg target is 200 s (142.5 s passes) against taobao (142.5 > 30 fails) adds one warning; waived, it fails nothing
    old = tmp_path / "old"
    shutil.copytree(ROOT / "policies" / "taobao", old, ignore=shutil.ignore_patterns("tests"))
    pack = old / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    at = text.index("id: taobao.avg_response_target")
    pack.write_text(text[:at] + text[at:].replace("value: 30", "value: 200", 1), encoding="utf-8")
    args = ["diff", str(old), "taobao", "tests/golden/input", "--fail-on", "warning", "--format", "json"]
    assert run(*args).returncode == 1
    r = run(*args, "--waivers", W + "golden-both.yaml")
    assert r.returncode == 0, r.stderr
    added = [f for s in json.loads(r.stdout)["shops"] for f in s["added"]]
    assert [(f["rule_id"], f["waiver"]["id"]) for f in added] == [("taobao.avg_response_target", "WV-1")]
