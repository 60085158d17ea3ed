"""Cutting a text file into physical records with their 1-based line numbers, vectorised.

JSON Lines and CSV are read raw-first: the bytes are split into records here
(numpy over large chunks, never a Python loop per line) and handed to DuckDB as
Arrow batches ``(line, raw, too_long)``; parsing happens there. Line endings
``\\r\\n``, ``\\n`` and a lone ``\\r`` all end a line, so a CRLF or old-Mac file
gives the same records and line numbers as its LF twin. For CSV the split is
quote-aware: a newline inside a quoted field does not end the record, and the
record's line is the line it starts on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from auditor.duck import run

CHUNK_BYTES = 64 << 20
LF, CR, QUOTE, COMMA = 10, 13, 34, 44
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

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


def _structural_quotes(arr: np.ndarray) -> np.ndarray:
    """Quotes that can open or close a quoted field under RFC 4180.

    A quote counts when its field starts with a quote, or when it stands at a
    field edge or beside another quote (an escaped pair, a closing quote before
    a comma). A quote with ordinary text on both sides inside a field that does
    not start with one (`5"` in `size 5" screen`, `x"y`) is data: counting it
    would let one stray quote swallow every following row into one record.
    """
    q = arr == QUOTE
    if not q.any():
        return q
    n = arr.shape[0]
    sep = (arr == COMMA) | (arr == LF)
    idx = np.arange(n)
    last_sep = np.maximum.accumulate(np.where(sep, idx, -1))
    field_start = np.empty(n, dtype=np.int64)
    field_start[0] = 0
    field_start[1:] = last_sep[:-1] + 1  # first byte of the field each byte belongs to
    field_quoted = arr[np.minimum(field_start, n - 1)] == QUOTE
    edge = np.ones(n + 2, dtype=bool)  # the buffer's ends count as edges
    edge[1:-1] = sep | q
    return q & (field_quoted | edge[:-2] | edge[2:])


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
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            final = not chunk
            buf = carry + chunk
            if first and not final and len(buf) < len(UTF8_BOM):
                carry = buf  # too short to tell whether it starts with a byte-order mark
                continue
            if first:
                if buf.startswith(UTF16_BOMS):
                    raise FileEncodingError("encoding: the file is UTF-16, not UTF-8", "UTF-16")
                if buf.startswith(UTF8_BOM):
                    buf = buf[len(UTF8_BOM) :]
                first = False
            if not buf:
                if final:
                    break
                carry = b""
                continue
            held = b""
            if not final and buf.endswith(b"\r"):
                # the LF of this CRLF may start the next chunk
                buf, held = buf[:-1], b"\r"
            arr = _normalise_newlines(np.frombuffer(buf, dtype=np.uint8))
            nl = np.flatnonzero(arr == LF)
            if quote_aware and nl.size:
                quotes_before = np.cumsum(_structural_quotes(arr))[nl]
                ends = nl[(quotes_before & 1) == 0]
            else:
                ends = nl
            if final and (ends.size == 0 or ends[-1] != arr.size - 1) and arr.size:
                # the last record has no terminator: give it a virtual one
                arr = np.append(arr, np.uint8(LF))
                nl = np.append(nl, arr.size - 1)
                ends = np.append(ends, arr.size - 1)
            if ends.size == 0:
                carry = arr.tobytes() + held
                continue
            cut = int(ends[-1]) + 1
            starts = np.concatenate(([0], ends[:-1] + 1))
            lines = next_line + np.searchsorted(nl, starts)
            # drop the terminators so records sit back to back in one buffer
            body_mask = np.ones(cut, dtype=bool)
            body_mask[ends] = False
            body = arr[:cut][body_mask]
            idx = np.arange(ends.size, dtype=np.int64)
            offsets = np.concatenate((starts - idx, [cut - ends.size])).astype(np.int32 if body.size < 2**31 else np.int64)
            lengths = np.diff(offsets)
            keep = lengths > 0
            too_long = lengths > max_record_bytes
            if too_long.any():
                # keep the row (it is a record) but not its bytes
                offsets, body = _blank_long(offsets, body, too_long)
            typ = pa.binary() if offsets.dtype == np.int32 else pa.large_binary()
            raw = pa.Array.from_buffers(typ, ends.size, [None, pa.py_buffer(offsets), pa.py_buffer(body)])
            if typ == pa.large_binary():
                raw = raw.cast(pa.binary())
            batch = pa.record_batch(
                [pa.array(lines.astype(np.int64)), raw, pa.array(too_long)],
                schema=BATCH_SCHEMA,
            )
            if not keep.all():
                batch = batch.filter(pa.array(keep))
            if batch.num_rows:
                yield batch
            next_line += int(np.count_nonzero(nl < cut))
            carry = arr[cut:].tobytes() + held
            if final:
                break


def _blank_long(offsets: np.ndarray, body: np.ndarray, too_long: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.diff(offsets)
    new_len = np.where(too_long, 1, lengths)  # one byte stands in, so the row is not taken for blank
    new_offsets = np.concatenate(([0], np.cumsum(new_len))).astype(offsets.dtype)
    keep_bytes = np.repeat(~too_long, lengths)
    parts = body[keep_bytes]
    out = np.empty(int(new_offsets[-1]), dtype=np.uint8)
    out_mask = np.repeat(~too_long, new_len)
    out[out_mask] = parts
    out[~out_mask] = ord("?")
    return new_offsets, out


def insert_frames(con: duckdb.DuckDBPyConnection, batches: Iterator[pa.RecordBatch], sql: str, params: dict[str, object]) -> None:
    """Run ``sql`` (an INSERT reading the view ``_frames``) over the batches, streamed, not materialised."""
    con.register("_frames", pa.RecordBatchReader.from_batches(BATCH_SCHEMA, batches))
    try:
        run(con, sql, params)
    finally:
        con.unregister("_frames")
