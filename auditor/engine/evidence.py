"""The units behind figures (rounds, or inquiries: a buyer's day), worst first, with the records (file, line) each rests on.

Evidence for many figures is fetched in one query per metric (a window per
figure), so a thousand findings cost one pass over the rounds, not a thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from auditor.duck import insert_rows, run
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
    kind: str = "round"  # or "inquiry": a buyer's local day, whose reply is that of its first round helping the figure
    rounds: int | None = None  # for an inquiry: how many rounds the buyer opened that day


@dataclass(frozen=True)
class FigureKey:
    """One figure: a shop (and optionally an agent) over local days [start_day, end_day]."""

    shop_id: str
    start_day: int
    end_day: int
    agent_id: str | None = None


def rounds_behind(
    con: duckdb.DuckDBPyConnection,
    kind: MetricKind,
    keys: list[FigureKey],
    *,
    limit: int | None = None,
) -> dict[FigureKey, tuple[int, list[RoundRow]]]:
    """For each figure: how many units it counts, and the first `limit` of them, worst first."""
    out: dict[FigureKey, tuple[int, list[RoundRow]]] = {k: (0, []) for k in keys}
    if not keys:
        return out
    ordered = list(dict.fromkeys(keys))
    run(con, "CREATE OR REPLACE TEMP TABLE figure_keys (key_id INTEGER, shop_id VARCHAR, agent_id VARCHAR, start_day BIGINT, end_day BIGINT)")
    insert_rows(con, "figure_keys", [(i, k.shop_id, k.agent_id, k.start_day, k.end_day) for i, k in enumerate(ordered)])
    cap = "" if limit is None else f"WHERE p.pos <= {int(limit)}"
    rows = con.execute(
        f"""
WITH matched AS (
  SELECT r.*, k.key_id, {kind.good_sql()} AS is_good  -- not `good`: an inquiry unit has that column already (one name per column, for Spark)
  FROM {kind.source_sql()} r JOIN figure_keys k
    ON r.shop_id = k.shop_id AND r.local_day BETWEEN k.start_day AND k.end_day
  WHERE {kind.scope_sql()} AND (k.agent_id IS NULL OR (r.answered AND r.agent_id = k.agent_id))
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY key_id ORDER BY {kind.worst_first_sql()}) AS pos,
    count(*) OVER (PARTITION BY key_id) AS total
  FROM matched r
)
SELECT p.key_id, p.total, p.buyer_id, p.n_asks, p.latency_ns, p.agent_id, p.is_good, {"p.n_rounds" if kind.counts == "inquiry" else "NULL"},
  f.file_idx, f.line, f.msg_id, f.ts, q.file_idx, q.line, q.msg_id, q.ts
FROM ranked p
JOIN records f ON f.rec_id = p.first_rec
LEFT JOIN records q ON q.rec_id = p.reply_rec
{cap}
ORDER BY p.key_id, p.pos
""",
        kind.params(),
    ).fetchall()
    got: dict[int, tuple[int, list[RoundRow]]] = {}
    for key_id, total, buyer, n, lat, agent, good, n_rounds, ffi, fl, fm, fts, qfi, ql, qm, qts in rows:
        reply = Ref(qfi, ql, qm, qts) if qfi is not None else None
        entry = got.setdefault(key_id, (int(total), []))
        latency = lat / NS if lat is not None else None
        entry[1].append(RoundRow(buyer, Ref(ffi, fl, fm, fts), reply, int(n), latency, agent, bool(good), kind.counts, n_rounds))
    for i, k in enumerate(ordered):
        if i in got:
            out[k] = got[i]
    return out
