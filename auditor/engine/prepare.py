"""Getting a session ready: find the inputs, open DuckDB, stage and check the records, settle the period, exclude, cut rounds.

Every command that computes figures (``audit``, ``explain``) starts with these
steps in this order, so they all see the same records, days and rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from auditor.duck import one, run
from auditor.engine.connection import DEFAULT_MEMORY_LIMIT, EngineSettings, connect, lock, session
from auditor.engine.exclusions import apply_exclusions, load_accounts, materialize_records, settle_period
from auditor.engine.rounds import build_rounds
from auditor.errors import InputError, UsageError
from auditor.io.base import STAGED_DDL, FileOutcome, InputFile, reader_for, staged_rows
from auditor.io.discover import Skipped, discover
from auditor.io.records import condemn_non_utf8_files
from auditor.policy.model import Pack

Progress = Callable[[str, int, int], None]
"""Told how far a long run has got, as ``(phase, done, total)``; it must not raise. Phases in order: ``read``
(bytes of input staged), ``records`` (3 steps: check, exclude, cut rounds), then in ``auditor.api``
``metrics``, ``rules``, ``detectors`` (one step each) and ``report``."""


def tell(progress: Progress | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(phase, done, total)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # the reader reports the file as unreadable; progress just moves on
        return 0


def find_inputs(paths: list[str | Path]) -> tuple[list[InputFile], list[Skipped]]:
    """The readable files under ``paths``; an error when there are none."""
    if not paths:
        raise UsageError("no input given", hint="give one or more files or directories of chat records")
    files, skipped = discover(list(paths))
    if not files:
        raise InputError(
            "no readable input: no .jsonl, .csv or .parquet files found" + (f" ({len(skipped)} skipped)" if skipped else ""),
            hint="give files or directories of chat records",
        )
    return files, skipped


def working_set(files: list[InputFile]) -> int:
    """About how many bytes the checked records take in memory (each reader's ``expansion``): what ``auto`` storage weighs."""
    total = 0.0
    for f in files:
        reader = reader_for(Path(f.path))
        assert reader is not None  # discover only returns files with a reader
        total += _size(Path(f.path)) * reader.expansion
    return int(total)


def open_engine(memory_limit: str | None, threads: int | None, temp_directory: str | None) -> duckdb.DuckDBPyConnection:
    """A DuckDB session; settings not given come from the environment (AUDITOR_MEMORY_LIMIT, …). The caller closes it."""
    return connect(EngineSettings.resolve(memory_limit, threads, temp_directory))


def engine(
    memory_limit: str | None,
    threads: int | None,
    temp_directory: str | None,
    *,
    kind: str = "duckdb",
    spark_master: str | None = None,
    working_set: int = 0,
) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """``open_engine`` for a ``with`` block: closed however the block ends (spill files go with it), resource failures as EngineError.

    ``working_set`` (``working_set(files)``) lets DuckDB keep records too large for the memory limit in a
    database file instead of in memory (``AUDITOR_STORAGE``, ``engine/connection.py``).
    ``kind="spark"`` gives a ``SparkConnection`` instead (``auditor.engine.spark``), on ``spark_master``
    (default AUDITOR_SPARK_MASTER, else local[2]); it offers the same calls, so every step below runs unchanged.
    """
    if kind == "spark":
        from auditor.engine.spark.connection import spark_connection

        s = EngineSettings.resolve(memory_limit, threads, temp_directory)
        # the memory limit sizes the Spark driver's JVM (local mode computes there), when this process starts it
        return spark_connection(spark_master, memory_limit=s.memory_limit or DEFAULT_MEMORY_LIMIT, local_dir=s.temp_directory)  # type: ignore[return-value]
    if kind != "duckdb":
        raise UsageError(f"engine `{kind}` is not one of duckdb, spark", hint="use --engine duckdb or --engine spark")
    return session(EngineSettings.resolve(memory_limit, threads, temp_directory), working_set)


@dataclass(frozen=True)
class Prepared:
    """What staging learnt: each file's outcome and format, and the audited days."""

    outcomes: dict[int, FileOutcome]
    formats: dict[int, str]
    start_day: int
    end_day: int


def prepare(
    con: duckdb.DuckDBPyConnection,
    pack: Pack,
    files: list[InputFile],
    accounts: list[tuple[str, str]],
    *,
    max_record_bytes: int,
    as_of_day: int | None,
    progress: Progress | None = None,
) -> Prepared:
    """Stage every file, check the records, settle the period, apply the exclusions and build the rounds."""
    pick = getattr(con, "reader_for", reader_for)  # an engine with readers of its own (Spark: Parquet only) refuses the rest here
    readers = {f.idx: pick(f.path) for f in files}
    run(con, STAGED_DDL)
    outcomes: dict[int, FileOutcome] = {}
    formats: dict[int, str] = {}
    sizes = {f.idx: _size(Path(f.path)) for f in files} if progress else {}
    total, done = sum(sizes.values()), 0
    tell(progress, "read", 0, total)
    for f in files:
        reader_cls = readers[f.idx]
        assert reader_cls is not None  # discover only returns files with a reader
        formats[f.idx] = reader_cls.name
        outcomes[f.idx] = reader_cls(max_record_bytes).stage(con, f)  # never raises for a bad file
        done += sizes.get(f.idx, 0)
        tell(progress, "read", done, total)
    tell(progress, "records", 0, 3)
    condemn_non_utf8_files(con)
    load_accounts(con, accounts if pack.exclusions.same_shop else [])
    materialize_records(con, pack, staged_rows(con, list(outcomes.values())))
    tell(progress, "records", 1, 3)
    lock(con)
    read, valid = one(con, "SELECT count(*), count(*) FILTER (WHERE code IS NULL) FROM records_t")  # type: ignore[misc]
    if read == 0:
        bad = [f"{f.shown}: {outcomes[f.idx].reason}" for f in files if outcomes[f.idx].reason]
        raise InputError(
            "no readable input: the files hold no records" + (" (" + "; ".join(bad[:3]) + ")" if bad else ""),
            hint="check that the inputs are chat records in JSON Lines, CSV or Parquet",
        )
    if valid == 0 and as_of_day is None:
        first = con.execute("SELECT file_idx, line, message FROM records_t ORDER BY rec_id LIMIT 3").fetchall()
        shown = {f.idx: f.shown for f in files}
        sample = "; ".join(f"{shown[fi]}:{ln}: {msg}" for fi, ln, msg in first)
        raise InputError(f"no readable input: all {read} records were rejected ({sample})", hint="fix the records or the export")
    start_day, end_day = settle_period(con, pack, as_of_day)
    apply_exclusions(con, pack, start_day, end_day)
    tell(progress, "records", 2, 3)
    build_rounds(con, pack)
    tell(progress, "records", 3, 3)
    return Prepared(outcomes=outcomes, formats=formats, start_day=start_day, end_day=end_day)
