"""Pinned runs end to end: `--policy-digest` refusing a changed pack, and `auditor verify` re-running a filed report.

Exit status of verify: 0 identical bytes; 1 the re-run differs (a data record
or a side file changed; the differing JSON paths are named); 2 it cannot run
(not a JSON audit report, no `run` block, the pack's digest differs, a file is
missing).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import ROOT, edit_pack

# One shop, one buyer, one round answered in 10 s. Under taobao (by hand):
# avg_response_time = first_response_time = 10 s (1 round), response_rate_3min = 1/1;
# no finding (targets are > 20 s and > 30 s). Metrics sort by name, so
# metrics[0] is avg_response_time. With the reply at 40 s both targets break.
ROUND_10S = (
    '{"shop_id":"s1","buyer_id":"u1","role":"buyer","ts":"2026-03-10T09:00:00+08:00","msg_id":"m1","text":"在吗"}\n'
    '{"shop_id":"s1","buyer_id":"u1","role":"agent","ts":"2026-03-10T09:00:10+08:00","msg_id":"m2","text":"在的"}\n'
)
SHOPS = "shops:\n  - shop_id: s1\n    platform: taobao\n    category: fruit\n    accounts: [s1]\n"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def filed(tmp_path: Path) -> Path:
    """A work directory holding data/chats.jsonl, shops.yaml and report.json audited from there with relative paths."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chats.jsonl").write_text(ROUND_10S, encoding="utf-8")
    (tmp_path / "shops.yaml").write_text(SHOPS, encoding="utf-8")
    r = run("audit", "data", "--policy", "taobao", "--shops", "shops.yaml", "--format", "json", "--output", "report.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return tmp_path


def test_run_block_records_paths_as_given(filed: Path) -> None:
    report = json.loads((filed / "report.json").read_bytes())
    assert report["run"] == {
        "policy": "taobao",
        "as_of": "2026-03-10",  # the only day in the data
        "max_record_bytes": 1048576,  # the 1 MiB default
        "shops": {"path": "shops.yaml", "digest": sha256(SHOPS.encode())},
        "peers": None,
        "waivers": None,
        "baseline": None,
    }
    assert str(filed) not in (filed / "report.json").read_text(encoding="utf-8")  # nothing resolved to the checkout's path


def test_run_block_on_the_examples() -> None:
    r = run(
        "audit", "examples/pdd", "--policy", "pinduoduo", "--shops", "examples/pdd-shops.csv", "--peers", "examples/pdd-peers.csv",
        "--format", "json",
    )
    assert r.returncode == 1, r.stderr  # the example has errors (README)
    got = json.loads(r.stdout)["run"]
    assert got["policy"] == "pinduoduo"
    assert got["as_of"] == "2026-10-31"
    assert got["shops"] == {"path": "examples/pdd-shops.csv", "digest": sha256((ROOT / "examples/pdd-shops.csv").read_bytes())}
    assert got["peers"] == {"path": "examples/pdd-peers.csv", "digest": sha256((ROOT / "examples/pdd-peers.csv").read_bytes())}


def test_verify_a_fresh_report_exit_0(filed: Path) -> None:
    r = run("verify", "report.json", "data", cwd=filed)
    assert r.returncode == 0, r.stderr
    first = r.stdout.decode().splitlines()[0]
    assert first == f"verified: identical bytes ({sha256((filed / 'report.json').read_bytes())}) — report.json"
    assert "  shops    shops.yaml  same (" in r.stdout.decode()


def test_verify_after_one_record_changed_exit_1_names_the_figure(filed: Path) -> None:
    chats = filed / "data" / "chats.jsonl"
    chats.write_text(ROUND_10S.replace("09:00:10", "09:00:40"), encoding="utf-8")
    r = run("verify", "report.json", "data", cwd=filed)
    out = r.stdout.decode()
    assert r.returncode == 1, r.stderr
    assert out.startswith("NOT verified: the re-run differs from report.json\n")
    assert "  metrics[0].value: 10.0 → 40.0\n" in out  # avg_response_time, worked out above
    assert "  metrics[0].numerator: 10.0 → 40.0\n" in out
    assert "  violations: [0 items] → [2 items]\n" in out  # both taobao targets now broken
    assert f"  report   {sha256((filed / 'report.json').read_bytes())}" in out
    assert "CHANGED" not in out  # the side file did not change; the data did


def test_verify_json_document(filed: Path) -> None:
    chats = filed / "data" / "chats.jsonl"
    chats.write_text(ROUND_10S.replace("09:00:10", "09:00:40"), encoding="utf-8")
    r = run("verify", "report.json", "data", "--format", "json", cwd=filed)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["verified"] is False and doc["same_content"] is False
    assert {"path": "metrics[0].value", "filed": "10.0", "rerun": "40.0"} in doc["differences"]
    assert [f["role"] for f in doc["files"]] == ["policy", "shops"]
    assert all(f["status"] == "same" for f in doc["files"])


def test_verify_with_a_changed_side_file_exit_1_names_the_file(filed: Path) -> None:
    (filed / "shops.yaml").write_text(SHOPS.replace("fruit", "toys"), encoding="utf-8")
    r = run("verify", "report.json", "data", cwd=filed)
    out = r.stdout.decode()
    assert r.returncode == 1, r.stderr
    assert f"  shops    shops.yaml  CHANGED: recorded {sha256(SHOPS.encode())}, now {sha256(SHOPS.replace('fruit', 'toys').encode())}" in out
    assert "why: shops `shops.yaml` changed since the report was filed" in out
    assert '  run.shops.digest: "sha256:' in out
    assert '  summary[0].category: "fruit" → "toys"' in out


def test_verify_finds_moved_side_files_by_their_bytes(filed: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("moved") / "shops-copy.yaml"
    shutil.copy(filed / "shops.yaml", elsewhere)
    (filed / "shops.yaml").unlink()
    r = run("verify", "report.json", "data", "--shops", str(elsewhere), cwd=filed)
    assert r.returncode == 0, r.stdout + r.stderr  # same bytes: the report still names it shops.yaml


def test_verify_with_a_missing_side_file_exit_2(filed: Path) -> None:
    (filed / "shops.yaml").unlink()
    r = run("verify", "report.json", "data", cwd=filed)
    assert r.returncode == 2
    assert "shops.yaml" in r.stderr.decode()
    assert b"Traceback" not in r.stderr


def test_verify_refuses_a_changed_pack_exit_2(filed: Path, pack_copy: Path) -> None:
    r = run("audit", "data", "--policy", str(pack_copy), "--format", "json", "--output", "copy.json", cwd=filed)
    assert r.returncode == 0, r.stderr
    before = json.loads((filed / "copy.json").read_bytes())["policy"]["digest"]
    edit_pack(pack_copy, 'version: "', 'version: "1')
    r = run("verify", "copy.json", "data", cwd=filed)
    err = r.stderr.decode()
    assert r.returncode == 2
    assert f"policy pack `{pack_copy.as_posix()}` has digest sha256:" in err
    assert f"not the pinned {before}" in err
    assert "check out the pack at that version, or point --policy at a copy of it" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"a": 1}\n', "not an auditor audit report"),
        (b"[1, 2]\n", "not an auditor audit report"),
        (b"Summary: 0 errors\n", "not a JSON document"),
        (b'{"version": "2.1.0", "runs": []}\n', "a SARIF log, not an audit report"),
        (b'{"auditor_version": "0.1.0", "policy": {"name": "x"}}\n', "not an audit report this auditor can read: `policy.version`"),
    ],
)
def test_verify_a_file_that_is_not_a_report_exit_2(tmp_path: Path, content: bytes, needle: str) -> None:
    (tmp_path / "r.json").write_bytes(content)
    r = run("verify", "r.json", "data", cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 2
    assert needle in err
    assert "only a report written with `--format json` can be verified" in err or "auditor version that wrote it" in err
    assert r.stdout == b""


def test_verify_a_report_without_run_block_exit_2(filed: Path) -> None:
    report = json.loads((filed / "report.json").read_bytes())
    del report["run"]
    (filed / "old.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    r = run("verify", "old.json", "data", cwd=filed)
    assert r.returncode == 2
    assert "the report has no `run` block" in r.stderr.decode()


def test_verify_a_reformatted_report_says_same_content(filed: Path) -> None:
    report = json.loads((filed / "report.json").read_bytes())
    (filed / "compact.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    r = run("verify", "compact.json", "data", cwd=filed)
    assert r.returncode == 1
    assert "compact.json holds the same report, but its bytes differ" in r.stdout.decode()


def test_verify_says_when_another_auditor_version_wrote_the_report(filed: Path) -> None:
    text = (filed / "report.json").read_text(encoding="utf-8")
    (filed / "older.json").write_text(text.replace('"auditor_version": "0.1.0"', '"auditor_version": "0.0.9"', 1), encoding="utf-8")
    r = run("verify", "older.json", "data", cwd=filed)
    out = r.stdout.decode()
    assert r.returncode == 1
    assert '  auditor_version: "0.0.9" → "0.1.0"' in out
    assert "note: the report was written by auditor 0.0.9 and this is auditor 0.1.0; a version difference may explain a byte difference" in out


# --policy-digest on the commands that judge data: a pack changed by one byte is refused before anything is read or written.


def _pinned_args(cmd: str, pack: str, digest: str, data: str) -> list[str]:
    if cmd == "diff":
        return ["diff", pack, pack, data, "--policy-digest", digest, "--output", "out.txt"]
    extra = {"audit": [], "precheck": ["--shop", "s1"], "explain": ["--shop", "s1", "--metric", "avg_response_time"]}[cmd]
    return [cmd, data, "--policy", pack, *extra, "--policy-digest", digest, "--output", "out.txt"]


@pytest.mark.parametrize("cmd", ["audit", "precheck", "explain", "diff"])
def test_policy_digest_mismatch_refused_exit_2_no_output(filed: Path, pack_copy: Path, cmd: str) -> None:
    report = json.loads((filed / "report.json").read_bytes())
    pinned = report["policy"]["digest"]  # the built-in taobao pack, which the copy equals byte for byte
    edit_pack(pack_copy, 'version: "', 'version: "1')  # one byte more
    r = run(*_pinned_args(cmd, str(pack_copy), pinned, "data"), cwd=filed)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert f"error: policy pack `{pack_copy.as_posix()}` has digest sha256:" in err
    assert f"not the pinned {pinned}" in err
    assert "(the pack changed since the report was filed; check out the pack at that version or drop --policy-digest)" in err
    assert not (filed / "out.txt").exists()
    assert r.stdout == b""


def test_policy_digest_that_matches_runs(filed: Path, pack_copy: Path) -> None:
    pinned = json.loads((filed / "report.json").read_bytes())["policy"]["digest"]
    r = run("audit", "data", "--policy", str(pack_copy), "--policy-digest", pinned, "--format", "json", cwd=filed)
    assert r.returncode == 0, r.stderr


def test_old_policy_digest_pins_the_old_pack_of_a_diff(filed: Path, pack_copy: Path) -> None:
    edit_pack(pack_copy, 'version: "', 'version: "1')
    r = run("diff", str(pack_copy), "taobao", "data", "--old-policy-digest", "sha256:" + "0" * 64, cwd=filed)
    assert r.returncode == 2
    assert "or drop --old-policy-digest)" in r.stderr.decode()


@pytest.mark.parametrize("cmd", ["audit", "precheck", "explain", "diff"])
def test_malformed_policy_digest_exit_2(filed: Path, cmd: str) -> None:
    r = run(*_pinned_args(cmd, "taobao", "sha256:abc", "data"), cwd=filed)
    assert r.returncode == 2
    assert "--policy-digest `sha256:abc` is not a pack digest" in r.stderr.decode()
    assert not (filed / "out.txt").exists()


def test_verify_a_report_made_with_a_baseline(filed: Path) -> None:
    # the baseline file is a side file like the others: recorded with its digest, read again by verify
    assert run("audit", "data", "--policy", "taobao", "--write-baseline", "base.json", cwd=filed).returncode == 0
    r = run("audit", "data", "--policy", "taobao", "--baseline", "base.json", "--format", "json", "--output", "with-base.json", cwd=filed)
    assert r.returncode == 0, r.stderr
    assert json.loads((filed / "with-base.json").read_bytes())["run"]["baseline"] == {
        "path": "base.json",
        "digest": sha256((filed / "base.json").read_bytes()),
    }
    r = run("verify", "with-base.json", "data", cwd=filed)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "  baseline base.json  same (" in r.stdout.decode()


def test_verify_with_a_side_file_the_report_did_not_use_exit_1(filed: Path) -> None:
    peers = "date,category,reply_rate\n2026-03-10,fruit,0.8\n"
    (filed / "peers.csv").write_text(peers, encoding="utf-8")
    r = run("verify", "report.json", "data", "--peers", "peers.csv", cwd=filed)
    out = r.stdout.decode()
    assert r.returncode == 1, r.stderr
    assert f"  peers    peers.csv  ADDED: the report used none; now {sha256(peers.encode())}" in out
    assert '  run.peers: null → {"path": "peers.csv", "digest": "sha256:' in out  # values are cut at 80 characters
