"""`table` for the validation report: compiler-style lines a person (or an editor's problem matcher) reads.

One line per problem, ``file:line:column: severity[code] path: message — fix``,
a ``✓`` line per valid pack, and a closing count. Every text from a pack is
shown with control characters escaped; colour only when asked for.
"""

from __future__ import annotations

from typing import BinaryIO

from auditor.models import PackValidation, Problem, ValidationReport
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

_RED, _YELLOW, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[1m", "\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register
class TableValidationReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = ValidationReport

    def _paint(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.color else text

    def problem_line(self, p: Problem) -> str:
        where = terminal_safe(p.file)
        if p.line is not None:
            where += f":{p.line}" + (f":{p.column}" if p.column is not None else "")
        label = self._paint(f"{p.severity}[{p.code}]", _RED if p.severity == "error" else _YELLOW)
        path = f" {terminal_safe(p.path)}:" if p.path else ""
        return f"{where}: {label}{path} {terminal_safe(p.message)} — {terminal_safe(p.fix)}"

    def valid_line(self, pk: PackValidation) -> str:
        named = " ".join(terminal_safe(x) for x in (pk.name, pk.version) if x)
        return self._paint("✓", _GREEN) + f" {terminal_safe(pk.file or pk.pack)} valid" + (f" ({named})" if named else "")

    def summary(self, report: ValidationReport) -> str:
        missing = [pk for pk in report.packs if pk.file is None]
        found = [pk for pk in report.packs if pk.file is not None]
        valid = [pk for pk in found if pk.valid]
        broken = [pk for pk in found if not pk.valid]
        parts = [f"{len(valid)} valid"]
        if broken:
            parts.append(f"{len(broken)} with {_plural(sum(len(pk.problems) for pk in broken), 'problem')}")
        if missing:
            parts.append(f"{len(missing)} not found")
        return self._paint(f"{_plural(len(report.packs), 'pack')} checked: " + ", ".join(parts), _BOLD)

    def render(self, report: ValidationReport, out: BinaryIO) -> None:
        lines: list[str] = []
        for pk in report.packs:
            lines.extend(self.problem_line(p) for p in pk.problems)
            if pk.file is not None and pk.valid:
                lines.append(self.valid_line(pk))
        lines.append(self.summary(report))
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
