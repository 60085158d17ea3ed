"""The row ledger: every record read is used, excluded for a reason, or rejected with file and line.

Counts come from the tables themselves, never from running totals kept on the
side, and ``check_balance`` refuses to let a report out when they disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from auditor.io.base import FileOutcome, InputFile
from auditor.io.discover import Skipped
from auditor.models import FileInfo, Rejection

# CONTRACT §4: exclusion reasons in the order they are applied
EXCLUSION_REASONS: tuple[str, ...] = ("system", "non_genuine", "same_shop", "duplicate", "out_of_period")


EXCERPT_BYTES = 200


def _cut(text: str | None) -> str | None:
    """At most EXCERPT_BYTES of UTF-8, never ending inside a character."""
    if text is None:
        return None
    return text.encode("utf-8")[:EXCERPT_BYTES].decode("utf-8", "ignore")


class LedgerImbalance(AssertionError):
    """read != used + excluded + rejected: a bug, never a data problem."""


@dataclass
class Ledger:
    read: int = 0
    used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    files: list[FileInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def check_balance(self) -> None:
        total = self.used + sum(self.excluded.values()) + self.rejected
        if total != self.read:
            raise LedgerImbalance(f"ledger does not balance: read {self.read} != used {self.used} + excluded {self.excluded} + rejected {self.rejected}")


def tally(
    con: duckdb.DuckDBPyConnection,
    files: list[InputFile],
    outcomes: dict[int, FileOutcome],
    formats: dict[int, str],
    skipped: list[Skipped],
) -> Ledger:
    """Count ``records`` (with its ``exclusion`` column) per file and overall."""
    ledger = Ledger(skipped=list(skipped))
    per_file = {
        idx: (read, used, excl, rej)
        for idx, read, used, excl, rej in con.execute(
            """
SELECT file_idx, count(*),
  count(*) FILTER (WHERE code IS NULL AND exclusion IS NULL),
  count(*) FILTER (WHERE code IS NULL AND exclusion IS NOT NULL),
  count(*) FILTER (WHERE code IS NOT NULL)
FROM records GROUP BY file_idx ORDER BY file_idx"""
        ).fetchall()
    }
    for f in files:
        read, used, excl, rej = per_file.get(f.idx, (0, 0, 0, 0))
        o = outcomes[f.idx]
        status = o.status if o.status != "ok" or read else "empty"
        ledger.files.append(
            FileInfo(
                file=f.shown, format=formats[f.idx], status=status, read=read, used=used, excluded=excl,
                rejected=rej, reason=o.reason, notes=list(o.notes),
            )
        )
        ledger.read += read
        ledger.used += used
        ledger.rejected += rej
    for reason, n in con.execute(
        "SELECT exclusion, count(*) FROM records WHERE code IS NULL AND exclusion IS NOT NULL GROUP BY 1"
    ).fetchall():
        ledger.excluded[reason] = n
    ledger.excluded = {r: ledger.excluded[r] for r in EXCLUSION_REASONS if r in ledger.excluded}
    shown = {f.idx: f.shown for f in files}
    ledger.rejections = [
        Rejection(file=shown[fi], line=line, code=code, reason=message, excerpt=_cut(excerpt))
        for fi, line, code, message, excerpt in con.execute(
            "SELECT file_idx, line, code, message, excerpt FROM records WHERE code IS NOT NULL ORDER BY file_idx, line"
        ).fetchall()
    ]
    ledger.check_balance()
    return ledger
