"""The DuckDB → Spark SQL transpiler (``auditor.engine.spark.dialect``), without a JVM.

Each test pins one construct: what Spark is given for it, and why that keeps
DuckDB's meaning. The last test runs a DuckDB audit of the examples and
transpiles every statement the engine executed, so SQL added to the engine
later is checked here first, in seconds.
"""

from __future__ import annotations

import contextlib

import pytest

import auditor.api as api
from auditor.engine.connection import EngineSettings, session
from auditor.engine.spark.dialect import UPDATE_PREFIX, DialectError, transpile
from tests.conftest import ROOT


def q(sql: str, ints: frozenset[str] = frozenset()) -> str:
    st = transpile(sql, ints)
    assert st.action == "query"
    return st.sql


def test_named_parameters_stay_bound_and_ints_are_bigint() -> None:
    st = transpile("SELECT * FROM t WHERE a = $shop AND b < $n LIMIT $k", frozenset({"n", "k"}))
    # values never enter the text: a marker per name; an int is BIGINT (Spark types a small one INT and INT wraps)
    assert st.sql == "SELECT * FROM t WHERE a = :shop AND b < CAST(:n AS BIGINT) LIMIT :k"
    assert set(st.params) == {"shop", "n", "k"}


def test_positional_parameters() -> None:
    # numbered in the order written, whatever order sqlglot keeps clauses in
    st = transpile("SELECT ? FROM t WHERE a = ? LIMIT ?", frozenset({"_p1"}))
    assert st.sql == "SELECT :_p0 FROM t WHERE a = CAST(:_p1 AS BIGINT) LIMIT :_p2"
    assert sorted(st.params) == [0, 1, 2]
    assert transpile("SELECT '?' AS q").sql == "SELECT '?' AS q"


def test_list_contains_with_a_bound_list() -> None:
    assert q("SELECT list_contains($valid_roles, role) FROM r") == "SELECT ARRAY_CONTAINS(:valid_roles, role) FROM r"


def test_create_or_replace_table_as_select() -> None:
    st = transpile("CREATE OR REPLACE TABLE records AS SELECT *, 1 AS x FROM records")
    assert (st.action, st.target, st.replace, st.view) == ("create", "records", True, False)
    assert st.sql == "SELECT *, 1 AS x FROM records"


def test_create_view_stays_lazy() -> None:
    st = transpile("CREATE OR REPLACE VIEW records AS SELECT * FROM records_t WHERE x > $d", frozenset({"d"}))
    assert (st.action, st.view, st.params) == ("create", True, ("d",))


def test_create_empty_table_schema() -> None:
    st = transpile("CREATE TABLE IF NOT EXISTS staged (file_idx INTEGER, line BIGINT, err VARCHAR)")
    assert (st.action, st.target, st.if_not_exists) == ("create_empty", "staged", True)
    assert st.schema == "file_idx INT, line BIGINT, err STRING"


def test_insert_with_cte_keeps_the_cte_on_the_query() -> None:
    st = transpile("INSERT INTO dups WITH k AS (SELECT rec_id FROM t) SELECT rec_id FROM k")
    assert (st.action, st.target) == ("insert", "dups")
    assert st.sql == "WITH k AS (SELECT rec_id FROM t) SELECT rec_id FROM k"


def test_update_from_becomes_a_left_join_with_a_match_flag() -> None:
    st = transpile(
        "UPDATE staged SET err = 'encoding', excerpt = NULL "
        "FROM (SELECT file_idx, min(line) AS first FROM staged GROUP BY file_idx) AS bad WHERE staged.file_idx = bad.file_idx"
    )
    assert (st.action, st.target) == ("replace", "staged")
    assert st.sql == (
        f"SELECT staged.*, IF(COALESCE(bad.__matched, FALSE), 'encoding', staged.err) AS {UPDATE_PREFIX}err, "
        f"IF(COALESCE(bad.__matched, FALSE), NULL, staged.excerpt) AS {UPDATE_PREFIX}excerpt FROM staged "
        "LEFT JOIN (SELECT *, TRUE AS __matched FROM (SELECT file_idx, MIN(line) AS first FROM staged GROUP BY file_idx) AS bad) AS bad "
        "ON staged.file_idx = bad.file_idx"
    )


