"""DuckDB and Spark give the same bytes: the JSON report of one audit run on both engines, from the same Parquet files.

(a) the Taobao examples, (b) the Pinduoduo examples with shops and peers,
(c) property-test data (the record strategy of tests/props, a few
derandomized examples), (d) the CLI with ``--engine spark`` once, and the
usage error for input that is not Parquet. One Spark context serves the
module (``auditor.engine.spark.session`` keeps it per process). Spark is
slow to start and costs ~20 s per audit here even on small data (about 60
statements, each a Spark job), so the examples are few.

Skipped only where pyspark is not installed and CI is not "true"; in CI a
missing pyspark fails the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from auditor import api
from auditor.io.base import FIELDS
from tests.conftest import ROOT

try:
    import pyspark  # noqa: F401
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("pyspark is not installed (pip install 'auditor[spark]')", allow_module_level=True)

from tests.props.test_engine_vs_reference import scenario  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", autouse=True)
def spark_context():  # type: ignore[no-untyped-def]
    """The process's Spark context for the module, stopped at its end (later modules need none)."""
    from auditor.engine.spark import session

    yield
    session.stop()


def to_parquet(rows: list[dict], path: Path) -> None:
    """Records as one Parquet file of string columns; an id written as a JSON integer is its decimal text (CONTRACT §7.2)."""
    cols = {f: pa.array([None if r.get(f) is None else str(r[f]) for r in rows], pa.string()) for f in FIELDS}
    pq.write_table(pa.table(cols), path)


def both(paths: list[Path], **options) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    duck = api.render(api.audit(paths, api.AuditOptions(**options)), "json")
    spark = api.render(api.audit(paths, api.AuditOptions(engine="spark", **options)), "json")
    return _bytes(duck), _bytes(spark)


def _bytes(out: str | bytes) -> bytes:
    return out if isinstance(out, bytes) else out.encode("utf-8")


def test_taobao_examples_same_bytes(tmp_path: Path) -> None:
    for f in sorted((ROOT / "examples" / "data" / "parquet").glob("*.parquet")):
        pq.write_table(pq.read_table(f), tmp_path / f.name)
    duck, spark = both([tmp_path], policy="taobao", shops=ROOT / "examples" / "shops.yaml")
    report = json.loads(duck)
    # the run is not trivial: figures, findings and exclusions all come out (examples/README.md)
    assert report["metrics"] and report["violations"] and report["inputs"]["excluded"]
    assert spark == duck


def test_pinduoduo_examples_same_bytes(tmp_path: Path) -> None:
    import duckdb

    # the examples are JSONL and CSV: converted here with DuckDB, every column as text, so both engines read the same files
    for f in sorted((ROOT / "examples" / "pdd").iterdir()):
        reader = "read_json" if f.suffix == ".jsonl" else "read_csv"
        extra = ", format='newline_delimited', columns={" + ", ".join(f"{c}: 'VARCHAR'" for c in FIELDS) + "}" if f.suffix == ".jsonl" else ", all_varchar=true"
        table = duckdb.sql(f"SELECT * FROM {reader}($p{extra})", params={"p": str(f)}).to_arrow_table()
        pq.write_table(table, tmp_path / (f.stem + ".parquet"))
    duck, spark = both(
        [tmp_path], policy="pinduoduo", shops=ROOT / "examples" / "pdd-shops.csv", peers=ROOT / "examples" / "pdd-peers.csv"
    )
    report = json.loads(duck)
    assert report["violations"] and report["not_evaluated"] and report["flags"] and report["inputs"]["excluded"]["duplicate"]
    assert spark == duck


# Two drawn cases (derandomized: the same ones every run); each costs two audits, ~20-30 s on Spark.
@settings(max_examples=2, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario())
def test_property_data_same_bytes(tmp_path_factory, case) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("prop")
    to_parquet(case["records"], tmp / "chats.parquet")
    shops = None
    if case["shop_accounts"] is not None:
        shops = tmp / "shops.json"
        entries = [{"shop_id": s, "platform": "taobao", "accounts": sorted(a)} for s, a in sorted(case["shop_accounts"].items())]
        shops.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    as_of: date | None = case["as_of"]
    duck, spark = both([tmp / "chats.parquet"], policy="taobao", shops=shops, as_of=as_of)
    assert spark == duck


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, capture_output=True, timeout=600)


def test_cli_engine_spark_end_to_end(tmp_path: Path) -> None:
    src = ROOT / "examples" / "data" / "parquet"
    args = ["audit", str(src), "--policy", "taobao", "--shops", "examples/shops.yaml", "--format", "json", "--fail-on", "never"]
    duck = run_cli(*args)
    spark = run_cli(*args, "--engine", "spark", "--spark-master", "local[1]")
    assert duck.returncode == 0, duck.stderr
    assert spark.returncode == 0, spark.stderr
    assert spark.stdout == duck.stdout
    # nothing from the JVM: no log lines, no banner, no progress bar on stderr
    assert spark.stderr == b""


def test_jsonl_input_on_spark_is_a_usage_error() -> None:
    jsonl = ROOT / "examples" / "pdd" / "pdd_fresh.jsonl"
    out = run_cli("audit", str(jsonl), "--policy", "pinduoduo", "--engine", "spark")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "reads only Parquet" in err and "convert the records to Parquet" in err and "--engine duckdb" in err
    assert out.stdout == b""


def test_library_refuses_csv_on_spark() -> None:
    with pytest.raises(api.UsageError, match="reads only Parquet"):
        api.audit([ROOT / "examples" / "pdd" / "pdd_new.csv"], api.AuditOptions(policy="pinduoduo", engine="spark"))
