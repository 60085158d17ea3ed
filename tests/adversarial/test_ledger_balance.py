"""Byte-level fuzzing of the input layer (BAD-INPUT 'Fuzzing, SQLite style', rows 1-12).

Small valid JSONL, CSV and Parquet files have random bytes inserted, deleted and replaced; whatever comes
out, ``audit`` must not raise anything but ``InputError`` (nothing readable at all), and the ledger must
balance: read = used + sum(excluded) + rejected, overall and per file, with every rejection pointing at
a real line of its file.

Regression examples: a leading ``\xff\xfe`` (UTF-16 BOM) once crashed the JSONL reader from inside
DuckDB's stream scan.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import auditor
from auditor.errors import InputError
from auditor.io.base import FIELDS, REQUIRED

AS_OF = date(2026, 3, 10)

JSONL = (
    '{"shop_id":"s1","buyer_id":"b1","role":"buyer","ts":"2026-03-01T10:00:00+08:00","msg_id":"m1","text":"你好, \\"hi\\""}\n'
    '{"shop_id":"s1","buyer_id":"b1","role":"agent","ts":"2026-03-01T10:00:30+08:00","msg_id":"m2","sender_id":"a1"}\n'
    '{"shop_id":"s1","buyer_id":"b1","role":"agent","ts":"2026-03-01T10:00:30+08:00","msg_id":"m2"}\n'
    '{"shop_id":"s1","buyer_id":"b2","role":"system","ts":"2026-03-01T11:00:00Z","kind":"notice"}\n'
    '{"shop_id":"s1","buyer_id":"b2","role":"buyer","ts":"2026-03-01T11:00:00","kind":"ad"}\n'
    '{"shop_id":"s2","buyer_id":"b3","role":"buyer","ts":"2025-01-01T00:00:00+08:00"}\n'
).encode()

CSV = (
    b"shop_id,buyer_id,role,ts,kind,text,msg_id\r\n"
    b's1,b9,buyer,2026-03-02T09:00:00+08:00,,"multi\r\nline, ""quoted""",c1\r\n'
    b"s1,b9,agent,2026-03-02T09:01:00+08:00,message,ok,c2\r\n"
    b"s1,b9,bot,2026-03-02T09:01:05+08:00,,auto,c3\r\n"
    b"s1,b9,agent,2026-03-02T09:02:00+08:00,close,,c4\r\n"
)


def _parquet_bytes() -> bytes:
    buf = pa.BufferOutputStream()
    table = pa.table(
        {
            "shop_id": ["s3", "s3", "s3"],
            "buyer_id": ["b1", "b1", "b2"],
            "role": ["buyer", "agent", "buyer"],
            "ts": ["2026-03-03T10:00:00+08:00", "2026-03-03T10:00:10+08:00", "2026-03-03T12:00:00+08:00"],
            "text": ["a", "b", "c"],
        }
    )
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue().to_pybytes()


PARQUET = _parquet_bytes()

CODES = (
    {"encoding", "line_too_long", "invalid_json", "not_object", "duplicate_key", "bad_csv", "bad_ts", "bad_enum:role", "bad_enum:kind"}
    | {f"missing:{f}" for f in REQUIRED}
    | {f"bad_type:{f}" for f in FIELDS}
)

_byte = st.one_of(
    st.sampled_from([b"\r", b"\n", b"\r\n", b'"', b"{", b"}", b",", b"\\", b"\xff", b"\x00", b" ", b"\t", b":", b"[", b"\xef\xbb\xbf"]),
    st.sampled_from([b"\xff\xfe", b"\xfe\xff"]),
    st.binary(min_size=1, max_size=3),
)


@st.composite
def _mutated(draw, data: bytes, max_ops: int = 6) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        pos = draw(st.integers(0, len(buf)))
        if op == "insert":
            buf[pos:pos] = draw(_byte)
        elif op == "delete" and buf:
            n = draw(st.integers(1, 8))
            del buf[pos : pos + n]
        elif buf:
            buf[pos : pos + 1] = draw(_byte)
    return bytes(buf)


@st.composite
def _parquet_mutated(draw) -> bytes:
    buf = bytearray(PARQUET)
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(4, len(buf) - 9))  # mostly the pages and metadata, sometimes the footer
        buf[pos] = draw(st.integers(0, 255))
    return bytes(buf)


