"""`delayed_reply`: slow replies held until just past the cut-off, so they drop out of the response time.

The trick (「建议可以等到31分后再进行回复」): the platform leaves waits over 30
minutes out of the average response time, so an agent who sees a buyer has
waited twenty-odd minutes holds the reply until minute 31. Each such round
moves from just before the cut to just after it; an agent or shop that does it
shows a *cliff* in its latencies at the cut — few just before, a spike just
after — where an honest slow agent's latencies tail off smoothly through it.

The unit is an answered round (the `rounds` table) in service hours, with its
latency from the first buyer message to the closing reply. Only rounds in
service hours are looked at: they are the only ones the platform times (the
cut-off trick pays nowhere else), and rounds outside the hours (a night
question answered in the morning) only add noise. Rounds are grouped per agent
(the `sender_id` of the closing reply; rounds without one count only for the
shop) and per shop, as `by` says.

With cut c, window w and n = `neighbour_windows`, three bands of latency,
each closed on the right like the platform's cut (1800 s is still timed):

- pile:   (c, c + w]
- before: (c - n*w, c]
- beyond: (c + w, c + (n + 1)*w]

A smooth tail through the cut puts about the neighbours' mean density in the
pile: expected = (before + beyond) / (2n). Counts that small are noisy, so
only what lies beyond an allowance for chance is excess:

    excess = max(0, pile - expected - noise_sd * sqrt(expected + 1))
    score  = excess / max(pile, min_pile)

Score meaning: the share of the pile that a smooth tail does not explain, scaled
down in proportion when the pile holds fewer than `min_pile` rounds. 0 = no
cliff; 0.5 = half the replies just past the cut are more than the neighbours
and chance account for; near 1 = a large pile with almost nothing around it.
With the default settings (window 120 s, n 2, noise_sd 1.5, min_pile 6) a pile
of 8 with nothing around scores (8 - 1.5) / 8 = 0.81, of 5 scores 0.58, of 4
scores 0.42; a smooth tail scores 0 at any size, since the pile then matches
the prediction and the allowance is never used up.

Why these choices. `sqrt(expected + 1)` is the Poisson spread of a count with
that mean, with one pseudo-round so that an empty neighbourhood still asks for
more than a single round. The neighbouring bands are n windows wide rather than
one because wider bands predict the pile with less noise. Over simulated smooth
tails (exponential and lognormal, 10 to 1000 slow rounds a month) the worst
chance of an honest agent reaching 0.5 is 0.8% per agent with n 1 / noise_sd 1 /
min_pile 5 and 0.14% with the defaults, while an agent holding ~14 or more
replies a month is still caught every time (7 held: ~3 in 4).
Evidence: a `latency_histogram` (bins of a quarter window over the three bands,
each bin's count and band), then the rounds in the pile (`pile_round`: first
buyer message, reply, latency, agent) in time order, at most `max_evidence`;
`evidence_total` is the number of rounds in the pile.
"""

from __future__ import annotations

from typing import Any

from auditor.detect.base import NS, DetectContext, Detector, Lead, RecRef, clamp, register, who
from auditor.duck import run
from auditor.policy.model import DelayedReplyDetector

BINS_PER_WINDOW = 4

# One scan of the answered in-hours rounds, grouped per shop and per (shop,
# agent) at once; only groups with a pile and a score of at least min_score
# come back (and are kept for the evidence queries).
SCORE_SQL = """
CREATE OR REPLACE TEMP TABLE delay_scored AS
WITH counted AS (
  SELECT shop_id, agent_id, grouping(agent_id) = 0 AS by_agent,
    count(*) AS answered,
    count(*) FILTER (WHERE latency_ns > $lo_ns AND latency_ns <= $cut_ns) AS before,
    count(*) FILTER (WHERE latency_ns > $cut_ns AND latency_ns <= $pile_hi_ns) AS pile,
    count(*) FILTER (WHERE latency_ns > $pile_hi_ns AND latency_ns <= $hi_ns) AS beyond
  FROM rounds
  WHERE answered AND in_hours
  GROUP BY GROUPING SETS ((shop_id), (shop_id, agent_id))
), judged AS (
  SELECT *, (before + beyond) / (2.0 * $n) AS expected
  FROM counted
  WHERE pile > 0 AND ((by_agent AND agent_id IS NOT NULL AND $agent) OR (NOT by_agent AND $shop))
), scored AS (
  SELECT *, $z * sqrt(expected + 1) AS margin,
    greatest(0, pile - expected - $z * sqrt(expected + 1)) AS excess
  FROM judged
)
SELECT shop_id, CASE WHEN by_agent THEN agent_id END AS agent_id, by_agent, answered, before, pile, beyond,
  expected, margin, excess, excess / greatest(pile, $min_pile) AS score
FROM scored
WHERE excess / greatest(pile, $min_pile) >= $min_score
"""

# The flagged groups' rounds over the three bands, binned by a quarter window:
# bin i holds latencies in (lo + i*w/4, lo + (i+1)*w/4] (integer arithmetic, exact).
HIST_SQL = """
SELECT f.shop_id, f.agent_id, ((4 * (r.latency_ns - $lo_ns) - 1) // $w_ns) AS bin, count(*) AS n
FROM delay_scored f
JOIN rounds r ON r.shop_id = f.shop_id AND (NOT f.by_agent OR r.agent_id = f.agent_id)
WHERE r.answered AND r.in_hours AND r.latency_ns > $lo_ns AND r.latency_ns <= $hi_ns
GROUP BY f.shop_id, f.agent_id, (4 * (r.latency_ns - $lo_ns) - 1) // $w_ns
"""

