"""Parquet staging on Spark: the same ``staged`` rows as ``auditor/io/parquet.py`` makes on DuckDB.

Per file: the 1-based row within the file (Spark's ``_metadata.row_index``
+ 1) as ``line``, each contract field's value as text and its type tag. The
file's schema is read with pyarrow on the driver and named as DuckDB names
Parquet types, so the ``ignored columns`` note and a type tag ("field `ts` is
a double") read the same on both engines. Values: strings as they are,
integers as decimal text, typed timestamps as DuckDB's cast to VARCHAR writes
them (``2026-03-01 10:00:00.5``, with ``+00`` when the column is UTC-adjusted).

Columns are selected by name through the DataFrame API, never pasted into SQL.
A file Spark cannot read is an unreadable outcome with Spark's first line of
error, as DuckDB's is on the default engine (the wording differs).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditor.io.base import FIELDS, FileOutcome, InputFile, Reader, one_line

_UNSIGNED = {8: "UTINYINT", 16: "USMALLINT", 32: "UINTEGER", 64: "UBIGINT"}
_SIGNED = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}


def arrow_duckdb_name(t: pa.DataType) -> str:
    """How DuckDB names the column type a Parquet file's Arrow type reads as."""
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_integer(t):
        return (_SIGNED if pa.types.is_signed_integer(t) else _UNSIGNED)[t.bit_width]
    if pa.types.is_timestamp(t):
        if t.tz is not None:
            return "TIMESTAMP WITH TIME ZONE"
        return "TIMESTAMP_NS" if t.unit == "ns" else "TIMESTAMP"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_time(t):
        return "TIME"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "BLOB"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return arrow_duckdb_name(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{f.name} {arrow_duckdb_name(f.type)}" for f in t) + ")"
    if pa.types.is_map(t):
        return f"MAP({arrow_duckdb_name(t.key_type)}, {arrow_duckdb_name(t.item_type)})"
    return str(t).upper()


def duckdb_type_name(t: Any) -> str:
    """How DuckDB would name a Spark column type (for ``DESCRIBE``)."""
    name = type(t).__name__
    simple = {
        "StringType": "VARCHAR", "ByteType": "TINYINT", "ShortType": "SMALLINT", "IntegerType": "INTEGER", "LongType": "BIGINT",
        "FloatType": "FLOAT", "DoubleType": "DOUBLE", "BooleanType": "BOOLEAN", "DateType": "DATE", "BinaryType": "BLOB",
        "TimestampType": "TIMESTAMP WITH TIME ZONE", "TimestampNTZType": "TIMESTAMP", "NullType": '"NULL"',
    }
    if name in simple:
        return simple[name]
    if name == "DecimalType":
        return f"DECIMAL({t.precision},{t.scale})"
    if name == "ArrayType":
        return duckdb_type_name(t.elementType) + "[]"
    if name == "StructType":
        return "STRUCT(" + ", ".join(f"{f.name} {duckdb_type_name(f.dataType)}" for f in t.fields) + ")"
    return t.simpleString().upper()


_INTS = set(_SIGNED.values()) | set(_UNSIGNED.values())


class SparkParquetReader(Reader):
    """Stages one Parquet file into ``staged`` on a ``SparkConnection``."""

    name = "parquet"
    suffixes = (".parquet", ".pq")

    def _stage(self, con: Any, file: InputFile) -> FileOutcome:
        outcome = FileOutcome()
        path = str(file.path)
        with file.path.open("rb") as fh:
            magic = fh.read(4)
        if magic != b"PAR1":
            outcome.status = "unreadable"
            outcome.reason = "not a Parquet file: it does not start with the PAR1 magic bytes"
            return outcome
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as exc:
            outcome.status = "unreadable"
            outcome.reason = "not a readable Parquet file: " + one_line(str(exc))
            return outcome
        types = {f.name: arrow_duckdb_name(f.type) for f in schema}
        extra = [n for n in types if n not in FIELDS]
        if extra:
            outcome.notes.append("ignored columns: " + ", ".join(extra))
        try:
            con.append("staged", _staged_frame(con.spark, path, file.idx, types))
        except Exception as exc:  # Spark's analysis and execution errors: the file, not the session, is at fault
            if _interrupted(exc):
                raise
            outcome.status = "unreadable"
            outcome.reason = "Parquet data could not be decoded: " + one_line(str(exc))
        return outcome


def _interrupted(exc: BaseException) -> bool:
    text = str(exc)
    return "cancelled" in text.lower() and "job" in text.lower()


def _staged_frame(spark: Any, path: str, file_idx: int, types: dict[str, str]) -> Any:
    from pyspark.sql import functions as F

    df = spark.read.parquet(path)
    text = F.lit(None).cast("string")
    cols = [
        F.lit(file_idx).cast("int").alias("file_idx"),
        (F.col("_metadata.row_index") + 1).cast("bigint").alias("line"),
        text.alias("err"),
        text.alias("err_detail"),
        text.alias("excerpt"),
    ]
    for f in FIELDS:
        typ = types.get(f)
        if typ is None:
            cols += [text.alias(f), F.lit("absent").alias(f"{f}__t")]
            continue
        col = df[f]  # by name, as a column object: never SQL text
        if typ == "VARCHAR":
            val, tag = col, "string"
        elif typ in _INTS:
            val, tag = col.cast("string"), "integer"
        elif f == "ts" and typ.startswith("TIMESTAMP"):
            val, tag = _timestamp_text(col, aware="WITH TIME ZONE" in typ), "string"
        else:
            val, tag = text, typ.lower().replace("'", "")
        cols += [val.alias(f), F.when(col.isNull(), F.lit("null")).otherwise(F.lit(tag)).alias(f"{f}__t")]
    return df.select(*cols)


def _timestamp_text(col: Any, *, aware: bool) -> Any:
    """DuckDB's text of a timestamp: seconds, then the fraction without trailing zeros, then +00 when UTC-adjusted.

    Spark's cast of a timestamp to text trims the fraction the same way; the session's time zone is UTC.
    """
    from pyspark.sql import functions as F

    text = col.cast("string")
    return F.concat(text, F.lit("+00")) if aware else text