def _physical_lines(data: bytes) -> int:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    norm = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return norm.count(b"\n") + (0 if norm.endswith(b"\n") or not norm else 1)


def _jsonl_records(data: bytes) -> int:
    """CONTRACT §7.1: every physical line is a record unless it holds only whitespace."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    norm = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return sum(1 for seg in norm.split(b"\n") if seg.strip(b" \t"))


def _check(paths: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for name, data in paths.items():
            (root / name).write_bytes(data)
        try:
            report = auditor.audit([root], auditor.AuditOptions(policy="taobao", as_of=AS_OF))
        except InputError:
            return  # nothing readable at all: the one error bad data may raise
        i = report.inputs
        assert i.read == i.used + sum(i.excluded.values()) + i.rejected
        assert i.rejected == len(i.rejections)
        assert all(n > 0 for n in i.excluded.values())
        assert set(i.excluded) <= {"system", "non_genuine", "same_shop", "duplicate", "out_of_period"}
        assert sum(f.read for f in i.files) == i.read
        assert sum(f.used for f in i.files) == i.used
        assert sum(f.rejected for f in i.files) == i.rejected
        by_name = {Path(f.file).name: f for f in i.files}
        assert set(by_name) == set(paths)
        for f in i.files:
            assert f.read == f.used + f.excluded + f.rejected
            assert f.status in ("ok", "empty", "unreadable")
            if f.status == "unreadable":
                assert f.read == 0 and f.reason
        keys = [(r.file, r.line) for r in i.rejections]
        assert keys == sorted(keys, key=lambda k: ([f.file for f in i.files].index(k[0]), k[1]))
        assert len(set(keys)) == len(keys)  # one record per line at most
        for r in i.rejections:
            assert r.code in CODES, r.code
            assert r.reason
            name = Path(r.file).name
            if name.endswith(".parquet"):
                assert 1 <= r.line <= by_name[name].read
            else:
                assert 1 <= r.line <= _physical_lines(paths[name]), (r.file, r.line)
        if "chat.jsonl" in by_name and by_name["chat.jsonl"].status != "unreadable":
            assert by_name["chat.jsonl"].read == _jsonl_records(paths["chat.jsonl"])


def test_unmutated_files_are_clean():
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "chat.jsonl").write_bytes(JSONL)
        (root / "chat.csv").write_bytes(CSV)
        (root / "chat.parquet").write_bytes(PARQUET)
        i = auditor.audit([root], auditor.AuditOptions(policy="taobao", as_of=AS_OF)).inputs
    assert (i.read, i.used, i.excluded, i.rejected) == (
        13,
        9,
        {"system": 1, "non_genuine": 1, "duplicate": 1, "out_of_period": 1},
        0,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(jsonl=_mutated(JSONL), csv=_mutated(CSV), parquet=_parquet_mutated())
@example(jsonl=JSONL.replace(b"}\n", b"}\r", 2), csv=CSV.replace(b'"multi', b'multi"'), parquet=PARQUET[:-8])
@example(jsonl=b"\xef\xbb\xbf" + JSONL.replace(b'"role"', b'"role":"x","role"', 1), csv=CSV[:40], parquet=b"PAR1")
@example(jsonl=b"\xff" + JSONL, csv=b"\xef\xbb\xbf" + CSV.replace(b",", b'"', 1), parquet=PARQUET)
@example(jsonl=b"\r\r\n\n  \t\n", csv=b"", parquet=b"")
@example(jsonl=b"\xff\xfe" + JSONL, csv=b"\xfe\xff" + CSV, parquet=b"\xff\xfe" + PARQUET)
def test_mutated_inputs_keep_the_ledger_balanced(jsonl, csv, parquet):
    _check({"chat.jsonl": jsonl, "chat.csv": csv, "chat.parquet": parquet})


_token = st.sampled_from(list('{}[]":, \\ab01\r\n\t') + ["\x00", "店", "NaN", "true", "null", '"role"', '"ts"', '"shop_id"'])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.lists(_token, max_size=30).map("".join), min_size=1, max_size=8))
def test_random_jsonl_lines_keep_the_ledger_balanced(lines):
    _check({"chat.jsonl": "\n".join(lines).encode("utf-8")})
