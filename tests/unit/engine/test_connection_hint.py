"""The out-of-memory hint suggests a larger limit than the one that failed (it once told a 2.5GB run to try 1GB)."""

from __future__ import annotations

import duckdb
import pytest

from auditor.engine.connection import memory_error


@pytest.mark.parametrize(
    ("limit", "suggested"),
    [
        ("1MB", "1GB"),  # below 1GB: 1GB, the smallest useful suggestion
        ("64MB", "1GB"),
        ("2.5GB", "5GB"),  # twice the limit: 2 x 2.5 = 5
        ("3GB", "6GB"),
        ("4GIB", "9GB"),  # 2 x 4 x 2**30 = 8.59e9 bytes, rounded up to 9GB
    ],
)
def test_memory_hint_suggests_a_larger_limit(limit: str, suggested: str) -> None:
    err = memory_error(duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), limit)
    assert f"e.g. to {suggested}," in str(err.hint)
    assert limit in str(err)


def test_memory_error_keeps_duckdb_detail() -> None:
    """The 200M spill run failed with "could not allocate block … (2.3 GiB/2.3 GiB used)": that line is kept, its prefix dropped."""
    text = "Out of Memory Error: could not allocate block of size 256.0 KiB (2.3 GiB/2.3 GiB used)\n\nPossible solutions: ..."
    err = memory_error(duckdb.OutOfMemoryException(text), "2.5GB")
    assert "even spilling to disk (DuckDB: could not allocate block of size 256.0 KiB (2.3 GiB/2.3 GiB used)) (raise" in str(err)
    assert "Possible solutions" not in str(err)
