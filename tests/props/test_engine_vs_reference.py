"""Property tests: the DuckDB engine against the pure-Python reference (``reference.py``).

Random conversations are drawn so that the edges of the definitions come up
often: first messages around 08:00 and midnight, replies at exactly the
buyer's instant, latencies at 179/180/180.5/181 s and 1799/1800/1800.000001/
1801 s, fractional seconds, timestamps written naive, ``+08:00``, ``Z`` or in
another offset, repeated ``msg_id`` s, every role and kind, sender ids
sometimes absent, ids sometimes JSON integers, files sometimes shuffled. The
records go to a JSONL file and through the public API; every metric row and
the ledger must equal the reference's.

When a test fails, hypothesis prints the minimal ``scenario``; check the
reference against CONTRACT.md first, then report it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import reference_metrics  # noqa: E402

from auditor import AuditOptions, audit  # noqa: E402

# Budget for the whole tests/props directory, about 40 s on 2 idle cores (an audit is
# ~0.15 s): here 80 drawn cases for the built-in pack and 25 for each edited pack; in
# test_pinduoduo_vs_reference.py 45 + 25 + 10 (the same rounds and exclusions again, under
# pinduoduo). Counts are fixed; the default hypothesis profile `ci` (tests/conftest.py) keeps these
# counts but derandomizes, so every run tries the same cases; `make fuzz` (profile `fuzz`) draws fresh ones. No deadline: DuckDB's first
# query is slow. A failure shrinks by re-running audits, which can take a few minutes.
PROPS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

TZ_NAME = "Asia/Shanghai"
TZ = ZoneInfo(TZ_NAME)
METRICS = ("response_rate_3min", "avg_response_time", "first_response_time")
PACK_DIR = Path(__file__).resolve().parents[2] / "policies" / "taobao"

BASE_DAY = date(2026, 1, 6)  # the drawn days are BASE_DAY + 0..2 (and, rarely, 40 days earlier)
US = 1_000_000

# Local times of day (h, m, s, µs) where the definitions have edges.
EDGE_TIMES = [
    (0, 0, 0, 0),  # midnight: a new local day
    (0, 0, 0, 1),
    (7, 57, 0, 0),  # + 180 s = 08:00:00
    (7, 59, 59, 0),
    (7, 59, 59, 999_999),
    (8, 0, 0, 0),  # service hours start (inclusive)
    (10, 0, 0, 0),
    (10, 0, 0, 250_000),
    (12, 0, 0, 0),  # plain daytime, so that most rounds are in service hours
    (12, 0, 0, 0),
    (15, 30, 0, 123_456),
    (15, 30, 0, 123_456),
    (21, 0, 0, 0),
    (21, 0, 0, 0),
    (23, 30, 0, 0),  # + 1800 s = midnight
    (23, 57, 0, 0),  # + 180 s = midnight
    (23, 59, 0, 0),
    (23, 59, 59, 999_999),
    (0, 59, 59, 999_999),  # edges of the variant packs' windows (01:00, 09:00)
    (1, 0, 0, 0),
    (8, 59, 59, 999_999),
    (9, 0, 0, 0),
]
# Offsets (µs) added to an anchor to place other records: ties, the 3-minute and 30-minute edges.
OFFSETS_US = [
    0,
    1,
    500_000,
    20 * US,
    59 * US,  # edges of the variant packs' 60 s and 600 s settings
    60 * US,
    60 * US + 500_000,
    61 * US,
    600 * US,
    600 * US + 1,
    179 * US,
    180 * US,
    180 * US + 1,
    180 * US + 500_000,
    181 * US,
    1799 * US,
    1800 * US,
    1800 * US + 1,
    1801 * US,
    3600 * US,
]


# Scripted replies: the 180 s and 1800 s edges (and ties) weighted up.
REPLY_OFFSETS_US = OFFSETS_US + [0, 180 * US, 180 * US, 180 * US + 1, 180 * US + 500_000, 1800 * US, 1800 * US, 1800 * US + 1]

# Buyers mostly write at the anchor (so a reply at anchor + offset has latency = offset).
BUYER_OFFSETS_US = [0, 0, 0, 1, 500_000, 20 * US, 180 * US, 1800 * US + 1, 3600 * US]


@st.composite
def local_anchor(draw) -> datetime:
    """A naive local datetime on one of the drawn days, often at an edge time."""
    day_offset = draw(st.sampled_from([0, 0, 0, 1, 1, 1, 2, 2, -40]))
    day = BASE_DAY + timedelta(days=day_offset)
    if draw(st.integers(0, 3)) == 0:
        tod_us = draw(st.integers(0, 86400 * US - 1))
    else:
        h, m, s, us = draw(st.sampled_from(EDGE_TIMES))
        tod_us = ((h * 60 + m) * 60 + s) * US + us
    return datetime(day.year, day.month, day.day) + timedelta(microseconds=tod_us)


def write_ts(local: datetime, style: str, frac_style: str) -> str:
    """Write a naive *local* (pack time zone) datetime as an ISO 8601 string in the given style."""
    aware = local.replace(tzinfo=TZ)
    if style == "naive":
        dt, suffix = local, ""
    elif style == "+08:00":
        dt, suffix = local, "+08:00"
    elif style == "Z":
        dt, suffix = aware.astimezone(UTC).replace(tzinfo=None), "Z"
    else:  # "-05:00": the same instant written in another offset
        dt, suffix = aware.astimezone(timezone(timedelta(hours=-5))).replace(tzinfo=None), "-05:00"
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac_style.startswith("nanos"):  # "nanos001": 9 digits, 1 ns after the drawn µs
        text += f".{dt.microsecond:06d}{frac_style[5:]}"
    elif dt.microsecond:
        frac = f"{dt.microsecond:06d}"
        if frac_style == "short":
            frac = frac.rstrip("0")  # ".5" is ISO 8601 as much as ".500000"
        text += "." + frac
    elif frac_style == "zeros":
        text += ".000"
    return text + suffix


ROLES = ["buyer"] * 5 + ["agent"] * 5 + ["bot", "bot", "system"]
KINDS = [None] * 4 + ["message"] * 4 + ["", "ad", "notice", "close"]


@st.composite
def random_events(draw, anchors: list[datetime]) -> list[tuple[str, str | None, datetime]]:
    """Records scattered around one or two anchors: buyers near the anchor, others at edge offsets."""
    own = draw(st.lists(st.sampled_from(anchors), min_size=1, max_size=2))
    events = []
    for _ in range(draw(st.integers(1, 8))):
        role = draw(st.sampled_from(ROLES))
        kind = draw(st.sampled_from(KINDS))
        offsets = BUYER_OFFSETS_US if role == "buyer" else OFFSETS_US
        events.append((role, kind, draw(st.sampled_from(own)) + timedelta(microseconds=draw(st.sampled_from(offsets)))))
    return events


@st.composite
def scripted_events(draw, anchors: list[datetime]) -> list[tuple[str, str | None, datetime]]:
    """Rounds one after another: a question (and maybe follow-ups), perhaps noise (a bot reply, a
    close, an agent ad, a system note), then a reply at an edge latency; the next question starts
    at or after the reply (0 s gap = a tie with the reply)."""
    t = draw(st.sampled_from(anchors))
    events = []
    for _ in range(draw(st.integers(1, 5))):
        first = t
        events.append(("buyer", draw(st.sampled_from([None, "message"])), first))
        for _ in range(draw(st.integers(0, 2))):
            events.append(("buyer", draw(st.sampled_from(KINDS)), first + timedelta(microseconds=draw(st.sampled_from(BUYER_OFFSETS_US)))))
        for _ in range(draw(st.integers(0, 1))):
            noise = draw(st.sampled_from([("bot", "message"), ("agent", "close"), ("agent", "ad"), ("system", None), ("agent", "notice")]))
            events.append((*noise, first + timedelta(microseconds=draw(st.sampled_from(OFFSETS_US)))))
        if draw(st.integers(0, 4)) == 0:
            break  # left unanswered
        reply_at = first + timedelta(microseconds=draw(st.sampled_from(REPLY_OFFSETS_US)))
        events.append((draw(st.sampled_from(["agent"] * 4 + ["bot"])), draw(st.sampled_from([None, "message"])), reply_at))
        t = reply_at + timedelta(microseconds=draw(st.sampled_from([0, 1, 30 * US, 600 * US])))
    return events


@st.composite
def scenario(draw) -> dict:
    """A set of records (in file order) plus the as-of given to the audit."""
    anchors = draw(st.lists(local_anchor(), min_size=1, max_size=4))
    n_shops = draw(st.integers(1, 3))
    shops = ["s1", "店铺2", "s3"][:n_shops]
    id_counter = 0
    records: list[dict] = []
    for shop in shops:
        n_buyers = draw(st.integers(1, 5))
        agents = draw(st.lists(st.sampled_from(["ag1", "ag2", "客服3", "ag4"]), min_size=1, max_size=4, unique=True))
        for b in range(n_buyers):
            # ids sometimes JSON integers: "integers are read as their decimal string" (CONTRACT §7.2)
            buyer_id: str | int = draw(st.sampled_from([f"b{b}", f"买家{b}", 1000 + b]))
            # half scripted rounds, half scattered records; both put replies at the edge offsets
            if draw(st.integers(0, 2)) > 0:
                events = draw(scripted_events(anchors))
            else:
                events = draw(random_events(anchors))
            for role, kind, local in events:
                rec: dict = {
                    "shop_id": shop,
                    "buyer_id": buyer_id,
                    "role": role,
                    "ts": write_ts(
                        local,
                        draw(st.sampled_from(["naive", "naive", "+08:00", "Z", "-05:00"])),
                        # nanosecond digits, sometimes: §7.6 "the exact difference of the two instants"
                        draw(st.sampled_from(["full", "full", "short", "zeros", "zeros", "nanos001", "nanos999"])),
                    ),
                }
                if role in ("agent", "bot") and draw(st.integers(0, 4)) > 0:
                    rec["sender_id"] = draw(st.sampled_from(agents))
                elif role == "buyer" and draw(st.booleans()):
                    rec["sender_id"] = buyer_id
                if kind is not None:
                    rec["kind"] = kind
                mid = draw(st.sampled_from(["none", "none", "unique", "unique", "shared"]))
                if mid == "unique":
                    id_counter += 1
                    rec["msg_id"] = f"u{id_counter}"
                elif mid == "shared":
                    rec["msg_id"] = draw(st.sampled_from(["m1", "m2", 7]))  # 7 is read as "7"
                if draw(st.integers(0, 3)) == 0:
                    rec["text"] = draw(st.sampled_from(["你好", "在吗?", "ok", "亲,稍等"]))
                records.append(rec)
    if draw(st.booleans()):
        records = draw(st.permutations(records))
    as_of = draw(st.sampled_from([None] * 6 + [BASE_DAY, BASE_DAY + timedelta(days=1)]))
    # --shops, sometimes: a shop's own accounts make same-shop conversations (CONTRACT §7.4);
    # an account of one shop chatting in another shop is an ordinary buyer there.
    shop_accounts = None
    if draw(st.integers(0, 2)) == 0:
        candidates = ["b0", "b1", "买家0", "1000", "1001", "ag1"]
        shop_accounts = {
            shop: set(draw(st.lists(st.sampled_from(candidates), max_size=2, unique=True))) for shop in ["s1", "店铺2", "s3"]
        }
    return {"records": records, "as_of": as_of, "shop_accounts": shop_accounts}


def as_reference_record(rec: dict) -> dict:
    """What the reader makes of a written record: ids as strings (CONTRACT §7.2)."""
    out = dict(rec)
    for f in ("shop_id", "buyer_id", "sender_id", "msg_id"):
        if f in out and isinstance(out[f], int):
            out[f] = str(out[f])
    return out


def run_audit(records: list[dict], as_of: date | None, policy: str, shop_accounts: dict[str, set[str]] | None = None):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chats.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        shops = None
        if shop_accounts is not None:
            shops = Path(tmp) / "shops.json"
            entries = [{"shop_id": s, "platform": "taobao", "accounts": sorted(a)} for s, a in sorted(shop_accounts.items())]
            shops.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
        return audit([path], AuditOptions(policy=policy, as_of=as_of, shops=shops))


def check_case(case: dict, policy: str, **params) -> None:
    records = case["records"]
    report = run_audit(records, case["as_of"], policy, case["shop_accounts"])
    ref = reference_metrics(
        [as_reference_record(r) for r in records],
        tz=TZ_NAME,
        as_of=case["as_of"],
        shop_accounts=case["shop_accounts"],
        **params,
    )
    compare(report, ref, len(records))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def compare_ledger(report, ref: dict, n_read: int) -> None:
    # Ledger (CONTRACT §1: used + excluded by reason + rejected = read).
    inputs = report.inputs
    assert inputs.read == n_read
    assert inputs.rejected == 0
    assert {k: v for k, v in inputs.excluded.items() if v} == ref["excluded"]
    assert inputs.used == ref["used"]
    assert report.as_of == ref["as_of"].isoformat()


def compare(report, ref: dict, n_read: int) -> None:
    compare_ledger(report, ref, n_read)
    start, end = (d.isoformat() for d in ref["period"])
    got = {}
    for row in report.metrics:
        if row.metric not in METRICS:
            continue  # a pack may add more metrics (CONTRACT §5)
        key = (row.metric, row.shop_id, row.agent_id)
        assert key not in got, f"metric row twice: {key}"
        got[key] = row
    assert sorted(got, key=repr) == sorted(ref["metrics"], key=repr)
    for key, (num, den, value) in ref["metrics"].items():
        row = got[key]
        assert (row.period.start, row.period.end) == (start, end), key
        assert row.denominator == den, (key, row.denominator, den)
        if key[0] == "response_rate_3min":
            assert row.numerator == num, (key, row.numerator, num)
        else:
            assert close(row.numerator, num), (key, row.numerator, num)
        assert close(row.value, value), (key, row.value, value)


@settings(max_examples=80, **PROPS)
@given(scenario())
def test_engine_matches_reference(case):
    check_case(case, "taobao")


def test_worked_examples_through_engine():
    """The three 举例 of 002_92962fdfafc03648.txt, through the engine: 0/1, 1/2, 0/1."""
    day = "2026-01-07T"
    ex1 = [("buyer", "10:10:15"), ("buyer", "10:15:20"), ("agent", "10:18:10")]
    ex2 = ex1 + [("buyer", "10:18:30"), ("agent", "10:19:00")]
    ex3 = [("buyer", f"10:10:{s:02d}") for s in range(0, 60, 6)]  # 10 questions in a minute, no answer
    for events, expected in ((ex1, (0, 1)), (ex2, (1, 2)), (ex3, (0, 1))):
        records = [{"shop_id": "s1", "buyer_id": "a", "role": r, "ts": day + t} for r, t in events]
        report = run_audit(records, None, "taobao")
        rows = [m for m in report.metrics if m.metric == "response_rate_3min"]
        assert [(m.numerator, m.denominator) for m in rows] == [expected]


def test_exclusions_through_engine():
    """Every exclusion reason once, with the CONTRACT §7.3 reading that a copy kept as the
    earliest of its (shop_id, msg_id) still makes the later copies duplicates even when the
    kept copy is itself excluded for an earlier reason (here: `system`)."""
    d = "2026-01-07T"
    b = {"shop_id": "s1", "buyer_id": "a", "role": "buyer"}
    g = {"shop_id": "s1", "buyer_id": "a", "role": "agent", "sender_id": "ag1"}
    records = [
        {**b, "role": "system", "ts": d + "09:00:00", "msg_id": "m1"},
        {**b, "ts": d + "09:00:01", "kind": "ad"},
        {**b, "ts": d + "09:00:02", "kind": "notice"},
        {**b, "buyer_id": "s1-sub", "ts": d + "10:00:00"},
        {**g, "buyer_id": "s1-sub", "ts": d + "10:00:01"},
        {**b, "ts": d + "10:00:00", "msg_id": "m2"},
        {**b, "ts": d + "10:00:00", "msg_id": "m2"},
        {**g, "ts": d + "10:00:20", "msg_id": "m1"},
        {**b, "ts": "2025-12-01T10:00:00"},
        {**g, "ts": d + "10:00:30", "msg_id": "m3"},
        {**g, "shop_id": "s2", "ts": d + "09:59:00", "msg_id": "m3"},
    ]
    case = {"records": records, "as_of": None, "shop_accounts": {"s1": {"s1-sub"}}}
    check_case(case, "taobao")


# ---- Another pack: a copy of the built-in one with other settings ---------------------------


def edited_pack(tmp: Path, edits: list[tuple[str, str]], source: Path = PACK_DIR) -> Path:
    """Copy a pack (default policies/taobao) to ``tmp`` and apply regex edits to its pack.yaml
    (each must match). The pack's own tests/ are left behind: they expect the unedited pack."""
    dest = tmp / f"{source.name}-edited"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("tests"))
    pack_file = dest / "pack.yaml"
    text = pack_file.read_text(encoding="utf-8")
    for pattern, repl in edits:
        text, n = re.subn(pattern, repl, text, flags=re.MULTILINE)
        assert n >= 1, f"pack.yaml no longer has {pattern!r}; update this test"
    pack_file.write_text(text, encoding="utf-8")
    return dest


