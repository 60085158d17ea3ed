"""Every built-in pack's own cases pass, and every rule, detector and check has a case that fires it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.packtests import Case, coverage, load_cases, run_case
from auditor.policy.loader import BUILTIN_DIR, builtin_packs

CASES = [(pack, case) for pack in builtin_packs() for case in load_cases(pack)]


@pytest.mark.parametrize(("pack", "case"), CASES, ids=[f"{p}:{c.name}" for p, c in CASES])
def test_pack_case(pack: str, case: Case) -> None:
    result = run_case(case, pack)
    assert result.passed, f"{case.file}:{case.line} {case.name}:\n  " + "\n  ".join([f.message for f in result.failures] + [result.error or ""])


@pytest.mark.parametrize("pack", builtin_packs())
def test_every_rule_detector_and_check_has_a_firing_and_a_quiet_case(pack: str) -> None:
    items = coverage(pack, load_cases(pack))
    missing = {f"{i.kind} {i.id}": ("fires" if not i.fires else "") + (" quiet" if not i.quiet else "") for i in items if not i.fires or not i.quiet}
    assert not missing, f"without both a firing and a quiet case: {missing}"
    assert {i.kind for i in items} >= {"rule", "detector"}


def test_builtin_packs_exist() -> None:
    assert "taobao" in builtin_packs()


def test_taobao_worked_examples_are_all_cases() -> None:
    # 002_92962fdfafc03648.txt gives three worked examples (举例); each is a case
    names = [c.name for c in load_cases("taobao") if c.file.endswith("worked_examples.yml")]
    assert [n.split("_")[2] for n in names] == ["1", "2", "3"]


def test_case_lines_point_at_the_case() -> None:
    for case in load_cases("taobao")[:5]:
        path = Path(case.file) if Path(case.file).exists() else BUILTIN_DIR / case.file
        line = path.read_text(encoding="utf-8").splitlines()[case.line - 1]
        assert line.strip() == f"- name: {case.name}"
