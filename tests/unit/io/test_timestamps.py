"""`ts` parsing (BAD-INPUT rows 6-7, CONTRACT §1 and §7.2) and the time zone segments it is built on."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from auditor.io.timestamps import I64_MAX, I64_MIN, NS, tz_segments

REPO = Path(__file__).resolve().parents[3]
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def _line(ts: object, **kw: object) -> str:
    rec = {"shop_id": "s1", "buyer_id": "b1", "role": "buyer", "ts": ts}
    rec.update(kw)
    return json.dumps(rec, ensure_ascii=False)


def _write(path: Path, tss: list[object]) -> Path:
    path.write_text("\n".join(_line(t) for t in tss) + "\n", encoding="utf-8")
    return path


def _ns(dt: datetime) -> int:
    """Exact epoch nanoseconds of an aware datetime (no float rounding)."""
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1000


# --- BAD-INPUT row 6: bad timestamps ------------------------------------------------------------

BAD = {
    "2024-02-30T10:00:00": "which is not a real calendar date",
    "2023-02-29T10:00:00": "which is not a real calendar date",
    "2024-13-01T10:00:00": "which is not a real calendar date",
    "2024-01-01T24:00:00": "which is not a real time of day",
    "2024-01-01T10:60:00": "which is not a real time of day",
    "2024-01-01T10:00:60": "which is not a real time of day",
    "03/04/2024": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    "2024-01-01": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    "1700000000": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    "2024-1-1T10:00:00": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    " 2024-01-01T10:00:00Z": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    "2024-01-01T10:00:00.1234567890Z": "which is not an ISO 8601 date-time (e.g. 2026-03-01T10:00:00+08:00)",
    "1899-12-31T23:59:59": "which has a year outside 1900-2199",
    "1899-06-01T10:00:00Z": "which has a year outside 1900-2199",
    "2200-01-01T00:00:00Z": "which has a year outside 1900-2199",
    "2024-01-01T10:00:00+19:00": "which has an impossible UTC offset",
    "2024-01-01T10:00:00+08:60": "which has an impossible UTC offset",
}


def test_bad_timestamps_rejected_with_reason(tmp_path, stage_records):
    tss = list(BAD)
    got = stage_records(_write(tmp_path / "t.jsonl", tss))
    assert [(line, code) for line, code, _, _ in got] == [(i, "bad_ts") for i in range(1, len(tss) + 1)]
    assert [msg for _, _, msg, _ in got] == [f"`ts` is `{t}`, {why}" for t, why in BAD.items()]
    assert all(utc is None for *_, utc in got)


def test_bad_timestamps_ledger_through_audit(tmp_path, run_audit, ledger):
    tss = [
        "2026-03-01T10:00:00+08:00",
        "2024-02-30T10:00:00",
        "2024-01-01T24:00:00",
        "03/04/2024",
        "2024-01-01",
        "1899-12-31T23:59:59",
        "1900-01-01T00:00:00",  # a real instant: excluded as out of period, not rejected
        "2026-03-01T10:00:00.123456789",
    ]
    lines = [_line(t) for t in tss] + [_line(1700000000), _line(1700000000000)]
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ledger(run_audit(tmp_path)) == {
        "read": 10,
        "used": 2,
        "excluded": {"out_of_period": 1},
        "rejected": 7,
        "rejections": [(2, "bad_ts"), (3, "bad_ts"), (4, "bad_ts"), (5, "bad_ts"), (6, "bad_ts"), (9, "bad_type:ts"), (10, "bad_type:ts")],
    }


# --- BAD-INPUT row 7: offsets and naive times -----------------------------------------------------


def test_equivalent_spellings_are_the_same_instant(tmp_path, stage_records):
    same = [
        "2024-01-01T02:00:00Z",
        "2024-01-01T02:00:00z",
        "2024-01-01T10:00:00+08:00",
        "2024-01-01T10:00:00+0800",
        "2024-01-01T10:00:00+08",
        "2024-01-01T10:00:00",  # naive = Asia/Shanghai
        "2024-01-01 10:00:00",
        "2024-01-01t10:00:00",
        "2024-01-01T10:00",
        "2024-01-01T02:00:00-00:00",
        "2023-12-31T21:00:00-05:00",
        "2024-01-01T10:00:00.000000000+08:00",
    ]
    got = stage_records(_write(tmp_path / "t.jsonl", same))
    want = _ns(datetime(2024, 1, 1, 2, tzinfo=UTC))
    assert [(line, code, utc) for line, code, _, utc in got] == [(i, None, want) for i in range(1, len(same) + 1)]


def test_fractional_seconds_kept_exactly(tmp_path, stage_records):
    tss = ["2024-01-01T10:00:00.123456789+08:00", "2024-01-01T10:00:00.5", "2024-01-01T02:00:00,000000001Z", "2024-01-01T10:00:00.1"]
    got = stage_records(_write(tmp_path / "t.jsonl", tss))
    base = _ns(datetime(2024, 1, 1, 2, tzinfo=UTC))
    assert [(code, utc - base) for _, code, _, utc in got] == [(None, 123_456_789), (None, 500_000_000), (None, 1), (None, 100_000_000)]


def test_year_bounds(tmp_path, stage_records):
    got = stage_records(_write(tmp_path / "t.jsonl", ["1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "1899-12-31T23:59:59Z"]))
    assert [(code, utc) for _, code, _, utc in got] == [
        (None, _ns(datetime(1900, 1, 1, tzinfo=UTC))),
        (None, _ns(datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC))),
        ("bad_ts", None),
    ]


def test_leap_day_accepted(tmp_path, stage_records):
    (row,) = stage_records(_write(tmp_path / "t.jsonl", ["2024-02-29T23:59:59+08:00"]))
    assert row[1] is None and row[3] == _ns(datetime(2024, 2, 29, 15, 59, 59, tzinfo=UTC))


# --- a pack in a DST zone ---------------------------------------------------------------------------


@pytest.fixture
def ny_pack(tmp_path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REPO / "policies" / "taobao", pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    assert "timezone: Asia/Shanghai" in text
    (pack / "pack.yaml").write_text(text.replace("timezone: Asia/Shanghai", "timezone: America/New_York"), encoding="utf-8")
    return pack


def test_dst_nonexistent_and_ambiguous_naive_times_rejected(tmp_path, ny_pack, run_audit, ledger, reasons):
    data = tmp_path / "data"
    data.mkdir()
    _write(
        data / "t.jsonl",
        [
            "2026-03-08T02:30:00",  # spring forward: 02:00-03:00 does not exist
            "2026-11-01T01:30:00",  # fall back: 01:00-02:00 happens twice
            "2026-11-01T01:30:00-04:00",  # with an offset it is one instant
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T00:59:59",
            "2026-11-01T02:00:00",
        ],
    )
    from datetime import date

    report = run_audit(data, policy=ny_pack, as_of=date(2026, 11, 10))
    assert ledger(report) == {"read": 6, "used": 4, "excluded": {}, "rejected": 2, "rejections": [(1, "bad_ts"), (2, "bad_ts")]}
    assert reasons(report) == {
        1: "`ts` is `2026-03-08T02:30:00`, which does not exist in America/New_York (the clocks skip it); give an offset",
        2: "`ts` is `2026-11-01T01:30:00`, which is ambiguous in America/New_York (the clocks repeat it); give an offset",
    }


def test_dst_instants_match_zoneinfo(tmp_path, stage_records):
    """Naive local times in New York: accepted ones land on zoneinfo's instant; gaps and folds are rejected."""
    rnd = random.Random(20260308)
    local: list[datetime] = []
    for edge in (datetime(2026, 3, 8, 2), datetime(2026, 11, 1, 1), datetime(2021, 3, 14, 2), datetime(2029, 11, 4, 1)):
        for minutes in (-61, -60, -1, 0, 1, 30, 59, 60, 61, 119, 120):
            local.append(edge + timedelta(minutes=minutes))
    start = datetime(2020, 1, 1)
    local += [start + timedelta(seconds=rnd.randrange(0, 11 * 365 * 86_400)) for _ in range(150)]
    got = stage_records(_write(tmp_path / "t.jsonl", [d.isoformat() for d in local]), tz="America/New_York")
    for d, (line, code, msg, utc) in zip(local, got, strict=True):
        a, b = d.replace(tzinfo=NY, fold=0), d.replace(tzinfo=NY, fold=1)
        if a.utcoffset() == b.utcoffset():
            assert (code, utc) == (None, _ns(a)), (line, d)
        elif a.astimezone(UTC).astimezone(NY).replace(tzinfo=None) != d:
            assert code == "bad_ts" and "does not exist in America/New_York" in msg, (line, d)
        else:
            assert code == "bad_ts" and "is ambiguous in America/New_York" in msg, (line, d)


