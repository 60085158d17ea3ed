"""auditor.io.framing against a tiny, obviously correct reference splitter (BAD-INPUT rows 10-12).

The reference works on the whole file at once, with no chunks and no numpy:
newlines normalised with ``bytes.replace``, then for CSV Python's own
``csv.reader`` decides where records end (its ``line_num`` gives each record's
last physical line), for JSON Lines ``bytes.split``. Hypothesis draws files
rich in quotes (stray, doubled, unclosed), commas and every kind of line ending,
and the framing must give the same records, line numbers and too-long flags
for every chunk size and record limit.
"""

from __future__ import annotations

import csv
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import auditor.io.framing as framing
from auditor.io.framing import frame_records

Frame = tuple[int, bytes | None, bool]  # (line, raw or None when too long, too_long)

csv.field_size_limit(sys.maxsize)


def _physical_lines(data: bytes) -> list[str]:
    """The file's lines, each with its ``\\n`` (the last one may lack it); latin-1 keeps bytes 1:1."""
    if data.startswith(framing.UTF8_BOM):
        data = data[len(framing.UTF8_BOM) :]
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").decode("latin-1")
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _judge(line: int, raw: str, max_record_bytes: int) -> Frame:
    b = raw.encode("latin-1")
    return (line, None, True) if len(b) > max_record_bytes else (line, b, False)


def reference_csv(data: bytes, max_record_bytes: int) -> list[Frame]:
    """Records as Python's csv reader ends them; an empty record (a blank line) is not one."""
    lines = _physical_lines(data)
    # a sentinel blank line: absorbed into the last record only if that record is still inside quotes at the end
    reader = csv.reader([*lines, "\n"])
    out: list[Frame] = []
    first = 0
    for _ in reader:
        last = reader.line_num  # lines first .. last-1 (0-based) make this record
        if last > len(lines):
            raw = "".join(lines[first:])  # ran to the end of the file inside quotes: its newlines are data
        else:
            raw = "".join(lines[first:last])
            raw = raw[:-1] if raw.endswith("\n") else raw  # the terminator is not part of the record
        if raw:
            out.append(_judge(first + 1, raw, max_record_bytes))
        first = last
    return out


def reference_lines(data: bytes, max_record_bytes: int) -> list[Frame]:
    out: list[Frame] = []
    for i, line in enumerate(_physical_lines(data), start=1):
        raw = line[:-1] if line.endswith("\n") else line
        if raw:
            out.append(_judge(i, raw, max_record_bytes))
    return out


def framed(path, *, quote_aware: bool, max_record_bytes: int) -> list[Frame]:
    out: list[Frame] = []
    for batch in frame_records(path, quote_aware=quote_aware, max_record_bytes=max_record_bytes):
        d = batch.to_pydict()
        for line, raw, too_long in zip(d["line"], d["raw"], d["too_long"], strict=True):
            out.append((line, None if too_long else raw, too_long))
    return out


# --- the reference itself, on cases worked out by hand -------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # a stray quote ends no field: each row is its own record
        (b'h\n1,size 5"\n2,x\n', [(1, b"h"), (2, b'1,size 5"'), (3, b"2,x")]),
        # text after a closing quote: the rest of the field is unquoted, its quotes are data
        (b'1,"a"b"c\n2\n', [(1, b'1,"a"b"c'), (2, b"2")]),
        # a quoted field over three lines starts on line 1; the next record is on line 4
        (b'1,"x\r\ny\rz"\r\n2\n', [(1, b'1,"x\ny\nz"'), (4, b"2")]),
        # `""` inside a quoted field is a quote: the field is still open at the end of the file
        (b'1,"a""\n2\n', [(1, b'1,"a""\n2\n')]),
        # `""` as a whole field is an empty field
        (b'1,""\n2\n', [(1, b'1,""'), (2, b"2")]),
        # three quotes at a field start open it (one opens, two are an escaped quote)
        (b'1,"""\n2"\n3\n', [(1, b'1,"""\n2"'), (3, b"3")]),
    ],
)
def test_reference_csv_worked_examples(data, expected):
    assert reference_csv(data, 1 << 20) == [(line, raw, False) for line, raw in expected]


# --- the property -----------------------------------------------------------------------------------

_piece = st.sampled_from(['"', '""', ",", "\n", "\r", "\r\n", "a", "b", " ", "é", "\x00", '","', ',"', '",'])


@st.composite
def _files(draw) -> bytes:
    text = "".join(draw(st.lists(_piece, max_size=40)))
    bom = draw(st.sampled_from(["", "", "", "\ufeff"]))
    return (bom + text).encode("utf-8")


_chunks = st.one_of(st.integers(1, 9), st.just(1 << 30))
_limits = st.one_of(st.integers(1, 12), st.just(1 << 20))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_files(), chunk=_chunks, limit=_limits, quote_aware=st.booleans())
@example(data=b'h\n1,size 5"\n2,x\n', chunk=1 << 30, limit=1 << 20, quote_aware=True)  # the trailing-quote bug
@example(data=b'h\n1,"' + b'a""' * 6 + b'"\n2,"x"\n', chunk=4, limit=5, quote_aware=True)  # `""` cut by chunks while skipping
@example(data=b'1,"a"\n' + b'x"' * 8 + b"\n2\n", chunk=3, limit=4, quote_aware=True)  # stray quotes while skipping
@example(data=b"a\r\n" + b"x" * 30 + b"\r\nb\r", chunk=2, limit=8, quote_aware=False)  # CRLF cut by chunks while skipping
def test_framing_equals_reference(tmp_path, monkeypatch, data, chunk, limit, quote_aware):
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    monkeypatch.setattr(framing, "CHUNK_BYTES", chunk)
    expected = (reference_csv if quote_aware else reference_lines)(data, limit)
    assert framed(p, quote_aware=quote_aware, max_record_bytes=limit) == expected
