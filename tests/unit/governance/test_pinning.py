"""Pinned runs in the library: the digest form, the pin check before any data is read, the pack digest's stability, the `run` block."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor import AuditOptions, audit
from auditor.errors import DigestMismatch, InputError, PolicyError, UsageError
from auditor.governance.pinning import file_digest, load_pinned, parse_digest, run_info
from auditor.policy.loader import load_pack
from tests.conftest import ROOT, TAOBAO, edit_pack

# Well-known sha256 values (FIPS 180-2 test vectors): of no bytes, and of b"abc".
SHA256_EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA256_ABC = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
ZEROS = "sha256:" + "0" * 64  # a well-formed digest no pack has


def test_parse_digest_accepts_the_report_form_and_reads_upper_case_as_lower() -> None:
    assert parse_digest(SHA256_ABC) == SHA256_ABC
    assert parse_digest(SHA256_ABC.upper()) == SHA256_ABC  # "SHA256:BA78…" is the same digest


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  # no `sha256:`
        "sha256:ba7816bf",  # too short
        "sha256:" + "a" * 65,  # too long
        "sha256:" + "g" * 64,  # not hex
        "md5:" + "a" * 64,
        "sha256: " + "a" * 64,  # a space inside
    ],
)
def test_a_malformed_digest_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="is not a pack digest") as exc:
        parse_digest(text)
    assert "64 hex digits" in (exc.value.hint or "")


def test_malformed_digest_is_refused_before_the_pack_is_even_looked_up() -> None:
    # the pack does not exist either; the digest is checked first, so the message is about the digest
    with pytest.raises(UsageError, match="--policy-digest `sha256:1` is not a pack digest"):
        load_pinned("no/such/pack", "sha256:1")


def test_matching_digest_loads_the_pack() -> None:
    digest = load_pack("taobao").digest
    assert load_pinned("taobao", digest).digest == digest
    assert load_pinned("taobao", None).digest == digest  # no pin, no check


def test_mismatch_names_the_pack_both_digests_and_the_fix() -> None:
    actual = load_pack("taobao").digest
    with pytest.raises(DigestMismatch) as exc:
        load_pinned("taobao", ZEROS)
    assert isinstance(exc.value, PolicyError)  # the CLI maps it to exit 2 like any pack problem
    assert str(exc.value) == (
        f"policy pack `taobao` has digest {actual}, not the pinned {ZEROS} "
        "(the pack changed since the report was filed; check out the pack at that version or drop --policy-digest)"
    )


def test_audit_refuses_a_mismatch_before_reading_any_data(tmp_path: Path) -> None:
    # the data path does not exist: had the audit looked at data first, this would be an InputError
    with pytest.raises(DigestMismatch):
        audit([tmp_path / "missing"], AuditOptions(policy="taobao", policy_digest=ZEROS))
    with pytest.raises(InputError):
        audit([tmp_path / "missing"], AuditOptions(policy="taobao", policy_digest=load_pack("taobao").digest))


def test_pack_digest_is_the_same_from_any_checkout(tmp_path: Path) -> None:
    builtin = load_pack("taobao").digest
    for where in ("a", "deep/er/b"):
        copy = tmp_path / where / "taobao"
        shutil.copytree(TAOBAO, copy)
        assert load_pack(copy).digest == builtin


def test_pack_digest_changes_on_a_one_byte_edit_of_pack_yaml(pack_copy: Path) -> None:
    before = load_pack(pack_copy).digest
    edit_pack(pack_copy, 'version: "', 'version: "1')  # one byte more in the version string
    assert load_pack(pack_copy).digest != before


def test_pack_digest_changes_on_a_one_byte_edit_of_a_source(pack_copy: Path) -> None:
    before = load_pack(pack_copy).digest
    source = sorted((pack_copy / "sources").iterdir())[0]
    data = bytearray(source.read_bytes())
    data[-1:] = b"." if data[-1:] != b"." else b","  # flip the last byte
    source.write_bytes(bytes(data))
    assert load_pack(pack_copy).digest != before


def test_file_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "abc").write_bytes(b"abc")
    assert file_digest(tmp_path / "empty") == SHA256_EMPTY
    assert file_digest(tmp_path / "abc") == SHA256_ABC


def test_run_info_keeps_paths_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("side").mkdir()
    Path("side/shops.yaml").write_bytes(b"abc")
    run = run_info("taobao", "2026-03-10", 1024, {"shops": Path("side/shops.yaml"), "peers": None})
    assert run.model_dump() == {
        "policy": "taobao",
        "as_of": "2026-03-10",
        "max_record_bytes": 1024,
        "shops": {"path": "side/shops.yaml", "digest": SHA256_ABC},  # relative stays relative, never resolved
        "peers": None,
        "waivers": None,
        "baseline": None,
    }
    assert run_info(Path("packs/taobao"), "2026-03-10", 1, {}).policy == "packs/taobao"


def test_audit_report_records_its_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = audit(
        ["examples/pdd"],
        AuditOptions(policy="pinduoduo", shops=Path("examples/pdd-shops.csv"), peers=Path("examples/pdd-peers.csv")),
    )
    assert report.run is not None
    assert report.run.policy == "pinduoduo"
    assert report.run.as_of == report.as_of == "2026-10-31"  # settled from the data (no --as-of given)
    assert report.run.shops is not None and report.run.peers is not None
    assert (report.run.shops.path, report.run.peers.path) == ("examples/pdd-shops.csv", "examples/pdd-peers.csv")
    assert report.run.shops.digest == file_digest(ROOT / "examples/pdd-shops.csv")
    assert report.run.waivers is None and report.run.baseline is None
