"""The bench's yardstick: one hand-written DuckDB query per built-in pack, from Parquet straight to the figures.

No input accounting, no evidence, no rules, no report: only what the figures
need (CONTRACT §4, §5, §7), written the fastest way we know (issue 10):

- ``ts`` is parsed once (``try_cast(ts AS TIMESTAMPTZ)`` with the session in
  the pack's zone, so naive times are local) to integer microseconds since the
  epoch; a value that does not parse is a rejected record and is dropped;
- the local day and time of day are integer arithmetic on those microseconds
  with the zone's one UTC offset (checked to be fixed for 1992-2100, as it is
  for Asia/Shanghai; the query refuses a zone that is not);
- duplicates (``shop_id``, ``msg_id``) keep the earliest copy, then the first
  in the file: only keys whose 64-bit hash occurs twice are ranked exactly, so
  the expensive window runs over a few rows;
- rounds are one window per (shop, buyer, local day) in (instant, buyer first,
  file row) order counting the valid replies strictly before each record;
  buyer messages sharing a count form a round and the reply whose count-before
  equals it closes the round, so one GROUP BY gives every round with its reply.

``python -m bench.baseline PACK FILE.parquet --shops SHOPS.csv --output OUT.json``
writes the figures (``bench.figures`` shape) and the query's own seconds.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from bench.figures import Figure, count, day_iso, mean_latency, rate

US = 1_000_000
DAY_US = 86_400 * US

# The packs' settings this query is written for (policies/*/pack.yaml); a yardstick is hand-written, not generated.
PACKS: dict[str, dict[str, Any]] = {
    "taobao": {"zone": "Asia/Shanghai", "days": 30, "valid_roles": ["agent"], "hours_from_s": 8 * 3600, "hours_to_s": 24 * 3600},
    "pinduoduo": {"zone": "Asia/Shanghai", "days": 30, "valid_roles": ["agent", "bot"], "hours_from_s": 0, "hours_to_s": 24 * 3600},
}
WITHIN_3MIN_US = 180 * US
CUT_US = 1800 * US


def fixed_offset_us(zone: str) -> int:
    """The zone's UTC offset in microseconds; refused unless it is the same on the 1st and 15th of every month, 1992-2100."""
    tz = ZoneInfo(zone)
    offsets = {
        datetime(y, m, d, 12, tzinfo=UTC).astimezone(tz).utcoffset() for y in range(1992, 2101) for m in range(1, 13) for d in (1, 15)
    }
    if len(offsets) != 1:
        raise ValueError(f"the baseline handles fixed-offset zones only, and {zone} changes its offset")
    off = offsets.pop() or timedelta(0)
    return int(off.total_seconds()) * US


