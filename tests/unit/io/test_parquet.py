"""Parquet reading: column types, typed timestamps, row numbers, unreadable files (BAD-INPUT rows 13, 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditor.errors import InputError

NS = 1_000_000_000
GOOD_JSONL = '{"shop_id":"s1","buyer_id":"b1","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n'


def _ns(d: datetime) -> int:
    delta = d - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1000


def _table(**cols) -> pa.Table:
    n = next((len(v) for v in cols.values() if v is not None), 2)
    base = {
        "shop_id": pa.array(["s1"] * n),
        "buyer_id": pa.array(["b1"] * n),
        "role": pa.array(["buyer", "agent"] * (n // 2) + ["buyer"] * (n % 2)),
        "ts": pa.array([f"2026-03-01T10:00:{i:02d}+08:00" for i in range(n)]),
    }
    base.update(cols)
    return pa.table({k: v for k, v in base.items() if v is not None})


def test_string_columns(tmp_path, run_audit, ledger, stage_records):
    p = tmp_path / "a.parquet"
    pq.write_table(_table(text=pa.array(["hi", None, "店铺"]), kind=pa.array(["message", "", None])), p)
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}
    (f,) = report.inputs.files
    assert (f.format, f.status, f.read, f.notes) == ("parquet", "ok", 3, [])
    assert stage_records(p, columns="line, text, kind") == [(1, "hi", "message"), (2, None, "message"), (3, "店铺", "message")]


def test_integer_ids_and_extra_columns(tmp_path, run_audit, ledger, stage_records):
    p = tmp_path / "a.parquet"
    pq.write_table(
        _table(
            shop_id=pa.array([123, 123, 123], pa.int64()),
            msg_id=pa.array([1, 2, 2**64 - 1], pa.uint64()),
            sender_id=pa.array([None, 7, None], pa.int32()),
            extra=pa.array([1.5, 2.5, 3.5]),
            score=pa.array([True, False, True]),
        ),
        p,
    )
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}
    assert report.inputs.files[0].notes == ["ignored columns: extra, score"]
    assert {m.shop_id for m in report.metrics} == {"123"}
    assert stage_records(p, columns="shop_id, msg_id, sender_id") == [
        ("123", "1", None),
        ("123", "2", "7"),
        ("123", str(2**64 - 1), None),
    ]


def test_typed_timestamps_naive_is_pack_zone_aware_is_kept(tmp_path, stage_records):
    instant = datetime(2026, 3, 1, 2, 0, 0, 123456, tzinfo=UTC)
    naive_local = datetime(2026, 3, 1, 10, 0, 0, 123456)  # = instant in Asia/Shanghai
    files = {
        "a_naive_us.parquet": pa.array([naive_local], pa.timestamp("us")),
        "b_naive_ms.parquet": pa.array([datetime(2026, 3, 1, 10, 0, 0, 123000)], pa.timestamp("ms")),
        "c_naive_s.parquet": pa.array([datetime(2026, 3, 1, 10, 0, 0)], pa.timestamp("s")),
        "d_naive_ns.parquet": pa.array([_ns(instant) + 8 * 3600 * NS + 789], pa.timestamp("ns")),
        "e_utc_us.parquet": pa.array([instant], pa.timestamp("us", tz="UTC")),
        "g_tokyo_ms.parquet": pa.array([datetime(2026, 3, 1, 2, 0, 0, 123000, tzinfo=UTC)], pa.timestamp("ms", tz="Asia/Tokyo")),
        "h_string.parquet": pa.array(["2026-03-01T10:00:00.123456"]),
    }
    paths = []
    for name, col in files.items():
        pq.write_table(_table(ts=col), tmp_path / name)
        paths.append(tmp_path / name)
    got = stage_records(*paths)
    base = _ns(instant)
    assert [(line, code, utc - base) for line, code, _, utc in got] == [
        (1, None, 0),
        (1, None, -456_000),
        (1, None, -123_456_000),
        (1, None, 789),
        (1, None, 0),
        (1, None, -456_000),
        (1, None, 0),
    ]


# regression: timestamp[ns, tz=...] (DuckDB TIMESTAMPTZ_NS, what pandas datetime64[ns, UTC] becomes) was rejected bad_type:ts
@pytest.mark.parametrize("tz", ["UTC", "+08:00"])
def test_tz_aware_ns_timestamp(tmp_path, stage_records, tz):
    instant = datetime(2026, 3, 1, 2, 0, 0, tzinfo=UTC)
    pq.write_table(_table(ts=pa.array([_ns(instant) + 789], pa.timestamp("ns", tz=tz))), tmp_path / "a.parquet")
    assert [(line, code, utc) for line, code, _, utc in stage_records(tmp_path / "a.parquet")] == [(1, None, _ns(instant) + 789)]


def test_naive_parquet_timestamp_in_dst_gap_rejected(tmp_path, stage_records):
    pq.write_table(
        _table(ts=pa.array([datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 8, 3, 30)], pa.timestamp("us"))), tmp_path / "a.parquet"
    )
    got = stage_records(tmp_path / "a.parquet", tz="America/New_York")
    assert [(line, code) for line, code, _, _ in got] == [(1, "bad_ts"), (2, None)]
    assert "does not exist in America/New_York" in got[0][2]


def test_wrong_column_types_rejected(tmp_path, run_audit, ledger, reasons):
    pq.write_table(_table(role=pa.array([1, 2], pa.int64())), tmp_path / "a_role_int.parquet")
    pq.write_table(_table(ts=pa.array([date(2026, 3, 1)], pa.date32())), tmp_path / "b_ts_date.parquet")
    pq.write_table(_table(text=pa.array([True])), tmp_path / "c_text_bool.parquet")
    pq.write_table(_table(msg_id=pa.array([1.5])), tmp_path / "d_msg_id_double.parquet")
    pq.write_table(_table(ts=pa.array([1_700_000_000], pa.int64())), tmp_path / "e_ts_epoch.parquet")
    report = run_audit(tmp_path)
    led = ledger(report)
    assert (led["read"], led["used"], led["rejected"]) == (6, 0, 6)
    got = [(r.file.rsplit("/", 1)[1], r.line, r.code, r.reason) for r in report.inputs.rejections]
    assert got == [
        ("a_role_int.parquet", 1, "bad_type:role", "field `role` is an integer, expected a string"),
        ("a_role_int.parquet", 2, "bad_type:role", "field `role` is an integer, expected a string"),
        ("b_ts_date.parquet", 1, "bad_type:ts", "field `ts` is a date, expected an ISO 8601 date-time string"),
        ("c_text_bool.parquet", 1, "bad_type:text", "field `text` is a boolean, expected a string"),
        ("d_msg_id_double.parquet", 1, "bad_type:msg_id", "field `msg_id` is a double, expected a string or an integer"),
        ("e_ts_epoch.parquet", 1, "bad_type:ts", "field `ts` is an integer, expected an ISO 8601 date-time string"),
    ]


def test_ts_string_in_one_file_timestamp_in_another(tmp_path, run_audit, ledger):
    pq.write_table(_table(ts=pa.array(["2026-03-01T10:00:00+08:00", "not a time"])), tmp_path / "a.parquet")
    pq.write_table(_table(ts=pa.array([datetime(2026, 3, 1, 10, 0, 30)], pa.timestamp("us"))), tmp_path / "b.parquet")
    assert ledger(run_audit(tmp_path)) == {"read": 3, "used": 2, "excluded": {}, "rejected": 1, "rejections": [(2, "bad_ts")]}


def test_line_is_one_based_row_across_row_groups(tmp_path, run_audit, ledger):
    n = 25
    roles = ["buyer"] * n
    roles[0], roles[9], roles[10], roles[24] = "x0", "x9", "x10", "x24"
    ts = [f"2026-03-01T10:00:{i:02d}+08:00" for i in range(n)]
    ts[17] = None
    pq.write_table(_table(role=pa.array(roles), ts=pa.array(ts)), tmp_path / "a.parquet", row_group_size=4)
    assert pq.ParquetFile(tmp_path / "a.parquet").num_row_groups == 7
    assert ledger(run_audit(tmp_path)) == {
        "read": 25,
        "used": 20,
        "excluded": {},
        "rejected": 5,
        "rejections": [(1, "bad_enum:role"), (10, "bad_enum:role"), (11, "bad_enum:role"), (18, "missing:ts"), (25, "bad_enum:role")],
    }


def test_missing_and_null_required_columns(tmp_path, run_audit, ledger):
    pq.write_table(_table(buyer_id=None), tmp_path / "a.parquet")  # no buyer_id column at all
    pq.write_table(_table(shop_id=pa.array([None, "s1"], pa.string())), tmp_path / "b.parquet")
    report = run_audit(tmp_path)
    assert [(r.file.rsplit("/", 1)[1], r.line, r.code, r.reason) for r in report.inputs.rejections] == [
        ("a.parquet", 1, "missing:buyer_id", "field `buyer_id` is missing"),
        ("a.parquet", 2, "missing:buyer_id", "field `buyer_id` is missing"),
        ("b.parquet", 1, "missing:shop_id", "field `shop_id` is null"),
    ]
    assert ledger(report)["used"] == 1


def _good_parquet_bytes() -> bytes:
    buf = pa.BufferOutputStream()
    pq.write_table(_table(text=pa.array(["a", "b", "c", "d"])), buf)
    return buf.getvalue().to_pybytes()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated_half"),
        pytest.param(lambda b: b[:-8], id="footer_cut"),
        pytest.param(lambda b: b[:-4] + b"XXXX", id="wrong_trailing_magic"),
        pytest.param(lambda b: b"", id="zero_bytes"),
        pytest.param(lambda b: b"PAR1", id="magic_only"),
        pytest.param(lambda b: b'{"shop_id":"s1"}\n', id="jsonl_named_parquet"),
    ],
)
def test_unreadable_parquet_others_audited(tmp_path, run_audit, ledger, mangle):
    (tmp_path / "bad.parquet").write_bytes(mangle(_good_parquet_bytes()))
    (tmp_path / "good.parquet").write_bytes(_good_parquet_bytes())
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 5, "used": 5, "excluded": {}, "rejected": 0, "rejections": []}
    bad, good, z = report.inputs.files
    assert bad.file.endswith("bad.parquet")
    assert (bad.status, bad.read, bad.used, bad.rejected) == ("unreadable", 0, 0, 0)
    assert bad.reason and bad.reason.startswith(
        ("not a Parquet file: ", "not a readable Parquet file: ", "Parquet data could not be decoded: ")
    )
    assert (good.status, good.read, z.status, z.read) == ("ok", 4, "ok", 1)


def test_wrong_leading_magic_is_unreadable(tmp_path, run_audit):
    # DuckDB itself checks only the footer magic
    (tmp_path / "bad.parquet").write_bytes(b"XXXX" + _good_parquet_bytes()[4:])
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    bad, _ = run_audit(tmp_path).inputs.files
    assert (bad.status, bad.reason) == ("unreadable", "not a Parquet file: it does not start with the PAR1 magic bytes")


def test_only_unreadable_parquet_is_no_readable_input(tmp_path, run_audit):
    (tmp_path / "bad.parquet").write_bytes(_good_parquet_bytes()[:-8])
    with pytest.raises(InputError, match="no readable input"):
        run_audit(tmp_path)


def test_empty_parquet_table_is_empty(tmp_path, run_audit, ledger):
    pq.write_table(_table().slice(0, 0), tmp_path / "a.parquet")
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report)["read"] == 1
    assert (report.inputs.files[0].status, report.inputs.files[0].read) == ("empty", 0)
