"""One way to run a statement on DuckDB: execute, then consume the result.

DuckDB 2 refuses further work on a connection while a result is unfinished,
and an INSERT or CREATE still returns one; every statement that is not a
query goes through ``run`` so none is left open.
"""

from __future__ import annotations

from typing import Any

import duckdb


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> None:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cur.fetchall()


def run_many(con: duckdb.DuckDBPyConnection, sql: str, rows: list[Any]) -> None:
    """One statement over many parameter rows (executemany leaves no result open)."""
    if rows:
        con.executemany(sql, rows)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The single row of a query that returns exactly one, with the result consumed."""
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    rows = cur.fetchall()
    return rows[0] if rows else ()
