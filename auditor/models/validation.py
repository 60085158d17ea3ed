"""What `auditor validate` returns: every problem of every pack, each with where and the fix."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from auditor.models.audit import _Model


class Problem(_Model):
    """One problem in a pack file: where it is, what it is, and the fix in one sentence."""

    file: str = Field(description="The file as the user would name it (relative to the working directory where possible).")
    line: int | None = Field(description="1-based line, when the problem sits at a place in the file.")
    column: int | None = Field(default=None, description="1-based column, when known.")
    path: str = Field(description="The dotted key path inside the pack, e.g. `rules[2].threshold`; empty for the whole file.")
    code: str = Field(description="Stable problem code, e.g. `schema`, `unknown-metric`, `citation-quote`.")
    severity: Literal["error", "warning"] = "error"
    message: str
    fix: str


class PackValidation(_Model):
    """The outcome for one pack argument."""

    pack: str = Field(description="The pack as given on the command line.")
    file: str | None = Field(description="Its pack.yaml, when one was found.")
    name: str | None = None
    version: str | None = None
    digest: str | None = None
    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class ValidationReport(_Model):
    auditor_version: str
    packs: list[PackValidation]

    def count(self, severity: str) -> int:
        return sum(1 for pk in self.packs for p in pk.problems if p.severity == severity)

    def found(self) -> int:
        """How many pack arguments led to a pack file; the others carry one `not-found` problem each."""
        return sum(1 for pk in self.packs if pk.file is not None)