def test_drop_describe_and_settings() -> None:
    assert (transpile("DROP TABLE IF EXISTS parsed").action, transpile("DROP TABLE IF EXISTS parsed").target) == ("drop", "parsed")
    assert transpile("DESCRIBE SELECT 1 AS a").action == "describe"
    for setting in ("SET enable_external_access = false", "SET lock_configuration = true", "SET TimeZone = 'UTC'"):
        assert transpile(setting).action == "skip"


def test_star_exclude() -> None:
    assert q("SELECT t.* EXCLUDE (pre) FROM t") == "SELECT t.* EXCEPT (pre) FROM t"


def test_struct_literal_and_min_of_struct() -> None:
    assert q("SELECT min({'t': utc_ns, 'r': rec_id}) AS first FROM e") == "SELECT MIN(STRUCT(utc_ns AS t, rec_id AS r)) AS first FROM e"


def test_integer_division_truncates_as_duckdb() -> None:
    # DuckDB: -7 // 2 = -3 (toward zero); Spark's DIV the same
    assert q("SELECT a // $n FROM t", frozenset({"n"})) == "SELECT a DIV CAST(:n AS BIGINT) FROM t"


def test_try_is_dropped_because_ansi_is_off() -> None:
    assert q("SELECT try(make_date(2026, 2, 30))") == "SELECT MAKE_DATE(2026, 2, 30)"


def test_regexp_extract_with_group_names_is_a_struct_of_groups() -> None:
    assert q("SELECT regexp_extract(ts, '^(\\d+)-(\\d+)$', ['y', 'mo']) AS p FROM t") == (
        "SELECT NAMED_STRUCT('y', REGEXP_EXTRACT(ts, '^(\\\\d+)-(\\\\d+)$'), 'mo', REGEXP_EXTRACT(ts, '^(\\\\d+)-(\\\\d+)$', 2)) AS p FROM t"
    )


def test_regexp_replace_first_match_and_global() -> None:
    assert q("SELECT regexp_replace(s, '[\\x00-\\x1f]', '?', 'g')") == "SELECT REGEXP_REPLACE(s, '[\\\\x00-\\\\x1f]', '?')"
    # without 'g' DuckDB replaces the first match only: anchored, the text before it kept as $1
    assert q("SELECT regexp_replace(s, 'a+', 'b')") == "SELECT REGEXP_REPLACE(s, '^(?s)(.*?)(?:a+)', '$1b')"
    with pytest.raises(DialectError):
        transpile("SELECT regexp_replace(s, '(a)', '\\1')")


def test_dates() -> None:
    assert q("SELECT date_diff('day', DATE '1970-01-01', d) FROM t") == "SELECT DATEDIFF(DAY, CAST('1970-01-01' AS DATE), d) FROM t"


def test_strptime_and_epoch() -> None:
    assert q("SELECT epoch_us(try_strptime(left(ts, 19), '%Y-%m-%dT%H:%M:%S')) FROM t") == (
        "SELECT UNIX_MICROS(TO_TIMESTAMP(LEFT(ts, 19), 'yyyy-MM-dd\\'T\\'HH:mm:ss')) FROM t"
    )
    assert "ssXXX" in q("SELECT epoch_us(try_strptime(ts, '%Y-%m-%dT%H:%M:%S%z')) FROM t")
    with pytest.raises(DialectError):
        transpile("SELECT try_strptime(ts, '%j') FROM t")


def test_full_match_strlen_and_list_slice() -> None:
    assert q("SELECT regexp_full_match(ts, 'a|b') FROM t") == "SELECT ts RLIKE '^(?:a|b)\\\\z' FROM t"
    assert q("SELECT strlen(ts) FROM t") == "SELECT OCTET_LENGTH(ts) FROM t"
    assert q("SELECT list_slice(s, 1, $limit) FROM t", frozenset({"limit"})) == (
        "SELECT SLICE(s, 1, CAST(GREATEST(0, CAST(:limit AS BIGINT) - 0) AS INT)) FROM t"
    )


