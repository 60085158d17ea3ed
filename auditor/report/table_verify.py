"""`table` for a verification: one headline (verified or not), the files the run depends on, and where the bytes differ.

Plain lines a person or a CI log reads; colour only when asked for. Paths and
values come from files a user controls, so control characters are escaped.
"""

from __future__ import annotations

from typing import BinaryIO

from auditor.models import FileCheck, Verification
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

_RED, _YELLOW, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[1m", "\x1b[0m"
_ROLE = {"policy": "pack", "shops": "shops", "peers": "peers", "waivers": "waivers", "baseline": "baseline"}


@register
class TableVerificationReporter(Reporter):
    name = "table"
    suffix = ".txt"
    document = Verification

    def _paint(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.color else text

    def headline(self, v: Verification) -> str:
        report = terminal_safe(v.report)
        if v.verified:
            return self._paint("verified:", _GREEN) + f" identical bytes ({v.report_sha256}) — {report}"
        if v.same_content:
            return self._paint("NOT verified:", _RED) + f" {report} holds the same report, but its bytes differ (the file was reformatted or re-encoded)"
        return self._paint("NOT verified:", _RED) + f" the re-run differs from {report}"

    def file_line(self, f: FileCheck) -> str:
        where = f"  {_ROLE[f.role]:<9}{terminal_safe(f.path)}"
        if f.status == "same":
            return f"{where}  same ({f.actual})"
        if f.status == "added":
            return f"{where}  " + self._paint("ADDED", _YELLOW) + f": the report used none; now {f.actual}"
        return f"{where}  " + self._paint("CHANGED", _RED) + f": recorded {f.recorded}, now {f.actual}"

    def render(self, report: Verification, out: BinaryIO) -> None:
        v = report
        lines = [self.headline(v)]
        if not v.verified:
            lines += [f"  report   {v.report_sha256}", f"  re-run   {v.rerun_sha256}"]
        lines.append(f"as of {v.as_of}; files the run depends on:")
        lines += [self.file_line(f) for f in v.files]
        if v.differences:
            lines.append(self._paint(f"differences ({v.differences_total} in all, first {len(v.differences)} shown; filed → re-run):", _BOLD))
            for d in v.differences:
                filed = "(absent)" if d.filed is None else terminal_safe(d.filed)
                rerun = "(absent)" if d.rerun is None else terminal_safe(d.rerun)
                lines.append(f"  {terminal_safe(d.path)}: {filed} → {rerun}")
            if v.differences_total > len(v.differences):
                lines.append(f"  … and {v.differences_total - len(v.differences)} more")
        changed = [f for f in v.changed_files() if f.status == "changed"]
        if changed and not v.verified:
            names = ", ".join(f"{_ROLE[f.role]} `{terminal_safe(f.path)}`" for f in changed)
            lines.append(f"why: {names} changed since the report was filed; verify with the file as it was to reproduce the report")
        if v.version_differs():
            lines.append(
                self._paint("note:", _YELLOW)
                + f" the report was written by auditor {terminal_safe(v.report_auditor_version)} and this is auditor {v.auditor_version};"
                " a version difference may explain a byte difference"
            )
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
