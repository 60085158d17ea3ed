"""`bot_as_human`: automatic replies sent as role `agent`, so that they count as a person's valid replies.

Where automatic replies do not count (「自动回复不算,系统自动过滤」), a shop can
pass a robot off as a service agent: the robot's messages carry role `agent`
and close rounds at machine speed, often under a person's own account,
answering some buyers while the person answers the rest. What gives it away
is what no person does: the same text to buyer after buyer, long texts sent
faster than anyone types, and many replies at the same delay, to the second.

Unit: the used role-`agent` records of kind `message` of one agent
(`sender_id`) in one shop over the audited period. Agent messages without a
`sender_id` are scored together as one pseudo-agent per shop (the flag's
`agent_id` is null): leaving them out would let a robot escape by sending
without an account; pooling several people can only raise the template
signal, and the other two measure shares, which pooling does not inflate.
An agent with fewer than `min_messages` messages is not scored.

A *reply* is an agent message that closes a round (CONTRACT §4, the engine's
`rounds`); its *latency* is the round's: from the round's first buyer
message. That is the time the agent had to read and type. Measuring from the
buyer's latest message instead would make a person who finishes typing just
after the buyer adds 「？？」 look superhuman (in simulated honest shops that
doubled the share of "fast" replies of quick-reply users).

Three signals, each in [0, 1]:

- **template**: the share of the agent's texts of at least `min_chars`
  characters whose normalised form (lowercase, punctuation and symbols
  stripped, each run of digits → `#`, whitespace collapsed) this agent sent
  to at least `template_min_buyers` distinct buyers. Digit runs collapse so
  that order numbers and amounts do not hide a template; short texts
  (「好的亲」) do not count, everyone repeats them. Not scaled: people use
  quick-reply phrases and repeat their own wording too, so this signal
  supports the other two rather than standing alone.
- **speed**: of the replies with at least `min_chars` characters, the share
  faster than `max_chars_per_minute` (chars / latency above the limit; a
  latency of 0 is infinitely fast), divided by `share_for_full` and capped at
  1. Short replies are not judged: 「在的」 in one second is a person too.
- **regularity**: the largest share of replies whose latencies fall within
  one window `regular_window_seconds` wide (the densest window, half-open),
  divided by `share_for_full` and capped at 1; 0 with fewer than 5 replies.
  A person's latencies spread with reading, typing and other chats: in
  simulated honest shops no 2-second window held more than about a tenth of
  an agent's replies, fast typists and quick-reply users included. A robot
  puts every answer in one such window, whatever delay it is set to.

Both shares are scaled by `share_for_full` (default 0.4) because the robot
often answers only part of an account's buyers: a robot behind 40 % of an
agent's replies is as clear a lead as one behind all of them.

Score = the weighted mean of the three signals with the pack's `weights`
(normalised to sum 1): 0 = nothing machine-like; 1 = every text a template
and at least `share_for_full` of the replies both faster than typing and at
one clockwork delay. With the default weights (0.3, 0.4, 0.3) no single
signal reaches 0.5, so a flag needs two of them.

The default limit of 300 chars/min: the source asks a typist for 60字/分钟,
「最低也不要低于40字/分钟」 (002, the service-target paragraph); its later
「90字/秒」 can only mean per minute (90 characters a second is 5,400 a minute,
beyond any keyboard). Competition-grade pinyin typists sustain 150–200 a
minute, and the latency also holds the time to read the buyer's message. 300
a minute (5 a second) is five times the source's target and well past the
fastest typist, so no typed reply crosses it; what crosses it is a pasted or
automatic text. A person clicking a quick-reply phrase can cross it too (40
characters in 6 s), which is why speed is one signal of three, is scaled by
the share of replies, and short texts are not judged: a quick-replier who also
types and answers at human, uneven times stays well below 0.5.
"""

from __future__ import annotations

from typing import Any

from auditor.detect.base import NS, USED, DetectContext, Detector, Lead, RecRef, register
from auditor.duck import run
from auditor.policy.model import BotAsHumanDetector

MIN_REPLIES = 5  # fewer replies say nothing about how their latencies bunch
EXAMPLE_CHARS = 80

Items = dict[tuple[str, str | None], list[dict[str, Any]]]  # evidence items per (shop, agent)

