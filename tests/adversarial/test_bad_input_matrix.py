"""The bad-input matrix (BAD-INPUT.md rows 1-18 and 21): every case with its exact ledger.

Each row has a test here, or points at the test elsewhere that already pins its
exact ledger (those are not copied); the tests here add the row's variants that
were missing. Every audit in this module goes through ``check_balance``:
read = used + sum(excluded) + rejected, overall and per file, and every
rejection belongs to a file of the report. docs/input-ledger.md says in words
what happens for each row.

Row  Where its exact ledger is pinned
 1   tests/unit/io/test_jsonl.py::test_single_line_ledger, ::test_all_bad_input_rows_in_one_file; here: test_row01_*
 2   tests/unit/io/test_jsonl.py::test_single_line_ledger, ::test_not_object_reason_uses_json_type_names; here: test_row02_*
 3   tests/unit/io/test_jsonl.py::test_integer_ids_read_as_decimal_strings, tests/unit/io/test_parquet.py::test_wrong_column_types_rejected; here: test_row03_*
 4   tests/unit/io/test_jsonl.py::test_reason_sentences_name_the_field, tests/unit/io/test_csv.py::test_empty_cells_are_absent; here: test_row04_*
 5   tests/unit/io/test_jsonl.py::test_single_line_ledger; here: test_row05_*
 6   tests/unit/io/test_timestamps.py::test_bad_timestamps_ledger_through_audit; here: test_row06_*
 7   tests/unit/io/test_timestamps.py::test_dst_nonexistent_and_ambiguous_naive_times_rejected; here: test_row07_*
 8   tests/unit/io/test_csv.py::test_gbk_file_every_record_rejected_encoding, ::test_gbk_header_file_unreadable; here: test_row08_*
 9   tests/unit/io/test_csv.py::test_bom_and_line_endings, ::test_utf16_csv_unreadable_with_hint; here: test_row09_*
10   tests/unit/io/test_jsonl.py::test_line_endings_and_bom_same_ledger, tests/unit/io/test_csv.py::test_bom_and_line_endings; here: test_row10_*
11   tests/unit/io/test_csv.py::test_quoted_field_with_embedded_newline_and_doubled_quotes, tests/unit/io/test_jsonl.py::test_raw_newline_in_string_gives_two_rejected_lines_escaped_is_fine; here: test_row11_*
12   tests/unit/io/test_jsonl.py::test_line_too_long_rejected_rest_read, tests/unit/io/test_csv.py::test_csv_record_too_long; here: test_row12_*
13   tests/unit/io/test_parquet.py::test_unreadable_parquet_others_audited, ::test_wrong_leading_magic_is_unreadable; here: test_row13_*
14   tests/unit/io/test_csv.py::test_empty_and_header_only_files, tests/cli/test_cli.py::test_no_readable_input_exit_2; here: test_row14_*
15   tests/unit/io/test_discover.py::test_symlinked_directory_not_followed, ::test_audit_lists_skipped_and_unreadable; here: test_row15_*
16   here: test_row16_*
17   tests/unit/io/test_csv.py::test_header_mapped_by_name_reordered_and_extra_columns, tests/unit/io/test_parquet.py::test_ts_string_in_one_file_timestamp_in_another; here: test_row17_*
18   tests/props/test_reference.py::test_equal_timestamps_buyer_first; here: test_row18_*
21   tests/unit/io/test_discover.py::test_file_deleted_between_discovery_and_read; here: test_row21_*
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import auditor
from auditor.errors import InputError
from auditor.models import AuditReport

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 3, 10)  # audited period 2026-02-09 .. 2026-03-10, Asia/Shanghai (taobao pack)
TS = "2026-03-01T10:00:00+08:00"
CSV_HEADER = "shop_id,buyer_id,role,ts"


# --- helpers -------------------------------------------------------------------------------------------


def obj(**kw: object) -> str:
    """One JSONL record (no newline): a buyer message of s1/b1 at TS; keyword args override, ``...`` drops a field."""
    base: dict = {"shop_id": "s1", "buyer_id": "b1", "role": "buyer", "ts": TS}
    base.update(kw)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


BUYER = obj()
AGENT = obj(role="agent", ts="2026-03-01T10:00:30+08:00", sender_id="a1")


def audit(*paths: str | Path, **kw: object) -> AuditReport:
    """Audit with the taobao pack as of AS_OF, and check that the ledger balances overall and per file."""
    report = auditor.audit(list(paths), auditor.AuditOptions(policy="taobao", as_of=AS_OF, **kw))  # type: ignore[arg-type]
    check_balance(report)
    return report


def check_balance(report: AuditReport) -> None:
    i = report.inputs
    assert i.read == i.used + sum(i.excluded.values()) + i.rejected
    assert i.rejected == len(i.rejections)
    for f in i.files:
        assert f.read == f.used + f.excluded + f.rejected, f
        assert f.rejected == sum(1 for r in i.rejections if r.file == f.file), f
        if f.status == "unreadable":
            assert f.read == 0 and f.reason, f
    assert (sum(f.read for f in i.files), sum(f.used for f in i.files), sum(f.excluded for f in i.files)) == (
        i.read,
        i.used,
        sum(i.excluded.values()),
    )
    assert {r.file for r in i.rejections} <= {f.file for f in i.files}


def ledger(report: AuditReport) -> dict:
    i = report.inputs
    return {
        "read": i.read,
        "used": i.used,
        "excluded": dict(i.excluded),
        "rejected": i.rejected,
        "rejections": [(r.file, r.line, r.code) for r in i.rejections],
    }


def files(report: AuditReport) -> list[tuple]:
    return [(f.file, f.status, f.read, f.used, f.excluded, f.rejected) for f in report.inputs.files]


def shop_metrics(report: AuditReport, shop: str = "s1") -> dict[str, tuple]:
    return {m.metric: (m.value, m.numerator, m.denominator) for m in report.metrics if m.shop_id == shop and m.agent_id is None}


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def parquet(path: Path, **cols: object) -> Path:
    """A Parquet file; columns given as lists (strings) or pyarrow arrays."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({k: v if isinstance(v, pa.Array) else pa.array(v) for k, v in cols.items()}), path)
    return path


