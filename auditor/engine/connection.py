"""The DuckDB session an audit runs in: bounded memory, a spill directory, UTC, no surprises.

External access (reading files from SQL) stays on only while inputs are
staged; ``lock`` turns it off before any pack-driven query runs.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass

import duckdb

from auditor.duck import run
from auditor.errors import UsageError


@dataclass(frozen=True)
class EngineSettings:
    """Resource settings; each can also come from the environment (AUDITOR_MEMORY_LIMIT, AUDITOR_THREADS, AUDITOR_TEMP_DIR)."""

    memory_limit: str | None = None
    threads: int | None = None
    temp_directory: str | None = None

    @classmethod
    def from_env(cls) -> EngineSettings:
        threads = os.environ.get("AUDITOR_THREADS")
        return cls(
            memory_limit=os.environ.get("AUDITOR_MEMORY_LIMIT"),
            threads=int(threads) if threads else None,
            temp_directory=os.environ.get("AUDITOR_TEMP_DIR"),
        )


def connect(settings: EngineSettings | None = None) -> duckdb.DuckDBPyConnection:
    s = settings or EngineSettings.from_env()
    con = duckdb.connect(":memory:", config={"autoload_known_extensions": "false", "autoinstall_known_extensions": "false"})
    run(con, "SET TimeZone = 'UTC'")
    run(con, "SET preserve_insertion_order = true")
    run(con, f"SET memory_limit = '{_size(s.memory_limit or '4GB')}'")
    if s.threads:
        run(con, f"SET threads = {int(s.threads)}")
    temp = s.temp_directory or os.path.join(tempfile.gettempdir(), f"auditor-spill-{os.getpid()}")
    run(con, f"SET temp_directory = '{temp.replace(chr(39), chr(39) * 2)}'")
    return con


def lock(con: duckdb.DuckDBPyConnection) -> None:
    """No more file access from SQL: from here on only pack-driven queries run."""
    run(con, "SET enable_external_access = false")
    run(con, "SET lock_configuration = true")


def _size(text: str) -> str:
    t = text.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", t):
        raise UsageError(f"memory limit `{text}` is not a size", hint="use a size such as 4GB or 512MB (AUDITOR_MEMORY_LIMIT)")
    return t
