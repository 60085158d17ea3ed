"""One way to run a statement on DuckDB: execute, then consume the result.

DuckDB 2 refuses further work on a connection while a result is unfinished,
and an INSERT or CREATE still returns one; every statement that is not a
query goes through ``run`` so none is left open.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> None:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cur.fetchall()


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Append Python rows to ``table`` (columns in order) as one Arrow batch.

    ``executemany`` costs a statement per row (thousands of figure keys took
    seconds); a columnar batch costs one scan.
    """
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