NORM_SQL = (
    "trim(regexp_replace(regexp_replace(regexp_replace(lower(text), '[\\p{P}\\p{S}]', '', 'g'), '\\p{Nd}+', '#', 'g'), '\\s+', ' ', 'g'))"
)

# Each distinct text is normalised once (templates and stock phrases repeat: far fewer regex passes), and only
# when it is long enough to count (norm is NULL for shorter texts).
# Replies and their latencies are the engine's rounds closed by an agent message.
MSGS_SQL = f"""
CREATE OR REPLACE TEMP TABLE bah_msgs AS
WITH agent_msgs AS (
  SELECT rec_id, shop_id, buyer_id, sender_id AS agent_id, coalesce(text, '') AS text
  FROM records
  WHERE {USED} AND kind = 'message' AND role = 'agent'
), lengths AS (
  SELECT text, length(regexp_replace(text, '\\s', '', 'g')) AS chars
  FROM (SELECT DISTINCT text FROM agent_msgs)
), texts AS (
  SELECT text, chars, CASE WHEN chars >= $min_chars THEN {NORM_SQL} END AS norm
  FROM lengths
)
SELECT m.rec_id, m.shop_id, m.buyer_id, m.agent_id, t.norm, t.chars,
  r.first_rec AS buyer_rec, r.latency_ns AS lat_ns, r.reply_rec IS NOT NULL AS is_reply
FROM agent_msgs m
JOIN texts t ON t.text = m.text
LEFT JOIN rounds r ON r.reply_rec = m.rec_id
"""

TEMPLATES_SQL = """
CREATE OR REPLACE TEMP TABLE bah_templates AS
SELECT shop_id, agent_id, norm, count(*) AS n, count(DISTINCT buyer_id) AS buyers, min(rec_id) AS example_rec
FROM bah_msgs
WHERE norm <> ''  -- NULL for texts shorter than min_chars
GROUP BY shop_id, agent_id, norm
HAVING count(DISTINCT buyer_id) >= $min_buyers
"""


def agents_sql(window_ns: int) -> str:
    """Per agent: counts, signals and score. The densest window is a RANGE frame over reply latencies (half-open)."""
    return f"""
CREATE OR REPLACE TEMP TABLE bah_agents AS
WITH per_agent AS (
  SELECT shop_id, agent_id,
    count(*) AS messages,
    count(*) FILTER (WHERE chars >= $min_chars) AS texts,
    count(*) FILTER (WHERE is_reply) AS replies,
    count(*) FILTER (WHERE is_reply AND chars >= $min_chars) AS judged,
    count(*) FILTER (WHERE is_reply AND chars >= $min_chars AND chars * 60 * $ns > $max_cpm * lat_ns) AS fast,
    quantile_cont(lat_ns, [0.25, 0.5, 0.75]) FILTER (WHERE is_reply) AS q,
    min(lat_ns) FILTER (WHERE is_reply) AS lat_min
  FROM bah_msgs
  GROUP BY shop_id, agent_id
  HAVING count(*) >= $min_messages
), dense AS (
  SELECT shop_id, agent_id, lat_ns,
    count(*) OVER (PARTITION BY shop_id, agent_id ORDER BY lat_ns RANGE BETWEEN CURRENT ROW AND {window_ns - 1} FOLLOWING) AS c
  FROM bah_msgs
  WHERE is_reply
), peak AS (
  SELECT shop_id, agent_id, max({{'c': c, 'neg_from': -lat_ns}}) AS p
  FROM dense GROUP BY shop_id, agent_id
), tpl AS (
  SELECT shop_id, agent_id, count(*) AS templates, sum(n) AS templated
  FROM bah_templates GROUP BY shop_id, agent_id
), signals AS (
  SELECT a.*, coalesce(t.templates, 0) AS templates, coalesce(t.templated, 0) AS templated,
    coalesce(k.p.c, 0) AS peak, -k.p.neg_from AS peak_from_ns,
    CASE WHEN a.texts > 0 THEN coalesce(t.templated, 0) / a.texts ELSE 0.0 END AS template_share,
    CASE WHEN a.judged > 0 THEN a.fast / a.judged ELSE 0.0 END AS fast_share,
    CASE WHEN a.replies >= $min_replies THEN coalesce(k.p.c, 0) / a.replies ELSE 0.0 END AS peak_share
  FROM per_agent a
  LEFT JOIN tpl t ON t.shop_id = a.shop_id AND t.agent_id IS NOT DISTINCT FROM a.agent_id
  LEFT JOIN peak k ON k.shop_id = a.shop_id AND k.agent_id IS NOT DISTINCT FROM a.agent_id
), scaled AS (
  SELECT *, least(1.0, fast_share / $full) AS speed, least(1.0, peak_share / $full) AS regularity
  FROM signals
)
SELECT *, ($w_template * template_share + $w_speed * speed + $w_regularity * regularity) / $w_sum AS score
FROM scaled
"""


