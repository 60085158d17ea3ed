"""One way to run a statement on DuckDB: execute, then consume the result.

DuckDB 2 refuses further work on a connection while a result is unfinished,
and an INSERT or CREATE still returns one; every statement that is not a
query goes through ``run`` so none is left open.

SQL text is never built from what a user or a pack supplies. Values reach
DuckDB as bound parameters (``$name``) or as Arrow batches (``insert_rows``,
the readers' ``_frames``): shop, buyer, agent and message ids, texts, ``--shop``,
``--agent``, account lists, peer levels, file paths, pack thresholds, windows
and role lists. What is pasted into SQL text is closed by construction:

- table names given to ``insert_rows``: constants in the code, checked
  against ``_IDENT`` here;
- SQL fragments chosen by metric kind and pack setting (``scope_sql``,
  ``good_sql``, ``source_sql``): fixed strings in the code, picked by a
  ``Literal`` field of the validated pack model, never the field's text;
- integers: evidence limits (``int()``), window widths (``round()``), the
  record-size limit, CSV column positions and counts;
- contract field names (``FIELDS``) and reader column names, constants;
  Parquet type names are stripped of quotes and only ever shown;
- the pack's time zone name, only after ``policy/validate.py`` matched it
  against the closed IANA form ``[A-Za-z0-9_+-]+(/…)*`` and found the zone;
- nothing of the engine settings (``connection.py``): the memory limit
  (checked against a size pattern), threads and the spill directory reach
  DuckDB as its connection config, keys and values, not SQL.

docs/security.md lists each defence with the test that shows it.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pyarrow as pa

_IDENT = re.compile(r"[a-z_][a-z0-9_]*")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> None:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cur.fetchall()


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Append Python rows to ``table`` (columns in order) as one Arrow batch.

    ``executemany`` costs a statement per row (thousands of figure keys took
    seconds); a columnar batch costs one scan.
    """
    if not _IDENT.fullmatch(table):
        raise ValueError(f"not a table name: {table!r}")  # a programming error: table names are constants
    if not rows:
        return
    width = len(rows[0])
    batch = pa.table({f"c{i}": pa.array([r[i] for r in rows]) for i in range(width)})
    view = f"_insert_{table}"
    con.register(view, batch)
    try:
        run(con, f"INSERT INTO {table} SELECT * FROM {view}")
    finally:
        con.unregister(view)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The single row of a query that returns exactly one, with the result consumed."""
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    rows = cur.fetchall()
    return rows[0] if rows else ()