def cli(*args: str, cwd: Path, user: tuple[int, int] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real command in a subprocess; ``user`` = (uid, gid) runs it unprivileged via setpriv."""
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_DEBUG"}
    env["PYTHONPATH"] = str(ROOT)
    prefix: list[str] = []
    if user is not None:
        prefix = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"]
    return subprocess.run([*prefix, sys.executable, "-m", "auditor.cli", *args], cwd=cwd, capture_output=True, env=env, timeout=180)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path, entered, so that reports name files as given (``a.jsonl``, ``d/x.csv``)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- row 1: malformed JSON lines ------------------------------------------------------------------------

# Forms the row-1 tests in tests/unit/io/test_jsonl.py do not try. (label, line, code or None = used)
ROW1: list[tuple[str, str, str | None]] = [
    ("top_level_trailing_comma", BUYER + ",", "invalid_json"),
    ("tab_then_trailer", '{"a":2}\tTRAILER', "invalid_json"),
    ("record_then_word", BUYER + " x", "invalid_json"),
    ("two_records_no_space", BUYER + BUYER, "invalid_json"),
    ("array_trailing_comma", "[1,]", "invalid_json"),
    ("minus_infinity", BUYER[:-1] + ', "x": -Infinity}', "invalid_json"),
    ("lowercase_nan", BUYER[:-1] + ', "x": nan}', "invalid_json"),
    ("plus_sign", BUYER[:-1] + ', "x": +1}', "invalid_json"),
    ("leading_dot", BUYER[:-1] + ', "x": .5}', "invalid_json"),
    ("trailing_dot", BUYER[:-1] + ', "x": 5.}', "invalid_json"),
    ("hex", BUYER[:-1] + ', "x": 0x10}', "invalid_json"),
    ("python_true", BUYER[:-1] + ', "x": True}', "invalid_json"),
    ("undefined", BUYER[:-1] + ', "x": undefined}', "invalid_json"),
    ("unquoted_key", BUYER[:-1] + ", x: 1}", "invalid_json"),
    ("single_quoted_value", BUYER[:-1] + ", \"x\": 'a'}", "invalid_json"),
    ("missing_value", BUYER[:-1] + ', "x": }', "invalid_json"),
    ("double_comma", BUYER[:-1] + ',, "x": 1}', "invalid_json"),
    ("block_comment", BUYER[:-1] + " /* c */}", "invalid_json"),
    ("hash_comment", BUYER + " # c", "invalid_json"),
    ("bad_escape", BUYER[:-1] + ', "x": "\\q"}', "invalid_json"),
    ("short_unicode_escape", BUYER[:-1] + ', "x": "\\u12"}', "invalid_json"),
    ("lone_surrogate_escape", BUYER[:-1] + ', "x": "\\ud800"}', "invalid_json"),  # DuckDB refuses it; so do we
    ("raw_tab_in_string", BUYER[:-1] + ', "x": "a\tb"}', "invalid_json"),
    ("trailing_nul", BUYER + "\x00", "invalid_json"),
    ("trailing_nbsp", BUYER + "\u00a0", "invalid_json"),  # not JSON whitespace
    ("form_feed_before", "\x0c" + BUYER, "invalid_json"),
    ("bom_on_a_later_line", "\ufeff" + BUYER, "invalid_json"),  # only the file's first BOM is stripped
    # strict JSON that only looks odd: used
    ("raw_del_in_string", BUYER[:-1] + ', "x": "a\x7fb"}', None),  # RFC 8259 requires escaping U+0000-U+001F only
    ("huge_exponent_unused_field", BUYER[:-1] + ', "x": 1e999}', None),
    ("deep_nesting_unused_field", BUYER[:-1] + ', "x": ' + "[" * 2000 + "]" * 2000 + "}", None),
    ("empty_key", BUYER[:-1] + ', "": 1}', None),
    ("escaped_solidus", BUYER[:-1] + ', "text": "a\\/b"}', None),
]


def test_row01_strict_json_variants(here):
    # line 1 a good buyer, then ROW1 from line 2 on, then a good agent; .ndjson is the other JSONL suffix
    lines = [BUYER] + [c[1] for c in ROW1] + [AGENT]
    write(here / "chat.ndjson", "\n".join(lines) + "\n")
    report = audit("chat.ndjson")
    bad = [("chat.ndjson", n, c[2]) for n, c in enumerate(ROW1, start=2) if c[2] is not None]
    # 34 lines: 27 rejected invalid_json, 7 used (the two good ones and the 5 odd-but-strict ones)
    assert (len(lines), len(bad)) == (34, 27)
    assert ledger(report) == {"read": 34, "used": 7, "excluded": {}, "rejected": 27, "rejections": bad}
    assert {r.reason for r in report.inputs.rejections} == {"not valid JSON"}
    assert files(report) == [("chat.ndjson", "ok", 34, 7, 0, 27)]


# --- row 2: not an object, duplicate keys ----------------------------------------------------------------


def test_row02_duplicate_keys_never_last_key_wins(here):
    lines = [
        BUYER[:-1] + ', "role": "buyer"}',  # 1: the same value twice is still two keys: duplicate_key
        BUYER[:-1] + ', "ts": "2026-03-01T10:05:00+08:00"}',  # 2: two instants: which one? neither
        AGENT[:-1] + ', "x": {"a": 1, "a": 2}}',  # 3: a repeated key inside an ignored nested object: used
        '{"shop_id": "s1", "shop_id": "s2", "buyer_id": "b1", "buyer_id": "b1", "role": "buyer", "ts": "' + TS + '"}',  # 4: two keys, named in order
        "[]",  # 5: not_object
        "{}",  # 6: an object without fields: missing:shop_id
    ]
    write(here / "a.jsonl", "\n".join(lines) + "\n")
    report = audit("a.jsonl")
    assert ledger(report) == {
        "read": 6,
        "used": 1,
        "excluded": {},
        "rejected": 5,
        "rejections": [
            ("a.jsonl", 1, "duplicate_key"),
            ("a.jsonl", 2, "duplicate_key"),
            ("a.jsonl", 4, "duplicate_key"),
            ("a.jsonl", 5, "not_object"),
            ("a.jsonl", 6, "missing:shop_id"),
        ],
    }
    assert {r.line: r.reason for r in report.inputs.rejections}[4] == "key `buyer_id, shop_id` appears more than once"


# --- row 3: wrong types ----------------------------------------------------------------------------------


def test_row03_integer_ids_are_one_shop_across_formats(here):
    # shop 123 as a JSON integer, a CSV cell and a Parquet int64: one shop "123" (CONTRACT §7.2)
    write(here / "a.jsonl", obj(shop_id=123) + "\n")
    write(here / "b.csv", CSV_HEADER + ",sender_id\n123,b1,agent,2026-03-01T10:00:30+08:00,a1\n")
    parquet(
        here / "c.parquet",
        shop_id=pa.array([123], pa.int64()),
        buyer_id=pa.array([7], pa.int32()),
        role=["buyer"],
        ts=["2026-03-01T11:00:00+08:00"],
    )
    report = audit(".")
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}
    # one round each for b1 (answered in 30 s) and buyer 7 (unanswered): one shop, 1 of 2 within 3 minutes
    assert {m.shop_id for m in report.metrics} == {"123"}
    assert shop_metrics(report, "123")["response_rate_3min"] == (0.5, 1, 2)


def test_row03_epoch_ts_is_never_guessed(here):
    """`ts` as an epoch number is rejected in every format: seconds and milliseconds cannot be told apart safely."""
    write(
        here / "a.jsonl",
        "\n".join(
            [
                obj(ts=1772330400),  # 1: JSON integer, seconds (= 2026-03-01T10:00:00+08:00): bad_type:ts
                obj(ts=1772330400000),  # 2: JSON integer, milliseconds: bad_type:ts
                obj(ts=1772330400.5),  # 3: JSON number: bad_type:ts
                obj(ts="1772330400"),  # 4: JSON string of digits: bad_ts
                BUYER,  # 5: used
            ]
        )
        + "\n",
    )
    write(here / "b.csv", CSV_HEADER + "\ns1,b1,buyer,1772330400000\n")  # line 2: bad_ts (CSV cells are text)
    parquet(here / "c.parquet", shop_id=["s1"], buyer_id=["b1"], role=["agent"], ts=pa.array([1772330430], pa.int64()))  # row 1: bad_type:ts
    report = audit(".")
    assert ledger(report) == {
        "read": 7,
        "used": 1,
        "excluded": {},
        "rejected": 6,
        "rejections": [
            ("a.jsonl", 1, "bad_type:ts"),
            ("a.jsonl", 2, "bad_type:ts"),
            ("a.jsonl", 3, "bad_type:ts"),
            ("a.jsonl", 4, "bad_ts"),
            ("b.csv", 2, "bad_ts"),
            ("c.parquet", 1, "bad_type:ts"),
        ],
    }
    reasons = [r.reason for r in report.inputs.rejections]
    assert reasons[2] == "field `ts` is a number, expected an ISO 8601 date-time string"
    assert reasons[4] == "`ts` is `1772330400000`, which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)"


# --- row 4: missing required fields, empty strings ---------------------------------------------------------


def test_row04_empty_strings_and_defaults_across_formats(here):
    write(
        here / "a.jsonl",
        "\n".join(
            [
                obj(buyer_id=" "),  # 1: whitespace is not empty (values are never trimmed): used, buyer " "
                obj(text="", sender_id="", msg_id="", kind=""),  # 2: empty optional fields = absent; kind = message: used
                obj(ts=""),  # 3: missing:ts
                obj(shop_id="", buyer_id=...),  # 4: both wrong: the first in contract order, missing:shop_id
            ]
        )
        + "\n",
    )
    write(here / "b.csv", "shop_id,buyer_id,role,ts,text\ns1,,buyer," + TS + ",x\ns1,b1,," + TS + ",\n")  # 2: missing:buyer_id, 3: missing:role
    parquet(here / "c.parquet", shop_id=["s1", "s1"], buyer_id=["", "b1"], role=["buyer", "buyer"], ts=[TS, None])  # 1: missing:buyer_id, 2: missing:ts
    report = audit(".")
    assert ledger(report) == {
        "read": 8,
        "used": 2,
        "excluded": {},
        "rejected": 6,
        "rejections": [
            ("a.jsonl", 3, "missing:ts"),
            ("a.jsonl", 4, "missing:shop_id"),
            ("b.csv", 2, "missing:buyer_id"),
            ("b.csv", 3, "missing:role"),
            ("c.parquet", 1, "missing:buyer_id"),
            ("c.parquet", 2, "missing:ts"),
        ],
    }
    assert [r.reason for r in report.inputs.rejections] == [
        "field `ts` is empty",
        "field `shop_id` is empty",
        "field `buyer_id` is missing",  # an empty CSV cell is an absent value
        "field `role` is missing",
        "field `buyer_id` is empty",
        "field `ts` is null",
    ]


# --- row 5: unknown role or kind -------------------------------------------------------------------------


def test_row05_enums_exact_in_csv_and_parquet(here):
    # the JSONL forms are in test_jsonl.py; here the same values from CSV cells and Parquet strings
    rows = [("Agent ", ""), ("客服", ""), ("bot_v2", ""), ("buyer", "promo"), ("agent", "Close"), ("buyer", "message")]
    write(here / "a.csv", "shop_id,buyer_id,role,ts,kind\n" + "".join(f"s1,b1,{r},{TS},{k}\n" for r, k in rows))
    parquet(here / "b.parquet", shop_id=["s1"] * 6, buyer_id=["b1"] * 6, role=[r for r, _ in rows], ts=[TS] * 6, kind=[k for _, k in rows])
    report = audit(".")
    codes = ["bad_enum:role", "bad_enum:role", "bad_enum:role", "bad_enum:kind", "bad_enum:kind"]
    # CSV records start on line 2; Parquet rows count from 1; the last row of each is used
    assert ledger(report) == {
        "read": 12,
        "used": 2,
        "excluded": {},
        "rejected": 10,
        "rejections": [("a.csv", n + 2, c) for n, c in enumerate(codes)] + [("b.parquet", n + 1, c) for n, c in enumerate(codes)],
    }
    assert report.inputs.rejections[1].reason == "`role` is `客服`, expected buyer, agent, bot or system"


# --- row 6: bad timestamps and the audited period ---------------------------------------------------------


def test_row06_bad_timestamps_and_period_edges(here):
    tss = [
        ("2024-02-30T10:00", "bad_ts"),  # 1 not a real date (no seconds: still ISO)
        ("2026-03-01T24:00", "bad_ts"),  # 2 24:00 is not a time of day
        ("03/04/2024", "bad_ts"),  # 3 no day/month guessing
        ("2026-03-01T10:00:00+08:00 ", "bad_ts"),  # 4 trailing space: never trimmed
        ("２０２６-03-01T10:00:00", "bad_ts"),  # 5 full-width digits are not ISO digits
        ("1772330400000", "bad_ts"),  # 6 epoch milliseconds as text
        ("1899-12-31T23:59:59Z", "bad_ts"),  # 7 year outside 1900-2199
        ("1900-01-01T00:00:00Z", "out_of_period"),  # 8 a real instant, long before the period
        ("2026-02-08T23:59:59+08:00", "out_of_period"),  # 9 one second before the first audited day (02-09)
        ("2026-02-09T00:00:00+08:00", None),  # 10 the first instant of the period: used
        ("2026-03-10T23:59:59.999999999+08:00", None),  # 11 the last nanosecond of the as-of day: used
        ("2026-03-10T16:00:00Z", "out_of_period"),  # 12 = 2026-03-11T00:00 local: the day after as-of
        ("2199-12-31T23:59:59Z", "out_of_period"),  # 13 the last year accepted
    ]
    write(here / "t.jsonl", "\n".join(obj(ts=t) for t, _ in tss) + "\n")
    report = audit("t.jsonl")
    assert ledger(report) == {
        "read": 13,
        "used": 2,
        "excluded": {"out_of_period": 4},
        "rejected": 7,
        "rejections": [("t.jsonl", n, c) for n, (_, c) in enumerate(tss, start=1) if c == "bad_ts"],
    }
    assert [r.reason.rsplit(", which ", 1)[1] for r in report.inputs.rejections] == [
        "is not a real calendar date",
        "is not a real time of day",
        "is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
        "is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
        "is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
        "is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
        "has a year outside 1900-2199",
    ]


# --- row 7: offsets, Z and naive mixed ------------------------------------------------------------------------


def test_row07_offset_z_and_naive_mixed_are_one_timeline(here):
    # b1: buyer naive 10:00:00 (pack zone, +08:00) in CSV; agent 02:00:30Z in JSONL -> 30 s
    # b2: buyer 11:00:00+08:00; agent naive 11:01:30 -> 90 s
    # b3: buyer 03:59:00-01:00 (= 12:59:00+08:00); agent 05:00:00Z (= 13:00:00+08:00) -> 60 s
    write(here / "a.csv", CSV_HEADER + ",sender_id\n" + "s1,b1,buyer,2026-03-01T10:00:00,\n" + "s1,b2,agent,2026-03-01T11:01:30,a1\n" + "s1,b3,buyer,2026-03-01T03:59:00-01:00,\n")
    write(
        here / "b.jsonl",
        "\n".join(
            [
                obj(role="agent", ts="2026-03-01T02:00:30Z", sender_id="a1"),
                obj(buyer_id="b2", ts="2026-03-01T11:00:00+08:00"),
                obj(buyer_id="b3", role="agent", ts="2026-03-01T05:00:00Z", sender_id="a1"),
            ]
        )
        + "\n",
    )
    report = audit(".")
    assert ledger(report) == {"read": 6, "used": 6, "excluded": {}, "rejected": 0, "rejections": []}
    # three rounds, all within 3 minutes; mean latency (30 + 90 + 60) / 3 = 60 s
    m = shop_metrics(report)
    assert m["response_rate_3min"] == (1.0, 3, 3)
    assert m["avg_response_time"] == (60.0, 180.0, 3)


# --- row 8: GBK ----------------------------------------------------------------------------------------------


def test_row08_gbk_that_happens_to_decode_is_condemned_with_the_file(here):
    # 一 is D2 BB in GBK, which is also valid UTF-8 (U+04BB һ): line 2 alone would pass as mojibake.
    # 店铺 on line 4 is not UTF-8, and that condemns the whole file: lines 2-4 (3 records) rejected `encoding`.
    assert "一".encode("gbk").decode("utf-8") == "һ"
    text = "shop_id,buyer_id,role,ts,text\n" + f"s1,b1,buyer,{TS},一\n" + "s1,b1,agent,2026-03-01T10:00:30+08:00,ascii\n" + f"s1,b2,buyer,{TS},店铺\n"
    write(here / "gbk.csv", text.encode("gbk"))
    write(here / "ok.jsonl", BUYER + "\n")
    report = audit(".")
    assert ledger(report) == {
        "read": 4,
        "used": 1,
        "excluded": {},
        "rejected": 3,
        "rejections": [("gbk.csv", 2, "encoding"), ("gbk.csv", 3, "encoding"), ("gbk.csv", 4, "encoding")],
    }
    assert {r.reason for r in report.inputs.rejections} == {"the file is not UTF-8 (first bad line 4); convert it, e.g. iconv -f GB18030 -t UTF-8"}


# --- row 9: byte-order marks --------------------------------------------------------------------------------


def test_row09_utf8_bom_stripped_utf16_le_and_be_refused(here):
    write(here / "a.csv", b"\xef\xbb\xbf" + f"{CSV_HEADER}\ns1,b1,buyer,{TS}\n".encode())  # header is shop_id: 1 used
    write(here / "b.jsonl", b"\xef\xbb\xbf" + (AGENT + "\n").encode())  # line 1 is the record: used
    write(here / "c.csv", b"\xff\xfe" + f"{CSV_HEADER}\ns1,b1,buyer,{TS}\n".encode("utf-16-le"))  # UTF-16 LE: unreadable
    write(here / "d.jsonl", b"\xfe\xff" + (BUYER + "\n").encode("utf-16-be"))  # UTF-16 BE: unreadable
    write(here / "e.csv", f"{CSV_HEADER}\ns1,b1,buyer,{TS}\n".encode("utf-16-le"))  # UTF-16 LE without a BOM: unreadable
    report = audit(".")
    assert ledger(report) == {"read": 2, "used": 2, "excluded": {}, "rejected": 0, "rejections": []}
    assert files(report) == [
        ("a.csv", "ok", 1, 1, 0, 0),
        ("b.jsonl", "ok", 1, 1, 0, 0),
        ("c.csv", "unreadable", 0, 0, 0, 0),
        ("d.jsonl", "unreadable", 0, 0, 0, 0),
        ("e.csv", "unreadable", 0, 0, 0, 0),
    ]
    a, _, c, d, e = report.inputs.files
    assert a.notes == []  # not "ignored columns: \ufeffshop_id"
    for f in (c, d):
        assert f.reason == "encoding: the file is UTF-16, not UTF-8"
        assert f.notes == ["convert it first, e.g. iconv -f UTF-16 -t UTF-8"]
    # regression: its header was taken as column names full of NULs, and each record rejected missing:shop_id or bad_csv
    assert e.reason == "encoding: the header row holds NUL bytes; the file looks like UTF-16 without a byte-order mark"
    assert e.notes == ["convert it first, e.g. iconv -f UTF-16 -t UTF-8"]


# --- row 10: CRLF, CR and mixed endings ---------------------------------------------------------------------

ROW10_JSONL = [BUYER, "", "NaN", AGENT, obj(role="x"), obj(buyer_id="b2", ts="2026-03-01T11:00:00+08:00", text="a\r\nb")]
ROW10_CSV = [
    "shop_id,buyer_id,role,ts,text",
    's1,b3,buyer,2026-03-02T09:00:00+08:00,"two{eol}lines"',
    "",
    "s1,b3,agent,2026-03-02T09:02:00+08:00,ok",
    "s1,b3,nobody,2026-03-02T09:03:00+08:00,x",
]


def _row10_files(root: Path, eols: Iterator[str]) -> None:
    """The same records with the line endings ``eols`` yields, one per terminator (also inside the quoted CSV field)."""
    j = "".join(line + next(eols) for line in ROW10_JSONL)
    c = "".join(line.replace("{eol}", next(eols)) + next(eols) for line in ROW10_CSV)
    write(root / "chat.jsonl", j)
    write(root / "chat.csv", c)


@pytest.mark.parametrize("style", ["crlf", "cr", "mixed"])
def test_row10_line_endings_give_the_same_bytes(tmp_path, monkeypatch, style):
    def endings(kind: str) -> Iterator[str]:
        rnd = random.Random(10)
        last = ""
        while True:
            # after a lone CR an LF would join it into one CRLF (and swallow a blank line), so not that
            last = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}.get(kind) or rnd.choice(["\r\n", "\r"] if last == "\r" else ["\n", "\r\n", "\r"])
            yield last

    out = {}
    for kind in ("lf", style):
        root = tmp_path / kind
        _row10_files(root, endings(kind))
        monkeypatch.chdir(root)
        report = audit("chat.csv", "chat.jsonl")
        out[kind] = auditor.render(report, "json")
    assert style == "lf" or b"\r" not in out["lf"]
    assert out[style] == out["lf"]
    # the LF version: chat.csv records start on lines 2, 5, 6 (line 4 is blank); line 6 has role `nobody`
    # chat.jsonl: line 2 blank, line 3 NaN, line 5 role x; lines 1, 4, 6 used (6 holds an escaped CRLF)
    assert ledger(report) == {
        "read": 8,
        "used": 5,
        "excluded": {},
        "rejected": 3,
        "rejections": [("chat.csv", 6, "bad_enum:role"), ("chat.jsonl", 3, "invalid_json"), ("chat.jsonl", 5, "bad_enum:role")],
    }


# --- row 11: embedded newlines ------------------------------------------------------------------------------


def test_row11_line_numbers_after_embedded_newlines(here):
    # CSV: the record on line 2 spans lines 2-4; the next starts on line 5, the bad one on line 6.
    write(here / "a.csv", "shop_id,buyer_id,role,ts,text\n" + f's1,b1,buyer,{TS},"a\nb\nc"\n' + "s1,b1,agent,2026-03-01T10:00:30+08:00,ok\n" + f"s1,b1,x,{TS},bad\n")
    # JSONL: a raw newline inside a string cuts the record in two: lines 2 and 3 both invalid_json; line 4 is bad_enum
    raw = obj(text="one\ntwo").replace("\\n", "\n")
    write(here / "b.jsonl", "\n".join([BUYER, raw, obj(role="x")]) + "\n")
    report = audit(".")
    # a.csv: 3 records (lines 2, 5, 6); b.jsonl: 4 records (lines 1-4); used a.csv:2, a.csv:5, b.jsonl:1
    assert ledger(report) == {
        "read": 7,
        "used": 3,
        "excluded": {},
        "rejected": 4,
        "rejections": [("a.csv", 6, "bad_enum:role"), ("b.jsonl", 2, "invalid_json"), ("b.jsonl", 3, "invalid_json"), ("b.jsonl", 4, "bad_enum:role")],
    }


# --- row 12: a line of several MB ---------------------------------------------------------------------------


@pytest.mark.slow
def test_row12_multi_megabyte_records_rejected_rest_read(here):
    # default limit 1 MiB. JSONL: line 2 is a 3 MB record; lines 1 and 3 are read.
    write(here / "a.jsonl", "\n".join([BUYER, obj(text="x" * 3_000_000), AGENT]) + "\n")
    # CSV: the record on line 2 has a 5 MB quoted field over 500,000 lines (2 .. 500,002); the next starts on 500,003
    n = 500_000
    write(here / "b.csv", "shop_id,buyer_id,role,ts,text\n" + f's1,b2,buyer,{TS},"' + "yyyyyyyyy\n" * n + '"\n' + f"s1,b2,x,{TS},ok\n")
    report = audit(".")
    assert ledger(report) == {
        "read": 5,
        "used": 2,
        "excluded": {},
        "rejected": 3,
        "rejections": [("a.jsonl", 2, "line_too_long"), ("b.csv", 2, "line_too_long"), ("b.csv", n + 3, "bad_enum:role")],
    }
    assert report.inputs.rejections[0].reason == f"record is longer than {1 << 20} bytes"
    assert report.inputs.rejections[0].excerpt is None  # the record's bytes are not kept


# --- row 13: truncated or corrupt Parquet -------------------------------------------------------------------


def _plain_parquet() -> bytes:
    """Four rows, uncompressed, no dictionary: every value's bytes sit in the file as written."""
    buf = pa.BufferOutputStream()
    table = pa.table({"shop_id": ["s1"] * 4, "buyer_id": ["b1"] * 4, "role": ["buyer", "agent"] * 2, "ts": [f"2026-03-01T10:00:{i:02d}+08:00" for i in range(4)]})
    pq.write_table(table, buf, compression="none", use_dictionary=False, write_statistics=False)
    return buf.getvalue().to_pybytes()


def _snappy_parquet() -> tuple[bytes, int]:
    """Fifty rows, snappy; and where the first data page of the `ts` column starts."""
    buf = pa.BufferOutputStream()
    table = pa.table({"shop_id": ["s1"] * 50, "buyer_id": ["b1"] * 50, "role": ["buyer"] * 50, "ts": [f"2026-03-01T10:00:{i:02d}+08:00" for i in range(50)]})
    pq.write_table(table, buf, compression="snappy")
    data = buf.getvalue().to_pybytes()
    return data, pq.ParquetFile(pa.BufferReader(data)).metadata.row_group(0).column(3).data_page_offset


def _flip(data: bytes, at: int, n: int = 4) -> bytes:
    return data[:at] + bytes(b ^ 0xFF for b in data[at : at + n]) + data[at + n :]


def test_row13_corrupt_pages_unreadable_or_rejected_by_row(here):
    plain = _plain_parquet()
    snappy, page = _snappy_parquet()
    value = plain.index(b"2026-03-01T10:00:02+08:00")
    write(here / "a_page_header.parquet", _flip(snappy, page + 5))  # the page header's size field: page cannot be decoded
    write(here / "b_not_utf8.parquet", plain[:value] + b"\xff\xfe" + plain[value + 2 :])  # a string value that is not UTF-8
    write(here / "c_value.parquet", plain[:value] + b"99" + plain[value + 2 :])  # a value that still decodes: 9926-03-01..., row 3
    write(here / "d_footer_cut.parquet", plain[:-10])
    write(here / "e_magic.parquet", b"XXXX" + plain[4:])
    write(here / "f_good.jsonl", BUYER + "\n")
    write(here / "g_page_start.parquet", _flip(snappy, page))  # DuckDB's message then carries a raw \x0f byte
    report = audit(".")
    # c_value: 4 rows, row 3 bad_ts (year 9926); f_good: 1; the other five files unreadable, nothing from them counted
    assert ledger(report) == {"read": 5, "used": 4, "excluded": {}, "rejected": 1, "rejections": [("c_value.parquet", 3, "bad_ts")]}
    assert files(report) == [
        ("a_page_header.parquet", "unreadable", 0, 0, 0, 0),
        ("b_not_utf8.parquet", "unreadable", 0, 0, 0, 0),
        ("c_value.parquet", "ok", 4, 3, 0, 1),
        ("d_footer_cut.parquet", "unreadable", 0, 0, 0, 0),
        ("e_magic.parquet", "unreadable", 0, 0, 0, 0),
        ("f_good.jsonl", "ok", 1, 1, 0, 0),
        ("g_page_start.parquet", "unreadable", 0, 0, 0, 0),
    ]
    reasons = {f.file: f.reason for f in report.inputs.files}
    assert reasons["a_page_header.parquet"].startswith("Parquet data could not be decoded: ")
    assert reasons["b_not_utf8.parquet"].startswith("Parquet data could not be decoded: ") and "not valid UTF8" in reasons["b_not_utf8.parquet"]
    assert reasons["d_footer_cut.parquet"].startswith("not a readable Parquet file: ")
    assert reasons["e_magic.parquet"] == "not a Parquet file: it does not start with the PAR1 magic bytes"
    assert report.inputs.rejections[0].reason == "`ts` is `9926-03-01T10:00:02+08:00`, which has a year outside 1900-2199"
    # regression: the raw control byte went into the reason; now shown as `?`
    assert reasons["g_page_start.parquet"] == "Parquet data could not be decoded: don't know what type: ?"
    assert all(not re.search(r"[\x00-\x1f\x7f]", r or "") for r in reasons.values())  # reasons are one printable line


def test_row13_cli_exit_2_only_when_nothing_is_readable(tmp_path):
    write(tmp_path / "bad.parquet", _plain_parquet()[:-10])
    write(tmp_path / "worse.parquet", b"XXXX" + _plain_parquet()[4:])
    r = cli("audit", ".", "--policy", "taobao", "--as-of", "2026-03-10", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == b""
    err = r.stderr.decode()
    assert "no readable input" in err and "bad.parquet: not a readable Parquet file" in err and "Traceback" not in err
    write(tmp_path / "good.jsonl", BUYER + "\n" + AGENT + "\n")
    r = cli("audit", ".", "--policy", "taobao", "--as-of", "2026-03-10", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    inputs = json.loads(r.stdout)["inputs"]
    assert (inputs["read"], inputs["used"]) == (2, 2)
    assert [(f["file"], f["status"]) for f in inputs["files"]] == [("bad.parquet", "unreadable"), ("good.jsonl", "ok"), ("worse.parquet", "unreadable")]


# --- row 14: empty inputs -----------------------------------------------------------------------------------


def _empties(root: Path) -> None:
    write(root / "a_zero.jsonl", b"")
    write(root / "b_blank.jsonl", "  \n\t\r\n\n")
    write(root / "c_header.csv", CSV_HEADER + "\r\n")
    write(root / "d_zero.csv", b"")
    write(root / "e_zero.parquet", b"")
    parquet(root / "f_no_rows.parquet", shop_id=pa.array([], pa.string()), buyer_id=pa.array([], pa.string()), role=pa.array([], pa.string()), ts=pa.array([], pa.string()))
    (root / "g_empty_dir").mkdir()


def test_row14_empty_files_counted_zero_and_listed(here):
    _empties(here)
    write(here / "z.jsonl", BUYER + "\n")
    report = audit(".")
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    assert [(f.file, f.status, f.read, f.reason) for f in report.inputs.files] == [
        ("a_zero.jsonl", "empty", 0, None),
        ("b_blank.jsonl", "empty", 0, None),
        ("c_header.csv", "empty", 0, None),
        ("d_zero.csv", "empty", 0, "no header row"),
        ("e_zero.parquet", "unreadable", 0, "not a Parquet file: it does not start with the PAR1 magic bytes"),
        ("f_no_rows.parquet", "empty", 0, None),
        ("z.jsonl", "ok", 1, None),
    ]


def test_row14_all_empty_is_exit_2_never_a_clean_0(tmp_path):
    _empties(tmp_path)
    r = cli("audit", ".", "g_empty_dir", "--policy", "taobao", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == b""
    assert "no readable input: the files hold no records" in r.stderr.decode() and b"Traceback" not in r.stderr
    r = cli("audit", "g_empty_dir", "--policy", "taobao", cwd=tmp_path)
    assert r.returncode == 2 and "no readable input" in r.stderr.decode()
    with pytest.raises(InputError, match="no readable input"):
        auditor.audit([tmp_path], auditor.AuditOptions(policy="taobao"))


# --- row 15: a mixed directory ------------------------------------------------------------------------------


def test_row15_mixed_directory_walk_through_the_audit(here):
    write(here / "outside.jsonl", BUYER + "\n")
    d = here / "data"
    write(d / "b.jsonl", BUYER + "\n")
    write(d / "a.csv", f"{CSV_HEADER}\ns1,b1,agent,2026-03-01T10:00:30+08:00\n")
    parquet(d / "sub" / "deep" / "c.parquet", shop_id=["s2"], buyer_id=["b9"], role=["buyer"], ts=[TS])
    write(d / "notes.txt", "hello")
    write(d / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(d / "sub" / "x.json", "{}")
    (d / "sub" / "loop").symlink_to(d, target_is_directory=True)
    (d / "escape.jsonl").symlink_to(here / "outside.jsonl")
    (d / "sub" / "alias.jsonl").symlink_to(d / "b.jsonl")
    report = audit("data", "data/b.jsonl")  # b.jsonl reached twice (and a third time through the alias)
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}
    assert [f.file for f in report.inputs.files] == ["data/a.csv", "data/b.jsonl", "data/sub/deep/c.parquet"]
    assert [(s.file, s.reason) for s in report.inputs.skipped] == [
        ("data/.DS_Store", "unsupported file type `(none)`"),
        ("data/b.jsonl", "same file as `data/b.jsonl`, read once"),
        ("data/escape.jsonl", "symlink to a file outside the directory, not followed"),
        ("data/notes.txt", "unsupported file type `.txt`"),
        ("data/sub/alias.jsonl", "same file as `data/b.jsonl`, read once"),
        ("data/sub/loop", "symlinked directory, not followed"),
        ("data/sub/x.json", "unsupported file type `.json`"),
    ]


# --- row 16: the same msg_id in several files ----------------------------------------------------------------

ROW16 = {
    "a.jsonl": [
        obj(msg_id="m1"),  # a:1 kept (first of m1 in input order at its instant)
        obj(role="agent", ts="2026-03-01T10:00:30+08:00", sender_id="a1", msg_id="m2", text="hello"),  # a:2 kept
    ],
    "b.jsonl": [
        obj(msg_id="m1"),  # b:1 identical copy of a:1: duplicate, no note
        obj(role="agent", ts="2026-03-01T10:00:30+08:00", sender_id="a1", msg_id="m2", text="HELLO, CHANGED"),  # b:2 same instant, other text: duplicate, conflict
        obj(buyer_id="b2", ts="2026-03-01T11:00:00+08:00", msg_id="m3"),  # b:3 later than c:1: duplicate, conflict
    ],
    "c.jsonl": [
        obj(buyer_id="b2", ts="2026-03-01T10:59:00+08:00", msg_id="m3"),  # c:1 the earliest instant of m3: kept, though in a later file
        obj(shop_id="s2", msg_id="m1"),  # c:2 another shop: not a duplicate
    ],
}


def test_row16_duplicates_across_files_kept_by_content_order_conflicts_noted(here):
    for name, lines in ROW16.items():
        write(here / name, "\n".join(lines) + "\n")
    report = audit("c.jsonl", "b.jsonl", "a.jsonl")  # argument order does not choose the kept copy
    assert ledger(report) == {"read": 7, "used": 4, "excluded": {"duplicate": 3}, "rejected": 0, "rejections": []}
    assert files(report) == [("a.jsonl", "ok", 2, 2, 0, 0), ("b.jsonl", "ok", 3, 0, 3, 0), ("c.jsonl", "ok", 2, 2, 0, 0)]
    notes = {f.file: f.notes for f in report.inputs.files}
    assert notes == {
        "a.jsonl": [],
        "b.jsonl": [
            "2 record(s) excluded as duplicate differ from the copy kept under the same (shop_id, msg_id); "
            "the first is line 2 (msg_id `m2`, kept copy a.jsonl:2)"
        ],
        "c.jsonl": [],
    }
    assert auditor.render(report, "json") == auditor.render(audit("a.jsonl", "c.jsonl", "b.jsonl"), "json")


def test_row16_identical_copies_are_not_noted(here):
    write(here / "a.jsonl", BUYER[:-1] + ', "msg_id": "m1", "text": null}\n')
    write(here / "b.csv", "shop_id,buyer_id,role,ts,msg_id,text\ns1,b1,buyer,2026-03-01T02:00:00Z,m1,\n")  # same instant, other spelling
    report = audit(".")
    assert ledger(report) == {"read": 2, "used": 1, "excluded": {"duplicate": 1}, "rejected": 0, "rejections": []}
    assert files(report) == [("a.jsonl", "ok", 1, 1, 0, 0), ("b.csv", "ok", 1, 0, 1, 0)]
    assert [f.notes for f in report.inputs.files] == [[], []]


# --- row 17: column drift ----------------------------------------------------------------------------------


def test_row17_parquet_wrong_schema_and_types_per_file(here):
    # a: no ts column -> each row missing:ts; b: every column misnamed -> ignored, each row missing:shop_id
    parquet(here / "a_no_ts.parquet", shop_id=["s1", "s1"], buyer_id=["b1", "b1"], role=["buyer", "agent"])
    parquet(here / "b_renamed.parquet", ShopId=["s1"], buyer=["b1"], who=["buyer"], time=[TS])
    # c: ts as int64 (bad_type:ts); d: ts as text; e: ts as a typed timestamp (naive = pack zone)
    parquet(here / "c_ts_int.parquet", shop_id=["s1"], buyer_id=["b1"], role=["buyer"], ts=pa.array([1772330400], pa.int64()))
    parquet(here / "d_ts_text.parquet", shop_id=["s1"], buyer_id=["b1"], role=["buyer"], ts=[TS])
    parquet(here / "e_ts_typed.parquet", shop_id=["s1"], buyer_id=["b1"], role=["agent"], ts=pa.array([datetime(2026, 3, 1, 10, 0, 30)], pa.timestamp("us")))
    # f: CSV, columns reordered with extras
    write(here / "f.csv", "note,ts,role,buyer_id,extra,shop_id\nn,2026-03-01T11:00:00+08:00,buyer,b2,e,s1\n")
    report = audit(".")
    assert ledger(report) == {
        "read": 7,
        "used": 3,
        "excluded": {},
        "rejected": 4,
        "rejections": [
            ("a_no_ts.parquet", 1, "missing:ts"),
            ("a_no_ts.parquet", 2, "missing:ts"),
            ("b_renamed.parquet", 1, "missing:shop_id"),
            ("c_ts_int.parquet", 1, "bad_type:ts"),
        ],
    }
    notes = {f.file: f.notes for f in report.inputs.files}
    assert notes["b_renamed.parquet"] == ["ignored columns: ShopId, buyer, who, time"]
    assert notes["f.csv"] == ["ignored columns: note, extra"]
    # d (buyer 10:00:00) and e (agent 10:00:30, typed) meet: one round answered in 30 s; f's b2 is unanswered
    assert shop_metrics(report)["response_rate_3min"] == (0.5, 1, 2)
    assert shop_metrics(report)["avg_response_time"] == (30.0, 30.0, 1)


# --- row 18: equal timestamps, rows out of order -------------------------------------------------------------

ROW18 = [
    obj(role="agent", sender_id="a1"),  # b1: the reply at the buyer's own second, listed first
    obj(),  # b1 asks at 10:00:00: buyer first at the tie, so the reply above answers in 0 s
    obj(buyer_id="b2", ts="2026-03-01T11:00:10+08:00"),  # b2 asks again inside the open round
    obj(buyer_id="b2", role="agent", ts="2026-03-01T11:01:00+08:00", sender_id="a1"),  # 60 s after b2's first message
    obj(buyer_id="b2", ts="2026-03-01T11:00:00+08:00"),  # b2's round opens here
    obj(buyer_id="b3", role="agent", ts="2026-03-01T12:05:00+08:00", sender_id="a1"),  # 300 s: answered, not within 3 min
    obj(buyer_id="b3", ts="2026-03-01T12:00:00+08:00"),
]


def test_row18_ties_and_row_order_do_not_change_the_figures(here):
    # 3 rounds, 2 within 180 s (2/3, shown to 6 places); mean latency (0 + 60 + 300) / 3 = 120 s;
    # each is its buyer's first round of the day, so first_response_time is the same mean
    expected = {
        "response_rate_3min": (0.666667, 2, 3),
        "avg_response_time": (120.0, 360.0, 3),
        "first_response_time": (120.0, 360.0, 3),
    }
    orders = {"as_listed": ROW18, "reversed": ROW18[::-1], "shuffled": random.Random(18).sample(ROW18, len(ROW18))}
    for name, lines in orders.items():
        write(here / name / "chat.jsonl", "\n".join(lines) + "\n")
        report = audit(name)
        assert ledger(report) == {"read": 7, "used": 7, "excluded": {}, "rejected": 0, "rejections": []}
        assert shop_metrics(report) == expected, name
    # split over two files in another order: the same figures
    write(here / "split" / "1.jsonl", "\n".join(ROW18[4:]) + "\n")
    write(here / "split" / "2.jsonl", "\n".join(ROW18[:4]) + "\n")
    assert shop_metrics(audit("split")) == shop_metrics(audit("as_listed"))


# --- row 21: unreadable input -------------------------------------------------------------------------------


def _unreadable_tree(root: Path) -> None:
    write(root / "a.jsonl", BUYER + "\n" + AGENT + "\n")
    write(root / "b.jsonl", BUYER + "\n")
    write(root / "c.csv", f"{CSV_HEADER}\ns1,b1,buyer,{TS}\n")
    parquet(root / "d.parquet", shop_id=["s1"], buyer_id=["b1"], role=["buyer"], ts=[TS])
    write(root / "sub" / "e.jsonl", BUYER + "\n")


ROW21_FILES = [
    ("a.jsonl", "ok", 2, None),
    ("b.jsonl", "unreadable", 0, "cannot read the file: Permission denied"),
    ("c.csv", "unreadable", 0, "cannot read the file: Permission denied"),
    ("d.parquet", "unreadable", 0, "cannot read the file: Permission denied"),
]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is private to its owner)."""
    d = Path(tempfile.mkdtemp(prefix="auditor-row21-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        for p in [d, *d.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(d)


def _as_user() -> tuple[int, int] | None:
    """Who runs the command so that mode 000 really stops it: nobody when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod 000 would not stop the reads (the monkeypatched test below still runs)")
    return (65534, 65534)


def test_row21_unreadable_files_and_directory_for_real(shared_dir):
    user = _as_user()
    _unreadable_tree(shared_dir)
    for p in [shared_dir, *shared_dir.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    for name in ("b.jsonl", "c.csv", "d.parquet", "sub"):
        (shared_dir / name).chmod(0)
    # the directory walked, and the unreadable files also named directly
    r = cli("audit", ".", "b.jsonl", "--policy", "taobao", "--as-of", "2026-03-10", "--format", "json", cwd=shared_dir, user=user)
    assert r.returncode == 0, r.stderr
    inputs = json.loads(r.stdout)["inputs"]
    assert [(f["file"], f["status"], f["read"], f["reason"]) for f in inputs["files"]] == ROW21_FILES
    assert inputs["skipped"] == [
        {"file": "b.jsonl", "reason": "same file as `b.jsonl`, read once"},
        {"file": "sub", "reason": "cannot read the directory: Permission denied"},
    ]
    assert (inputs["read"], inputs["used"], inputs["rejected"]) == (2, 2, 0)
    # nothing readable: exit 2, one sentence, no traceback
    r = cli("audit", "b.jsonl", "c.csv", "d.parquet", "sub", "--policy", "taobao", cwd=shared_dir, user=user)
    err = r.stderr.decode()
    assert r.returncode == 2 and r.stdout == b"" and "Traceback" not in err
    assert "no readable input" in err and "Permission denied" in err


def test_row21_permission_error_where_the_reader_opens_the_file(here, monkeypatch):
    """The same, with the open itself refused: runs everywhere, also as root without setpriv."""
    _unreadable_tree(here)
    refused = {(here / n).resolve() for n in ("b.jsonl", "c.csv", "d.parquet")}
    real_open = Path.open

    def guarded_open(self: Path, *args: object, **kw: object):  # type: ignore[no-untyped-def]
        if self.resolve() in refused:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded_open)
    real_scandir = os.scandir

    def guarded_scandir(path="."):  # type: ignore[no-untyped-def]
        if Path(path).resolve() == (here / "sub").resolve():
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    report = audit(".")
    assert [(f.file, f.status, f.read, f.reason) for f in report.inputs.files] == ROW21_FILES
    assert [(s.file, s.reason) for s in report.inputs.skipped] == [("sub", "cannot read the directory: Permission denied")]
    assert ledger(report) == {"read": 2, "used": 2, "excluded": {}, "rejected": 0, "rejections": []}


# --- the module's own bookkeeping ---------------------------------------------------------------------------


def test_every_row_has_a_test_and_every_pointer_resolves():
    rows = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21}
    here_tests = {name for name in globals() if name.startswith("test_row")}
    assert {int(name[8:10]) for name in here_tests} == rows
    table = [line for line in (__doc__ or "").splitlines() if re.match(r"^\s?\d{1,2}\s{2,}", line)]
    assert {int(line.split()[0]) for line in table} == rows
    for line in table:
        for path, name in re.findall(r"(tests/[\w/]+\.py)::(test_\w+)", line):
            funcs = {n.name for n in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))) if isinstance(n, ast.FunctionDef)}
            assert name in funcs, f"{path}::{name} named in the table does not exist"
        # the short forms `::name` refer to the file named last on the line before them
        for path_and_rest in re.findall(r"(tests/[\w/]+\.py)::\w+((?:, ::\w+)*)", line):
            path, rest = path_and_rest
            funcs = {n.name for n in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))) if isinstance(n, ast.FunctionDef)}
            for name in re.findall(r"::(\w+)", rest):
                assert name in funcs, f"{path}::{name} named in the table does not exist"
        for name in re.findall(r"here: (test_row\d\d)_\*", line):
            assert any(t.startswith(name + "_") for t in here_tests), name


