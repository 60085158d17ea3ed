"""The DuckDB session an audit runs in: bounded memory, a spill directory, UTC, no surprises.

Settings come from the caller (the CLI's ``--memory-limit``, ``--threads``,
``--temp-dir``), else the environment (``AUDITOR_MEMORY_LIMIT``,
``AUDITOR_THREADS``, ``AUDITOR_TEMP_DIR``), else the defaults: 2.5GB, DuckDB's
thread count, and a fresh spill directory under the system temp directory.
They are checked here, so a bad value is a sentence naming the setting, and
reach DuckDB as its connection config (keys and values, never SQL text).

Where the working tables live (``AUDITOR_STORAGE``): DuckDB keeps an in-memory
table uncompressed, about 25 times the Parquet it came from, and spills it as
such; a 200M-record audit wrote 23 GB of spill and then ran out of memory in a
window. A database file in the spill directory holds the same tables
compressed, and its clean pages leave memory without being written again.
``auto`` (the default) keeps small audits in memory and puts an audit whose
records would not fit in the memory limit on disk (``working_set`` in
``engine/prepare.py`` estimates that from the input files); ``memory`` and
``disk`` force one or the other. The file is deleted when the session closes.

A session is closed at the end of every run, success, error or interrupt;
DuckDB then deletes its spill files, and the spill directory when it created
it. A spill directory the auditor chose is also removed when its connection
is garbage collected, whatever path the run took out. A ``--temp-dir`` the
user gave is never emptied beyond DuckDB's own files.

External access (reading files from SQL) stays on only while inputs are
staged; ``lock`` turns it off before any pack-driven query runs.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from auditor.duck import run
from auditor.errors import EngineError, UsageError

DEFAULT_MEMORY_LIMIT = "2.5GB"  # the engine's buffers; windows, results and the interpreter come on top: a 50M-record audit peaks at 3.9 GiB

MEMORY_SETTING = "--memory-limit / AUDITOR_MEMORY_LIMIT"
THREADS_SETTING = "--threads / AUDITOR_THREADS"
TEMP_SETTING = "--temp-dir / AUDITOR_TEMP_DIR"
STORAGE_SETTING = "AUDITOR_STORAGE"
STORAGES = ("auto", "memory", "disk")

# open sessions with their spill directory and memory limit, so a signal can stop their queries (``interrupt_all``)
_OPEN: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple[str, str]] = weakref.WeakKeyDictionary()
# what each session leaves behind: its database file (when on disk) and a spill directory the auditor chose
_CLEANUP: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, weakref.finalize] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class EngineSettings:
    """Resource settings; each can also come from the environment (AUDITOR_MEMORY_LIMIT, AUDITOR_THREADS, AUDITOR_TEMP_DIR, AUDITOR_STORAGE)."""

    memory_limit: str | None = None
    threads: int | None = None
    temp_directory: str | None = None
    storage: str | None = None  # auto | memory | disk; None is auto

    @classmethod
    def from_env(cls) -> EngineSettings:
        return cls.resolve()

    @classmethod
    def resolve(cls, memory_limit: str | None = None, threads: int | None = None, temp_directory: str | None = None) -> EngineSettings:
        """The settings given, each missing one from the environment: flags win over the environment."""
        env_threads = os.environ.get("AUDITOR_THREADS") if threads is None else None
        return cls(
            memory_limit=memory_limit or os.environ.get("AUDITOR_MEMORY_LIMIT") or None,
            threads=threads if threads is not None else _threads(env_threads) if env_threads else None,
            temp_directory=temp_directory or os.environ.get("AUDITOR_TEMP_DIR") or None,
            storage=os.environ.get("AUDITOR_STORAGE") or None,
        )


def connect(settings: EngineSettings | None = None, working_set: int = 0) -> duckdb.DuckDBPyConnection:
    """A session; ``working_set`` is the estimated in-memory size of the records in bytes, which picks the storage under ``auto``."""
    s = settings or EngineSettings.from_env()
    memory = _size(s.memory_limit or DEFAULT_MEMORY_LIMIT)
    if s.threads is not None and s.threads < 1:
        raise UsageError(f"threads `{s.threads}` is not a positive whole number", hint=f"set {THREADS_SETTING} to 1 or more")
    storage = _storage(s.storage)
    temp, ours = _spill_directory(s.temp_directory)
    on_disk = storage == "disk" or (storage == "auto" and working_set > _bytes(memory))
    made = on_disk and not os.path.isdir(temp)  # a --temp-dir the auditor makes for its file is removed again if left empty
    database = _database_file(temp) if on_disk else ":memory:"
    config = {
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
        "memory_limit": memory,
        "temp_directory": temp,
    }
    if s.threads:
        config["threads"] = str(s.threads)
    # what the session leaves: its database file; a directory the auditor chose, whole; one it made for the file, if empty
    leftovers = (database, temp if ours else None, temp if made and not ours else None)
    try:
        con = duckdb.connect(database, config=config)
    except duckdb.OutOfMemoryException as exc:
        _cleanup(*leftovers)
        raise memory_error(exc, memory) from None
    except duckdb.IOException as exc:
        _cleanup(*leftovers)
        raise EngineError(
            f"the spill directory `{temp}` failed: {str(exc).splitlines()[0]}", hint=f"point {TEMP_SETTING} at a writable directory"
        ) from None
    _CLEANUP[con] = weakref.finalize(con, _cleanup, *leftovers)
    _OPEN[con] = (temp, memory)
    try:
        run(con, "SET TimeZone = 'UTC'")
        run(con, "SET preserve_insertion_order = true")
        run(con, "SET enable_progress_bar = false")  # DuckDB draws its own bar on stdout after 2 s of a query: inside the report's bytes
    except duckdb.OutOfMemoryException as exc:
        con.close()
        _CLEANUP.pop(con)()
        raise memory_error(exc, memory) from None
    return con


@contextlib.contextmanager
def session(settings: EngineSettings | None = None, working_set: int = 0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one run, closed however the run ends; DuckDB's resource failures come out as ``EngineError``."""
    con = connect(settings, working_set)
    temp, memory = _OPEN[con]
    try:
        yield con
    except duckdb.OutOfMemoryException as exc:
        raise memory_error(exc, memory) from None
    except duckdb.IOException as exc:
        if temp in str(exc):
            raise EngineError(
                f"the spill directory `{temp}` failed: {str(exc).splitlines()[0]}", hint=f"point {TEMP_SETTING} at a writable directory"
            ) from None
        raise
    finally:
        con.close()
        done = _CLEANUP.pop(con, None)
        if done is not None:
            done()


