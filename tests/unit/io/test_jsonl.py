"""JSON Lines reading: BAD-INPUT rows 1-5, 9, 11, 12 and CONTRACT §7.1/§7.2, each with its exact ledger."""

from __future__ import annotations

import json

import pytest

from auditor.errors import InputError

TS = "2026-03-01T10:00:00+08:00"
GOOD_BUYER = json.dumps({"shop_id": "s1", "buyer_id": "b1", "role": "buyer", "ts": "2026-03-01T10:00:00+08:00"})
GOOD_AGENT = json.dumps({"shop_id": "s1", "buyer_id": "b1", "role": "agent", "ts": "2026-03-01T10:00:30+08:00", "sender_id": "a1"})


def _obj(**kw: object) -> str:
    base: dict = {"shop_id": "s1", "buyer_id": "b1", "role": "buyer", "ts": TS}
    base.update(kw)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


# (id, the line between a good buyer line and a good agent line, its rejection code or None if used)
CASES: list[tuple[str, str, str | None]] = [
    # row 1: malformed JSON
    ("truncated", '{"shop_id":"s1",', "invalid_json"),
    ("trailer", '{"a":2}TRAILER', "invalid_json"),
    ("trailer_after_valid_record", _obj() + "TRAILER", "invalid_json"),
    ("two_objects", _obj() + " " + _obj(), "invalid_json"),
    ("nan_top", "NaN", "invalid_json"),
    ("nan_value", '{"x": NaN}', "invalid_json"),
    ("nan_in_full_record", _obj()[:-1] + ', "x": NaN}', "invalid_json"),
    ("nan_nested", _obj()[:-1] + ', "x": {"y": [1, -Infinity]}}', "invalid_json"),
    ("infinity", _obj()[:-1] + ', "x": Infinity}', "invalid_json"),
    ("trailing_comma_object", _obj()[:-1] + ",}", "invalid_json"),
    ("trailing_comma_array", _obj()[:-1] + ', "x": [1, 2 , ]}', "invalid_json"),
    ("single_quotes", "{'shop_id': 's1'}", "invalid_json"),
    ("leading_zero", _obj()[:-1] + ', "x": 01}', "invalid_json"),
    ("comment", _obj() + " // c", "invalid_json"),
    ("raw_control_char_in_string", _obj(text="a\x01b").replace("\\u0001", "\x01"), "invalid_json"),
    # row 2: not an object, duplicate keys
    ("array", "[1,2]", "not_object"),
    ("string", '"x"', "not_object"),
    ("number", "1", "not_object"),
    ("null", "null", "not_object"),
    ("true", "true", "not_object"),
    ("duplicate_role", '{"role":"buyer","role":"agent"}', "duplicate_key"),
    ("duplicate_role_full", _obj()[:-1] + ', "role": "agent"}', "duplicate_key"),
    ("duplicate_key_escaped_spelling", _obj()[:-1] + ', "r\\u006fle": "agent"}', "duplicate_key"),
    # row 3: wrong types
    ("ts_epoch", _obj(ts=1700000000), "bad_type:ts"),
    ("ts_epoch_ms", _obj(ts=1700000000000), "bad_type:ts"),
    ("shop_id_int", _obj(shop_id=123), None),
    ("msg_id_negative_int", _obj(msg_id=-5), None),
    ("shop_id_float", _obj(shop_id=1.5), "bad_type:shop_id"),
    ("buyer_id_exp", _obj(buyer_id=1e3), "bad_type:buyer_id"),
    ("sender_id_bool", _obj(sender_id=False), "bad_type:sender_id"),
    ("role_true", _obj(role=True), "bad_type:role"),
    ("role_int", _obj(role=1), "bad_type:role"),
    ("text_object", _obj(text={}), "bad_type:text"),
    ("text_array", _obj(text=["a"]), "bad_type:text"),
    ("text_int", _obj(text=1), "bad_type:text"),
    ("kind_int", _obj(kind=1), "bad_type:kind"),
    ("text_null", _obj(text=None), None),
    # row 4: missing required fields
    ("empty_object", "{}", "missing:shop_id"),
    ("no_ts", _obj(ts=...), "missing:ts"),
    ("no_role", _obj(role=...), "missing:role"),
    ("empty_buyer_id", _obj(buyer_id=""), "missing:buyer_id"),
    ("null_buyer_id", _obj(buyer_id=None), "missing:buyer_id"),
    ("null_ts", _obj(ts=None), "missing:ts"),
    ("empty_shop_id", _obj(shop_id=""), "missing:shop_id"),
    ("empty_role", _obj(role=""), "missing:role"),
    # row 5: unknown role or kind
    ("role_Agent_space", _obj(role="Agent "), "bad_enum:role"),
    ("role_chinese", _obj(role="客服"), "bad_enum:role"),
    ("role_bot_v2", _obj(role="bot_v2"), "bad_enum:role"),
    ("role_upper", _obj(role="BUYER"), "bad_enum:role"),
    ("role_nul_suffix", _obj(role="buyer\x00"), "bad_enum:role"),
    ("kind_promo", _obj(kind="promo"), "bad_enum:kind"),
    ("kind_Message", _obj(kind="Message"), "bad_enum:kind"),
    ("kind_absent", _obj(), None),
    ("kind_empty", _obj(kind=""), None),
    ("kind_null", _obj(kind=None), None),
    ("kind_message", _obj(kind="message"), None),
    # strings that only look lenient
    ("lenient_tokens_inside_string", _obj(text="NaN, Infinity,] ,}"), None),
    ("escaped_quote_and_comma", _obj(text='a"b,}'), None),
    ("escaped_backslash_then_comma", _obj(text="a\\", msg_id="m,]"), None),
    ("escaped_unicode_role", _obj()[:-1].replace('"buyer"', '"b\\u0075yer"') + "}", None),
    ("nul_in_text", _obj(text="a\x00b"), None),
    ("surrounding_whitespace", "  " + _obj() + "\t", None),
]


