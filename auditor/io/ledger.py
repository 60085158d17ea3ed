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
    shown = {f.idx: f.shown for f in files}
    conflicts = _conflicting_duplicates(con, shown)
    for f in files:
        read, used, excl, rej = per_file.get(f.idx, (0, 0, 0, 0))
        o = outcomes[f.idx]
        status = o.status if o.status != "ok" or read else "empty"
        ledger.files.append(
            FileInfo(
                file=f.shown, format=formats[f.idx], status=status, read=read, used=used, excluded=excl,
                rejected=rej, reason=o.reason, notes=list(o.notes) + conflicts.get(f.idx, []),
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
    ledger.rejections = [
        Rejection(file=shown[fi], line=line, code=code, reason=message, excerpt=_cut(excerpt))
        for fi, line, code, message, excerpt in con.execute(
            "SELECT file_idx, line, code, message, excerpt FROM records WHERE code IS NOT NULL ORDER BY file_idx, line"
        ).fetchall()
    ]
    ledger.check_balance()
    return ledger


def _conflicting_duplicates(con: duckdb.DuckDBPyConnection, shown: dict[int, str]) -> dict[int, list[str]]:
    """Per file, a note on the records excluded as ``duplicate`` whose content differs from the copy kept (BAD-INPUT 16).

    Counting such a record once is what CONTRACT §7.3 asks, but two different
    messages under one msg_id usually mean a broken export, so a person is told.
    The kept copy is the one ``apply_exclusions`` keeps: earliest instant, then input order.
    Content is compared as read, not as spelled: instants, not `ts` text; an empty text is no text
    (a CSV cell cannot say null).
    """
    rows = con.execute(
        """
WITH keys AS (
  SELECT DISTINCT shop_id, msg_id FROM records WHERE code IS NULL AND exclusion = 'duplicate'
), g AS (
  SELECT r.file_idx, r.line, r.exclusion, r.msg_id,
    row_number() OVER w AS rn,
    first_value(r.file_idx) OVER w AS k_file, first_value(r.line) OVER w AS k_line,
    {'buyer_id': r.buyer_id, 'role': r.role, 'utc_ns': r.utc_ns, 'sender_id': r.sender_id, 'kind': r.kind, 'text': nullif(r.text, '')} AS content,
    first_value({'buyer_id': r.buyer_id, 'role': r.role, 'utc_ns': r.utc_ns, 'sender_id': r.sender_id, 'kind': r.kind, 'text': nullif(r.text, '')})
      OVER w AS k_content
  FROM records r SEMI JOIN keys k ON r.shop_id = k.shop_id AND r.msg_id = k.msg_id
  WHERE r.code IS NULL
  WINDOW w AS (PARTITION BY r.shop_id, r.msg_id ORDER BY r.utc_ns, r.rec_id)
)
SELECT file_idx, count(*), arg_min(line, line), arg_min(msg_id, line), arg_min(k_file, line), arg_min(k_line, line)
FROM g WHERE rn > 1 AND exclusion = 'duplicate' AND content IS DISTINCT FROM k_content
GROUP BY file_idx ORDER BY file_idx"""
    ).fetchall()
    return {
        fi: [
            f"{n} record(s) excluded as duplicate differ from the copy kept under the same (shop_id, msg_id); "
            f"the first is line {line} (msg_id `{_cut(msg_id)}`, kept copy {shown[k_file]}:{k_line})"
        ]
        for fi, n, line, msg_id, k_file, k_line in rows
    }
