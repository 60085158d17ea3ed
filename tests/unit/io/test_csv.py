"""CSV reading: header mapping, RFC 4180 quoting, encodings, empty files (BAD-INPUT rows 8-11, 14, 17)."""

from __future__ import annotations

import pytest

from auditor.errors import InputError

H = "shop_id,buyer_id,role,ts"
B = "s1,b1,buyer,2026-03-01T10:00:00+08:00"
A = "s1,b1,agent,2026-03-01T10:00:30+08:00"
GOOD_JSONL = '{"shop_id":"s1","buyer_id":"b1","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n'


def _csv(tmp_path, text: str | bytes, name: str = "chat.csv"):
    p = tmp_path / name
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8", newline="")
    else:
        p.write_bytes(text)
    return p


def test_header_mapped_by_name_reordered_and_extra_columns(tmp_path, run_audit, ledger, stage_records):
    p = _csv(
        tmp_path,
        "ts,extra,role,note,buyer_id,shop_id,text\n"
        "2026-03-01T10:00:00+08:00,x,buyer,n,b1,s1,hi\n"
        "2026-03-01T10:00:30+08:00,y,agent,n,b1,s1,hello\n",
    )
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 2, "used": 2, "excluded": {}, "rejected": 0, "rejections": []}
    (f,) = report.inputs.files
    assert (f.format, f.status, f.read, f.used) == ("csv", "ok", 2, 2)
    assert f.notes == ["ignored columns: extra, note"]
    rows = stage_records(p, columns="line, shop_id, buyer_id, role, text, kind")
    assert rows == [(2, "s1", "b1", "buyer", "hi", "message"), (3, "s1", "b1", "agent", "hello", "message")]


def test_missing_required_column_rejects_each_record(tmp_path, run_audit, ledger, reasons):
    _csv(tmp_path, "shop_id,role,ts\ns1,buyer,2026-03-01T10:00:00+08:00\n\ns1,agent,2026-03-01T10:00:30+08:00\n")
    report = run_audit(tmp_path)
    assert ledger(report) == {
        "read": 2,
        "used": 0,
        "excluded": {},
        "rejected": 2,
        "rejections": [(2, "missing:buyer_id"), (4, "missing:buyer_id")],
    }
    assert reasons(report) == {2: "field `buyer_id` is missing", 4: "field `buyer_id` is missing"}
    assert report.inputs.files[0].notes == ["header lacks required columns: buyer_id"]


def test_several_missing_columns_first_in_contract_order(tmp_path, run_audit, ledger):
    _csv(tmp_path, "text,role\nhi,buyer\n")
    report = run_audit(tmp_path)
    assert ledger(report)["rejections"] == [(2, "missing:shop_id")]
    assert report.inputs.files[0].notes == ["header lacks required columns: shop_id, buyer_id, ts"]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_bom_and_line_endings(tmp_path, run_audit, ledger, stage_records, eol):
    text = "\ufeff" + eol.join([H + ",text", B + ",x", "", "s1,b1,robot,2026-03-01T10:00:10+08:00,y", A + ",z"]) + eol
    p = _csv(tmp_path, text)
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 3, "used": 2, "excluded": {}, "rejected": 1, "rejections": [(4, "bad_enum:role")]}
    assert report.inputs.files[0].notes == []  # the header is `shop_id`, not `\ufeffshop_id`
    assert [r[1:] for r in stage_records(p, columns="line, shop_id, text")] == [("s1", "x"), ("s1", "y"), ("s1", "z")]


