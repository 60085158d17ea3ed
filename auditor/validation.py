"""`validate`: check policy packs and return every problem of every pack as a document, never raising for them.

A pack argument is a built-in pack name, a pack directory or its pack.yaml.
One that leads to no pack file is reported as a `not-found` problem of that
argument, so a run over several packs still checks the others; what that means
for the exit status is the caller's choice (the CLI exits 2 only when no
argument led to a pack file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.errors import PolicyProblem
from auditor.models import PackValidation, Problem, ValidationReport
from auditor.policy.loader import check_pack


def validate_packs(specs: list[str | Path]) -> ValidationReport:
    """Check each pack in the order given; every problem carries file, line, column, code and the fix."""
    return ValidationReport(auditor_version=__version__, packs=[_one(spec) for spec in specs])


def _one(spec: str | Path) -> PackValidation:
    checked = check_pack(spec)
    name, version = _text(checked.data, "name"), _text(checked.data, "version")
    if checked.loaded is not None:
        name, version = checked.loaded.pack.name, checked.loaded.pack.version
    return PackValidation(
        pack=str(spec),
        file=checked.shown if checked.found else None,
        name=name,
        version=version,
        digest=checked.digest,
        problems=[_problem(p) for p in checked.problems],
    )


def _text(data: Any, key: str) -> str | None:
    """A top-level string of the raw pack, so an invalid pack is still named when it says its name."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _problem(p: PolicyProblem) -> Problem:
    return Problem(file=p.file, line=p.line, column=p.column, path=p.path, code=p.code, severity="error", message=p.message, fix=p.hint)