PILE_SQL = """
WITH piled AS (
  SELECT f.shop_id, f.agent_id, r.first_rec, r.reply_rec, r.latency_ns, r.agent_id AS replier,
    row_number() OVER (PARTITION BY f.shop_id, f.agent_id ORDER BY r.first_ns, r.round_id) AS pos
  FROM delay_scored f
  JOIN rounds r ON r.shop_id = f.shop_id AND (NOT f.by_agent OR r.agent_id = f.agent_id)
  WHERE r.answered AND r.in_hours AND r.latency_ns > $cut_ns AND r.latency_ns <= $pile_hi_ns
)
SELECT shop_id, agent_id, first_rec, reply_rec, latency_ns, replier
FROM piled WHERE pos <= $limit
ORDER BY shop_id, agent_id, pos
"""


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


@register
class DelayedReply(Detector):
    name = "delayed_reply"
    spec: DelayedReplyDetector

    def detect(self, ctx: DetectContext) -> list[Lead]:
        spec = self.spec
        n = spec.neighbour_windows
        cut_ns = round(spec.cut_seconds * NS)
        w_ns = round(spec.window_seconds * NS)
        lo_ns = cut_ns - n * w_ns
        pile_hi_ns = cut_ns + w_ns
        hi_ns = pile_hi_ns + n * w_ns
        run(
            ctx.con,
            SCORE_SQL,
            {
                "lo_ns": lo_ns,
                "cut_ns": cut_ns,
                "pile_hi_ns": pile_hi_ns,
                "hi_ns": hi_ns,
                "n": n,
                "z": spec.noise_sd,
                "min_pile": spec.min_pile,
                "min_score": spec.min_score,
                "agent": "agent" in spec.by,
                "shop": "shop" in spec.by,
            },
        )
        scored = ctx.con.execute(
            "SELECT shop_id, agent_id, answered, before, pile, beyond, expected, margin, excess, score FROM delay_scored ORDER BY shop_id, agent_id NULLS FIRST"
        ).fetchall()
        if not scored:
            return []

        n_bins = BINS_PER_WINDOW * (2 * n + 1)
        hist: dict[tuple[str, str | None], list[int]] = {}
        for shop, agent_id, b, count in ctx.con.execute(HIST_SQL, {"lo_ns": lo_ns, "hi_ns": hi_ns, "w_ns": w_ns}).fetchall():
            hist.setdefault((shop, agent_id), [0] * n_bins)[int(b)] = int(count)
        piles: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        for shop, agent_id, first_rec, reply_rec, latency_ns, replier in ctx.con.execute(
            PILE_SQL, {"cut_ns": cut_ns, "pile_hi_ns": pile_hi_ns, "limit": ctx.max_evidence}
        ).fetchall():
            piles.setdefault((shop, agent_id), []).append(
                {
                    "kind": "pile_round",
                    "first_message": RecRef(first_rec),
                    "reply": RecRef(reply_rec),
                    "latency_s": latency_ns / NS,
                    "agent_id": replier,
                }
            )

        cut_s, w_s = spec.cut_seconds, spec.window_seconds
        bin_s = w_s / BINS_PER_WINDOW
        lo_s = cut_s - n * w_s

        def band(i: int) -> str:
            return "before" if i < BINS_PER_WINDOW * n else "pile" if i < BINS_PER_WINDOW * (n + 1) else "beyond"

        leads: list[Lead] = []
        for shop, agent_id, answered, before, pile, beyond, expected, margin, excess, score in scored:
            key = (shop, agent_id)
            counts = hist.get(key, [0] * n_bins)
            histogram = {
                "kind": "latency_histogram",
                "cut_s": cut_s,
                "bin_s": bin_s,
                "pile": {"from_s": cut_s, "to_s": cut_s + w_s},
                "bins": [
                    {"from_s": lo_s + i * bin_s, "to_s": lo_s + (i + 1) * bin_s, "count": counts[i], "band": band(i)} for i in range(n_bins)
                ],
            }
            pile_band = f"{_minutes(cut_s)}–{_minutes(cut_s + w_s)}"
            before_band = f"{_minutes(lo_s)}–{_minutes(cut_s)}"
            beyond_band = f"{_minutes(cut_s + w_s)}–{_minutes(cut_s + (n + 1) * w_s)}"
            who_en, who_zh = who(agent_id)
            leads.append(
                Lead(
                    detector=self.name,
                    shop_id=shop,
                    agent_id=agent_id,
                    start_day=ctx.start_day,
                    end_day=ctx.end_day,
                    score=clamp(score),
                    summary_en=(
                        f"{who_en} answered {pile} round(s) {pile_band} min after the buyer's first message, just past the "
                        f"{_minutes(cut_s)}-minute cut the platform stops timing at, against {before} in the {before_band} min "
                        f"before it and {beyond} in the {beyond_band} min after; a smooth tail would put about {expected:.1f} "
                        f"in the pile ({answered} answered rounds in service hours)."
                    ),
                    summary_zh=(
                        f"{who_zh}有 {pile} 个对话轮次在买家首问后 {pile_band} 分钟才回复，刚过平台停止计时的 {_minutes(cut_s)} 分钟；"
                        f"此前 {before_band} 分钟 {before} 个，其后 {beyond_band} 分钟 {beyond} 个，"
                        f"若平滑分布，该时段约应有 {expected:.1f} 个（服务时间内共 {answered} 个已回复轮次）。"
                    ),
                    measures={
                        "answered_rounds": int(answered),
                        "pile": int(pile),
                        "before": int(before),
                        "beyond": int(beyond),
                        "expected_pile": float(expected),
                        "noise_margin": float(margin),
                        "excess": float(excess),
                    },
                    evidence=[histogram, *piles.get(key, [])],
                    evidence_total=int(pile),
                )
            )
        return leads
