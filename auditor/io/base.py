"""The reader seam: one Reader subclass per input format, registered by suffix.

Every reader stages a file into the same DuckDB table, ``staged``: one row per
physical record with its file and line, a reader-level rejection code when the
record could not even be parsed, and for each contract field its value as text
and a type tag. Field checks common to all formats happen later, in
``records.py``, so a rule about `ts` is written once.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import duckdb

from auditor.io.framing import FileEncodingError

# CONTRACT §1, in order; the order decides which problem a rejection names first.
FIELDS: tuple[str, ...] = ("shop_id", "buyer_id", "role", "ts", "sender_id", "kind", "text", "msg_id")
REQUIRED: tuple[str, ...] = ("shop_id", "buyer_id", "role", "ts")
ID_FIELDS: tuple[str, ...] = ("shop_id", "buyer_id", "sender_id", "msg_id")

# type tags a reader writes beside each value
T_STRING, T_INTEGER, T_NULL, T_ABSENT = "string", "integer", "null", "absent"

DEFAULT_MAX_RECORD_BYTES = 1 << 20

# The session's own failures, not the file's: out of memory (or of spill space) and an interrupt. Recorded
# as an unreadable file, they would turn a resource limit into a silently smaller audit; they go to the caller.
SESSION_FAULTS: tuple[type[BaseException], ...] = (duckdb.OutOfMemoryException, duckdb.InterruptException)

STAGED_DDL = (
    "CREATE TABLE IF NOT EXISTS staged (file_idx INTEGER, line BIGINT, err VARCHAR, err_detail VARCHAR, excerpt VARCHAR, "
    + ", ".join(f"{f} VARCHAR, {f}__t VARCHAR" for f in FIELDS)
    + ")"
)


@dataclass(frozen=True)
class InputFile:
    """A file to read: its index in the global (sorted) order and how reports name it."""

    idx: int
    path: Path
    shown: str


@dataclass
class FileOutcome:
    """What reading one file gave: how many records, and anything a person should know."""

    records: int = 0
    status: str = "ok"  # ok | empty | unreadable
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    view: str | None = None  # a reader that leaves its rows where they are names the view over them (``staged_rows``)


class Reader(ABC):
    """Stages one file's records into ``staged``."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    # bytes the checked records of a file take in DuckDB's memory per byte of the file, measured on the bench
    # data; the engine weighs the sum against the memory limit to keep large audits in a database file
    expansion: ClassVar[float] = 2.0

    def __init__(self, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self.max_record_bytes = max_record_bytes

    def stage(self, con: duckdb.DuckDBPyConnection, file: InputFile) -> FileOutcome:
        """Insert every physical record of ``file`` into ``staged``; a file that cannot be read is an outcome, not an error.

        A failed INSERT rolls back whole, so an unreadable file leaves no rows behind.
        """
        try:
            return self._stage(con, file)
        except SESSION_FAULTS:
            raise
        except FileEncodingError as exc:
            return FileOutcome(
                status="unreadable",
                reason=str(exc),
                notes=[f"convert it first, e.g. iconv -f {exc.source} -t UTF-8"],
            )
        except (OSError, duckdb.Error) as exc:
            return FileOutcome(status="unreadable", reason="cannot read the file: " + _first_line(exc))

    @abstractmethod
    def _stage(self, con: duckdb.DuckDBPyConnection, file: InputFile) -> FileOutcome:
        """The format's own staging; may raise OSError or duckdb.Error for a file it cannot read."""


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "strerror", None) or exc)
    # DuckDB wraps errors raised while it pulls Arrow batches; keep the part a person can act on
    m = re.search(r"(\[Errno \d+\][^\n]*|Python exception:[^\n]*)", text)
    return one_line(m.group(1) if m else text or type(exc).__name__)


def one_line(text: str) -> str:
    """An error text fit for a file's ``reason``: its first line, control characters shown as ``?``, at most 200 characters.

    A corrupt file's bytes end up in the library's messages (DuckDB: "don't know what type: \\x0f").
    """
    first = text.splitlines()[0] if text else ""
    return re.sub(r"[\x00-\x1f\x7f]", "?", first)[:200]


READERS: dict[str, type[Reader]] = {}


def register(cls: type[Reader]) -> type[Reader]:
    for suffix in cls.suffixes:
        READERS[suffix] = cls
    return cls


def reader_for(path: Path) -> type[Reader] | None:
    return READERS.get(path.suffix.lower())


def staged_rows(con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome]) -> str:
    """The relation holding every staged row: ``staged`` and each reader's view, in one; its name for the records query."""
    views = [o.view for o in outcomes if o.view]
    if not views:
        return "staged"
    # view names are made by the readers from file indexes (``parquet_<n>``), never from a path
    union = " UNION ALL ".join(["SELECT * FROM staged"] + [f"SELECT * FROM {v}" for v in views])
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged_rows AS {union}").fetchall()
    return "staged_rows"


def excerpt_sql(expr: str) -> str:
    """SQL for the first 200 bytes of a rejected record, as a person would want to see them."""
    return f"left({expr}, 200)"