TEMPLATE_EVIDENCE_SQL = """
SELECT k.shop_id, k.agent_id, k.norm, k.n, k.buyers, k.example_rec, r.text AS example_text FROM (
  SELECT t.shop_id, t.agent_id, t.norm, t.n, t.buyers, t.example_rec,
    row_number() OVER (PARTITION BY t.shop_id, t.agent_id ORDER BY t.n DESC, t.buyers DESC, t.norm) AS pos
  FROM bah_templates t
  JOIN bah_agents a ON a.shop_id = t.shop_id AND a.agent_id IS NOT DISTINCT FROM t.agent_id AND a.score >= $min_score
) k JOIN records r ON r.rec_id = k.example_rec
WHERE k.pos <= $limit
ORDER BY k.shop_id, k.agent_id, k.pos
"""

FAST_EVIDENCE_SQL = """
SELECT shop_id, agent_id, buyer_rec, rec_id, chars, lat_ns FROM (
  SELECT m.shop_id, m.agent_id, m.buyer_rec, m.rec_id, m.chars, m.lat_ns,
    row_number() OVER (PARTITION BY m.shop_id, m.agent_id ORDER BY m.lat_ns * 1.0 / m.chars, m.rec_id) AS pos
  FROM bah_msgs m
  JOIN bah_agents a ON a.shop_id = m.shop_id AND a.agent_id IS NOT DISTINCT FROM m.agent_id AND a.score >= $min_score
  WHERE m.is_reply AND m.chars >= $min_chars AND m.chars * 60 * $ns > $max_cpm * m.lat_ns
)
WHERE pos <= $limit
ORDER BY shop_id, agent_id, pos
"""

AGENT_ROWS_SQL = """
SELECT shop_id, agent_id, score, messages, texts, templates, templated, template_share,
  replies, judged, fast, fast_share, speed, peak, peak_share, peak_from_ns, regularity, q, lat_min
FROM bah_agents WHERE score >= $min_score ORDER BY shop_id, agent_id
"""


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


