"""Synthetic chat records for the benchmark, written by DuckDB straight to Parquet, JSONL and CSV.

A marketplace's worth of conversations: shops with several agents and a bot,
buyers asking one to a few questions a day, replies after seconds to over an
hour (some held past minute 30), bot answers, shop accounts chatting with their
own shop, ads and notices from buyers, system notices, closed sessions,
re-exported duplicates and a few rejected records. Every message is a row of
``range(n)``, so the data are a pure function of ``n`` and ``seed``: the same
files on every machine, generated set-based in seconds per ten million rows.

Files are cached under ``$AUDITOR_BENCH_DATA`` (default ``~/.cache/auditor-bench``)
and reused while their name (size, seed, generator version) matches.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb

VERSION = 2  # 2: row groups of 122,880 rows (DuckDB's default), so 1M rows scan on every core, as real exports do
DAYS = 30
FIRST_DAY = "2026-10-01"
MESSAGES_PER_CONVERSATION = 6


def cache_dir() -> Path:
    return Path(os.environ.get("AUDITOR_BENCH_DATA", Path.home() / ".cache" / "auditor-bench"))


def shops_for(n: int) -> int:
    """About 20,000 messages per shop, as a busy marketplace slice; at least 20 shops."""
    return max(20, n // 20_000)


def records_sql(n: int, seed: int) -> str:
    """One row per message; conversation c holds rows 6c..6c+5 (buyer, reply, buyer, reply, …)."""
    shops = shops_for(n)
    # hash() is deterministic in DuckDB; fold the seed in so another seed gives other data
    h = f"hash(c * 1000003 + {seed})"
    return f"""
WITH rows AS (
  SELECT i, i // {MESSAGES_PER_CONVERSATION} AS c, i % {MESSAGES_PER_CONVERSATION} AS pos FROM range({n}) t(i)
), conv AS (
  SELECT *,
    {h} % {shops} AS shop_n,
    ({h} // 7) % 997 AS r1,            -- per conversation: who, when, how it goes
    (hash(i * 7919 + {seed}) % 1000) AS r2,  -- per message
    c % {DAYS} AS day_n,
    ({h} // 13) % 86400 AS start_s
  FROM rows
), shaped AS (
  SELECT *,
    'shop' || lpad(CAST(shop_n AS VARCHAR), 5, '0') AS shop_id,
    CASE WHEN r1 < 5 THEN 'shop' || lpad(CAST(shop_n AS VARCHAR), 5, '0') || ':ceshi'   -- a shop account chatting with its own shop
         ELSE 'b' || CAST(({h} // 17) % {max(1000, n // 20)} AS VARCHAR) END AS buyer_id,
    pos % 2 = 0 AS buyer_side,
    -- seconds since the conversation opened: asks spaced out, replies after a latency
    (pos // 2) * (60 + (r1 % 600)) + CASE WHEN pos % 2 = 1 THEN
        CASE WHEN r2 < 600 THEN r2 % 170              -- within 3 minutes
             WHEN r2 < 850 THEN 180 + r2 % 1500        -- slower
             WHEN r2 < 900 THEN 1860 + r2 % 120        -- held to minute 31
             ELSE 2000 + r2 * 3 END                    -- very late
      ELSE 0 END AS offset_s
  FROM conv
)
SELECT
  shop_id,
  buyer_id,
  CASE WHEN buyer_side THEN 'buyer'
       WHEN r2 % 100 < 15 THEN 'bot'
       WHEN r2 % 100 = 15 THEN 'system'
       ELSE 'agent' END AS role,
  CASE WHEN r2 = 999 AND buyer_side THEN '2026-13-45T25:00:00+08:00'   -- rejected: not a real date-time
       ELSE strftime(TIMESTAMP '{FIRST_DAY}' + to_days(CAST(day_n AS INTEGER)) + to_seconds(CAST(start_s + offset_s AS BIGINT)),
                     '%Y-%m-%dT%H:%M:%S') || '+08:00' END AS ts,
  CASE WHEN buyer_side THEN NULL
       WHEN r2 % 100 < 15 THEN shop_id || ':robot'
       ELSE shop_id || ':agent' || CAST(r1 % 8 AS VARCHAR) END AS sender_id,
  CASE WHEN buyer_side AND r2 BETWEEN 990 AND 994 THEN 'ad'
       WHEN buyer_side AND r2 BETWEEN 995 AND 996 THEN 'notice'
       WHEN NOT buyer_side AND r2 BETWEEN 980 AND 984 THEN 'close'
       ELSE 'message' END AS kind,
  CASE WHEN buyer_side THEN '请问什么时候发货？' ELSE '亲，今天下午就发货哦' END AS text,
  -- every 500th message is exported twice: the copy repeats the msg_id of the message before it
  shop_id || '-' || CAST(CASE WHEN i % 500 = 499 AND pos > 0 THEN i - 1 ELSE i END AS VARCHAR) AS msg_id
FROM shaped
"""


def parse_size(text: str) -> int:
    """A size as written in BENCH_SIZES: ``20k``, ``1m``, ``50m``, ``1.5m`` or a plain number of messages."""
    t = text.strip().lower()
    scale = {"k": 10**3, "m": 10**6, "b": 10**9}.get(t[-1:], 1)
    number = t[:-1] if scale > 1 else t
    n = round(float(number) * scale)
    if n <= 0:
        raise ValueError(f"not a size: {text!r} (e.g. 1m, 10m, 50m)")
    return n


def label(n: int) -> str:
    for unit, size in (("b", 10**9), ("m", 10**6), ("k", 10**3)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def dataset(n: int, fmt: str = "parquet", seed: int = 1) -> Path:
    """The cached file of ``n`` messages in ``fmt`` (parquet, jsonl, csv), generated if missing."""
    base = cache_dir()
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"chats-v{VERSION}-s{seed}-{label(n)}.{fmt}"
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".part")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        options = {
            "parquet": "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880",
            "jsonl": "FORMAT json",
            "csv": "FORMAT csv, HEADER true",
        }[fmt]
        con.execute(f"COPY ({records_sql(n, seed)}) TO '{tmp}' ({options})")
    finally:
        con.close()
    tmp.rename(path)
    return path


def shops_file(n: int, seed: int = 1) -> Path:
    """The --shops file for ``n`` messages: each shop's own accounts, so same-shop chats are excluded."""
    path = cache_dir() / f"shops-v{VERSION}-s{seed}-{label(n)}.csv"
    if not path.exists():
        lines = ["shop_id,platform,category,accounts"]
        for s in range(shops_for(n)):
            shop = f"shop{s:05d}"
            accounts = ";".join([shop, f"{shop}:ceshi", f"{shop}:robot"] + [f"{shop}:agent{a}" for a in range(8)])
            lines.append(f"{shop},taobao,cat{s % 7},{accounts}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=parse_size)
    parser.add_argument("--format", default="parquet", choices=["parquet", "jsonl", "csv"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for n in args.sizes:
        t = time.perf_counter()
        path = dataset(n, args.format, args.seed)
        print(f"{path} ({path.stat().st_size / 2**20:.0f} MiB, {time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