def interrupt_all() -> None:
    """Stop the queries running on every open session; safe from any thread (a signal watcher calls it)."""
    cons: list[duckdb.DuckDBPyConnection] = []
    with contextlib.suppress(RuntimeError):  # the registry changed while being listed: a session just opened or closed
        cons = list(_OPEN.keys())
    for con in cons:
        with contextlib.suppress(duckdb.Error):
            con.interrupt()
    spark = sys.modules.get("auditor.engine.spark.connection")  # only when a Spark run was started: never imports pyspark here
    if spark is not None:
        spark.interrupt_all()


def lock(con: duckdb.DuckDBPyConnection) -> None:
    """No more file access from SQL: from here on only pack-driven queries run."""
    run(con, "SET enable_external_access = false")
    run(con, "SET lock_configuration = true")


def memory_error(exc: duckdb.Error, limit: str) -> EngineError:
    """DuckDB ran out of memory, or of spill space: say which, and the setting that fixes it."""
    text = str(exc)
    if "max_temp_directory_size" in text:  # DuckDB's wording when the spill directory's disk is full
        return EngineError(
            f"the audit needs more spill space than the temp directory's disk has (memory limit {limit})",
            hint=f"free disk space there, or point {TEMP_SETTING} at a bigger disk, or raise {MEMORY_SETTING}",
        )
    return EngineError(
        f"the audit needs more memory than the limit of {limit} allows, even spilling to disk{_detail(text)}",
        hint=f"raise {MEMORY_SETTING}, e.g. to {_larger(limit)}, or lower {THREADS_SETTING}",
    )


