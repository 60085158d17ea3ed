"""`table` for a pack-test run: what pytest prints, for a pack's own cases.

One line per case (`file:line name PASSED`), then a block per failed case
with each expectation it missed (short values side by side, long ones as a
unified diff), then the rules, detectors and checks that no case pins down,
and last the summary line. The CLI prints that last line itself with the
run's duration; the document holds no timings.
"""

from __future__ import annotations

import difflib
import io
import json
from typing import Any, BinaryIO

from rich.console import Console
from rich.text import Text

from auditor.models import CaseFailure, CaseOutcome, PackTestReport, PackTests
from auditor.report._console import text_console
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

SHORT = 60  # a value shown longer than this (or over several lines) is compared as a diff
STYLE = {"passed": "green", "failed": "bold red", "error": "bold red"}


def _t(value: object, style: str = "") -> Text:
    return Text(terminal_safe(str(value)), style=style)


def _plain(value: Any) -> str:
    return "none" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _lines(value: Any) -> list[str]:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).splitlines() if isinstance(value, (dict, list)) else [_plain(value)]


def failure_lines(f: CaseFailure) -> list[str]:
    """A missed expectation for a person: what, then expected and actual (or their diff when long)."""
    exp, act = _plain(f.expected), _plain(f.actual)
    if len(exp) <= SHORT and len(act) <= SHORT:
        return [f.what, f"  expected: {exp}", f"  actual:   {act}"]
    diff = difflib.unified_diff(_lines(f.expected), _lines(f.actual), "expected", "actual", lineterm="", n=2)
    return [f.what] + [f"  {line}" for line in diff]


def rule(title: str, width: int, fill: str = "=") -> str:
    """A pytest-style rule: `==== title ====` padded to the width."""
    text = f" {title} "
    side = max(4, (width - len(text)) // 2)
    return f"{fill * side}{text}{fill * side}"


@register
class TablePackTestReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = PackTestReport

    def render(self, report: PackTestReport, out: BinaryIO) -> None:
        buf = io.StringIO()
        con = text_console(buf, width=self.width, color=self.color)
        width = min(self.width, 100)
        for p in report.packs:
            self._cases(con, p)
        failed = [(p, c) for p in report.packs for c in p.cases if c.outcome != "passed"]
        if failed:
            con.print(_t(rule("FAILURES", width)))
            for _, c in failed:
                self._failure(con, c, width)
        con.print(_t("Coverage", "bold"))
        for p in report.packs:
            self._coverage(con, p)
        con.print()
        style = "bold red" if not report.ok() else "bold green"
        con.print(_t(rule(report.tally(), width), style))
        out.write(buf.getvalue().encode("utf-8"))

    @staticmethod
    def _cases(con: Console, p: PackTests) -> None:
        shown = f"{p.name} {p.version} ({p.dir}): {len(p.cases)} case{'s' if len(p.cases) != 1 else ''}"
        if p.deselected:
            shown += f", {p.deselected} deselected"
        con.print(_t(shown, "bold"))
        for c in p.cases:
            line = Text()
            line.append_text(_t(f"{c.file}:{c.line} {c.name} "))
            line.append_text(_t(c.outcome.upper(), STYLE[c.outcome]))
            con.print(line)
        con.print()

    @staticmethod
    def _failure(con: Console, c: CaseOutcome, width: int) -> None:
        con.print(_t(rule(f"{c.file}:{c.line} {c.name}", width, "_"), "bold red"))
        first = c.doc.strip().splitlines()[0] if c.doc.strip() else ""
        if first:
            con.print(_t(f"  {first}"))
        for f in c.failures:
            for n, text in enumerate(failure_lines(f)):
                con.print(_t(("  " if n == 0 else "    ") + text, "red" if n == 0 else ""))
        con.print()

    @staticmethod
    def _coverage(con: Console, p: PackTests) -> None:
        half = [i for i in p.coverage if (i.fires or i.quiet) and not (i.fires and i.quiet)]
        if not p.uncovered and not half:
            con.print(_t(f"  {p.name}: every rule, detector and check has a case where it fires and one where it does not"))
            return
        if p.uncovered:
            con.print(_t(f"  {p.name}: no case: " + ", ".join(p.uncovered), "yellow"))
        else:
            con.print(_t(f"  {p.name}: every rule, detector and check has a case"))
        for i in half:
            missing = "fires" if not i.fires else "does not fire"
            con.print(_t(f"  {p.name}: {i.kind} {i.id} has no case where it {missing}", "yellow"))