def test_quoted_field_with_embedded_newline_and_doubled_quotes(tmp_path, run_audit, ledger, stage_records):
    p = _csv(
        tmp_path,
        H
        + ",text\r\n"
        + B
        + ',"line one\r\nline two, ""quoted"""\r\n'
        + '"s1","b1","agent","2026-03-01T10:00:30+08:00",""\r\n'
        + 's1,b1,agent,2026-03-01T10:00:40+08:00,"a\nb\nc"\r\n'
        + "s1,b1,nobody,2026-03-01T10:00:50+08:00,x\r\n",
    )
    report = run_audit(tmp_path)
    # records start on lines 2, 4, 5 and 8; the bad one is reported at its start line
    assert ledger(report) == {"read": 4, "used": 3, "excluded": {}, "rejected": 1, "rejections": [(8, "bad_enum:role")]}
    rows = stage_records(p, columns="line, role, text")
    assert rows == [
        (2, "buyer", 'line one\nline two, "quoted"'),
        (4, "agent", ""),
        (5, "agent", "a\nb\nc"),
        (8, "nobody", "x"),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(B + ',a"b', id="inner"),  # quote inside an unquoted field
        pytest.param(B + ',"a"b', id="after_close"),  # text after the closing quote
        pytest.param('s1,b1,bu"yer,2026-03-01T10:00:00+08:00,x', id="in_role"),
        pytest.param(B + ',a"b"c', id="two_inner"),
        pytest.param(B + ',"a"b"c"', id="balanced_after_close"),
        # regression: a quote at the END of an unquoted field once counted as opening a quoted field and
        # swallowed every following row into one rejected record (framing._structural_quotes)
        pytest.param(B + ',size 5"', id="trailing_in_unquoted"),
        pytest.param('s1,b1",buyer,2026-03-01T10:00:00+08:00,x', id="trailing_in_middle_field"),  # same bug, before a comma
        pytest.param(B + ',"a"b"c', id="odd_after_close"),  # after `"a"b` the field is unquoted: its quote opens nothing
        pytest.param(B + ',"a""', id="unclosed"),  # the doubled quote leaves the field open ... to the end of the file
    ],
)
def test_stray_quote_is_bad_csv(tmp_path, run_audit, ledger, reasons, bad):
    _csv(tmp_path, H + ",text\n" + B + ",ok\n" + bad + "\n" + A + ",ok\n")
    report = run_audit(tmp_path)
    led = ledger(report)
    if bad.endswith('"a""'):
        # an unclosed quote runs to the end of the file: one bad record, the agent line is inside it
        assert led == {"read": 2, "used": 1, "excluded": {}, "rejected": 1, "rejections": [(3, "bad_csv")]}
    else:
        assert led == {"read": 3, "used": 2, "excluded": {}, "rejected": 1, "rejections": [(3, "bad_csv")]}
    assert reasons(report)[3] == "CSV record does not parse: a quote is out of place"


def test_wrong_field_count_is_bad_csv(tmp_path, run_audit, ledger, reasons):
    _csv(tmp_path, H + ",text\n" + B + "\n" + B + ",x,y\n" + A + ",ok\n" + A + ',"a,b"\n')
    report = run_audit(tmp_path)
    assert ledger(report) == {
        "read": 4,
        "used": 2,
        "excluded": {},
        "rejected": 2,
        "rejections": [(2, "bad_csv"), (3, "bad_csv")],
    }
    assert reasons(report) == {
        2: "CSV record does not parse: has 4 fields; the header has 5",
        3: "CSV record does not parse: has 6 fields; the header has 5",
    }


def test_empty_cells_are_absent(tmp_path, run_audit, ledger, stage_records):
    p = _csv(
        tmp_path,
        H
        + ",kind,sender_id,msg_id\n"
        + B
        + ",,,\n"  # kind empty = message; optional ids empty = absent
        + ",b1,buyer,2026-03-01T10:00:00+08:00,,,\n"  # empty shop_id = missing
        + '"",b1,buyer,2026-03-01T10:00:00+08:00,,,\n'  # quoted empty too
        + B
        + ',"",,m1\n',
    )
    report = run_audit(tmp_path)
    assert ledger(report) == {
        "read": 4,
        "used": 2,
        "excluded": {},
        "rejected": 2,
        "rejections": [(3, "missing:shop_id"), (4, "missing:shop_id")],
    }
    rows = stage_records(p, columns="line, kind, sender_id, msg_id")
    assert [r for r in rows if r[0] in (2, 5)] == [(2, "message", None, None), (5, "message", None, "m1")]


def test_values_are_not_trimmed(tmp_path, run_audit, ledger):
    _csv(
        tmp_path, " shop_id , buyer_id ,role,ts\n" + "s1,b1,buyer, 2026-03-01T10:00:00+08:00\n" + "s1,b1,buyer ,2026-03-01T10:00:00+08:00\n"
    )
    # header names are matched stripped; cell values are taken as they are
    assert ledger(run_audit(tmp_path))["rejections"] == [(2, "bad_ts"), (3, "bad_enum:role")]


def test_gbk_file_every_record_rejected_encoding(tmp_path, run_audit, ledger):
    text = H + ",text\n" + B + ",店铺\n" + A + ",您好\n" + A + ",ascii only\n"
    _csv(tmp_path, text.encode("gbk"))
    (tmp_path / "ok.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {
        "read": 4,
        "used": 1,
        "excluded": {},
        "rejected": 3,
        "rejections": [(2, "encoding"), (3, "encoding"), (4, "encoding")],
    }
    for r in report.inputs.rejections:
        assert r.reason == "the file is not UTF-8 (first bad line 2); convert it, e.g. iconv -f GB18030 -t UTF-8"
        assert r.excerpt is None


