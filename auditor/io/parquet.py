"""Parquet reader: columns mapped by name, each file's own types checked and cast in DuckDB.

A record's "line" is its 1-based row in the file. The file is not copied: its
rows are decoded once to check them, and ``staged_rows`` reads them again
through a view when the records are made (decoding Parquet is cheap, holding
every value as text is not). A file that DuckDB cannot
open (truncated, wrong magic, corrupt footer) is recorded as unreadable and the
audit goes on with the other files.
"""

from __future__ import annotations

import duckdb

from auditor.duck import run
from auditor.io.base import FIELDS, SESSION_FAULTS, FileOutcome, InputFile, Reader, one_line, register

_INTS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_NAIVE_TS = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}
_AWARE_TS = {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMPTZ_NS", "TIMESTAMP_NS WITH TIME ZONE"}


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@register
class ParquetReader(Reader):
    name = "parquet"
    suffixes = (".parquet", ".pq")
    expansion = 25.0  # compressed columns: 479 MB of bench Parquet became 12 GB of records (50M)

    def _stage(self, con: duckdb.DuckDBPyConnection, file: InputFile) -> FileOutcome:
        outcome = FileOutcome()
        path = str(file.path)
        with file.path.open("rb") as fh:
            magic = fh.read(4)
        if magic != b"PAR1":
            outcome.status = "unreadable"
            outcome.reason = "not a Parquet file: it does not start with the PAR1 magic bytes"
            return outcome
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": path}).fetchall()
        except SESSION_FAULTS:
            raise
        except duckdb.Error as exc:
            outcome.status = "unreadable"
            outcome.reason = "not a readable Parquet file: " + one_line(str(exc))
            return outcome
        types = {name: typ for name, typ, *_ in described}
        extra = [n for n in types if n not in FIELDS]
        if extra:
            outcome.notes.append("ignored columns: " + ", ".join(extra))
        parts = []
        for f in FIELDS:
            typ = types.get(f)
            if typ is None:
                parts.append(f"NULL AS {f}, 'absent' AS {f}__t")
                continue
            col = _quote_ident(f)
            if typ == "VARCHAR":
                val, tag = col, "'string'"
            elif typ in _INTS:
                val, tag = f"CAST({col} AS VARCHAR)", "'integer'"
            elif f == "ts" and (typ in _NAIVE_TS or typ in _AWARE_TS):
                # a typed timestamp goes through the same ISO parser as text; naive stays naive
                val, tag = f"CAST({col} AS VARCHAR)", "'string'"
            else:
                val, tag = "NULL", f"'{typ.lower().replace(chr(39), '')}'"
            parts.append(f"{val} AS {f}, CASE WHEN {col} IS NULL THEN 'null' ELSE {tag} END AS {f}__t")
        columns = f"CAST({int(file.idx)} AS INTEGER) AS file_idx, file_row_number + 1 AS line, NULL AS err, NULL AS err_detail, NULL AS excerpt, {', '.join(parts)}"
        # The path reaches DuckDB as a value of the relational API, never as SQL text.
        view = f"parquet_{int(file.idx)}"
        try:
            con.read_parquet(path, file_row_number=True).project(columns).create_view(view, replace=True)
            # Decode every column once, so a file whose pages are damaged is recorded as unreadable here
            # rather than failing the audit halfway; the rows are read again, not copied, when records are made.
            touched = " + ".join(f"coalesce(sum(length({f})), 0)" for f in FIELDS)
            con.execute(f"SELECT count(*), {touched} FROM {view}").fetchall()
        except SESSION_FAULTS:
            raise
        except duckdb.Error as exc:
            run(con, f"DROP VIEW IF EXISTS {view}")
            outcome.status = "unreadable"
            outcome.reason = "Parquet data could not be decoded: " + one_line(str(exc))
            return outcome
        outcome.view = view
        return outcome
