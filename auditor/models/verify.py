"""The document `auditor verify` returns: did re-running a filed report give the same bytes, and if not, where not.

A report is reproduced from its own ``run`` block (the pack, the as-of day, the
side files and their digests). Differences are listed as JSON paths into the
report with the filed value and the re-run's, so a reader sees what moved
without diffing two large files by hand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileCheck(_Model):
    """One file the run depends on (the pack or a side file): recorded digest against the file used now."""

    role: Literal["policy", "shops", "peers", "waivers", "baseline"]
    path: str = Field(description="The path used by the re-run (the recorded one, or the override given to verify).")
    recorded: str | None = Field(description="The digest the report recorded; null when the report had no such file.")
    actual: str | None = Field(description="The digest of the file used now; null when the re-run used none.")
    status: Literal["same", "changed", "added"] = Field(
        description="same: identical bytes; changed: different bytes; added: the re-run uses a file the report did not (an override)."
    )


class Difference(_Model):
    """One place where the re-run's report differs from the filed one; values are JSON text, shortened."""

    path: str = Field(description="Where in the report, e.g. `violations[3].value` or `inputs.read`.")
    filed: str | None = Field(description="The filed report's value as JSON; null when the filed report has nothing there.")
    rerun: str | None = Field(description="The re-run's value as JSON; null when the re-run has nothing there.")


class Verification(_Model):
    """The answer of `auditor verify`: identical bytes, or the first differences and the digests of both."""

    report: str = Field(description="The report file verified, as given.")
    verified: bool = Field(description="True when the re-run's JSON bytes equal the report file's bytes.")
    report_sha256: str = Field(description="sha256 of the report file's bytes.")
    rerun_sha256: str = Field(description="sha256 of the re-run's JSON bytes.")
    policy: str = Field(description="The pack the re-run used, as given.")
    policy_digest: str = Field(description="The pack's digest (equal to the report's `policy.digest`, or the run would have been refused).")
    as_of: str
    auditor_version: str = Field(description="The auditor that re-ran the report.")
    report_auditor_version: str = Field(description="The auditor that wrote the report.")
    files: list[FileCheck] = Field(description="The pack and every side file, recorded digest against the one used now.")
    differences: list[Difference] = Field(description="The first differing places, in document order.")
    differences_total: int = Field(description="How many differing places there are in all (`differences` lists the first of them).")
    same_content: bool = Field(description="True when the documents are equal as JSON but the bytes differ (the file was reformatted).")

    def version_differs(self) -> bool:
        return self.auditor_version != self.report_auditor_version

    def changed_files(self) -> list[FileCheck]:
        return [f for f in self.files if f.status != "same"]

    def exit_code(self) -> int:
        """0 identical bytes, 1 not (the could-not-run case never builds a Verification)."""
        return 0 if self.verified else 1
