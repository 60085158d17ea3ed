"""Cutting a text file into physical records with their 1-based line numbers, vectorised.

JSON Lines and CSV are read raw-first: the bytes are split into records here
(numpy over large chunks, never a Python loop per line) and handed to DuckDB as
Arrow batches ``(line, raw, too_long)``; parsing happens there. Line endings
``\\r\\n``, ``\\n`` and a lone ``\\r`` all end a line, so a CRLF or old-Mac file
gives the same records and line numbers as its LF twin. For CSV the split is
quote-aware, with the record boundaries of Python's ``csv`` reader (RFC 4180,
lenient about stray quotes): a newline inside a quoted field does not end the
record, and the record's line is the line it starts on.

A record longer than ``max_record_bytes`` is flagged ``too_long`` and its bytes
are not kept: once the part read so far passes the limit, only its end is
looked for, chunk by chunk, so memory stays a few chunks plus the limit and
time stays linear however long the record is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from auditor.duck import run

CHUNK_BYTES = 64 << 20
LF, CR, QUOTE, COMMA = 10, 13, 34, 44
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
TOO_LONG_STAND_IN = b"?"  # one byte in place of a too-long record, so the row is not taken for blank

BATCH_SCHEMA = pa.schema([("line", pa.int64()), ("raw", pa.binary()), ("too_long", pa.bool_())])


class FileEncodingError(Exception):
    """The file is in an encoding the auditor does not read (UTF-16, …); `source` is what to convert from."""

    def __init__(self, what: str, source: str) -> None:
        super().__init__(what)
        self.source = source


def sniff_encoding(path: Path) -> None:
    """Refuse, before any reading starts, a file whose byte-order mark says it is not UTF-8."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(UTF16_BOMS):
        raise FileEncodingError("encoding: the file is UTF-16, not UTF-8", "UTF-16")


def _record_ends(arr: np.ndarray, nl: np.ndarray, *, inside: bool, at_sep: bool) -> tuple[np.ndarray, bool]:
    """The newlines (positions ``nl`` in ``arr``) that end a CSV record, and whether ``arr`` ends inside quotes.

    Python's csv reader decides record ends by runs of quotes alone. An even
    run changes nothing (``""`` is an escaped quote inside a quoted field and an
    empty field outside one). An odd run closes an open quoted field, and opens
    one when it starts a field: right after a comma, a newline or the start of
    the record (``at_sep`` says whether the byte before ``arr`` was one of
    those). An odd run anywhere else (``size 5"``, ``a"b``, ``"a"b"``) is a
    stray quote and opens nothing, so it cannot swallow the following rows.
    Hence after each odd run the field is open iff the run starts a field and
    the field was not open before it: along a streak of field-starting runs the
    state alternates, and every other odd run resets it to closed, which needs
    no loop. ``inside`` is the state before ``arr``.
    """
    quotes = np.flatnonzero(arr == QUOTE)
    if quotes.size == 0:
        return (nl[:0] if inside else nl), inside
    heads = np.flatnonzero(np.diff(quotes, prepend=-2) != 1)  # index in `quotes` of each run's first quote
    odd = (np.diff(heads, append=quotes.size) & 1) == 1
    start = quotes[heads[odd]]
    if start.size == 0:
        return (nl[:0] if inside else nl), inside
    prev = arr[np.maximum(start - 1, 0)]
    opens = (prev == COMMA) | (prev == LF)
    if start[0] == 0:
        opens[0] = at_sep
    if inside:
        opens[0] = False  # the first odd run closes the field left open before `arr`
    i = np.arange(opens.size)
    reset = np.maximum.accumulate(np.where(opens, -1, i))
    state = opens & (((i - reset) & 1) == 1)
    before = np.searchsorted(start, nl)  # odd runs before each newline (a newline is never inside a run)
    inside_at = np.where(before > 0, state[np.maximum(before - 1, 0)], inside)
    return nl[~inside_at], bool(state[-1])


def _trailing_quotes(arr: np.ndarray) -> int:
    """How many quotes ``arr`` ends with."""
    if arr.size == 0 or arr[-1] != QUOTE:
        return 0
    other = arr[::-1] != QUOTE
    return int(np.argmax(other)) if other.any() else int(arr.size)


@dataclass
class _Skipping:
    """A record past the size limit: its bytes are dropped while its end is looked for."""

    line: int  # the line it starts on
    inside: bool = False  # inside a quoted field after what has been scanned
    at_sep: bool = True  # what has been scanned ends with a field separator (or nothing yet)


def _normalise_newlines(arr: np.ndarray) -> np.ndarray:
    """Drop the CR of every CRLF and turn a lone CR into LF."""
    is_cr = arr == CR
    if not is_cr.any():
        return arr
    drop = np.zeros(arr.shape, dtype=bool)
    drop[:-1] = is_cr[:-1] & (arr[1:] == LF)
    out = arr[~drop].copy()
    out[out == CR] = LF
    return out


