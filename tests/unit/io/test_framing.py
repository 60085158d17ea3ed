"""auditor.io.framing.frame_records: physical records, line numbers, endings, BOMs, chunking, long records."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import auditor.io.framing as framing
from auditor.io.framing import FileEncodingError, frame_records

BIG = 1 << 20


def frames(path: Path, *, quote_aware: bool = False, max_record_bytes: int = BIG) -> list[tuple[int, bytes, bool]]:
    out: list[tuple[int, bytes, bool]] = []
    for batch in frame_records(path, quote_aware=quote_aware, max_record_bytes=max_record_bytes):
        d = batch.to_pydict()
        out.extend(zip(d["line"], d["raw"], d["too_long"], strict=True))
    return out


def frames_of(tmp_path: Path, data: bytes, name: str = "f.jsonl", **kw) -> list[tuple[int, bytes, bool]]:
    p = tmp_path / name
    p.write_bytes(data)
    return frames(p, **kw)


def lines_raw(fr: list[tuple[int, bytes, bool]]) -> list[tuple[int, bytes]]:
    return [(line, raw) for line, raw, _ in fr]


# --- line endings -------------------------------------------------------------------------------

ENDINGS_CASES = {
    "lf": b"a\nb\n\nc\n",
    "crlf": b"a\r\nb\r\n\r\nc\r\n",
    "cr": b"a\rb\r\rc\r",
    "mixed": b"a\r\nb\r\nc\r".replace(b"b\r\nc", b"b\n\rc"),
    "mixed2": b"a\rb\r\n\nc\n",
}


@pytest.mark.parametrize("name", sorted(ENDINGS_CASES))
@pytest.mark.parametrize("quote_aware", [False, True])
def test_line_endings_give_identical_records(tmp_path, name, quote_aware):
    got = frames_of(tmp_path, ENDINGS_CASES[name], quote_aware=quote_aware)
    assert got == [(1, b"a", False), (2, b"b", False), (4, b"c", False)]


def test_no_trailing_cr_in_records(tmp_path):
    got = frames_of(tmp_path, b'{"a":"x"}\r\n{"a":"y"}\r\n')
    assert lines_raw(got) == [(1, b'{"a":"x"}'), (2, b'{"a":"y"}')]


@pytest.mark.parametrize("data", [b"a\nb", b"a\r\nb", b"a\rb", b"a\nb\n", b"a\nb\r\n", b"a\nb\r"])
def test_final_line_without_newline(tmp_path, data):
    assert lines_raw(frames_of(tmp_path, data)) == [(1, b"a"), (2, b"b")]


def test_single_line_without_newline(tmp_path):
    assert lines_raw(frames_of(tmp_path, b"only")) == [(1, b"only")]


def test_blank_lines_keep_physical_numbering(tmp_path):
    got = frames_of(tmp_path, b"\n\na\n\n\nb\n\n")
    assert lines_raw(got) == [(3, b"a"), (6, b"b")]


def test_whitespace_only_line_is_kept_for_the_reader(tmp_path):
    # framing drops only empty records; the reader judges whitespace-only ones
    got = frames_of(tmp_path, b"a\n  \t\nb\n")
    assert lines_raw(got) == [(1, b"a"), (2, b"  \t"), (3, b"b")]


@pytest.mark.parametrize("data", [b"", b"\n", b"\r\n\r\n", b"\r\r\r"])
def test_empty_or_blank_file_gives_no_records(tmp_path, data):
    assert frames_of(tmp_path, data) == []


# --- byte order marks ---------------------------------------------------------------------------


@pytest.mark.parametrize("quote_aware", [False, True])
def test_utf8_bom_stripped(tmp_path, quote_aware):
    got = frames_of(tmp_path, b"\xef\xbb\xbfshop_id,role\r\ns1,buyer\r\n", quote_aware=quote_aware)
    assert lines_raw(got) == [(1, b"shop_id,role"), (2, b"s1,buyer")]


def test_utf8_bom_only_once(tmp_path):
    # a second BOM is data, not a marker
    got = frames_of(tmp_path, b"\xef\xbb\xbfa\n\xef\xbb\xbfb\n")
    assert lines_raw(got) == [(1, b"a"), (2, b"\xef\xbb\xbfb")]


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"], ids=["utf16le", "utf16be"])
@pytest.mark.parametrize("quote_aware", [False, True])
def test_utf16_bom_raises_file_encoding_error(tmp_path, bom, quote_aware):
    text = "shop_id,role\ns1,buyer\n"
    data = bom + text.encode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be")
    with pytest.raises(FileEncodingError, match="UTF-16"):
        frames_of(tmp_path, data, quote_aware=quote_aware)


# --- quote-aware (CSV) framing ------------------------------------------------------------------


def test_csv_embedded_newlines_record_line_is_start_line(tmp_path):
    data = b'h1,h2\n1,"x\ny\nz"\n2,"a""b"\n3,plain\n'
    got = frames_of(tmp_path, data, name="f.csv", quote_aware=True)
    assert lines_raw(got) == [(1, b"h1,h2"), (2, b'1,"x\ny\nz"'), (5, b'2,"a""b"'), (6, b"3,plain")]


def test_csv_embedded_crlf_and_cr_become_lf(tmp_path):
    data = b'h\r\n1,"x\r\ny"\r\n2,"p\rq"\r\n3\r\n'
    got = frames_of(tmp_path, data, name="f.csv", quote_aware=True)
    assert lines_raw(got) == [(1, b"h"), (2, b'1,"x\ny"'), (4, b'2,"p\nq"'), (6, b"3")]


def test_not_quote_aware_splits_inside_quotes(tmp_path):
    got = frames_of(tmp_path, b'1,"x\ny"\n', quote_aware=False)
    assert lines_raw(got) == [(1, b'1,"x'), (2, b'y"')]


def test_csv_unclosed_quote_runs_to_end_of_file(tmp_path):
    # the last newline sits inside the open quote, so it stays part of the record
    got = frames_of(tmp_path, b'h\n1,"open\n2,b\n3,c\n', quote_aware=True)
    assert lines_raw(got) == [(1, b"h"), (2, b'1,"open\n2,b\n3,c\n')]


# --- chunk boundaries ---------------------------------------------------------------------------

CHUNK_SAMPLES = [
    b"a\r\nbb\r\nccc\r\n\r\ndddd\r\n",
    b"a\rbb\r\rccc\r\n\n\rdddd",
    b'h1,h2\r\n1,"x\r\ny"\r\n2,"a""b"\r\n\r\n3,"\r"\r\n4,z',
    b'{"text":"a,b"}\r\n{"text":"\\"q\\""}\r\n' * 3,
    b'h\n1,a"b\n2,"x\r\ny"\n3,size 5"\n4,z\n5,"a""b"\r6,q',  # quotes inside unquoted fields
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 11])
@pytest.mark.parametrize("sample", range(len(CHUNK_SAMPLES)))
@pytest.mark.parametrize("quote_aware", [False, True])
def test_tiny_chunks_equal_one_chunk(tmp_path, monkeypatch, chunk, sample, quote_aware):
    p = tmp_path / "f.csv"
    p.write_bytes(CHUNK_SAMPLES[sample])
    whole = frames(p, quote_aware=quote_aware)
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    assert frames(p, quote_aware=quote_aware) == whole


@pytest.mark.parametrize("chunk", [3, 4, 7])
def test_crlf_split_across_chunk_boundary(tmp_path, monkeypatch, chunk):
    # "ab\r" fills a 3-byte chunk; its "\n" opens the next one
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"ab\r\ncd\r\nef\r\n")
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    assert lines_raw(frames(p)) == [(1, b"ab"), (2, b"cd"), (3, b"ef")]


@pytest.mark.parametrize("chunk", [4, 5, 7, 64])
def test_utf8_bom_with_small_chunks(tmp_path, monkeypatch, chunk):
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"\xef\xbb\xbfa\r\nb\r\n")
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    assert lines_raw(frames(p)) == [(1, b"a"), (2, b"b")]


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_utf8_bom_with_chunk_not_larger_than_bom(tmp_path, monkeypatch, chunk):
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"\xef\xbb\xbfa\r\nb\r\n")
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    assert lines_raw(frames(p)) == [(1, b"a"), (2, b"b")]


# --- records over max_record_bytes --------------------------------------------------------------


@pytest.mark.parametrize("chunk", [None, 7])
def test_too_long_record_flagged_rest_still_read(tmp_path, monkeypatch, chunk):
    if chunk:
        monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    data = b"short\r\n" + b"x" * 50 + b"\r\n" + b"0123456789\n" + b"y" * 11 + b"\nlast"
    got = frames_of(tmp_path, data, max_record_bytes=10)
    assert [(line, too_long) for line, _, too_long in got] == [(1, False), (2, True), (3, False), (4, True), (5, False)]
    # the long record's bytes are not kept, the others are intact
    assert got[1][1] != b"x" * 50 and len(got[1][1]) <= 10
    assert [raw for _, raw, tl in got if not tl] == [b"short", b"0123456789", b"last"]


def test_too_long_csv_record_with_embedded_newlines(tmp_path):
    data = b'h\n1,"' + b"z\n" * 20 + b'"\n2,ok\n'
    got = frames_of(tmp_path, data, quote_aware=True, max_record_bytes=16)
    assert [(line, too_long) for line, _, too_long in got] == [(1, False), (2, True), (23, False)]
    assert got[2][1] == b"2,ok"


def test_too_long_record_memory_is_bounded(tmp_path, monkeypatch):
    p = tmp_path / "big.jsonl"
    p.write_bytes(b'{"a":1}\n{"text":"' + b"x" * (8 << 20) + b'"}\n{"b":2}\n')
    monkeypatch.setattr(framing, "CHUNK_BYTES", 256 << 10)
    tracemalloc.start()
    try:
        got = [(line, too_long) for line, _, too_long in frames(p, max_record_bytes=1 << 20)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == [(1, False), (2, True), (3, False)]
    assert peak < 8 << 20  # a few chunks plus max_record_bytes, not a multiple of the line


def _peak_and_frames(path: Path, **kw) -> tuple[int, list[tuple[int, bytes, bool]]]:
    """frames() of the file, and the peak memory traced while framing it."""
    tracemalloc.start()
    try:
        got = frames(path, **kw)
        return tracemalloc.get_traced_memory()[1], got
    finally:
        tracemalloc.stop()


def test_50mb_jsonl_line_rejected_memory_bounded_rest_read(tmp_path, monkeypatch):
    # BAD-INPUT row 12: one 50 MiB line between two ordinary ones, read in 1 MiB chunks with the default 1 MiB limit
    p = tmp_path / "huge.jsonl"
    p.write_bytes(b'{"a":1}\r\n\r\n{"text":"' + b"x" * (50 << 20) + b'"}\r\n{"b":2}\n\n{"c":3}')
    monkeypatch.setattr(framing, "CHUNK_BYTES", 1 << 20)
    peak, got = _peak_and_frames(p, max_record_bytes=1 << 20)
    # line 2 is blank; the long record is line 3, the next ones lines 4 and 6 (5 is blank)
    assert got == [(1, b'{"a":1}', False), (3, b"?", True), (4, b'{"b":2}', False), (6, b'{"c":3}', False)]
    assert peak < 12 << 20  # a few 1 MiB chunks and the 1 MiB limit, not a multiple of the 50 MiB line


def test_5mb_csv_field_rejected_memory_bounded_rest_read(tmp_path, monkeypatch):
    # BAD-INPUT row 12 for CSV: a 5 MiB quoted field full of escaped quotes, commas and CRLFs; an odd chunk size
    # (65539 = 9 mod the 10-byte unit) cuts every unit somewhere, between the two quotes of a `""` and inside a CRLF
    unit = b'ab""c, d\r\n'
    n = (5 << 20) // len(unit)
    data = b"h1,h2\r\n" + b'1,"' + unit * n + b'"\r\n' + b'3,"x""y"\r\n' + b'4,size 5"\r\n' + b"5,z"
    p = tmp_path / "huge.csv"
    p.write_bytes(data)
    monkeypatch.setattr(framing, "CHUNK_BYTES", (64 << 10) + 3)
    peak, got = _peak_and_frames(p, quote_aware=True, max_record_bytes=256 << 10)
    # the record opened on line 2 holds n newlines, so it ends on line 2 + n and the next starts on 3 + n;
    # the stray quote of `size 5"` opens nothing, so line 5 + n is still a record of its own
    assert got == [
        (1, b"h1,h2", False),
        (2, b"?", True),
        (3 + n, b'3,"x""y"', False),
        (4 + n, b'4,size 5"', False),
        (5 + n, b"5,z", False),
    ]
    assert peak < 4 << 20  # chunks and the 256 KiB limit, less than the 5 MiB field


def test_long_record_limit_is_on_the_normalised_bytes(tmp_path, monkeypatch):
    # CRLFs inside a quoted field count one byte each, whichever chunk they fall in: 3 + 4 * 2 + 1 = 12 bytes
    p = tmp_path / "f.csv"
    p.write_bytes(b'1,"' + b"a\r\n" * 4 + b'"\n2\n')
    for chunk in (1, 2, 3, 5, 1 << 20):
        monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
        assert [(line, tl) for line, _, tl in frames(p, quote_aware=True, max_record_bytes=12)] == [(1, False), (6, False)]
        assert [(line, tl) for line, _, tl in frames(p, quote_aware=True, max_record_bytes=11)] == [(1, True), (6, False)]


def test_50mb_jsonl_line_end_to_end(tmp_path):
    # the same row 12 through auditor.audit with every default (64 MiB chunks, 1 MiB limit)
    from datetime import date

    import auditor

    good = '{"shop_id":"s1","buyer_id":"b1","role":"%s","ts":"2026-03-01T10:00:%s+08:00"}\n'
    p = tmp_path / "chat.jsonl"
    p.write_bytes((good % ("buyer", "00")).encode() + b'{"text":"' + b"x" * (50 << 20) + b'"}\n' + (good % ("agent", "30")).encode())
    report = auditor.audit([p], auditor.AuditOptions(policy="taobao", as_of=date(2026, 3, 10)))
    i = report.inputs
    assert (i.read, i.used, i.rejected) == (3, 2, 1)
    assert [(r.line, r.code, r.reason) for r in i.rejections] == [(2, "line_too_long", "record is longer than 1048576 bytes")]


# --- property: chunking never changes the result ------------------------------------------------

_line_text = st.text(alphabet=st.sampled_from(list('ab,"\r\n {}\\') + ["é", "店"]), max_size=12)
_ending = st.sampled_from(["\n", "\r\n", "\r", ""])


@st.composite
def _files(draw) -> bytes:
    parts = draw(st.lists(st.tuples(_line_text, _ending), max_size=10))
    return "".join(t + e for t, e in parts).encode("utf-8")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_files(), chunk=st.integers(1, 9), quote_aware=st.booleans())
def test_property_tiny_chunks_equal_huge_chunk(tmp_path, data, chunk, quote_aware):
    p = tmp_path / "prop.csv"
    p.write_bytes(data)
    old = framing.CHUNK_BYTES
    try:
        framing.CHUNK_BYTES = 1 << 30
        whole = frames(p, quote_aware=quote_aware)
        framing.CHUNK_BYTES = chunk
        small = frames(p, quote_aware=quote_aware)
    finally:
        framing.CHUNK_BYTES = old
    assert small == whole
    # and the framing never invents bytes: records are the file's bytes with endings normalised
    norm = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    for _, raw, _ in whole:
        assert raw in norm
    if not quote_aware:
        assert [raw for _, raw, _ in whole] == [seg for seg in norm.split(b"\n") if seg]
