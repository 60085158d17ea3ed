"""Structure-aware fuzzing of the readers (BAD-INPUT 'Fuzzing', rows 1-7, 9-11, 17): records built field by field.

``test_ledger_balance.py`` flips bytes of a few valid files; this module builds records from their
parts instead, so that the strange values arrive well-formed enough to get past the framing and
reach the field checks, the timestamp parser, the exclusions and the engine: every contract field
absent, null, empty, of the right type or of any other (huge and negative integers, floats,
booleans, lists, nested objects, unicode including lone surrogates and control characters),
timestamps assembled from odd parts (years 0-10000, month 13, 24:00, leap seconds, twelve
fraction digits, offsets from ``+24:00`` to ``z``, space or lower-case separators, week and
ordinal dates, epoch numbers), extra and duplicated keys, and CSV headers with columns missing,
repeated, reordered or unknown; Parquet files get a random Arrow type per column (integers up to
2**64-1, floats, booleans, dates, timestamps with and without a zone, lists, binary, null columns).
The three files go through ``auditor.audit`` under either built-in pack, with or without
``--as-of``.

Invariants: nothing escapes but ``InputError`` (nothing readable at all); the ledger balances
overall and per file (read = used + excluded + rejected); every file given is listed once; every
rejection names its file, a line that exists in it (a Parquet row within the file's rows), at most
one rejection per line, a reason sentence, and a code from the closed list documented in
docs/input-ledger.md; the JSON report renders.

Budget: ``examples(ci)`` from tests/conftest.py: a few dozen audits under the default ``ci``
hypothesis profile (about 15 s), thousands under ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``).
Every crash found becomes an ``@example`` below, with a comment on what it broke.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import auditor
from auditor import api
from auditor.errors import InputError
from auditor.io.base import FIELDS
from tests.conftest import ROOT, examples

DOCUMENTED_CODES = frozenset(
    re.findall(
        r"^\| `([a-z_:]+)` \|",
        (ROOT / "docs" / "input-ledger.md").read_text(encoding="utf-8").split("## Reason codes", 1)[1].split("\n## ", 1)[0],
        re.M,
    )
)
EXCLUSIONS = {"system", "non_genuine", "same_shop", "duplicate", "out_of_period"}
AS_OF = date(2026, 3, 10)

# ---- values ------------------------------------------------------------------------------------

_unicode = st.text(
    st.characters(codec=None, exclude_categories=()),  # any code point, lone surrogates and controls included
    max_size=12,
)
_numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63), 2**64 - 1, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 1e3, -0.0, 1.5, 1e308]),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _unicode, st.sampled_from(["", " ", "\t", "null", "0"]))
_json = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_unicode, inner, max_size=3)), max_leaves=8
)


@st.composite
def odd_ts(draw) -> Any:
    """A timestamp-ish value: mostly strings built from ISO 8601 parts, any of which may be off."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(_json)
    if choice == 1:
        return draw(
            st.sampled_from(
                [
                    "2026-03-01", "2026-W09-7T10:00:00", "2026-060T10:00:00", "1700000000", "1700000000000", "03/04/2026 10:00",
                    "2026-03-01T10:00:00 ", " 2026-03-01T10:00:00", "2026-03-01T24:00:00", "2026-02-29T10:00:00", "2024-02-29T23:59:60Z",
                    "2026-03-01T10:00", "2026-03-01T10", "20260301T100000Z", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00,5+08:00",
                    "2026-03-01T10:00:00+08:00:00", "2026-03-01T10:00:00 UTC", "2026-03-01T10:00:00[Asia/Shanghai]", "+002026-03-01T10:00:00",
                    "-2026-03-01T10:00:00", "2026-３-01T10:00:00", "２０２６-03-01T10:00:00",
                ]
            )
        )  # fmt: skip
    year = draw(st.one_of(st.sampled_from([1899, 1900, 1970, 2026, 2199, 2200]), st.integers(0, 10000)))
    month = draw(st.one_of(st.sampled_from([3, 1, 12]), st.integers(0, 13)))
    day = draw(st.one_of(st.sampled_from([1, 28, 29, 30, 31]), st.integers(0, 32)))
    hour = draw(st.one_of(st.sampled_from([0, 1, 2, 10, 23]), st.integers(0, 25)))
    minute, second = draw(st.integers(0, 60)), draw(st.integers(0, 61))
    sep = draw(st.sampled_from(["T", "T", "T", " ", "t", "_"]))
    frac = draw(st.sampled_from(["", "", ".5", ".000", ".123456", ".123456789", ".123456789012", ".", ",25"]))
    zone = draw(
        st.sampled_from(
            [
                "",
                "",
                "Z",
                "z",
                "+08:00",
                "+0800",
                "+08",
                "-05:00",
                "+24:00",
                "+18:00",
                "-18:01",
                "+8:00",
                "+05:60",
                "+00:00",
                "-00:00",
                "+14:45",
            ]
        )
    )
    width = draw(st.sampled_from([4, 4, 4, 1, 6]))
    return f"{year:0{width}d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:{second:02d}{frac}{zone}"