def _detail(text: str) -> str:
    """DuckDB's own first line, without its prefix, e.g. how much was in use: what a bug report needs."""
    line = text.splitlines()[0].strip() if text.strip() else ""
    line = re.sub(r"^Out of Memory Error:\s*", "", line)
    line = "".join(c for c in line if c.isprintable())[:200]
    return f" (DuckDB: {line})" if line else ""


def _larger(limit: str) -> str:
    """A limit worth trying next: twice the one that failed, and at least 1GB (a fixed suggestion once told a 2.5GB run to try 1GB)."""
    doubled = 2 * _bytes(limit)
    if doubled < 10**9:
        return "1GB"
    return f"{math.ceil(doubled / 10**9)}GB"


def _bytes(limit: str) -> int:
    """A size as ``_size`` normalized it (``2.5GB``, ``512MIB``), in bytes; 0 if it is not one."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Z]+)", limit)
    if m is None:
        return 0
    scale = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
    return int(float(m.group(1)) * scale.get(m.group(2), 1))


def _storage(text: str | None) -> str:
    value = (text or "auto").strip().lower()
    if value not in STORAGES:
        raise UsageError(f"storage `{text}` is not one of {', '.join(STORAGES)}", hint=f"set {STORAGE_SETTING} to auto, memory or disk")
    return value


def _database_file(temp: str) -> str:
    """A fresh database file in the spill directory, which is made if missing (``_spill_directory`` checked it can be)."""
    try:
        os.makedirs(temp, mode=0o700, exist_ok=True)  # the file holds the audited records: only this user may read it
    except OSError as exc:
        raise EngineError(f"the spill directory `{temp}` cannot be made: {exc.strerror}", hint=f"point {TEMP_SETTING} at a writable directory") from None
    return os.path.join(temp, f"auditor-work-{os.getpid()}-{secrets.token_hex(4)}.duckdb")


def _remove_database(database: str) -> None:
    if database == ":memory:":
        return
    for path in (database, database + ".wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _cleanup(database: str, ours: str | None, made: str | None) -> None:
    _remove_database(database)
    if ours is not None:
        shutil.rmtree(ours, True)
    if made is not None:
        with contextlib.suppress(OSError):  # only if empty: anything else in it is not the auditor's
            os.rmdir(made)


def _spill_directory(given: str | None) -> tuple[str, bool]:
    """Where DuckDB spills, and whether the auditor chose it (then it is a fresh name nobody else uses)."""
    if not given:
        # DuckDB creates it at the first spill and deletes it on close; the random part keeps a stale
        # directory of a killed run with the same pid (or someone else's) from ever being used
        return os.path.join(tempfile.gettempdir(), f"auditor-spill-{os.getpid()}-{secrets.token_hex(4)}"), True
    if "\0" in given:
        raise EngineError("the temp directory contains a NUL character", hint=f"set {TEMP_SETTING} to a directory path")
    path = os.path.abspath(given)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise EngineError(f"the temp directory `{given}` is not a directory", hint=f"set {TEMP_SETTING} to a writable directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise EngineError(f"the temp directory `{given}` is not writable", hint=f"set {TEMP_SETTING} to a writable directory")
        return path, False
    parent = os.path.dirname(path)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise EngineError(
            f"the temp directory `{given}` does not exist and cannot be created there",
            hint=f"create it, or set {TEMP_SETTING} to a writable directory",
        )
    return path, False


def _threads(text: str) -> int:
    t = text.strip()
    if not re.fullmatch(r"[0-9]+", t) or int(t) < 1:
        raise UsageError(f"threads `{text}` is not a positive whole number", hint=f"set {THREADS_SETTING} to 1 or more")
    return int(t)


def _size(text: str) -> str:
    t = text.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", t):
        raise UsageError(f"memory limit `{text}` is not a size", hint=f"set {MEMORY_SETTING} to a size such as 4GB or 512MB")
    return t
