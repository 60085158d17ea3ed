"""The rounds behind a figure, worst first, with the records (file, line) each rests on."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from auditor.duck import one
from auditor.engine.metrics.base import MetricKind

NS = 1_000_000_000


@dataclass(frozen=True)
class Ref:
    file_idx: int
    line: int
    msg_id: str | None
    ts: str


@dataclass(frozen=True)
class RoundRow:
    buyer_id: str
    first: Ref
    reply: Ref | None
    buyer_messages: int
    latency_s: float | None
    agent_id: str | None
    good: bool


def rounds_behind(
    con: duckdb.DuckDBPyConnection,
    kind: MetricKind,
    *,
    shop_id: str,
    start_day: int,
    end_day: int,
    agent_id: str | None = None,
    limit: int | None = None,
) -> tuple[int, list[RoundRow]]:
    """(how many rounds the figure counts, the first `limit` of them worst first)."""
    where = kind.rounds_sql(agent=agent_id is not None)
    params = {"shop": shop_id, "start": start_day, "end": end_day, **kind.params()}
    if agent_id is not None:
        params["agent"] = agent_id
    total = one(con, f"SELECT count(*) FROM rounds r WHERE {where}", params)[0]  # type: ignore[index]
    lim = "" if limit is None else f"LIMIT {int(limit)}"
    rows = con.execute(
        f"""
WITH picked AS (
  SELECT r.*, {kind.good_sql()} AS good, row_number() OVER (ORDER BY {kind.worst_first_sql()}) AS pos
  FROM rounds r WHERE {where}
  ORDER BY pos {lim}
)
SELECT p.buyer_id, p.n_asks, p.latency_ns, p.agent_id, p.good,
  f.file_idx, f.line, f.msg_id, f.ts, q.file_idx, q.line, q.msg_id, q.ts
FROM picked p
JOIN records f ON f.rec_id = p.first_rec
LEFT JOIN records q ON q.rec_id = p.reply_rec
ORDER BY p.pos
""",
        params,
    ).fetchall()
    out = []
    for buyer, n, lat, agent, good, ffi, fl, fm, fts, qfi, ql, qm, qts in rows:
        reply = Ref(qfi, ql, qm, qts) if qfi is not None else None
        out.append(RoundRow(buyer, Ref(ffi, fl, fm, fts), reply, n, lat / NS if lat is not None else None, agent, bool(good)))
    return int(total), out