# the BAD-INPUT table's own examples, each audited alone (the rest are covered by the all-in-one file below)
PER_CASE = {
    "truncated",
    "trailer",
    "nan_top",
    "nan_value",
    "trailing_comma_object",
    "array",
    "string",
    "duplicate_role",
    "ts_epoch",
    "shop_id_int",
    "role_true",
    "text_object",
    "no_ts",
    "no_role",
    "empty_buyer_id",
    "role_Agent_space",
    "role_chinese",
    "role_bot_v2",
    "kind_promo",
    "kind_absent",
    "kind_empty",
}
assert PER_CASE <= {c[0] for c in CASES}


@pytest.mark.parametrize(("line", "code"), [c[1:] for c in CASES if c[0] in PER_CASE], ids=[c[0] for c in CASES if c[0] in PER_CASE])
def test_single_line_ledger(tmp_path, run_audit, ledger, line, code):
    (tmp_path / "chat.jsonl").write_text(GOOD_BUYER + "\n" + line + "\n" + GOOD_AGENT + "\n", encoding="utf-8")
    led = ledger(run_audit(tmp_path))
    if code is None:
        assert led == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}
    else:
        assert led == {"read": 3, "used": 2, "excluded": {}, "rejected": 1, "rejections": [(2, code)]}