def test_fixed_zone_instants_match_zoneinfo(tmp_path, stage_records):
    rnd = random.Random(8)
    local = [datetime(1990, 1, 1) + timedelta(seconds=rnd.randrange(0, 40 * 365 * 86_400)) for _ in range(100)]
    got = stage_records(_write(tmp_path / "t.jsonl", [d.isoformat() for d in local]))
    assert [(code, utc) for _, code, _, utc in got] == [(None, _ns(d.replace(tzinfo=SH))) for d in local]


# --- tz_segments ------------------------------------------------------------------------------------


def test_tz_segments_shanghai_is_one_fixed_segment():
    assert tz_segments("Asia/Shanghai", 2020, 2030) == [(I64_MIN, I64_MAX, 8 * 3600 * NS)]


def test_tz_segments_new_york_transitions():
    segs = tz_segments("America/New_York", 2020, 2030)
    # contiguous, covering all time
    assert segs[0][0] == I64_MIN and segs[-1][1] == I64_MAX
    assert all(a[1] == b[0] for a, b in zip(segs, segs[1:], strict=False))
    assert {off for *_, off in segs} == {-5 * 3600 * NS, -4 * 3600 * NS}
    edges = {s[0]: s[2] for s in segs[1:]}
    spring = _ns(datetime(2026, 3, 8, 7, tzinfo=UTC))
    fall = _ns(datetime(2026, 11, 1, 6, tzinfo=UTC))
    assert edges[spring] == -4 * 3600 * NS
    assert edges[fall] == -5 * 3600 * NS
    # two transitions a year, 2019 (year before) through 2031 (year after)
    assert len(segs) == 2 * 13 + 1
    # every edge is exactly where zoneinfo changes the offset
    for start, _, off in segs[1:]:
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=start // 1000)
        assert int(at.astimezone(NY).utcoffset().total_seconds()) * NS == off
        assert (at - timedelta(seconds=1)).astimezone(NY).utcoffset() != at.astimezone(NY).utcoffset()


def test_tz_segments_argument_order_and_clamping():
    assert tz_segments("America/New_York", 2030, 2020) == tz_segments("America/New_York", 2020, 2030)
    segs = tz_segments("Asia/Shanghai", 1, 9999)  # clamped to 1900..2200 without error
    assert segs[0][0] == I64_MIN and segs[-1] == (segs[-1][0], I64_MAX, 8 * 3600 * NS)