def test_gbk_header_file_unreadable(tmp_path, run_audit, ledger):
    _csv(tmp_path, ("店铺," + "buyer_id,role,ts\n" + B + "\n").encode("gbk"))
    (tmp_path / "ok.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    f = report.inputs.files[0]
    assert (f.file.endswith("chat.csv"), f.status, f.read) == (True, "unreadable", 0)
    assert f.reason == "encoding: the header row is not UTF-8"
    assert any("iconv -f GB18030 -t UTF-8" in n for n in f.notes)


def test_utf16_csv_unreadable_with_hint(tmp_path, run_audit, ledger):
    _csv(tmp_path, (H + "\n" + B + "\n").encode("utf-16"))
    (tmp_path / "ok.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    f = report.inputs.files[0]
    assert (f.status, f.read, f.reason) == ("unreadable", 0, "encoding: the file is UTF-16, not UTF-8")
    assert any("iconv" in n for n in f.notes)


def test_empty_and_header_only_files(tmp_path, run_audit, ledger):
    _csv(tmp_path, "", name="a_empty.csv")
    _csv(tmp_path, H + "\n", name="b_header.csv")
    _csv(tmp_path, H, name="c_header_no_newline.csv")
    _csv(tmp_path, "\n\r\n" + H + "\r\n\r\n  \r\n", name="d_header_blank_lines.csv")
    _csv(tmp_path, "\ufeff" + H + "\n", name="e_bom_header.csv")
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    got = [(f.file.rsplit("/", 1)[1], f.status, f.read, f.reason) for f in report.inputs.files]
    assert got == [
        ("a_empty.csv", "empty", 0, "no header row"),
        ("b_header.csv", "empty", 0, None),
        ("c_header_no_newline.csv", "empty", 0, None),
        ("d_header_blank_lines.csv", "empty", 0, None),
        ("e_bom_header.csv", "empty", 0, None),
        ("z.jsonl", "ok", 1, None),
    ]


def test_only_empty_inputs_is_no_readable_input(tmp_path, run_audit):
    _csv(tmp_path, "", name="a.csv")
    _csv(tmp_path, H + "\n", name="b.csv")
    (tmp_path / "c.jsonl").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match="no readable input"):
        run_audit(tmp_path)


def test_csv_record_too_long(tmp_path, run_audit, ledger, reasons):
    _csv(tmp_path, H + ",text\n" + B + ',"' + "x\n" * 200 + '"\n' + A + ",ok\n")
    report = run_audit(tmp_path, max_record_bytes=256)
    assert ledger(report) == {"read": 2, "used": 1, "excluded": {}, "rejected": 1, "rejections": [(2, "line_too_long")]}
    assert reasons(report) == {2: "record is longer than 256 bytes"}


def test_stray_quote_in_header_does_not_hide_the_data(tmp_path, run_audit, ledger):
    _csv(tmp_path, '"' + H + "\n" + B + "\n" + A + "\n")
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    report = run_audit(tmp_path)
    f = report.inputs.files[0]
    # either the two data rows are counted and rejected, or the file is reported unreadable with a reason
    assert (f.read, f.rejected) == (2, 2) or (f.status == "unreadable" and f.reason)


def test_duplicate_header_column_is_noted_first_used(tmp_path, run_audit, ledger, stage_records):
    p = _csv(tmp_path, H + ",shop_id\n" + B + ",s2\n")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    assert report.inputs.files[0].notes == ["column `shop_id` appears twice in the header; the first one is used"]
    assert stage_records(p, columns="shop_id") == [("s1",)]


def test_whitespace_line_before_header_is_skipped(tmp_path, run_audit, ledger):
    _csv(tmp_path, "  \n" + H + "\n" + B + "\n")
    assert ledger(run_audit(tmp_path)) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}


def test_header_longer_than_limit_is_reported(tmp_path, run_audit):
    _csv(tmp_path, H + "," + "x" * 300 + "\n" + B + ",1\n")
    (tmp_path / "z.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    f = run_audit(tmp_path, max_record_bytes=200).inputs.files[0]
    assert any("long" in text for text in [f.reason or "", *f.notes])
