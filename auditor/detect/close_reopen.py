"""`close_reopen`: sessions closed before any reply, then answered later without the buyer writing again.

The trick (「客户一进来就关闭客户,然后到最近联系人里面找回客户进行回复」): close the
conversation as soon as the buyer writes, so the platform stops the clock,
then find the buyer in recent contacts and answer at leisure. The engine's
own figures are not fooled (a `close` never ends a round), but the pattern
is what a compliance team needs to see.

A *pair* is a `close` by the shop side while a round is open (the buyer has
asked and no valid reply has come), followed by the next valid reply in the
same conversation with no buyer message between them, at least
`min_untimed_seconds` after the close, on the same local day, in a round
opened in service hours (the rounds the platform times). A close after the
reply, a buyer who writes again after the close (the buyer reopened it), and
a session closed for the night and answered next morning (an honest shift
end, measured as a false lead in docs/detectors.md) are not pairs.

Score: pairs / `pairs_for_full_score`, capped at 1 — each pair is a deliberate
act, so a few are already a lead worth checking.
"""

from __future__ import annotations

from auditor.detect.base import NS, USED, DetectContext, Detector, Lead, RecRef, clamp, register, who
from auditor.duck import run
from auditor.policy.model import CloseReopenDetector

# Only conversations with a close can hold a pair: the window that looks ahead runs over those alone,
# not over every record again (closes are rare; the full window was the audit's second-largest cost).
PAIRS_SQL = f"""
CREATE OR REPLACE TEMP TABLE close_pairs AS
WITH closed AS (
  SELECT DISTINCT shop_id, buyer_id FROM records WHERE {USED} AND kind = 'close' AND role <> 'buyer'
), conv AS (
  SELECT rec_id, shop_id, buyer_id, sender_id, utc_ns, local_day,
    role = 'buyer' AND kind = 'message' AS is_ask,
    kind = 'message' AND list_contains($valid_roles, role) AS is_reply,
    kind = 'close' AND role <> 'buyer' AS is_close,
    CASE WHEN role = 'buyer' THEN 0 ELSE 1 END AS side
  FROM records JOIN closed USING (shop_id, buyer_id)
  WHERE {USED} AND (kind = 'close' OR (role = 'buyer' AND kind = 'message') OR (kind = 'message' AND list_contains($valid_roles, role)))
), ahead AS (
  SELECT *,
    min(CASE WHEN is_reply THEN {{'t': utc_ns, 'r': rec_id, 'a': sender_id, 'd': local_day}} END) OVER w AS next_reply,
    min(CASE WHEN is_ask THEN utc_ns END) OVER w AS next_ask_ns
  FROM conv
  WINDOW w AS (PARTITION BY shop_id, buyer_id ORDER BY utc_ns, side, rec_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
)
SELECT c.shop_id, c.buyer_id, c.local_day, c.rec_id AS close_rec, c.utc_ns AS close_ns,
  r.first_rec, r.first_ns, c.next_reply.r AS reply_rec, c.next_reply.t AS reply_ns, c.next_reply.a AS agent_id
FROM ahead c
JOIN rounds r
  ON r.shop_id = c.shop_id AND r.buyer_id = c.buyer_id AND r.local_day = c.local_day
 AND r.first_ns <= c.utc_ns AND (r.reply_ns IS NULL OR r.reply_ns > c.utc_ns)
WHERE c.is_close
  AND r.in_hours
  AND c.next_reply IS NOT NULL
  AND c.next_reply.d = c.local_day
  AND (c.next_ask_ns IS NULL OR c.next_ask_ns > c.next_reply.t)
  AND c.next_reply.t - c.utc_ns >= $min_untimed_ns
"""


@register
class CloseReopen(Detector):
    name = "close_reopen"
    spec: CloseReopenDetector

    def detect(self, ctx: DetectContext) -> list[Lead]:
        spec = self.spec
        run(ctx.con, PAIRS_SQL, {"valid_roles": list(ctx.pack.replies.valid_roles), "min_untimed_ns": round(spec.min_untimed_seconds * NS)})
        leads: list[Lead] = []
        for grouping in spec.by:
            agent = grouping == "agent"
            key = "agent_id" if agent else "NULL"
            rows = ctx.con.execute(
                f"""
WITH scored AS (
  SELECT shop_id, {key} AS agent_id, count(*) AS pairs, sum(reply_ns - close_ns) AS untimed_ns, max(reply_ns - close_ns) AS longest_ns
  FROM close_pairs {"WHERE agent_id IS NOT NULL" if agent else ""}
  GROUP BY ALL
), ranked AS (
  SELECT p.shop_id, {key.replace("agent_id", "p.agent_id")} AS agent_id, p.first_rec, p.close_rec, p.reply_rec,
    p.close_ns - p.first_ns AS timed_ns, p.reply_ns - p.close_ns AS wait_ns,
    row_number() OVER (PARTITION BY p.shop_id, {key.replace("agent_id", "p.agent_id")} ORDER BY p.reply_ns - p.close_ns DESC, p.close_rec) AS pos
  FROM close_pairs p {"WHERE p.agent_id IS NOT NULL" if agent else ""}
)
SELECT s.shop_id, s.agent_id, s.pairs, s.untimed_ns, s.longest_ns,
  list({{'first': k.first_rec, 'close': k.close_rec, 'reply': k.reply_rec, 'timed': k.timed_ns, 'wait': k.wait_ns}} ORDER BY k.pos)
    FILTER (WHERE k.pos <= $limit) AS pairs_shown
FROM scored s JOIN ranked k ON k.shop_id = s.shop_id AND k.agent_id IS NOT DISTINCT FROM s.agent_id
GROUP BY ALL
ORDER BY s.shop_id, s.agent_id
""",
                {"limit": ctx.max_evidence},
            ).fetchall()
            for shop, agent_id, pairs, untimed_ns, longest_ns, shown in rows:
                score = clamp(pairs / spec.pairs_for_full_score)
                if score < spec.min_score:
                    continue
                untimed_min = untimed_ns / NS / 60
                who_en, who_zh = who(agent_id)
                leads.append(
                    Lead(
                        detector=self.name,
                        shop_id=shop,
                        agent_id=agent_id,
                        start_day=ctx.start_day,
                        end_day=ctx.end_day,
                        score=score,
                        summary_en=(
                            f"{who_en} closed {pairs} session(s) before any reply and answered later without the buyer writing again; "
                            f"{untimed_min:.1f} min of waiting in all (longest {longest_ns / NS / 60:.1f} min) that the platform does not time."
                        ),
                        summary_zh=(
                            f"{who_zh}有 {pairs} 次在回复前关闭会话，之后未等买家再次发消息便回复；"
                            f"共 {untimed_min:.1f} 分钟的等待（最长 {longest_ns / NS / 60:.1f} 分钟）不被平台计时。"
                        ),
                        measures={"pairs": int(pairs), "untimed_s": untimed_ns / NS, "longest_untimed_s": longest_ns / NS},
                        evidence=[
                            {
                                "kind": "close_reply_pair",
                                "first_message": RecRef(e["first"]),
                                "close": RecRef(e["close"]),
                                "reply": RecRef(e["reply"]),
                                "timed_s": e["timed"] / NS,
                                "untimed_s": e["wait"] / NS,
                            }
                            for e in shown
                        ],
                        evidence_total=int(pairs),
                    )
                )
        return leads
