"""Rounds (对话轮次, 首问首答; CONTRACT §4, §7.5-7.6) as one window over the used records.

Per (shop, buyer, local day), in (instant, buyer first, input order) order,
count the valid replies strictly before each record. Buyer messages sharing a
count form one round; the reply whose count-before equals it is the first valid
reply after them and closes the round. A round with no such reply that day is
unanswered, which is also how a round still open at midnight ends. Only a
window, a group-by and an equi-join: the same SQL runs on Spark.
"""

from __future__ import annotations

import duckdb

from auditor.duck import insert_rows, run
from auditor.policy.model import Pack

ROUNDS_SQL = """
CREATE OR REPLACE TABLE rounds AS
WITH events AS (
  SELECT rec_id, shop_id, buyer_id, sender_id, utc_ns, local_day, tod_ns,
    role = 'buyer' AND kind = 'message' AS is_ask,
    kind = 'message' AND list_contains($valid_roles, role) AS is_reply,
    CASE WHEN role = 'buyer' THEN 0 ELSE 1 END AS side
  FROM records
  WHERE code IS NULL AND exclusion IS NULL
    AND ((role = 'buyer' AND kind = 'message') OR (kind = 'message' AND list_contains($valid_roles, role)))
), counted AS (
  SELECT *,
    coalesce(sum(CASE WHEN is_reply THEN 1 ELSE 0 END) OVER (
      PARTITION BY shop_id, buyer_id, local_day ORDER BY utc_ns, side, rec_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS k
  FROM events
), asks AS (
  SELECT shop_id, buyer_id, local_day, k,
    min({'t': utc_ns, 'r': rec_id, 'tod': tod_ns}) AS first,
    count(*) AS n_asks
  FROM counted WHERE is_ask
  GROUP BY shop_id, buyer_id, local_day, k
), replies AS (
  SELECT shop_id, buyer_id, local_day, k, rec_id AS reply_rec, utc_ns AS reply_ns, sender_id AS agent_id
  FROM counted WHERE is_reply
)
SELECT
  a.first.r AS round_id,
  a.shop_id, a.buyer_id, a.local_day,
  a.first.r AS first_rec, a.first.t AS first_ns, a.first.tod AS first_tod,
  a.n_asks,
  r.reply_rec, r.reply_ns, r.agent_id,
  r.reply_ns - a.first.t AS latency_ns,
  r.reply_rec IS NOT NULL AS answered,
  a.k = min(a.k) OVER (PARTITION BY a.shop_id, a.buyer_id, a.local_day) AS first_of_day,
  EXISTS (SELECT 1 FROM service_windows w WHERE a.first.tod >= w.start_ns AND a.first.tod < w.end_ns) AS in_hours
FROM asks a
LEFT JOIN replies r ON r.shop_id = a.shop_id AND r.buyer_id = a.buyer_id AND r.local_day = a.local_day AND r.k = a.k
ORDER BY a.first.r
"""


def build_rounds(con: duckdb.DuckDBPyConnection, pack: Pack) -> None:
    run(con, "CREATE OR REPLACE TABLE service_windows (start_ns BIGINT, end_ns BIGINT)")
    insert_rows(con, "service_windows", [(s * 1_000_000_000, e * 1_000_000_000) for s, e in pack.service_seconds()])
    run(con, ROUNDS_SQL, {"valid_roles": list(pack.replies.valid_roles)})
