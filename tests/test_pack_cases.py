"""Every built-in pack's own cases pass, and every rule has a case that fires it and one that does not."""

from __future__ import annotations

import pytest

from auditor.packtests import load_cases, rule_coverage, run_case
from auditor.policy.loader import builtin_packs

CASES = [(pack, case) for pack in builtin_packs() for case in load_cases(pack)]


@pytest.mark.parametrize(("pack", "case"), CASES, ids=[f"{p}:{c.name}" for p, c in CASES])
def test_pack_case(pack: str, case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case, pack)
    assert result.passed, f"{case.file} {case.name}:\n  " + "\n  ".join(result.failures)


@pytest.mark.parametrize("pack", builtin_packs())
def test_every_rule_has_a_failing_and_a_passing_case(pack: str) -> None:
    cov = rule_coverage(pack, load_cases(pack))
    missing = {rule: c for rule, c in cov.items() if not c["fails"] or not c["passes"]}
    assert not missing, f"rules without both a failing and a passing case: {missing}"


def test_builtin_packs_exist() -> None:
    assert "taobao" in builtin_packs()
