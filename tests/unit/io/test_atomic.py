"""Atomic report writing: all or nothing, temp files cleaned up, usual permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.errors import OutputError
from auditor.io.atomic import atomic_write


def test_writes_whole_file_with_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.json"
    atomic_write(target, b"hello")
    assert target.read_bytes() == b"hello"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.json"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_unwritable_directory_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(blocker / "r.json", b"x")


def test_interrupt_during_the_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a signal arrives as an exception (the CLI raises one for SIGINT and SIGTERM) while the bytes are on their way
    target = tmp_path / "r.json"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_disk_full_during_write_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fh) -> None:  # type: ignore[no-untyped-def]
            self.fh = fh

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    target = tmp_path / "r.json"
    with pytest.raises(OutputError) as info:
        atomic_write(target, b"new")
    assert str(info.value) == f"cannot write `{target}`: No space left on device (free some space or choose another --output; the old file, if any, is untouched)"
    assert list(tmp_path.iterdir()) == []


def test_target_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path, b"x")
    assert str(info.value) == f"cannot write `{tmp_path}`: it is a directory (give a file path, e.g. {tmp_path / 'report.json'})"
    assert list(tmp_path.iterdir()) == []


def test_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_permission_denied_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*a: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path / "r.json", b"x")
    assert str(info.value) == f"cannot write `{tmp_path / 'r.json'}`: Permission denied (choose a directory you can write to for --output)"
