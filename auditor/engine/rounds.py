"""Rounds (对话轮次, 首问首答; CONTRACT §4, §7.5-7.6) as one window over the used records.

Per (shop, buyer, local day), in (instant, buyer first, input order) order,
count the valid replies strictly before each record (and the buyer messages, so the
day's first round is known without a second window). Buyer messages sharing a
count form one round; the reply whose count-before equals it is the first valid
reply after them and closes the round, so one group-by on that count gathers a
round's asks and its reply. Each record's place among the day's buyer messages
picks the round's first message without comparing timestamps again. A round with no such reply that day is
unanswered, which is also how a round still open at midnight ends. Only a
window and a group-by (``arg_min`` is Spark's ``min_by``): the same SQL runs on Spark.
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
    coalesce(sum(CASE WHEN is_reply THEN 1 ELSE 0 END) OVER w, 0) AS k,
    coalesce(sum(CASE WHEN is_ask THEN 1 ELSE 0 END) OVER w, 0) AS asks_before
  FROM events
  WINDOW w AS (PARTITION BY shop_id, buyer_id, local_day ORDER BY utc_ns, side, rec_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), grouped AS (
  -- a round's asks and the reply that closes it share k: one group-by, no join
  SELECT shop_id, buyer_id, local_day, k,
    arg_min(rec_id, asks_before) FILTER (WHERE is_ask) AS first_rec,
    arg_min(utc_ns, asks_before) FILTER (WHERE is_ask) AS first_ns,
    arg_min(tod_ns, asks_before) FILTER (WHERE is_ask) AS first_tod,
    count(*) FILTER (WHERE is_ask) AS n_asks,
    min(asks_before) FILTER (WHERE is_ask) = 0 AS first_of_day,
    min(rec_id) FILTER (WHERE is_reply) AS reply_rec,
    min(utc_ns) FILTER (WHERE is_reply) AS reply_ns,
    min(sender_id) FILTER (WHERE is_reply) AS agent_id
  FROM counted
  GROUP BY shop_id, buyer_id, local_day, k
  HAVING count(*) FILTER (WHERE is_ask) > 0
)
SELECT
  g.first_rec AS round_id,
  g.shop_id, g.buyer_id, g.local_day,
  g.first_rec, g.first_ns, g.first_tod,
  g.n_asks,
  g.reply_rec, g.reply_ns, g.agent_id,
  g.reply_ns - g.first_ns AS latency_ns,
  g.reply_rec IS NOT NULL AS answered,
  g.first_of_day,
  EXISTS (SELECT 1 FROM service_windows w WHERE g.first_tod >= w.start_ns AND g.first_tod < w.end_ns) AS in_hours
FROM grouped g
"""


def build_rounds(con: duckdb.DuckDBPyConnection, pack: Pack) -> None:
    run(con, "CREATE OR REPLACE TABLE service_windows (start_ns BIGINT, end_ns BIGINT)")
    insert_rows(con, "service_windows", [(s * 1_000_000_000, e * 1_000_000_000) for s, e in pack.service_seconds()])
    run(con, ROUNDS_SQL, {"valid_roles": list(pack.replies.valid_roles)})