PACK_VARIANTS = {
    # the brief's variant: 60 s instead of 3 minutes, service hours from 09:00
    "within60_from0900": (
        [(r"within_seconds: 180\b", "within_seconds: 60"), (r'start: "08:00"', 'start: "09:00"')],
        dict(within_seconds=60, service_hours=[(9 * 3600, 24 * 3600)]),
    ),
    # bots count, a 10-minute cut, a 2-day period, two service windows
    "bots_cut600_2days": (
        [
            (r"valid_roles: \[agent\]", "valid_roles: [agent, bot]"),
            (r"max_latency_seconds: 1800\b", "max_latency_seconds: 600"),
            (r"days: 30\b", "days: 2"),
            (r'- start: "08:00"\n(\s*)end: "24:00"', '- start: "00:00"\n\\1end: "01:00"\n  - start: "08:00"\n\\1end: "23:59"'),
        ],
        dict(
            valid_reply_roles=("agent", "bot"),
            max_latency_seconds=600,
            days=2,
            service_hours=[(0, 3600), (8 * 3600, 23 * 3600 + 59 * 60)],
        ),
    ),
}


def edge_gallery() -> list[dict]:
    """One conversation per edge of the definitions, all on 2026-01-07 (local) unless said."""
    recs: list[dict] = []

    def conv(buyer: str, events: list[tuple], shop: str = "s1") -> None:
        for role, t, *rest in events:
            extra = rest[0] if rest else {}
            ts = t if "T" in t else "2026-01-07T" + t
            recs.append({"shop_id": shop, "buyer_id": buyer, "role": role, "ts": ts, **extra})

    lat = ["10:00:00", "10:00:20", "10:00:59", "10:01:00", "10:01:00.5", "10:01:01", "10:02:59",
           "10:03:00", "10:03:00.000001", "10:03:00.5", "10:03:01", "10:09:59", "10:10:00", "10:10:00.000001",
           "10:29:59", "10:30:00", "10:30:00.000001", "10:30:01", "11:00:00",
           "10:03:00.000000001", "10:02:59.999999999", "10:30:00.000000001"]  # fmt: skip
    for i, t in enumerate(lat):  # latencies 0 … 3600 s from 10:00:00
        conv(f"lat{i}", [("buyer", "10:00:00"), ("agent", t, {"sender_id": f"ag{i % 3}"})])
    for i, first in enumerate(["07:59:59.999999", "08:00:00", "08:59:59.999999", "09:00:00", "00:59:59.999999", "01:00:00", "23:58:59.999999", "23:59:00"]):
        conv(f"hours{i}", [("buyer", first), ("agent", first, {"sender_id": "ag1"})])  # latency 0 at a window edge
    conv("midnight1", [("buyer", "23:59:00"), ("agent", "2026-01-08T00:00:30")])  # 90 s, but the next day
    conv("midnight2", [("buyer", "23:30:00"), ("agent", "2026-01-08T00:00:00")])  # 1800 s, the next day
    conv("midnight3", [("buyer", "23:59:00"), ("buyer", "2026-01-08T08:00:00"), ("agent", "2026-01-08T08:00:10")])
    conv("tie", [("agent", "12:00:00", {"sender_id": "ag2"}), ("buyer", "12:00:00")])  # buyer first at a tie
    conv("tie2", [("buyer", "12:00:00"), ("agent", "12:00:05", {"sender_id": "x"}), ("agent", "12:00:05", {"sender_id": "y"})])
    conv("bot", [("buyer", "12:00:00"), ("bot", "12:00:01", {"sender_id": "robot"}), ("agent", "12:04:00")])
    conv("close", [("buyer", "12:00:00"), ("agent", "12:00:01", {"kind": "close"}), ("agent", "12:10:00", {"sender_id": "ag1"})])
    conv("adnotice", [("agent", "11:00:00", {"kind": "ad"}), ("buyer", "12:00:00"), ("agent", "12:00:01", {"kind": "notice"}), ("agent", "12:02:00")])
    conv("firstout", [("buyer", "07:00:00"), ("agent", "07:00:20"), ("buyer", "10:00:00"), ("agent", "10:00:05", {"sender_id": "ag1"})])
    conv("firstslow", [("buyer", "10:00:00"), ("agent", "10:31:00"), ("buyer", "11:00:00"), ("agent", "11:00:05")])
    conv("offsets", [("buyer", "2026-01-07T02:00:00Z"), ("agent", "2026-01-07T10:02:00+08:00"), ("buyer", "2026-01-06T21:30:00-05:00"), ("agent", "2026-01-07T10:33:00")])
    conv("dup", [("buyer", "13:00:30", {"msg_id": "d1"}), ("buyer", "13:00:00", {"msg_id": "d1"}), ("agent", "13:03:00")])
    conv("joins", [("buyer", "14:00:00"), ("buyer", "14:02:00"), ("buyer", "14:02:59"), ("agent", "14:03:00.5")])
    conv("shop2", [("buyer", "15:00:00"), ("agent", "15:00:10", {"sender_id": "ag1"})], shop="s2")
    conv("buyerad", [("buyer", "16:00:00", {"kind": "ad"}), ("agent", "16:00:10")])  # no round: the ad is excluded
    return recs


@pytest.mark.parametrize("variant", ["taobao", *sorted(PACK_VARIANTS)])
def test_edge_gallery(variant, tmp_path_factory):
    """The edges, written out, so that they are checked on every run whatever hypothesis draws."""
    if variant == "taobao":
        policy, params = "taobao", {}
    else:
        edits, params = PACK_VARIANTS[variant]
        policy = str(edited_pack(tmp_path_factory.mktemp(variant), edits))
    check_case({"records": edge_gallery(), "as_of": None, "shop_accounts": None}, policy, **params)


@pytest.mark.parametrize("variant", sorted(PACK_VARIANTS))
def test_engine_matches_reference_other_pack(variant, tmp_path_factory):
    edits, params = PACK_VARIANTS[variant]
    pack_dir = edited_pack(tmp_path_factory.mktemp(variant), edits)

    @settings(max_examples=25, **PROPS)
    @given(scenario())
    def check(case):
        check_case(case, str(pack_dir), **params)

    check()