def test_all_bad_input_rows_in_one_file(tmp_path, run_audit, ledger):
    lines = [GOOD_BUYER] + [c[1] for c in CASES] + [GOOD_AGENT]
    (tmp_path / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    led = ledger(report)
    expected_rej = [(i + 2, c[2]) for i, c in enumerate(CASES) if c[2] is not None]
    assert led == {
        "read": len(lines),
        "used": len(lines) - len(expected_rej),
        "excluded": {},
        "rejected": len(expected_rej),
        "rejections": expected_rej,
    }
    assert {r.file for r in report.inputs.rejections} == {(tmp_path / "chat.jsonl").as_posix()}
    (f,) = report.inputs.files
    assert (f.format, f.status, f.read, f.used, f.excluded, f.rejected) == ("jsonl", "ok", len(lines), led["used"], 0, led["rejected"])


def test_reason_sentences_name_the_field(tmp_path, run_audit, ledger, reasons):
    lines = [
        _obj(buyer_id=""),
        _obj(buyer_id=None),
        _obj(ts=...),
        _obj(ts=1700000000),
        _obj(shop_id=1.5),
        _obj(role=True),
        _obj(text={}),
        _obj(role="Agent "),
        _obj(kind="promo"),
        '{"role":"buyer","role":"agent"}',
        "[1,2]",
        '{"a":2}TRAILER',
        _obj(role="bot\nx").replace("\\n", "\\u000a"),
    ]
    (tmp_path / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report)["rejected"] == len(lines)
    assert reasons(report) == {
        1: "field `buyer_id` is empty",
        2: "field `buyer_id` is null",
        3: "field `ts` is missing",
        4: "field `ts` is an integer, expected an ISO 8601 date-time string",
        5: "field `shop_id` is a number, expected a string or an integer",
        6: "field `role` is a boolean, expected a string",
        7: "field `text` is an object, expected a string",
        8: "`role` is `Agent `, expected buyer, agent, bot or system",
        9: "`kind` is `promo`, expected message, ad, notice or close",
        10: "key `role` appears more than once",
        11: "a JSON array, not an object",
        12: "not valid JSON",
        13: "`role` is `bot?x`, expected buyer, agent, bot or system",  # control characters shown escaped
    }


def test_not_object_reason_uses_json_type_names(tmp_path, run_audit, reasons):
    (tmp_path / "chat.jsonl").write_text('"x"\n1\n1.5\n', encoding="utf-8")
    assert reasons(run_audit(tmp_path)) == {
        1: "a JSON string, not an object",
        2: "a JSON number, not an object",
        3: "a JSON number, not an object",
    }


def test_integer_ids_read_as_decimal_strings(tmp_path, run_audit, ledger):
    lines = [
        _obj(shop_id=123, msg_id=7),
        _obj(shop_id="123", msg_id="7", ts="2026-03-01T10:00:05+08:00"),  # same (shop, msg_id): duplicate
        _obj(shop_id=123, role="agent", ts="2026-03-01T10:00:30+08:00", msg_id=8),
    ]
    (tmp_path / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 3, "used": 2, "excluded": {"duplicate": 1}, "rejected": 0, "rejections": []}
    assert {m.shop_id for m in report.metrics} == {"123"}


def test_big_integer_id_is_an_integer(tmp_path, run_audit, ledger):
    """CONTRACT §7.2: an integer id is read as its decimal string, however many digits it has.

    DuckDB types a literal beyond 64 bits as DOUBLE; the reader keeps its digits.
    Lines: 1 a 23-digit msg_id (used), 2 a negative 21-digit msg_id (used),
    3 `1e3` and 4 `1.0`: numbers, not integer literals (bad_type:msg_id),
    5 the 23-digit id less one: as doubles lines 1 and 5 would be equal (1e23) and
    line 5 a duplicate; as digits they differ, so line 5 is used too.
    """
    lines = [
        _obj(msg_id=99999999999999999999999),
        _obj(msg_id=-999999999999999999999, ts="2026-03-01T10:00:01+08:00"),
        _obj(msg_id="X", ts="2026-03-01T10:00:02+08:00").replace('"X"', "1e3"),
        _obj(msg_id="X", ts="2026-03-01T10:00:03+08:00").replace('"X"', "1.0"),
        _obj(msg_id=99999999999999999999998, ts="2026-03-01T10:00:04+08:00"),
    ]
    (tmp_path / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {
        "read": 5,
        "used": 3,
        "excluded": {},
        "rejected": 2,
        "rejections": [(3, "bad_type:msg_id"), (4, "bad_type:msg_id")],
    }


def test_raw_newline_in_string_gives_two_rejected_lines_escaped_is_fine(tmp_path, run_audit, ledger):
    raw_nl = _obj(text="line1\nline2").replace("\\n", "\n")
    escaped = _obj(text="line1\nline2", ts="2026-03-01T10:00:10+08:00")
    assert "\\n" in escaped
    (tmp_path / "chat.jsonl").write_text(raw_nl + "\n" + escaped + "\n" + GOOD_AGENT + "\n", encoding="utf-8")
    assert ledger(run_audit(tmp_path)) == {
        "read": 4,
        "used": 2,
        "excluded": {},
        "rejected": 2,
        "rejections": [(1, "invalid_json"), (2, "invalid_json")],
    }


def test_raw_crlf_in_string_also_splits(tmp_path, run_audit, ledger):
    raw = _obj(text="x\r\ny").replace("\\r\\n", "\r\n")
    (tmp_path / "chat.jsonl").write_bytes((raw + "\r\n" + GOOD_AGENT + "\r\n").encode())
    assert ledger(run_audit(tmp_path))["rejections"] == [(1, "invalid_json"), (2, "invalid_json")]


def test_nul_escape_in_string_is_accepted(tmp_path, run_audit, ledger):
    line = _obj(text="a\u0000b", msg_id="m\u0000")
    assert "\\u0000" in line
    (tmp_path / "chat.jsonl").write_text(line + "\n", encoding="utf-8")
    assert ledger(run_audit(tmp_path)) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}


def test_whitespace_only_lines_are_not_records(tmp_path, run_audit, ledger):
    data = "\n  \n\t\n" + GOOD_BUYER + "\n \t \n\n" + "[]" + "\n   "
    (tmp_path / "chat.jsonl").write_text(data, encoding="utf-8")
    assert ledger(run_audit(tmp_path)) == {
        "read": 2,
        "used": 1,
        "excluded": {},
        "rejected": 1,
        "rejections": [(7, "not_object")],
    }


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings_and_bom_same_ledger(tmp_path, run_audit, ledger, eol):
    lines = [GOOD_BUYER, "", "NaN", GOOD_AGENT, _obj(role="x")]
    (tmp_path / "chat.jsonl").write_bytes(b"\xef\xbb\xbf" + eol.join(lines).encode())
    assert ledger(run_audit(tmp_path)) == {
        "read": 4,
        "used": 2,
        "excluded": {},
        "rejected": 2,
        "rejections": [(3, "invalid_json"), (5, "bad_enum:role")],
    }


def test_bom_before_first_record_does_not_break_it(tmp_path, run_audit, ledger):
    (tmp_path / "chat.jsonl").write_bytes(b"\xef\xbb\xbf" + GOOD_BUYER.encode() + b"\n")
    assert ledger(run_audit(tmp_path))["used"] == 1


# regression: a UTF-16 JSONL once crashed audit (FileEncodingError raised lazily inside DuckDB's stream scan)
def test_utf16_jsonl_is_unreadable_others_audited(tmp_path, run_audit, ledger):
    (tmp_path / "a.jsonl").write_bytes("\n".join([GOOD_BUYER, GOOD_AGENT]).encode("utf-16"))
    (tmp_path / "b.jsonl").write_text(GOOD_BUYER + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    assert ledger(report) == {"read": 1, "used": 1, "excluded": {}, "rejected": 0, "rejections": []}
    a, b = report.inputs.files
    assert (a.status, a.read) == ("unreadable", 0)
    assert a.reason == "encoding: the file is UTF-16, not UTF-8"
    assert any("iconv" in n for n in a.notes)
    assert (b.status, b.read, b.used) == ("ok", 1, 1)


def test_only_utf16_input_is_no_readable_input(tmp_path, run_audit):
    (tmp_path / "a.jsonl").write_bytes(GOOD_BUYER.encode("utf-16"))
    with pytest.raises(InputError, match="no readable input"):
        run_audit(tmp_path)


def test_one_non_utf8_line_condemns_the_whole_file(tmp_path, run_audit, ledger, reasons):
    gbk = _obj(text="店铺").encode("gbk")
    (tmp_path / "a.jsonl").write_bytes(GOOD_BUYER.encode() + b"\n" + gbk + b"\n" + GOOD_AGENT.encode() + b"\n")
    (tmp_path / "b.jsonl").write_text(GOOD_BUYER + "\n", encoding="utf-8")
    report = run_audit(tmp_path)
    led = ledger(report)
    assert led == {
        "read": 4,
        "used": 1,
        "excluded": {},
        "rejected": 3,
        "rejections": [(1, "encoding"), (2, "encoding"), (3, "encoding")],
    }
    msg = report.inputs.rejections[0].reason
    assert "first bad line 2" in msg and "iconv" in msg


@pytest.mark.parametrize("limit", [128, 250])
def test_line_too_long_rejected_rest_read(tmp_path, run_audit, ledger, reasons, limit):
    long = _obj(text="x" * 300)
    (tmp_path / "chat.jsonl").write_text(GOOD_BUYER + "\n" + long + "\n" + GOOD_AGENT + "\n", encoding="utf-8")
    report = run_audit(tmp_path, max_record_bytes=limit)
    assert ledger(report) == {"read": 3, "used": 2, "excluded": {}, "rejected": 1, "rejections": [(2, "line_too_long")]}
    assert reasons(report) == {2: f"record is longer than {limit} bytes"}


def test_record_exactly_at_the_limit_is_read(tmp_path, run_audit, ledger):
    n = len(GOOD_BUYER.encode())
    (tmp_path / "chat.jsonl").write_text(GOOD_BUYER + "\n", encoding="utf-8")
    assert ledger(run_audit(tmp_path, max_record_bytes=n))["used"] == 1
    assert ledger(run_audit(tmp_path, max_record_bytes=n - 1))["rejections"] == [(1, "line_too_long")]


def test_rejections_carry_file_line_and_excerpt(tmp_path, run_audit):
    sub = tmp_path / "d"
    sub.mkdir()
    (sub / "x.jsonl").write_text(GOOD_BUYER + '\n{"a":2}TRAILER\n', encoding="utf-8")
    report = run_audit(tmp_path)
    (rej,) = report.inputs.rejections
    assert (rej.file, rej.line, rej.code, rej.excerpt) == ((sub / "x.jsonl").as_posix(), 2, "invalid_json", '{"a":2}TRAILER')


def test_excerpt_at_most_200_bytes_never_splits_a_character(tmp_path, run_audit):
    # BAD-INPUT principle 2: the raw text truncated to 200 bytes
    (tmp_path / "chat.jsonl").write_text('{"text":"' + "店" * 300 + '",}\n', encoding="utf-8")
    (rej,) = run_audit(tmp_path).inputs.rejections
    assert rej.excerpt == '{"text":"' + "店" * 63  # 9 + 63 * 3 = 198 bytes; a 64th character would pass 200


def test_absent_null_or_empty_kind_reads_as_message(tmp_path, stage_records):
    p = tmp_path / "chat.jsonl"
    p.write_text(
        "\n".join([_obj(), _obj(kind=""), _obj(kind=None), _obj(kind="ad"), _obj(kind="close", role="agent")]) + "\n", encoding="utf-8"
    )
    assert stage_records(p, columns="line, code, kind") == [
        (1, None, "message"),
        (2, None, "message"),
        (3, None, "message"),
        (4, None, "ad"),
        (5, None, "close"),
    ]
