"""Every unit of one shop's figure, counted or not, with the records it rests on (for `auditor explain`).

The units come from the metric kind's own relation (``kind.source_sql()``),
and whether a unit is in the denominator and the numerator is the kind's own
``scope_sql()`` and ``good_sql()``: the same expressions ``compute`` groups
by, so the listed units add up to the reported figure by construction. For
a figure counting buyers' days, the buyer-days none of whose rounds is in
scope are listed too (they are not in the kind's relation, which is built
from in-scope rounds only), so a reader sees who asked but was not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from auditor.engine.metrics.base import MetricKind
from auditor.policy.model import Pack

NS = 1_000_000_000


@dataclass(frozen=True)
class TraceRef:
    file_idx: int
    line: int
    msg_id: str | None
    ts: str


@dataclass(frozen=True)
class TraceReply:
    ref: TraceRef
    role: str
    sender_id: str | None


@dataclass(frozen=True)
class TraceIgnored:
    ref: TraceRef
    role: str
    kind: str


@dataclass(frozen=True)
class ExcludedRow:
    ref: TraceRef
    reason: str
    buyer_id: str
    role: str
    kind: str
    local_day: int


@dataclass(frozen=True)
class UnitTrace:
    """One round or buyer-day of the shop, with the engine's verdict on it."""

    buyer_id: str
    local_day: int
    opened: TraceRef
    opened_tod_ns: int
    reply: TraceReply | None
    buyer_messages: int
    rounds: int | None
    latency_ns: int | None
    answered: bool
    in_hours: bool
    first_of_day: bool | None
    agent_id: str | None
    in_denominator: bool
    in_numerator: bool
    in_kind_relation: bool  # False: a buyer-day with no round in scope (not in the kind's relation at all)
    ignored: TraceIgnored | None  # the first used non-buyer record after the question that did not close it


def trace_units(
    con: duckdb.DuckDBPyConnection,
    pack: Pack,
    kind: MetricKind,
    shop_id: str,
    start_day: int,
    end_day: int,
    agent_id: str | None,
) -> list[UnitTrace]:
    """The shop's units over local days [start_day, end_day] (only those closed by ``agent_id`` when given), in time order."""
    inquiry = kind.counts == "inquiry"
    round_scope = MetricKind.scope_sql(kind)  # a buyer kind applies the round scope inside its relation; its own scope is TRUE
    # the buyer-days that the kind's relation leaves out because none of their rounds is in scope
    outside = (
        f"""
  UNION ALL
  SELECT r.shop_id, r.buyer_id, r.local_day, min(r.round_id) AS round_id, min(r.round_id) AS first_rec, min(r.first_ns) AS first_ns,
    sum(r.n_asks) AS n_asks, count(*) AS n_rounds, bool_or(r.answered) AS answered, FALSE AS good,
    NULL AS reply_rec, NULL AS reply_ns, NULL AS latency_ns, NULL AS agent_id, FALSE AS in_rel
  FROM rounds r
  WHERE r.shop_id = $t_shop AND r.local_day BETWEEN $t_d0 AND $t_d1 AND $t_agent IS NULL
  GROUP BY r.shop_id, r.buyer_id, r.local_day
  HAVING NOT bool_or({round_scope})"""
        if inquiry
        else ""
    )
    sql = f"""
WITH src AS (
  SELECT r.*, TRUE AS in_rel FROM {kind.source_sql()} r
  WHERE r.shop_id = $t_shop AND r.local_day BETWEEN $t_d0 AND $t_d1
    AND ($t_agent IS NULL OR (r.answered AND r.agent_id = $t_agent)){outside}
), units AS (
  SELECT r.*,
    r.in_rel AND ({kind.scope_sql()}) AS in_den,
    r.in_rel AND ({kind.scope_sql()}) AND ({kind.good_sql()}) AS in_num
  FROM src r
), ignored AS (
  SELECT u.round_id,
    min({{'t': x.utc_ns, 'r': x.rec_id}}) AS first
  FROM units u JOIN records x
    ON x.shop_id = u.shop_id AND x.buyer_id = u.buyer_id AND x.local_day = u.local_day
  WHERE x.code IS NULL AND x.exclusion IS NULL AND x.role <> 'buyer'
    AND x.utc_ns >= u.first_ns AND (u.reply_ns IS NULL OR x.utc_ns <= u.reply_ns)
    AND x.rec_id IS DISTINCT FROM u.reply_rec
    AND NOT (x.kind = 'message' AND list_contains($t_valid, x.role))
  GROUP BY u.round_id
)
SELECT u.buyer_id, u.local_day, f.file_idx, f.line, f.msg_id, f.ts, f.tod_ns,
  q.file_idx, q.line, q.msg_id, q.ts, q.role, q.sender_id,
  u.n_asks, {"u.n_rounds" if inquiry else "NULL"}, u.latency_ns, u.answered,
  {"h.in_hours" if inquiry else "u.in_hours"}, {"NULL" if inquiry else "u.first_of_day"}, u.agent_id,
  u.in_den, u.in_num, u.in_rel,
  x.file_idx, x.line, x.msg_id, x.ts, x.role, x.kind
FROM units u
JOIN records f ON f.rec_id = u.first_rec
LEFT JOIN records q ON q.rec_id = u.reply_rec
LEFT JOIN rounds h ON h.round_id = u.round_id
LEFT JOIN ignored i ON i.round_id = u.round_id
LEFT JOIN records x ON x.rec_id = i.first.r
ORDER BY u.first_ns, u.round_id
"""
    params = {
        **kind.params(),
        "t_shop": shop_id,
        "t_d0": start_day,
        "t_d1": end_day,
        "t_agent": agent_id,
        "t_valid": list(pack.replies.valid_roles),
    }
    out: list[UnitTrace] = []
    for row in con.execute(sql, params).fetchall():
        (buyer, day, ffi, fl, fm, fts, ftod, qfi, ql, qm, qts, qrole, qsender, n_asks, n_rounds, lat, answered,
         in_hours, first_of_day, agent, in_den, in_num, in_rel, xfi, xl, xm, xts, xrole, xkind) = row  # fmt: skip
        out.append(
            UnitTrace(
                buyer_id=buyer,
                local_day=int(day),
                opened=TraceRef(ffi, fl, fm, fts),
                opened_tod_ns=int(ftod),
                reply=TraceReply(TraceRef(qfi, ql, qm, qts), qrole, qsender) if qfi is not None else None,
                buyer_messages=int(n_asks),
                rounds=int(n_rounds) if n_rounds is not None else None,
                latency_ns=int(lat) if lat is not None else None,
                answered=bool(answered),
                in_hours=bool(in_hours),
                first_of_day=bool(first_of_day) if first_of_day is not None else None,
                agent_id=agent,
                in_denominator=bool(in_den),
                in_numerator=bool(in_num),
                in_kind_relation=bool(in_rel),
                ignored=TraceIgnored(TraceRef(xfi, xl, xm, xts), xrole, xkind) if xfi is not None else None,
            )
        )
    return out