def test_count_filter() -> None:
    assert q("SELECT count(*) FILTER (WHERE code IS NULL) FROM r") == "SELECT COUNT(*) FILTER(WHERE code IS NULL) FROM r"


def test_nulls_last_like_duckdb() -> None:
    # DuckDB sorts NULLs last both ways; Spark puts them first when ascending unless told
    assert q("SELECT a FROM t ORDER BY a, b DESC") == "SELECT a FROM t ORDER BY a NULLS LAST, b DESC"
    assert "ORDER BY utc_ns NULLS LAST" in q("SELECT row_number() OVER (PARTITION BY s ORDER BY utc_ns) FROM t")


def test_decimal_literals_are_double() -> None:
    # DuckDB divides DECIMALs to DOUBLE; Spark would keep DECIMAL at a coarser scale
    assert q("SELECT x / (2.0 * $n), 1e3 FROM t") == "SELECT x / (CAST(2.0 AS DOUBLE) * :n), CAST(1e3 AS DOUBLE) FROM t"


def test_ordered_list_with_filter() -> None:
    assert q("SELECT list({'a': x} ORDER BY k.pos) FILTER (WHERE k.pos <= 3) FROM t k") == (
        "SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(NAMED_STRUCT('k0', k.pos, 'v', STRUCT(x AS a))) FILTER(WHERE k.pos <= 3)), e -> e.v) FROM t AS k"
    )
    with pytest.raises(DialectError):
        transpile("SELECT list(x ORDER BY k DESC) FROM t")


def test_quantile_cont_is_percentile() -> None:
    assert q("SELECT quantile_cont(x, [0.25, 0.5]) FROM t") == "SELECT PERCENTILE(x, ARRAY(CAST(0.25 AS DOUBLE), CAST(0.5 AS DOUBLE))) FROM t"


def test_range_table_function() -> None:
    assert q("SELECT d FROM range($start, $end + 1) t(d)") == "SELECT d FROM RANGE(:start, :end + 1) AS t(d)"


def test_nested_ctes_stay_nested() -> None:
    # two CTEs named c in different scopes: hoisting them to the top (sqlglot's Hive habit) would collide
    sql = q("WITH c AS (SELECT 1 AS a) SELECT * FROM c JOIN (WITH c AS (SELECT 2 AS b) SELECT * FROM c) q ON TRUE")
    assert sql == "WITH c AS (SELECT 1 AS a) SELECT * FROM c JOIN (WITH c AS (SELECT 2 AS b) SELECT * FROM c) AS q ON TRUE"


def test_json_is_refused() -> None:
    with pytest.raises(DialectError):
        transpile("SELECT json_extract_string(txt, '$.a') FROM t")


def test_statements_are_cached_by_text() -> None:
    sql = "SELECT count(*) FROM records WHERE shop_id = $s"
    assert transpile(sql) is transpile(sql)


def test_every_statement_of_an_example_audit_transpiles() -> None:
    """Run the Taobao example audit on DuckDB, keep every statement it executed, and compile each for Spark."""
    seen: list[str] = []

    class Recorder:
        def __init__(self, con):  # type: ignore[no-untyped-def]
            self._con = con

        def execute(self, sql, params=None):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return self._con.execute(sql, params) if params is not None else self._con.execute(sql)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._con, name)

    @contextlib.contextmanager
    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        with session(EngineSettings.resolve(*args)) as con:
            yield Recorder(con)

    mp = pytest.MonkeyPatch()
    mp.setattr(api, "engine", recording)
    try:
        api.audit([ROOT / "examples" / "data" / "parquet"], api.AuditOptions(policy="taobao", shops=ROOT / "examples" / "shops.yaml"))
    finally:
        mp.undo()
    engine_sql = [s for s in dict.fromkeys(seen) if "read_parquet" not in s]  # the Parquet reader is Spark's own there
    assert len(engine_sql) > 30
    for sql in engine_sql:
        transpile(sql)