def frame_records(path: Path, *, quote_aware: bool, max_record_bytes: int) -> Iterator[pa.RecordBatch]:
    """Yield Arrow batches of the file's records in file order.

    Blank records are dropped here only when empty; whitespace-only records are
    kept for the reader to judge. The first record of a CSV file is its header
    and is yielded like any other (the reader takes it off).
    """
    next_line = 1
    carry = b""
    first = True
    skipping: _Skipping | None = None
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            final = not chunk
            buf, carry, chunk = carry + chunk, b"", b""
            if first and not final and len(buf) < len(UTF8_BOM):
                carry = buf  # too short to tell whether it starts with a byte-order mark
                continue
            if first:
                if buf.startswith(UTF16_BOMS):
                    raise FileEncodingError("encoding: the file is UTF-16, not UTF-8", "UTF-16")
                if buf.startswith(UTF8_BOM):
                    buf = buf[len(UTF8_BOM) :]
                first = False
            held = b""
            if not final and buf.endswith(b"\r"):
                # the LF of this CRLF may start the next chunk
                buf, held = buf[:-1], b"\r"
            arr = _normalise_newlines(np.frombuffer(buf, dtype=np.uint8))
            if skipping is not None:
                scan, tail = arr, b""
                if quote_aware and not final and not held:
                    # a run of quotes cut by the chunk's edge is judged with the next chunk; only its
                    # parity matters, so one quote (odd) or two (even) stand for it
                    k = _trailing_quotes(arr)
                    scan, tail = arr[: arr.size - k], b'"' * (2 - k % 2) if k else b""
                nl = np.flatnonzero(scan == LF)
                ends, inside = _record_ends(scan, nl, inside=skipping.inside, at_sep=skipping.at_sep) if quote_aware else (nl, False)
                if ends.size == 0 and not final:
                    next_line += int(nl.size)
                    skipping.inside = inside
                    if scan.size:
                        skipping.at_sep = int(scan[-1]) in (COMMA, LF)
                    carry = tail + held
                    continue
                yield pa.record_batch(
                    [pa.array([skipping.line], pa.int64()), pa.array([TOO_LONG_STAND_IN], pa.binary()), pa.array([True])],
                    schema=BATCH_SCHEMA,
                )
                skipping = None
                if ends.size == 0:
                    break  # it ran to the end of the file
                end = int(ends[0])
                next_line += int(np.searchsorted(nl, end)) + 1
                arr = arr[end + 1 :]
            nl = np.flatnonzero(arr == LF)
            ends = _record_ends(arr, nl, inside=False, at_sep=True)[0] if quote_aware else nl
            if final and (ends.size == 0 or ends[-1] != arr.size - 1) and arr.size:
                # the last record has no terminator: give it a virtual one
                arr = np.append(arr, np.uint8(LF))
                nl = np.append(nl, arr.size - 1)
                ends = np.append(ends, arr.size - 1)
            if ends.size:
                batch = _batch(arr, nl, ends, next_line, max_record_bytes)
                if batch.num_rows:
                    yield batch
                cut = int(ends[-1]) + 1
                next_line += int(np.searchsorted(nl, cut))
                arr = arr[cut:]
            if final:
                break
            if arr.size > max_record_bytes:
                # the record in hand is already too long: stop keeping it (its bytes are scanned once more, then dropped)
                skipping = _Skipping(next_line)
            carry = arr.tobytes() + held


def _batch(arr: np.ndarray, nl: np.ndarray, ends: np.ndarray, next_line: int, max_record_bytes: int) -> pa.RecordBatch:
    """The records of ``arr`` up to its last end, as one batch (empty records left out).

    Records go back to back in one buffer without their terminators; a record
    over the limit keeps the row (it is a record) but only a one-byte stand-in,
    and its bytes are never copied.
    """
    cut = int(ends[-1]) + 1
    starts = np.concatenate(([0], ends[:-1] + 1))
    lines = next_line + np.searchsorted(nl, starts)
    lengths = ends - starts
    too_long = lengths > max_record_bytes
    if too_long.any():
        take = np.repeat(~too_long, lengths + 1)
        take[starts[too_long]] = True  # its first byte, overwritten below
        lengths = np.where(too_long, len(TOO_LONG_STAND_IN), lengths)
    else:
        take = np.ones(cut, dtype=bool)
    take[ends] = False
    body = arr[:cut][take]
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    body[offsets[:-1][too_long]] = TOO_LONG_STAND_IN[0]
    offsets = offsets.astype(np.int32 if body.size < 2**31 else np.int64)
    typ = pa.binary() if offsets.dtype == np.int32 else pa.large_binary()
    raw = pa.Array.from_buffers(typ, ends.size, [None, pa.py_buffer(offsets), pa.py_buffer(body)])
    if typ == pa.large_binary():
        raw = raw.cast(pa.binary())
    batch = pa.record_batch([pa.array(lines.astype(np.int64)), raw, pa.array(too_long)], schema=BATCH_SCHEMA)
    keep = lengths > 0
    return batch if keep.all() else batch.filter(pa.array(keep))


def insert_frames(con: duckdb.DuckDBPyConnection, batches: Iterator[pa.RecordBatch], sql: str, params: dict[str, object]) -> None:
    """Run ``sql`` (an INSERT reading the view ``_frames``) over the batches, streamed, not materialised."""
    con.register("_frames", pa.RecordBatchReader.from_batches(BATCH_SCHEMA, batches))
    try:
        run(con, sql, params)
    finally:
        con.unregister("_frames")