def known_shops(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every shop id a record names, rejected records included (a shop whose every record was rejected can still be explained)."""
    return [r[0] for r in con.execute("SELECT DISTINCT shop_id FROM records WHERE shop_id IS NOT NULL ORDER BY shop_id").fetchall()]


def known_agents(con: duckdb.DuckDBPyConnection, shop_id: str) -> list[str]:
    """The agents (sender_id of a closing reply) of the shop's rounds."""
    sql = "SELECT DISTINCT agent_id FROM rounds WHERE shop_id = $s AND agent_id IS NOT NULL ORDER BY agent_id"
    return [r[0] for r in con.execute(sql, {"s": shop_id}).fetchall()]


def excluded_records(con: duckdb.DuckDBPyConnection, shop_id: str, limit: int) -> tuple[dict[str, int], list[ExcludedRow]]:
    """The shop's excluded records: how many per reason, and the first ``limit`` in input order."""
    counts = {
        reason: int(n)
        for reason, n in con.execute(
            "SELECT exclusion, count(*) FROM records WHERE code IS NULL AND exclusion IS NOT NULL AND shop_id = $s GROUP BY 1 ORDER BY 1",
            {"s": shop_id},
        ).fetchall()
    }
    rows = con.execute(
        """
SELECT file_idx, line, msg_id, ts, exclusion, buyer_id, role, kind, local_day FROM records
WHERE code IS NULL AND exclusion IS NOT NULL AND shop_id = $s
ORDER BY rec_id LIMIT $n""",
        {"s": shop_id, "n": limit},
    ).fetchall()
    return counts, [ExcludedRow(TraceRef(fi, ln, m, ts), ex, b, role, k, int(d)) for fi, ln, m, ts, ex, b, role, k, d in rows]


def rejected_records(con: duckdb.DuckDBPyConnection, shop_id: str, limit: int) -> tuple[int, int, list[tuple[int, int, str, str]]]:
    """(rejected in all, rejected naming the shop, the first ``limit`` of those as (file_idx, line, code, message)) in input order."""
    total, mine = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE shop_id = $s) FROM records WHERE code IS NOT NULL", {"s": shop_id}
    ).fetchall()[0]
    rows = con.execute(
        "SELECT file_idx, line, code, message FROM records WHERE code IS NOT NULL AND shop_id = $s ORDER BY rec_id LIMIT $n",
        {"s": shop_id, "n": limit},
    ).fetchall()
    return int(total), int(mine), [(fi, ln, c, m) for fi, ln, c, m in rows]