def _good(field: str) -> st.SearchStrategy[Any]:
    if field in ("shop_id", "buyer_id", "sender_id", "msg_id"):
        return st.one_of(st.sampled_from(["s1", "b1", "店铺", "a1", "m1", "m2"]), st.integers(-5, 5))
    if field == "role":
        return st.sampled_from(["buyer", "agent", "bot", "system", "Agent ", "BUYER", "客服", "bot_v2"])
    if field == "kind":
        return st.sampled_from(["message", "ad", "notice", "close", "", "promo"])
    if field == "text":
        return st.sampled_from(["你好", "在吗?", "a\nb", '"q"', "=1+1", "\x1b[2J", "\x00"])
    return st.sampled_from(["2026-03-01T10:00:00+08:00", "2026-03-01T10:00:30", "2026-03-02T02:00:00Z", "2026-03-01T23:59:59.999999999"])


@st.composite
def record(draw) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for f in FIELDS:
        how = draw(st.sampled_from(["good"] * 6 + ["absent", "null", "empty", "odd"]))
        if how == "absent":
            continue
        if how == "null":
            rec[f] = None
        elif how == "empty":
            rec[f] = ""
        elif how == "odd":
            rec[f] = draw(odd_ts()) if f == "ts" else draw(_json)
        else:
            rec[f] = draw(odd_ts()) if f == "ts" and draw(st.integers(0, 3)) == 0 else draw(_good(f))
    for _ in range(draw(st.integers(0, 2))):
        rec[draw(st.sampled_from(["extra", "Shop_ID", "店", " ts", ""]))] = draw(_json)
    return rec


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


@st.composite
def jsonl_file(draw) -> bytes:
    lines = []
    for rec in draw(st.lists(record(), min_size=1, max_size=8)):
        line = json.dumps(rec, ensure_ascii=draw(st.booleans()))  # NaN/Infinity come out as invalid JSON on purpose
        twist = draw(st.integers(0, 9))
        if twist == 0 and len(rec) > 0:
            key = next(iter(rec))
            line = line.replace("{", "{" + json.dumps(key) + ": 1, ", 1)  # the key twice
        elif twist == 1:
            depth = draw(st.sampled_from([64, 1000, 5000]))
            line = line[:-1] + (", " if rec else "") + '"text": ' + "[" * depth + "]" * depth + "}"
        elif twist == 2:
            line = draw(st.sampled_from(["[1,2]", '"x"', "null", "{}", "{", "NaN", '{"a":2}TRAILER', "  ", "\ufeff{}"]))
        lines.append(line)
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return _encode(nl.join(lines) + draw(st.sampled_from([nl, ""])))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


@st.composite
def csv_file(draw) -> bytes:
    recs = draw(st.lists(record(), min_size=1, max_size=8))
    columns = draw(st.lists(st.sampled_from([*FIELDS, "extra", " ts ", "Shop_ID"]), min_size=1, max_size=11))
    buf = io.StringIO()
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    w = csv.writer(buf, lineterminator=nl, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    w.writerow(columns)
    for rec in recs:
        row = [_cell(rec.get(c.strip())) for c in columns]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))]  # a short row
        w.writerow(row)
    return _encode(draw(st.sampled_from(["", "", "\ufeff"])) + buf.getvalue())