def test_reason_codes_documented_exactly_and_all_reachable(here):
    from auditor.io.records import REASON_CODES

    doc = (ROOT / "docs" / "input-ledger.md").read_text(encoding="utf-8")
    section = doc.split("## Reason codes", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `([a-z_:]+)` \|", section, flags=re.M) == list(REASON_CODES)
    # one fixture that produces every code, and nothing but codes of the list
    odd: dict[str, str] = {
        "invalid_json": "{",
        "not_object": "[]",
        "duplicate_key": BUYER[:-1] + ', "role": "buyer"}',
        "missing:shop_id": obj(shop_id=...),
        "missing:buyer_id": obj(buyer_id=None),
        "missing:role": obj(role=""),
        "missing:ts": obj(ts=...),
        "bad_type:shop_id": obj(shop_id=1.5),
        "bad_type:buyer_id": obj(buyer_id=True),
        "bad_type:role": obj(role=1),
        "bad_type:ts": obj(ts=1772330400),
        "bad_type:sender_id": obj(sender_id=[]),
        "bad_type:kind": obj(kind={}),
        "bad_type:text": obj(text=2),
        "bad_type:msg_id": obj(msg_id=0.5),
        "bad_enum:role": obj(role="seller"),
        "bad_enum:kind": obj(kind="promo"),
        "bad_ts": obj(ts="2026-02-30T10:00:00"),
        "line_too_long": obj(text="x" * 600),
    }
    write(here / "a.jsonl", "\n".join([BUYER, *odd.values()]) + "\n")
    write(here / "b.csv", f"{CSV_HEADER}\ns1,b1,buyer,{TS},extra\n")
    write(here / "c.jsonl", (BUYER + "\n").encode() + obj(text="店").encode("gbk") + b"\n")
    report = audit(".", max_record_bytes=500)
    got = [(r.file, r.line, r.code) for r in report.inputs.rejections]
    assert got == [("a.jsonl", n, code) for n, code in enumerate(odd, start=2)] + [
        ("b.csv", 2, "bad_csv"),
        ("c.jsonl", 1, "encoding"),
        ("c.jsonl", 2, "encoding"),
    ]
    assert {code for *_, code in got} == set(REASON_CODES)