@register
class BotAsHuman(Detector):
    name = "bot_as_human"
    spec: BotAsHumanDetector

    def detect(self, ctx: DetectContext) -> list[Lead]:
        spec = self.spec
        w = {k: float(spec.weights.get(k, 0.0)) for k in ("template", "speed", "regularity")}
        common = {"min_chars": spec.min_chars, "max_cpm": float(spec.max_chars_per_minute), "ns": NS}
        window_ns = max(1, round(spec.regular_window_seconds * NS))
        run(ctx.con, MSGS_SQL, {"min_chars": spec.min_chars})
        run(ctx.con, TEMPLATES_SQL, {"min_buyers": spec.template_min_buyers})
        run(
            ctx.con,
            agents_sql(window_ns),
            {
                **common,
                "min_messages": spec.min_messages,
                "min_replies": MIN_REPLIES,
                "full": float(spec.share_for_full),
                "w_template": w["template"],
                "w_speed": w["speed"],
                "w_regularity": w["regularity"],
                "w_sum": sum(w.values()),
            },
        )
        agents = ctx.con.execute(AGENT_ROWS_SQL, {"min_score": spec.min_score}).fetchall()
        if not agents:
            return []
        # Evidence: the templates first (at most half of max_evidence), the fastest replies fill the rest.
        limit = ctx.max_evidence
        templates: Items = {}
        for shop, agent, norm, n, buyers, example_rec, example_text in ctx.con.execute(
            TEMPLATE_EVIDENCE_SQL, {"min_score": spec.min_score, "limit": limit}
        ).fetchall():
            templates.setdefault((shop, agent), []).append(
                {
                    "kind": "template",
                    "normalised": norm,
                    "example_text": (example_text or "")[:EXAMPLE_CHARS],
                    "example": RecRef(example_rec),
                    "count": int(n),
                    "buyers": int(buyers),
                }
            )
        fastest: Items = {}
        for shop, agent, buyer_rec, rec_id, chars, lat_ns in ctx.con.execute(
            FAST_EVIDENCE_SQL, {**common, "min_score": spec.min_score, "limit": limit}
        ).fetchall():
            seconds = lat_ns / NS
            fastest.setdefault((shop, agent), []).append(
                {
                    "kind": "fast_reply",
                    "buyer_message": RecRef(buyer_rec),
                    "reply": RecRef(rec_id),
                    "chars": int(chars),
                    "seconds": seconds,
                    "chars_per_minute": chars * 60 / seconds if seconds > 0 else None,
                }
            )
        return [self._lead(ctx, row, templates, fastest) for row in agents]

    def _lead(self, ctx: DetectContext, row: tuple[Any, ...], templates: Items, fastest: Items) -> Lead:
        spec = self.spec
        (shop, agent, score, messages, texts, n_tpl, templated, t_share, replies, judged, fast, f_share, speed, peak, p_share, peak_from,
         regularity, q, lat_min) = row  # fmt: skip
        limit = ctx.max_evidence
        tpl_items = templates.get((shop, agent), [])[: (limit + 1) // 2]
        fast_items = fastest.get((shop, agent), [])[: limit - len(tpl_items)]
        window = spec.regular_window_seconds
        measures: dict[str, float | int] = {
            "messages": int(messages),
            "texts": int(texts),
            "templates": int(n_tpl),
            "templated_messages": int(templated),
            "template_share": float(t_share),
            "replies": int(replies),
            "speed_judged": int(judged),
            "fast_replies": int(fast),
            "fast_share": float(f_share),
            "speed": float(speed),
            "peak_replies": int(peak),
            "peak_share": float(p_share),
            "regularity": float(regularity),
        }
        if q is not None:
            measures |= {
                "peak_from_s": peak_from / NS,
                "latency_min_s": lat_min / NS,
                "latency_q1_s": q[0] / NS,
                "latency_median_s": q[1] / NS,
                "latency_q3_s": q[2] / NS,
            }
        who_en = f"Agent {agent}" if agent else "Agent messages without a sender"
        who_zh = f"客服 {agent} " if agent else "无发送账号的客服消息"
        band_en = band_zh = ""
        if q is not None:
            lo = peak_from / NS
            band_en = f"; {_pct(p_share)} of all replies came at one delay, {lo:.1f}–{lo + window:.1f} s after the buyer's first message"
            band_zh = f"；全部回复中 {_pct(p_share)} 集中在同一间隔，即买家首条消息后 {lo:.1f}–{lo + window:.1f} 秒"
        return Lead(
            detector=self.name,
            shop_id=shop,
            agent_id=agent,
            start_day=ctx.start_day,
            end_day=ctx.end_day,
            score=float(score),
            summary_en=(
                f"{who_en} looks at least partly automatic. Of {replies} replies, {_pct(f_share)} of the {judged} with "
                f"{spec.min_chars}+ characters came faster than {spec.max_chars_per_minute:g} chars/min{band_en}. "
                f"{_pct(t_share)} of its {texts} texts were one of {n_tpl} template(s), each sent to {spec.template_min_buyers}+ buyers."
            ),
            summary_zh=(
                f"{who_zh}像是（至少部分）自动回复。{replies} 条回复中，{judged} 条 {spec.min_chars} 字以上的回复有 {_pct(f_share)} "
                f"快于每分钟 {spec.max_chars_per_minute:g} 字{band_zh}。{texts} 条消息中 {_pct(t_share)} 属于 {n_tpl} 个模板，"
                f"每个模板发给了 {spec.template_min_buyers} 位及以上买家。"
            ),
            measures=measures,
            evidence=tpl_items + fast_items,
            evidence_total=int(templated) + int(fast),
        )
