"""The plain pandas implementation the issue compares against: the Taobao figures as an analyst would write them.

Read the Parquet file with pandas, parse the timestamps, drop what the
contract excludes, sort, then walk each conversation (shop, buyer, local day)
row by row, opening a round at a buyer message and closing it at the first
agent reply (CONTRACT §4, §5, §7). Figures come from ``groupby`` over the
rounds. Idiomatic and exact, not tuned: it is the "plain pandas at 1M" row of
the bench (target: the audit at least 50x faster).

``python -m bench.pandas_ref FILE.parquet --shops SHOPS.csv --output OUT.json``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.figures import NS, Figure, day_iso, mean_latency, rate

ZONE = "Asia/Shanghai"
PERIOD_DAYS = 30
HOURS_FROM_S, HOURS_TO_S = 8 * 3600, 24 * 3600  # 早上8点-晚12点
WITHIN_NS = 180 * NS
CUT_NS = 1800 * NS
VALID_REPLY_ROLES = ("agent",)  # 自动回复不计入有效回复


def load(parquet: str | Path, shops: str | Path) -> tuple[pd.DataFrame, int, int]:
    """The used records (exclusions applied) and the period as local day numbers."""
    df = pd.read_parquet(parquet, columns=["shop_id", "buyer_id", "role", "ts", "sender_id", "kind", "msg_id"])
    df["row"] = np.arange(len(df))
    df["kind"] = df["kind"].fillna("message").replace("", "message")
    df["sender_id"] = df["sender_id"].replace("", None)
    df["msg_id"] = df["msg_id"].replace("", None)
    utc = pd.to_datetime(df["ts"], format="ISO8601", utc=True, errors="coerce")
    df = df[utc.notna()].copy()  # a timestamp that does not parse is a rejected record
    utc = utc[utc.notna()]
    df["t_ns"] = utc.dt.as_unit("ns").astype("int64")
    local = utc.dt.tz_convert(ZONE).dt.tz_localize(None).dt.as_unit("ns")
    local_ns = local.astype("int64")
    df["day"] = local_ns // (86_400 * NS)
    df["tod_ns"] = local_ns % (86_400 * NS)

    end_day = int(df["day"].max())
    start_day = end_day - (PERIOD_DAYS - 1)

    # duplicates: of the copies of a (shop, msg_id) the earliest is kept, then the first in the file
    df = df.sort_values(["t_ns", "row"], kind="stable")
    dup = df["msg_id"].notna() & df.duplicated(["shop_id", "msg_id"], keep="first")

    accounts = pd.read_csv(shops, dtype=str)
    accounts["account"] = accounts["accounts"].str.replace("|", ";").str.split(";")
    accounts = accounts.explode("account")
    accounts["account"] = accounts["account"].str.strip()
    accounts["shop_id"] = accounts["shop_id"].str.strip()
    own = set(zip(accounts["shop_id"], accounts["account"], strict=True))
    same_shop = pd.Series([(s, b) in own for s, b in zip(df["shop_id"], df["buyer_id"], strict=True)], index=df.index)

    keep = (
        (df["role"] != "system")
        & ~((df["role"] == "buyer") & df["kind"].isin(["ad", "notice"]))
        & ~same_shop
        & ~dup
        & df["day"].between(start_day, end_day)
    )
    return df[keep], start_day, end_day


def rounds(used: pd.DataFrame) -> pd.DataFrame:
    """One row per round: shop, agent, first message's time of day, answered, latency, first of its day."""
    ev = used[(used["kind"] == "message") & used["role"].isin(["buyer", *VALID_REPLY_ROLES])].copy()
    ev["side"] = (ev["role"] != "buyer").astype(int)  # at equal instants the buyer message comes first
    ev = ev.sort_values(["shop_id", "buyer_id", "day", "t_ns", "side", "row"], kind="stable")
    out = []
    for (shop, _buyer, _day), conv in ev.groupby(["shop_id", "buyer_id", "day"], sort=False):
        open_round = None
        first = True
        for rec in conv.itertuples(index=False):
            if rec.role == "buyer":
                if open_round is None:
                    open_round = {"shop_id": shop, "tod_ns": rec.tod_ns, "t0": rec.t_ns, "first_of_day": first}
                    first = False
            elif open_round is not None:
                open_round.update(answered=True, latency_ns=rec.t_ns - open_round["t0"], agent_id=rec.sender_id)
                out.append(open_round)
                open_round = None
        if open_round is not None:  # still open at the end of its day: unanswered
            open_round.update(answered=False, latency_ns=None, agent_id=None)
            out.append(open_round)
    return pd.DataFrame(out, columns=["shop_id", "tod_ns", "t0", "first_of_day", "answered", "latency_ns", "agent_id"])


def figures(parquet: str | Path, shops: str | Path) -> list[Figure]:
    used, start_day, end_day = load(parquet, shops)
    r = rounds(used)
    start, end = day_iso(start_day), day_iso(end_day)
    r = r[(r["tod_ns"] >= HOURS_FROM_S * NS) & (r["tod_ns"] < HOURS_TO_S * NS)]
    out: list[Figure] = []
    for shop, g in r.groupby("shop_id"):
        good = int((g["answered"] & (g["latency_ns"] <= WITHIN_NS)).sum())
        out.append(rate("response_rate_3min", str(shop), start, end, good, len(g)))
    timed = r[r["answered"] & (r["latency_ns"] <= CUT_NS)].copy()
    timed["latency_ns"] = timed["latency_ns"].astype("int64")
    for metric, rows in (("avg_response_time", timed), ("first_response_time", timed[timed["first_of_day"]])):
        for shop, g in rows.groupby("shop_id"):
            out.append(mean_latency(metric, str(shop), None, start, end, int(g["latency_ns"].sum()), len(g)))
        for (shop, agent), g in rows[rows["agent_id"].notna()].groupby(["shop_id", "agent_id"]):
            out.append(mean_latency(metric, str(shop), str(agent), start, end, int(g["latency_ns"].sum()), len(g)))
    return sorted(out, key=lambda f: f.key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parquet")
    parser.add_argument("--shops", required=True)
    parser.add_argument("--output", required=True, help="JSON: the figures and the seconds taken")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = figures(args.parquet, args.shops)
    seconds = time.perf_counter() - t0
    payload = {"pack": "taobao", "file": args.parquet, "query_seconds": round(seconds, 3), "figures": [f._asdict() for f in result]}
    Path(args.output).write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
