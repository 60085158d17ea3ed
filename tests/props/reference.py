"""A tiny, obviously-correct reference for the built-in packs' metrics (CONTRACT §1, §4, §5, §7).

Taobao: the period figures ``response_rate_3min``, ``avg_response_time`` and
``first_response_time`` (``result["metrics"]``). Pinduoduo: the daily figures
``inquiries`` and ``reply_rate`` (``result["daily"]``) and the days its
threshold rules fire (``reference_violations``). Both come from the same
exclusions and rounds; the packs differ in the settings in ``PACKS``.

Pure Python, stdlib only, written for reading rather than speed: plain loops,
exact arithmetic (integer microseconds for instants, ``Fraction`` for the
sums), one comment per definition citing the CONTRACT clause it implements.
The property tests in ``test_engine_vs_reference.py`` compare the DuckDB
engine with this file; when they disagree, this file is checked against the
CONTRACT first.

Records are dicts of CONTRACT §1 fields that are already valid (nothing here
rejects): ``ts`` is an ISO 8601 string with an offset, ``Z`` or naive (naive =
the pack's time zone); optional fields (``sender_id``, ``kind``, ``text``,
``msg_id``) may be absent. The list order is the input order.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

EXCLUSION_ORDER = ("system", "non_genuine", "same_shop", "duplicate", "out_of_period")

# The pack settings the reference needs, as keyword arguments of ``reference_metrics``.
PACKS: dict[str, dict] = {
    # CONTRACT §5 "taobao (time zone Asia/Shanghai, bot replies do not count, hours 08:00–24:00)".
    "taobao": dict(tz="Asia/Shanghai", valid_reply_roles=("agent",), service_hours=[(8 * 3600, 24 * 3600)]),
    # CONTRACT §5 "pinduoduo (time zone Asia/Shanghai, bot replies count, all 24 hours)".
    "pinduoduo": dict(tz="Asia/Shanghai", valid_reply_roles=("agent", "bot"), service_hours=[(0, 24 * 3600)]),
}


# The fractional seconds of a timestamp, read by hand so that no digit is lost (Python's
# datetime keeps only microseconds; "10:03:00.000000001" is 1 ns after 10:03:00).
_FRACTION = re.compile(r"(T\d\d:\d\d:\d\d|[ ]\d\d:\d\d:\d\d)[.,](\d+)")


def _instant(ts: str, tz: ZoneInfo) -> Fraction:
    """The instant of ``ts`` as exact seconds since the epoch (a Fraction, every digit kept).

    CONTRACT §1 ``ts``: "with an offset or `Z`, or naive = the policy pack's time zone";
    §7.6 "Latency is the exact difference of the two instants, fractions kept".
    """
    sub_second = Fraction(0)
    m = _FRACTION.search(ts)
    if m:
        digits = m.group(2)
        sub_second = Fraction(int(digits), 10 ** len(digits))
        ts = ts[: m.end(1)] + ts[m.end() :]
    dt = datetime.fromisoformat(ts)  # Python >= 3.11 reads `Z` and offsets
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    delta = dt - _EPOCH
    return delta.days * 86400 + delta.seconds + sub_second


def _local(instant: Fraction, tz: ZoneInfo) -> tuple[date, Fraction]:
    """The local day and local time of day (exact seconds) of an instant.

    CONTRACT §4 "Local time is the pack's time zone (Asia/Shanghai for both packs); a local day
    runs 00:00:00 to 23:59:59.999". Offsets are whole minutes, so the fraction of a second is
    the same in UTC and in local time.
    """
    whole = math.floor(instant)
    local = (_EPOCH + timedelta(seconds=whole)).astimezone(tz)
    time_of_day = (local.hour * 60 + local.minute) * 60 + local.second + (instant - whole)
    return local.date(), time_of_day


def reference_metrics(
    records: list[dict],
    *,
    tz: str = "Asia/Shanghai",
    as_of: date | None = None,
    days: int = 30,
    service_hours: list[tuple[int, int]] = [(8 * 3600, 24 * 3600)],  # noqa: B006 (never mutated)
    valid_reply_roles: tuple[str, ...] = ("agent",),
    within_seconds: float = 180,
    max_latency_seconds: float = 1800,
    shop_accounts: dict[str, set[str]] | None = None,
) -> dict:
    zone = ZoneInfo(tz)

    # ---- Parse: instant and local day of every record -------------------------------
    rows = []
    for index, rec in enumerate(records):
        instant = _instant(rec["ts"], zone)
        day, time_of_day = _local(instant, zone)
        rows.append(
            {
                "index": index,  # input order
                "shop_id": rec["shop_id"],
                "buyer_id": rec["buyer_id"],
                "role": rec["role"],
                # CONTRACT §1 kind "no (default `message`)"; §7.2 "an absent or empty `kind` is `message`"
                "kind": rec.get("kind") or "message",
                "sender_id": rec.get("sender_id") or None,
                "msg_id": rec.get("msg_id"),
                "instant": instant,
                "day": day,
                "tod": time_of_day,
            }
        )

    # ---- Default as-of -----------------------------------------------------------------
    # CONTRACT §7.7: "Default `--as-of`: the latest local day over all records not rejected."
    # (Every record given here is "not rejected", including those excluded below.)
    if as_of is None:
        if not rows:
            raise ValueError("no records and no as_of")
        as_of = max(r["day"] for r in rows)
    # CONTRACT §4 "Audited period: the 30 local days ending --as-of (start = as-of − 29 days)".
    period_start = as_of - timedelta(days=days - 1)
    period_end = as_of

    # ---- Exclusions, in order; the first reason that applies is the one counted ----------
    # CONTRACT §4 "Excluded before anything is counted: role system; buyer-side records of
    # kind ad or notice; same-shop conversations; duplicates ... Records outside it are
    # excluded as out_of_period, after the reasons above."
    reason: dict[int, str] = {}

    for r in rows:
        # CONTRACT §4: role `system`.
        if r["role"] == "system":
            reason.setdefault(r["index"], "system")

    for r in rows:
        # CONTRACT §1 kind: "`ad`/`notice` from a buyer-side account are not genuine inquiries".
        if r["role"] == "buyer" and r["kind"] in ("ad", "notice"):
            reason.setdefault(r["index"], "non_genuine")

    for r in rows:
        # CONTRACT §7.4: "the buyer is one of the `accounts` of the record's own shop; every
        # record of that conversation is excluded."
        if shop_accounts is not None and r["buyer_id"] in shop_accounts.get(r["shop_id"], set()):
            reason.setdefault(r["index"], "same_shop")

    # CONTRACT §7.3: "Of the records sharing (shop_id, msg_id), the one with the earliest
    # instant is kept (then input order); the others are `duplicate` unless an earlier reason
    # applies. No msg_id: never a duplicate."  Read literally, the group is every record with
    # that (shop_id, msg_id), whatever other reason it has; an earlier reason only decides
    # the label of a copy that is not kept.
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["msg_id"] is None or r["msg_id"] == "":
            continue
        groups.setdefault((r["shop_id"], r["msg_id"]), []).append(r)
    for members in groups.values():
        kept = min(members, key=lambda m: (m["instant"], m["index"]))
        for m in members:
            if m is not kept:
                reason.setdefault(m["index"], "duplicate")

    for r in rows:
        # CONTRACT §4: outside the audited period -> `out_of_period`, after the reasons above.
        if not (period_start <= r["day"] <= period_end):
            reason.setdefault(r["index"], "out_of_period")

    excluded: dict[str, int] = {}
    for why in reason.values():
        excluded[why] = excluded.get(why, 0) + 1
    used = [r for r in rows if r["index"] not in reason]

    # ---- Rounds --------------------------------------------------------------------------
    # CONTRACT §4 "Round: per (shop, buyer), in time order, a round opens at a buyer message
    # when none is open, and closes at the first valid reply after it; buyer messages in
    # between belong to it. Its latency is measured from its first buyer message."
    # CONTRACT §7.5 "Order is (instant, buyer first, input order)".
    conversations: dict[tuple[str, str], list[dict]] = {}
    for r in used:
        conversations.setdefault((r["shop_id"], r["buyer_id"]), []).append(r)

    rounds = []  # each: shop, buyer, day, tod, start, latency (exact s; None = unanswered), agent, first_of_day
    for (shop, buyer), recs in conversations.items():
        recs.sort(key=lambda r: (r["instant"], 0 if r["role"] == "buyer" else 1, r["index"]))
        open_round = None
        for r in recs:
            # CONTRACT §7.5 "A round still open when a record of a later local day arrives is
            # closed unanswered." (§4 "A round still open at the end of its local day is
            # unanswered.")
            if open_round is not None and r["day"] > open_round["day"]:
                open_round = None
            if r["role"] == "buyer":
                # CONTRACT §7.5 "Only a buyer record of kind message opens or joins a round".
                if r["kind"] == "message" and open_round is None:
                    open_round = {
                        "shop": shop,
                        "buyer": buyer,
                        "day": r["day"],  # §4 "Rounds belong to the local day of their first buyer message."
                        "tod": r["tod"],
                        "start": r["instant"],
                        "latency": None,
                        "agent": None,
                    }
                    rounds.append(open_round)
                # a later buyer message joins the open round: nothing to record.
                continue
            # CONTRACT §4 "Valid reply: a record of kind message and role agent" (Taobao: bots
            # do not count, the pack's `valid_roles`). "A close is never a reply and does not
            # end a round"; §7.5 an agent/bot ad/notice "neither opens nor answers one".
            is_valid_reply = r["kind"] == "message" and r["role"] in valid_reply_roles
            if is_valid_reply and open_round is not None:
                # CONTRACT §7.6 "Latency is the exact difference of the two instants".
                open_round["latency"] = r["instant"] - open_round["start"]
                # CONTRACT §7.9 agent = "the sender_id of the closing reply".
                open_round["agent"] = r["sender_id"]
                open_round = None

    # CONTRACT §7.10 "first_response_time takes the first of *all* rounds of a (shop, buyer,
    # local day)": mark it before any filter on hours or answers.
    seen_days = set()
    for rd in sorted(rounds, key=lambda x: (x["shop"], x["buyer"], x["start"])):
        key = (rd["shop"], rd["buyer"], rd["day"])
        rd["first_of_day"] = key not in seen_days
        seen_days.add(key)

    # CONTRACT §4 "Service hours: a round counts toward an hours-bound metric when its first
    # buyer message falls inside them"; window [start, end) in seconds of the local day.
    def in_service_hours(rd: dict) -> bool:
        for start_s, end_s in service_hours:
            if start_s <= rd["tod"] < end_s:
                return True
        return False

    # Exact thresholds: §7.6 "180.5 s is not within 3 minutes; the 1800 s cut keeps latency ≤ 1800".
    within = Fraction(within_seconds)
    cut = Fraction(max_latency_seconds)

    metrics: dict[tuple[str, str, str | None], tuple] = {}

    # ---- response_rate_3min -------------------------------------------------------------------
    # CONTRACT §5 "one figure per shop over the audited period: numerator = rounds in service
    # hours answered within 180 s; denominator = rounds in service hours."
    rate: dict[str, list[int]] = {}
    for rd in rounds:
        if not in_service_hours(rd):
            continue
        num_den = rate.setdefault(rd["shop"], [0, 0])
        num_den[1] += 1
        # CONTRACT §4 "Within 3 minutes: latency ≤ 180 s."
        if rd["latency"] is not None and rd["latency"] <= within:
            num_den[0] += 1
    for shop, (num, den) in rate.items():
        # CONTRACT §7.8 "No figure without a denominator": den >= 1 here by construction.
        metrics[("response_rate_3min", shop, None)] = (num, den, num / den)

    # ---- avg_response_time and first_response_time ----------------------------------------------
    # CONTRACT §5 avg_response_time "per shop and per agent ... the mean latency of answered
    # rounds in service hours whose latency is ≤ 1800 s"; first_response_time "the same, over
    # only the first round of each (buyer, local day)"; §7.10 "it counts only if that round is
    # in service hours, answered and ≤ 1800 s. A later round never stands in for it."
    for metric, first_only in (("avg_response_time", False), ("first_response_time", True)):
        sums: dict[tuple[str, str | None], list] = {}
        for rd in rounds:
            if first_only and not rd["first_of_day"]:
                continue
            if not in_service_hours(rd):
                continue
            if rd["latency"] is None or rd["latency"] > cut:
                continue
            keys = [(rd["shop"], None)]
            # CONTRACT §7.9 "Rounds closed by a reply without sender_id count only in the shop figure."
            if rd["agent"] is not None:
                keys.append((rd["shop"], rd["agent"]))
            for k in keys:
                s = sums.setdefault(k, [Fraction(0), 0])
                s[0] += rd["latency"]
                s[1] += 1
        for (shop, agent), (total, count) in sums.items():
            metrics[(metric, shop, agent)] = (float(total), count, float(total / count))

    # ---- inquiries and reply_rate (daily, per shop) -------------------------------------------
    # Neither is bound to service hours (the pinduoduo pack's hours are all day anyway), so every
    # round counts. CONTRACT §4 "Rounds belong to the local day of their first buyer message."
    asked: dict[tuple[str, date], set[str]] = {}
    answered: dict[tuple[str, date], set[str]] = {}
    for rd in rounds:
        # CONTRACT §5 `inquiries` "per shop and local day: distinct buyers who opened at least one
        # round that day".
        asked.setdefault((rd["shop"], rd["day"]), set()).add(rd["buyer"])
        # CONTRACT §5 `reply_rate` numerator "those buyers with at least one round opened that day
        # that was answered that day". A reply of a later day never answers a round (§4 "A round
        # still open at the end of its local day is unanswered"), so answered = answered that day.
        if rd["latency"] is not None:
            answered.setdefault((rd["shop"], rd["day"]), set()).add(rd["buyer"])

    daily: dict[tuple[str, str, date], tuple] = {}  # (metric, shop, day) -> (numerator, denominator, value)
    # A quiet day is still an `inquiries` figure of 0 for every shop with a used record in the
    # period (the engine's buyer_count kind: "Every shop seen in the period gets a figure for every
    # day"); CONTRACT §7.8 "inquiries rows: value = numerator = the count, denominator null".
    shops_seen = set()
    for r in used:
        shops_seen.add(r["shop_id"])
    for shop in shops_seen:
        day = period_start
        while day <= period_end:
            count = len(asked.get((shop, day), set()))
            daily[("inquiries", shop, day)] = (count, None, float(count))
            day += timedelta(days=1)
    for (shop, day), buyers in asked.items():
        # CONTRACT §5 `reply_rate` "denominator = inquiries. A day with no inquiries has no figure"
        # (§7.8 "No figure without a denominator"): only days in `asked` get one.
        num = len(answered.get((shop, day), set()))
        den = len(buyers)
        daily[("reply_rate", shop, day)] = (num, den, num / den)

    return {
        "as_of": as_of,
        "period": (period_start, period_end),
        "excluded": excluded,
        "used": len(used),
        "metrics": metrics,
        "daily": daily,
    }


def reference_violations(
    daily: dict[tuple[str, str, date], tuple],
    *,
    rate_floor: float = 0.5,
    fine_over: int = 100,
) -> dict[tuple[str, str, date], float]:
    """The pinduoduo threshold findings, as (rule_id, shop, day) -> the offending reply_rate.

    CONTRACT §7.11 "Comparisons are strict: ... < 0.50, inquiries > 100".
    """
    found: dict[tuple[str, str, date], float] = {}
    for (metric, shop, day), (num, den, value) in daily.items():
        if metric != "reply_rate":
            continue
        # CONTRACT §5 `pinduoduo.activity_floor`: "a day's reply_rate < 0.50". Exact: num/den < 1/2.
        low = Fraction(num, den) < Fraction(rate_floor)
        if low:
            found[("pinduoduo.activity_floor", shop, day)] = value
        # CONTRACT §5 `pinduoduo.daily_fine`: "a day with inquiries > 100 and reply_rate < 0.50".
        inquiries = daily[("inquiries", shop, day)][0]
        if low and inquiries > fine_over:
            found[("pinduoduo.daily_fine", shop, day)] = value
    return found
