"""``SparkConnection``: the part of DuckDB's connection API the engine uses, run on Spark.

The engine, readers, rules and detectors call ``execute(sql, params)`` and
``fetchall()``/``fetchone()``, ``register``/``unregister`` an Arrow table, and
``close``; so does this class, so nothing above the engine knows which one it
holds. Each statement is compiled by ``dialect.transpile`` (cached by its text)
and run in this connection's own Spark session:

- a table is a temp view over a materialized DataFrame (``localCheckpoint``):
  ``CREATE OR REPLACE TABLE records AS SELECT … FROM records`` reads the old
  ``records`` fully before the name points at the new one, and later queries
  do not recompute a long lineage;
- ``INSERT`` appends a materialized piece by position (cast to the table's
  column types), ``UPDATE`` recomputes the table, ``DROP`` forgets it;
- result rows come back as DuckDB's Python rows: tuples, with structs as
  dicts, lists as lists, integral DECIMALs as ints.

The Spark session starts on the first statement, so a run refused before any
SQL (a JSONL input, say) costs no JVM.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from auditor.engine.spark import session as spark_session
from auditor.engine.spark.dialect import UPDATE_PREFIX, Statement, transpile
from auditor.errors import UsageError

_OPEN: weakref.WeakSet[SparkConnection] = weakref.WeakSet()


class SparkResult:
    """Rows of one statement, consumed like a DuckDB result."""

    def __init__(self, rows: list[tuple[Any, ...]], columns: Sequence[str] = ()) -> None:
        self._rows = rows
        self.description = [(c, None, None, None, None, None, None) for c in columns]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows


class SparkConnection:
    """A DuckDB-like connection whose statements run on Spark."""

    engine = "spark"

    def __init__(self, master: str | None = None, *, memory_limit: str | None = None, local_dir: str | None = None) -> None:
        self.master = spark_session.resolve_master(master)
        spark_session.require_pyspark()
        self._memory_limit = memory_limit
        self._local_dir = local_dir
        self._spark: Any = None
        self._tables: set[str] = set()
        self._closed = False
        _OPEN.add(self)

    # -- the session --------------------------------------------------------------------------

    @property
    def spark(self) -> Any:
        if self._closed:
            raise RuntimeError("the Spark connection is closed")
        if self._spark is None:
            root = spark_session.root_session(self.master, self._memory_limit, self._local_dir)
            s = root.newSession()
            for key, value in spark_session.SQL_CONF.items():
                s.conf.set(key, value)
            self._spark = s
        return self._spark

    def close(self) -> None:
        """Forget this connection's tables; the process's Spark context stays for the next run."""
        if self._closed:
            return
        if self._spark is not None:
            for name in list(self._tables):
                with contextlib.suppress(Exception):
                    self._spark.catalog.dropTempView(name)
        self._tables.clear()
        self._spark = None
        self._closed = True
        _OPEN.discard(self)

    def interrupt(self) -> None:
        """Cancel the running Spark jobs (a signal asked the run to stop)."""
        if self._spark is not None:
            with contextlib.suppress(Exception):
                self._spark.sparkContext.cancelAllJobs()

    # -- what the engine calls -------------------------------------------------------------------

    def reader_for(self, path: Any) -> type:
        """The reader for an input on Spark: Parquet only."""
        from auditor.engine.spark.parquet import SparkParquetReader

        if str(path).lower().endswith(SparkParquetReader.suffixes):
            return SparkParquetReader
        raise UsageError(
            f"`{path}` is not Parquet, and the Spark engine reads only Parquet",
            hint="convert the records to Parquet (.parquet) first, or run with the default engine (--engine duckdb)",
        )

    def execute(self, sql: str, params: Any = None) -> SparkResult:
        named = isinstance(params, dict)
        items = params.items() if named else enumerate(params or ())
        ints = frozenset(k if named else f"_p{k}" for k, v in items if type(v) is int)
        st = transpile(sql, ints)
        args: Any = None
        if st.params:
            if named:
                args = {k: _arg(params[k]) for k in st.params}  # a name not given fails in Spark, as in DuckDB
            else:
                args = {f"_p{k}": _arg(params[k]) for k in st.params}  # positional `?` are named `_p<n>` on Spark
        return self._run(st, args)

    def register(self, name: str, data: Any) -> None:
        """Make an Arrow table (or batch reader) queryable as ``name``."""
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        if not isinstance(data, pa.Table):
            raise TypeError("register takes an Arrow table or RecordBatchReader")
        # a column of only NULLs is typed `null` by Arrow, which Spark cannot build a column from
        data = pa.table({f: (c.cast(pa.string()) if pa.types.is_null(c.type) else c) for f, c in zip(data.column_names, data.columns, strict=True)})
        self.spark.createDataFrame(data).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def append(self, table: str, df: Any) -> None:
        """Append the rows of a DataFrame to ``table``, by position, cast to its column types (a reader's INSERT)."""
        self._append(table, df)

    # -- running compiled statements -------------------------------------------------------------

    def _run(self, st: Statement, args: Any) -> SparkResult:
        spark = self.spark
        if st.action == "skip":
            return SparkResult([])
        if st.action == "query":
            df = spark.sql(st.sql, args=args)
            return SparkResult([tuple(_py(v) for v in row) for row in df.collect()], df.columns)
        if st.action == "create":
            if st.if_not_exists and self._exists(st.target):
                return SparkResult([])
            if not st.replace and self._exists(st.target):
                raise ValueError(f"table {st.target} already exists")
            self._set(st.target, spark.sql(st.sql, args=args), materialize=not st.view)
            return SparkResult([])
        if st.action == "create_empty":
            if self._exists(st.target) and (st.if_not_exists or not st.replace):
                if st.if_not_exists:
                    return SparkResult([])
                raise ValueError(f"table {st.target} already exists")
            self._set(st.target, spark.createDataFrame([], schema=st.schema), materialize=False)
            return SparkResult([])
        if st.action == "insert":
            self._append(st.target, spark.sql(st.sql, args=args))
            return SparkResult([])
        if st.action == "replace":
            from pyspark.sql import functions as F

            columns = spark.table(st.target).columns
            df = spark.sql(st.sql, args=args)
            got = set(df.columns)
            df = df.select(*[F.col(f"`{UPDATE_PREFIX}{c}`").alias(c) if UPDATE_PREFIX + c in got else F.col(f"`{c}`") for c in columns])
            self._set(st.target, df)
            return SparkResult([])
        if st.action == "drop":
            if not self._exists(st.target):
                if st.if_not_exists:
                    return SparkResult([])
                raise ValueError(f"table {st.target} does not exist")
            spark.catalog.dropTempView(st.target)
            self._tables.discard(st.target)
            return SparkResult([])
        if st.action == "describe":
            from auditor.engine.spark.parquet import duckdb_type_name

            df = spark.sql(st.sql, args=args)
            return SparkResult([(f.name, duckdb_type_name(f.dataType), "YES", None, None, None) for f in df.schema.fields])
        raise ValueError(f"unknown action {st.action}")

    def _exists(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(name))

    def _set(self, name: str, df: Any, *, materialize: bool = True) -> None:
        if materialize:
            df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._tables.add(name)

    def _append(self, table: str, df: Any) -> None:
        from pyspark.sql import functions as F

        old = self.spark.table(table)
        if len(df.columns) != len(old.columns):
            raise ValueError(f"INSERT INTO {table}: {len(df.columns)} columns for a table of {len(old.columns)}")
        piece = df.select(*[F.col(f"`{c}`").cast(f.dataType).alias(f.name) for c, f in zip(df.columns, old.schema.fields, strict=True)])
        # the piece is materialized once; the table is the union of its pieces, never copied again
        self._set(table, old.unionAll(piece.localCheckpoint(eager=True)), materialize=False)


def _arg(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def _py(value: Any) -> Any:
    """A Spark value as DuckDB's Python client gives it."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {k: _py(v) for k, v in zip(value.__fields__, value, strict=True)}
    if isinstance(value, list):
        return [_py(v) for v in value]
    if isinstance(value, dict):
        return {k: _py(v) for k, v in value.items()}
    if isinstance(value, Decimal) and value.as_tuple().exponent == 0:  # type: ignore[operator]
        return int(value)
    return value


def interrupt_all() -> None:
    """Cancel the jobs of every open Spark connection (a signal watcher calls it)."""
    conns: list[SparkConnection] = []
    with contextlib.suppress(RuntimeError):  # the set changed while being listed
        conns = list(_OPEN)
    for con in conns:
        con.interrupt()


@contextlib.contextmanager
def spark_connection(master: str | None = None, *, memory_limit: str | None = None, local_dir: str | None = None) -> Iterator[SparkConnection]:
    """A Spark connection for one run, closed (its tables dropped) however the run ends."""
    con = SparkConnection(master, memory_limit=memory_limit, local_dir=local_dir)
    try:
        yield con
    finally:
        con.close()
