"""The exception tree: every error a user can cause carries where and how to fix it.

Only the CLI turns these into messages and exit codes; the library raises them.
"""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the auditor raises on purpose.

    ``file`` and ``line`` say where the problem is (when there is a where);
    ``hint`` says in one sentence what to change.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(AuditorError):
    """The command was asked for something it cannot do (bad option, bad date)."""


class PolicyError(AuditorError):
    """A policy pack cannot be found, parsed or validated."""

    def __init__(self, message: str, *, problems: list[PolicyProblem] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.problems = problems or []


class PolicyProblem:
    """One problem found in a pack: where, what, and the fix."""

    __slots__ = ("file", "line", "path", "message", "hint", "code", "column")

    def __init__(
        self, file: str, line: int | None, path: str, message: str, hint: str, *, code: str = "schema", column: int | None = None
    ) -> None:
        self.file = file
        self.line = line
        self.path = path
        self.message = message
        self.hint = hint
        self.code = code  # stable name of the kind of problem (docs/validate.md lists them)
        self.column = column  # 1-based, when the YAML node gives one

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        key = f" at `{self.path}`" if self.path else ""
        return f"{loc}: {self.message}{key} — {self.hint}"


class InputError(AuditorError):
    """The input as a whole cannot be audited (nothing readable, missing path)."""


class OutputError(AuditorError):
    """The report could not be written."""


class DigestMismatch(PolicyError):
    """The pack's digest is not the one the run was pinned to (`--policy-digest`, or a report being verified)."""


class EngineError(AuditorError):
    """The engine cannot run under its settings: memory limit too small, spill directory unusable or full.

    The hint names the setting to change (flag and environment variable).
    """