def _used_events_sql(valid_roles: list[str]) -> str:
    """Checked, kept records that can open, join or close a round, with their day and the count of replies before them."""
    roles = ", ".join(f"'{r}'" for r in ["buyer", *valid_roles])
    return f"""
WITH src AS (
  SELECT shop_id, buyer_id, role, coalesce(nullif(kind, ''), 'message') AS kind, nullif(sender_id, '') AS sender_id,
    nullif(msg_id, '') AS msg_id, file_row_number AS rn, epoch_us(try_cast(ts AS TIMESTAMPTZ)) AS t
  FROM read_parquet($path, file_row_number = true)
), bounds AS (
  SELECT max(day) - ($days - 1) AS d0, max(day) AS d1
  FROM (SELECT (epoch_us(try_cast(ts AS TIMESTAMPTZ)) + $off) // {DAY_US} AS day FROM read_parquet($path))
), own AS (
  SELECT DISTINCT trim(shop_id) AS shop_id, trim(a) AS account
  FROM (SELECT shop_id, unnest(string_split(replace(accounts, '|', ';'), ';')) AS a
        FROM read_csv($shops, header = true, all_varchar = true))
  WHERE trim(a) <> ''
), dup_keys AS (
  -- a superset of the repeated keys (rejected rows and hash collisions included); ranked exactly below
  SELECT hash(shop_id, nullif(msg_id, '')) AS h FROM read_parquet($path) WHERE nullif(msg_id, '') IS NOT NULL
  GROUP BY 1 HAVING count(*) > 1
), dups AS (
  -- rejected copies (t NULL) rank apart and are never the kept one; ts is parsed for the candidates only
  SELECT rn FROM (
    SELECT rn, t, row_number() OVER (PARTITION BY shop_id, msg_id, t IS NULL ORDER BY t, rn) AS copy
    FROM (SELECT shop_id, msg_id, rn, epoch_us(try_cast(ts AS TIMESTAMPTZ)) AS t
          FROM (SELECT shop_id, nullif(msg_id, '') AS msg_id, file_row_number AS rn, ts FROM read_parquet($path, file_row_number = true)
                WHERE hash(shop_id, nullif(msg_id, '')) IN (SELECT h FROM dup_keys)))
  ) WHERE copy > 1 AND t IS NOT NULL
), used AS (
  -- system and buyer-side ad/notice never open or close a round, so the role/kind test below excludes them too
  SELECT o.*, (o.t + $off) // {DAY_US} AS day FROM src o, bounds b
  WHERE o.t IS NOT NULL AND (o.t + $off) // {DAY_US} BETWEEN b.d0 AND b.d1
    AND NOT EXISTS (SELECT 1 FROM own WHERE own.shop_id = o.shop_id AND own.account = o.buyer_id)
    AND o.rn NOT IN (SELECT rn FROM dups)
), events AS (
  SELECT shop_id, buyer_id, day, t, rn, sender_id, role = 'buyer' AS is_ask
  FROM used WHERE kind = 'message' AND role IN ({roles})
), counted AS (
  SELECT *,
    sum(CASE WHEN is_ask THEN 0 ELSE 1 END) OVER w - CASE WHEN is_ask THEN 0 ELSE 1 END AS k,
    sum(CASE WHEN is_ask THEN 1 ELSE 0 END) OVER w - CASE WHEN is_ask THEN 1 ELSE 0 END AS asks_before
  FROM events
  WINDOW w AS (PARTITION BY shop_id, buyer_id, day ORDER BY t, CASE WHEN is_ask THEN 0 ELSE 1 END, rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), rounds AS (
  SELECT shop_id, buyer_id, day, k,
    min(t) FILTER (WHERE is_ask) AS first_t,
    max(t) FILTER (WHERE NOT is_ask) - min(t) FILTER (WHERE is_ask) AS lat,
    any_value(sender_id) FILTER (WHERE NOT is_ask) AS agent,
    bool_or(NOT is_ask) AS answered,
    bool_or(is_ask AND asks_before = 0) AS first_of_day
  FROM counted
  GROUP BY shop_id, buyer_id, day, k
  HAVING bool_or(is_ask)
)"""


def taobao_sql() -> str:
    """response_rate_3min per shop; avg_response_time and first_response_time per shop and per agent."""
    return (
        _used_events_sql(PACKS["taobao"]["valid_roles"])
        + f""", scoped AS (
  SELECT shop_id, agent, lat, first_of_day,
    answered AND lat <= {CUT_US} AS timed
  FROM rounds
  WHERE (first_t + $off) % {DAY_US} >= $from_us AND (first_t + $off) % {DAY_US} < $to_us
)
SELECT shop_id, agent, grouping(agent) = 0 AS per_agent,
  count(*) AS rounds,
  count(*) FILTER (WHERE lat <= {WITHIN_3MIN_US}) AS within,
  sum(lat) FILTER (WHERE timed) AS avg_sum, count(*) FILTER (WHERE timed) AS avg_n,
  sum(lat) FILTER (WHERE timed AND first_of_day) AS first_sum, count(*) FILTER (WHERE timed AND first_of_day) AS first_n,
  (SELECT d0 FROM bounds) AS d0, (SELECT d1 FROM bounds) AS d1
FROM scoped
GROUP BY GROUPING SETS ((shop_id), (shop_id, agent))
"""
    )