# Arrow types a Parquet column may have, with values for them.
_PARQUET_TYPES: dict[str, tuple[pa.DataType, st.SearchStrategy[Any]]] = {
    "string": (pa.string(), st.one_of(st.none(), st.text(max_size=8), odd_ts().filter(lambda v: isinstance(v, str)))),
    "int64": (pa.int64(), st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
    "uint64": (pa.uint64(), st.one_of(st.none(), st.integers(0, 2**64 - 1))),
    "float64": (pa.float64(), st.one_of(st.none(), st.floats())),
    "bool": (pa.bool_(), st.one_of(st.none(), st.booleans())),
    "date": (pa.date32(), st.one_of(st.none(), st.dates())),
    "timestamp": (pa.timestamp("us"), st.one_of(st.none(), st.datetimes())),
    "timestamp_tz": (
        pa.timestamp("ns", tz="Asia/Shanghai"),
        st.one_of(st.none(), st.datetimes(datetime(1678, 1, 1), datetime(2261, 12, 31), timezones=st.just(timezone(timedelta(hours=-5))))),
    ),
    "timestamp_utc": (
        pa.timestamp("ms", tz="UTC"),
        st.one_of(st.none(), st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.just(UTC))),
    ),
    "list": (pa.list_(pa.string()), st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=2))),
    "binary": (pa.binary(), st.one_of(st.none(), st.binary(max_size=6))),
    "null": (pa.null(), st.none()),
    "dictionary": (pa.dictionary(pa.int32(), pa.string()), st.one_of(st.none(), st.sampled_from(["buyer", "agent", "s1"]))),
}


@st.composite
def parquet_file(draw) -> bytes:
    n = draw(st.integers(0, 6))
    columns = draw(st.lists(st.sampled_from([*FIELDS, "extra"]), min_size=1, max_size=9, unique=True))
    arrays = {}
    for c in columns:
        if c in FIELDS and draw(st.integers(0, 2)) > 0:
            # mostly the right type with mostly sensible values, so records get past the type check
            if c == "ts" and draw(st.booleans()):
                typ, values = _PARQUET_TYPES[draw(st.sampled_from(["timestamp", "timestamp_tz", "timestamp_utc"]))]
            else:
                typ, values = pa.string(), st.one_of(_good(c).map(str), st.none())
        else:
            typ, values = _PARQUET_TYPES[draw(st.sampled_from(sorted(_PARQUET_TYPES)))]
        arrays[c] = pa.array([draw(values) for _ in range(n)], type=typ if typ != pa.dictionary(pa.int32(), pa.string()) else pa.string())
        if typ == pa.dictionary(pa.int32(), pa.string()):
            arrays[c] = arrays[c].dictionary_encode()
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table(arrays), buf, row_group_size=draw(st.sampled_from([1, 3, 1024])))
    return buf.getvalue().to_pybytes()


# ---- the invariants ----------------------------------------------------------------------------


def _lines(data: bytes) -> int:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    norm = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return norm.count(b"\n") + (0 if norm.endswith(b"\n") or not norm else 1)


def check(files: dict[str, bytes], policy: str, as_of: date | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for name, data in files.items():
            (root / name).write_bytes(data)
        try:
            report = auditor.audit([root], auditor.AuditOptions(policy=policy, as_of=as_of))
        except InputError:
            return  # nothing readable at all: the one error bad data may raise
    api.render(report, "json")
    i = report.inputs
    assert i.read == i.used + sum(i.excluded.values()) + i.rejected
    assert i.rejected == len(i.rejections)
    assert set(i.excluded) <= EXCLUSIONS and all(n > 0 for n in i.excluded.values())
    by_name = {Path(f.file).name: f for f in i.files}
    assert sorted(by_name) == sorted(files) and len(i.files) == len(files)
    for key in ("read", "used", "rejected"):
        assert sum(getattr(f, key) for f in i.files) == getattr(i, key), key
    for f in i.files:
        assert f.read == f.used + f.excluded + f.rejected, f
        assert f.status in ("ok", "empty", "unreadable")
        if f.status == "unreadable":
            assert f.read == 0 and f.reason
    keys = [(r.file, r.line) for r in i.rejections]
    assert len(set(keys)) == len(keys), "two rejections for one line"
    for r in i.rejections:
        assert r.code in DOCUMENTED_CODES, f"undocumented rejection code {r.code!r}"
        assert r.reason.strip(), r
        name = Path(r.file).name
        limit = by_name[name].read if name.endswith(".parquet") else _lines(files[name])
        assert 1 <= r.line <= limit, (r.file, r.line, limit)


FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def test_the_documented_codes_are_read():
    assert {"invalid_json", "bad_ts", "missing:ts", "bad_type:text", "bad_enum:kind"} <= DOCUMENTED_CODES


@settings(max_examples=examples(30), **FUZZ)
@given(
    jsonl=jsonl_file(),
    csv_bytes=csv_file(),
    parquet=parquet_file(),
    policy=st.sampled_from(["taobao", "pinduoduo"]),
    as_of=st.sampled_from([None, AS_OF]),
)
def test_structured_records_keep_the_ledger_balanced(jsonl, csv_bytes, parquet, policy, as_of):
    check({"chat.jsonl": jsonl, "chat.csv": csv_bytes, "chat.parquet": parquet}, policy, as_of)
