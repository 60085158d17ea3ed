"""The engine's SQL stays within what a distributed engine can run: it transpiles to Spark SQL.

This keeps the definitions portable until the Spark runner lands (issue 10):
sqlglot must parse every statement and produce Spark SQL without errors or
unsupported constructs.
"""

from __future__ import annotations

import sqlglot
from sqlglot.errors import ErrorLevel

from auditor.engine.metrics import KINDS
from auditor.engine.rounds import ROUNDS_SQL
from auditor.policy.loader import load_pack


def _spark(sql: str) -> str:
    sql = sql.replace("CREATE OR REPLACE TABLE rounds AS", "")
    out = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    assert len(out) == 1
    return out[0]


def test_rounds_sql_transpiles_to_spark() -> None:
    spark = _spark(ROUNDS_SQL)
    assert "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING" in spark
    assert "ARRAY_CONTAINS" in spark.upper()


def test_every_metric_kind_transpiles_to_spark() -> None:
    seen = set()
    for name in ("taobao", "pinduoduo"):
        for m in load_pack(name).pack.metrics:
            kind = KINDS[m.kind](m)
            seen.add(m.kind)
            src = kind.source_sql()
            where = f"r.local_day BETWEEN $start AND $end AND {kind.scope_sql()}"
            _spark(f"SELECT r.shop_id, {kind.numerator_sql()} AS num, count(*) AS den FROM {src} r WHERE {where} GROUP BY r.shop_id")
            _spark(f"SELECT r.round_id, row_number() OVER (PARTITION BY r.shop_id ORDER BY {kind.worst_first_sql()}) AS pos FROM {src} r WHERE {kind.scope_sql()}")
    assert seen == set(KINDS)
