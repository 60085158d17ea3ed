"""Shared fixtures: the repository root, the built-in taobao pack, and a copy of it to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TAOBAO = ROOT / "policies" / "taobao"


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A private copy of the taobao pack that a test may edit."""
    dest = tmp_path / "pack"
    shutil.copytree(TAOBAO, dest, ignore=shutil.ignore_patterns("tests"))
    return dest


def edit_pack(pack: Path, old: str, new: str) -> None:
    f = pack / "pack.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in pack.yaml"
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
