"""What `auditor test` returns: each pack's own cases run, with expected-against-actual failures and coverage.

No timings live here, so the same packs give the same document (and bytes);
the CLI times the run and says so on the terminal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auditor.models.audit import _Model


class CaseFailure(_Model):
    """One expectation of a case that the audit did not meet."""

    what: str = Field(description="What was compared, e.g. `metric response_rate_3min shop s1 value`.")
    expected: Any = None
    actual: Any = None
    message: str = Field(description="The failure in a sentence.")


class CaseOutcome(_Model):
    file: str = Field(description="The case file as shown to the user (relative to the working directory where possible).")
    line: int = Field(description="1-based line of the case in its file.")
    name: str
    doc: str
    outcome: Literal["passed", "failed", "error"] = Field(description="`error`: the case could not run (the audit raised when no error was expected).")
    failures: list[CaseFailure] = Field(default_factory=list)


class CaseRef(_Model):
    file: str
    line: int
    name: str


class CoverageItem(_Model):
    """A rule, detector or eligibility check of the pack, and the cases that pin it down either way."""

    kind: Literal["rule", "detector", "check"]
    id: str
    fires: list[CaseRef] = Field(description="Cases that expect it to fire (a violation, a flag, an answer of not eligible).")
    quiet: list[CaseRef] = Field(description="Cases that expect it not to fire (the honest look-alikes).")


class PackTests(_Model):
    name: str
    dir: str = Field(description="The pack directory as shown to the user.")
    version: str
    digest: str
    cases: list[CaseOutcome] = Field(description="The selected cases, in file order then line order.")
    deselected: int = Field(default=0, description="Cases left out by the name filter (-k).")
    coverage: list[CoverageItem] = Field(description="Every rule, enabled detector and eligibility check, in pack order; over all cases, selected or not.")
    uncovered: list[str] = Field(description="`kind id` of the items no case expects either way.")


class PackTestReport(_Model):
    auditor_version: str
    select: str | None = Field(default=None, description="The -k filter: a case runs when its name contains this text (case-insensitive).")
    packs: list[PackTests]

    def count(self, outcome: str) -> int:
        return sum(1 for p in self.packs for c in p.cases if c.outcome == outcome)

    def ok(self) -> bool:
        """Every selected case passed."""
        return all(c.outcome == "passed" for p in self.packs for c in p.cases)

    def tally(self) -> str:
        """The counts as pytest words them: `41 passed, 1 failed, 2 deselected`."""
        parts = [f"{self.count(o)} {o if o != 'error' else ('errors' if self.count(o) != 1 else 'error')}" for o in ("passed", "failed", "error")]
        parts = [p for p in parts if not p.startswith("0 ")]
        deselected = sum(p.deselected for p in self.packs)
        if deselected:
            parts.append(f"{deselected} deselected")
        return ", ".join(parts) or "no cases ran"