def pinduoduo_sql() -> str:
    """inquiries and reply_rate per shop and local day; every shop with a used record has an inquiries row every day."""
    return (
        _used_events_sql(PACKS["pinduoduo"]["valid_roles"])
        + """, buyer_days AS (
  SELECT shop_id, day, bool_or(answered) AS answered FROM rounds GROUP BY shop_id, buyer_id, day
), per_day AS (
  SELECT shop_id, day, count(*) AS asked, count(*) FILTER (WHERE answered) AS answered FROM buyer_days GROUP BY shop_id, day
), shops AS (
  SELECT DISTINCT shop_id FROM used
)
SELECT s.shop_id, d.day, coalesce(p.asked, 0) AS asked, coalesce(p.answered, 0) AS answered
FROM shops s CROSS JOIN (SELECT unnest(range(d0, d1 + 1)) AS day FROM bounds) d
LEFT JOIN per_day p ON p.shop_id = s.shop_id AND p.day = d.day
"""
    )


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = $m", {"m": memory_limit})
    return con


def figures(pack: str, parquet: str | Path, shops: str | Path, con: duckdb.DuckDBPyConnection | None = None) -> list[Figure]:
    """The pack's figures over one Parquet file, with same-shop accounts from the --shops CSV."""
    spec = PACKS[pack]
    con = con or connect()
    con.execute("SET TimeZone = $z", {"z": spec["zone"]})
    params = {"path": str(parquet), "shops": str(shops), "off": fixed_offset_us(spec["zone"]), "days": spec["days"]}
    if pack == "taobao":
        params |= {"from_us": spec["hours_from_s"] * US, "to_us": spec["hours_to_s"] * US}
        return _taobao(con.execute(taobao_sql(), params).fetchall())
    return _pinduoduo(con.execute(pinduoduo_sql(), params).fetchall())


def _taobao(rows: list[tuple[Any, ...]]) -> list[Figure]:
    out: list[Figure] = []
    for shop, agent, per_agent, rounds, within, avg_sum, avg_n, first_sum, first_n, d0, d1 in rows:
        if per_agent and agent is None:
            continue  # unanswered rounds, or replies without a sender: shop figures only (CONTRACT §7.9)
        start, end = day_iso(d0), day_iso(d1)
        who = agent if per_agent else None
        if not per_agent and rounds:
            out.append(rate("response_rate_3min", shop, start, end, within, rounds))
        if avg_n:
            out.append(mean_latency("avg_response_time", shop, who, start, end, avg_sum * 1000, avg_n))
        if first_n:
            out.append(mean_latency("first_response_time", shop, who, start, end, first_sum * 1000, first_n))
    return sorted(out, key=lambda f: f.key)


def _pinduoduo(rows: list[tuple[Any, ...]]) -> list[Figure]:
    out: list[Figure] = []
    for shop, day, asked, answered in rows:
        d = day_iso(day)
        out.append(count("inquiries", shop, d, d, asked))
        if asked:
            out.append(rate("reply_rate", shop, d, d, answered, asked))
    return sorted(out, key=lambda f: f.key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack", choices=sorted(PACKS))
    parser.add_argument("parquet")
    parser.add_argument("--shops", required=True)
    parser.add_argument("--output", required=True, help="JSON: the figures and the query's seconds")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--memory-limit")
    args = parser.parse_args()
    con = connect(args.threads, args.memory_limit)
    t0 = time.perf_counter()
    result = figures(args.pack, args.parquet, args.shops, con)
    seconds = time.perf_counter() - t0
    payload = {"pack": args.pack, "file": args.parquet, "query_seconds": round(seconds, 3), "figures": [f._asdict() for f in result]}
    Path(args.output).write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
