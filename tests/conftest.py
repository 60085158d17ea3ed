"""Shared fixtures: the repository root, the built-in taobao pack, and a copy of it to edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
TAOBAO = ROOT / "policies" / "taobao"

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: `ci` (the default: the example counts each test
# sets, the same cases every run) and `fuzz` (`make fuzz`: fresh random cases, and the fuzz targets
# run FUZZ_EXAMPLES of them each instead of their CI count; see examples()).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "600")),
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """A fuzz target's example count: ``ci`` under the bounded profile, the profile's own (thousands) under `fuzz`."""
    return settings.default.max_examples if PROFILE == "fuzz" else ci


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


def audit_at_root(path: str, options):  # type: ignore[no-untyped-def]
    """Audit from the repository root, so reports name files as given (`tests/golden/...`) wherever the checkout lives."""
    import os

    from auditor import audit

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return audit([path], options)
    finally:
        os.chdir(cwd)


def check_golden(path: Path, data: bytes) -> None:
    """Compare with a committed golden file; UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    import os

    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"no golden file `{path.relative_to(ROOT)}`: run with UPDATE_GOLDEN=1 and review it"
    assert data == path.read_bytes(), f"output differs from {path.relative_to(ROOT)}"
