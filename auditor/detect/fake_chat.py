"""`fake_chat`: inquiries from friendly accounts, made so that a shop's figures look better than its service.

The trick (「通过找人假聊的方式来提高回复率」): friends, staff or a paid group
write to the shop — a one-word "在吗" or "hi" — and the shop answers at once.
Each such chat is an inquiry answered, so a reply rate rises (or a mean wait
falls) without a single real buyer being served better.

Units are buyers and shops.

* A buyer is *suspect* when every round they opened in the period, in every
  shop, is *trivial*: one buyer message (``n_asks`` = 1) whose text is at most
  `trivial_max_chars` characters once the spaces around it are trimmed (an
  empty or absent text is 0), answered by a valid reply within
  `answer_within_seconds`. One real question anywhere clears the buyer.
* A suspect buyer is in the *ring* when seen in at least `min_shops` shops.
  The default, 2, asks for the same accounts at several shops, which is what
  a friendly group lending itself around looks like and what an honest
  one-off "在吗" rarely does twice. `min_shops: 1` lets a single shop's own
  trivial-only buyers form a ring (more leads, more false ones).

Per shop with ring buyers (an *inquiry* is a buyer's local day with a round,
as the figures count it):

* **share** — the ring's share of the shop's inquiries on the days it was
  active, each ring inquiry weighing its own day's share:
  Σ ring(d)² / inquiries(d) ÷ Σ ring(d). A ring is used on the days it is
  needed, so the share on those days is what moves a figure; over the whole
  month it would be diluted by the days it was idle, and the weighting keeps
  a stray day with one ring inquiry among a hundred from diluting it too.
  Share signal = min(1, share / `share_for_full_signal`); at the default
  0.15, a ring making about a sixth of a day's inquiries is a full signal
  (what it takes to lift an answered share from 40 % to 50 %).
* **bunching** — how few days the ring's inquiries are spread over, against
  how many they could have been spread over:
  1 − (ring days − 1) / (min(ring inquiries, shop days with inquiries) − 1).
  1 when all of them fall on one day, 0 when they are spread as thinly as
  possible (one a day, or every day the shop had inquiries); 0 when there is
  a single ring inquiry, which bunches nothing. A few scattered coincidences
  score low; eight accounts on two days score high.
* **stake** — the share of the ring's inquiries that fall on a figure where
  a threshold rule of the pack is at stake: without the ring's inquiries
  every condition of the rule holds, or misses by at most `stake_margin` ×
  |threshold| (a rate under 0.55 is near a floor of 0.5 at the default 0.1),
  and the ring's inquiries move the rule's own figure away from breaking.
  Every `threshold` rule of the pack is replayed, generically, on each ring
  day (or the period, for a per-period figure) with and without the ring
  buyers' rounds, its `also_when` conditions included; no metric or number
  is named here. (Peer streak rules need the peers file and are not
  replayed.) Evidence says for each such figure whether the rule is broken
  with and without the ring.

Score = base + `stake_boost` · stake · (1 − base), where base is the weighted
mean (`weights`, normalised) of the share signal and bunching; then scaled by
min(1, ring buyers / `min_ring_buyers`) so that one or two stray accounts
never make a full-strength lead. With `stake_boost` below 0.5 (default 0.4)
a stake alone never makes a lead; it strengthens one. A score of 1 reads: at
least `min_ring_buyers` cross-shop trivial-only accounts, making a large
share of the inquiries on the few days they appear.

Only shops that could reach `min_score` with the fullest boost are replayed
against the rules, so clean data costs a few passes over the rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from auditor.detect.base import NS, DetectContext, Detector, Lead, RecRef, clamp, register
from auditor.duck import insert_rows, run
from auditor.engine.days import day_to_iso
from auditor.engine.metrics import kind_for
from auditor.engine.metrics.base import MetricKind
from auditor.policy.model import FakeChatDetector, Pack, ThresholdRule
from auditor.policy.ops import OPS

# Candidates first, from the rounds alone (one message, answered fast, in enough shops), then the
# texts of their rounds only: the records table is probed for a few rows, not scanned for all texts.
CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE fc_cand_rounds AS
WITH cand AS (
  SELECT buyer_id FROM rounds
  WHERE local_day BETWEEN $start AND $end
  GROUP BY buyer_id
  HAVING bool_and(n_asks = 1 AND answered AND latency_ns <= $within_ns) AND count(DISTINCT shop_id) >= $min_shops
), cr AS (
  SELECT r.shop_id, r.buyer_id, r.local_day, r.first_rec, r.first_ns, r.reply_rec, r.latency_ns
  FROM rounds r JOIN cand c ON c.buyer_id = r.buyer_id
  WHERE r.local_day BETWEEN $start AND $end
)
SELECT cr.*, nullif(trim(x.text), '') AS text, coalesce(length(trim(x.text)), 0) AS chars
FROM cr JOIN records x ON x.rec_id = cr.first_rec
"""

# The ring: candidates whose every message is short; their rounds, and the ring buyers of each shop.
RING_SQL = """
CREATE OR REPLACE TEMP TABLE fc_ring AS
SELECT buyer_id, count(DISTINCT shop_id) AS n_shops FROM fc_cand_rounds GROUP BY buyer_id HAVING bool_and(chars <= $max_chars)
"""

RING_ROUNDS_SQL = """
CREATE OR REPLACE TEMP TABLE fc_ring_rounds AS
SELECT r.* FROM fc_cand_rounds r JOIN fc_ring g ON g.buyer_id = r.buyer_id
"""

MEMBERS_SQL = """
CREATE OR REPLACE TEMP TABLE fc_members AS
SELECT shop_id, buyer_id, count(DISTINCT local_day) AS inquiries FROM fc_ring_rounds GROUP BY shop_id, buyer_id
"""

DAYS_SQL = """
CREATE OR REPLACE TEMP TABLE fc_days AS
WITH shops AS (
  SELECT DISTINCT shop_id FROM fc_members
), everyone AS (
  SELECT r.shop_id, r.local_day, count(DISTINCT r.buyer_id) AS inquiries
  FROM rounds r JOIN shops s ON s.shop_id = r.shop_id
  WHERE r.local_day BETWEEN $start AND $end
  GROUP BY r.shop_id, r.local_day
), ring AS (
  SELECT shop_id, local_day, count(DISTINCT buyer_id) AS ring_inquiries FROM fc_ring_rounds GROUP BY shop_id, local_day
)
SELECT e.shop_id, e.local_day, e.inquiries, coalesce(g.ring_inquiries, 0) AS ring_inquiries
FROM everyone e LEFT JOIN ring g ON g.shop_id = e.shop_id AND g.local_day = e.local_day
"""

SHOPS_SQL = """
WITH d AS (
  SELECT shop_id, count(*) AS shop_days, sum(inquiries) AS inquiries,
    count(*) FILTER (WHERE ring_inquiries > 0) AS ring_days,
    sum(ring_inquiries) AS ring_inquiries,
    sum(inquiries) FILTER (WHERE ring_inquiries > 0) AS ring_day_inquiries
  FROM fc_days GROUP BY shop_id
), m AS (
  SELECT m.shop_id, count(*) AS ring_buyers, min(g.n_shops) AS fewest_shops, max(g.n_shops) AS most_shops
  FROM fc_members m JOIN fc_ring g ON g.buyer_id = m.buyer_id GROUP BY m.shop_id
), t AS (
  SELECT shop_id, text, row_number() OVER (PARTITION BY shop_id ORDER BY count(*) DESC, text) AS pos
  FROM fc_ring_rounds WHERE text IS NOT NULL GROUP BY shop_id, text
), w AS (
  SELECT shop_id, max(latency_ns) AS slowest_ns, count(*) AS ring_rounds FROM fc_ring_rounds GROUP BY shop_id
)
SELECT d.shop_id, m.ring_buyers, m.fewest_shops, m.most_shops, d.shop_days, d.inquiries, d.ring_days, d.ring_inquiries,
  d.ring_day_inquiries, t.text, w.slowest_ns, w.ring_rounds
FROM d JOIN m ON m.shop_id = d.shop_id JOIN w ON w.shop_id = d.shop_id
LEFT JOIN t ON t.shop_id = d.shop_id AND t.pos = 1
ORDER BY d.shop_id
"""

BUYERS_SQL = """
WITH shops_of AS (
  SELECT buyer_id, list(shop_id ORDER BY shop_id) AS shops FROM fc_members GROUP BY buyer_id
), ranked AS (
  SELECT m.shop_id, m.buyer_id, m.inquiries, g.n_shops, list_slice(s.shops, 1, $limit) AS shops,
    row_number() OVER (PARTITION BY m.shop_id ORDER BY g.n_shops DESC, m.inquiries DESC, m.buyer_id) AS pos
  FROM fc_members m JOIN fc_ring g ON g.buyer_id = m.buyer_id JOIN shops_of s ON s.buyer_id = m.buyer_id
)
SELECT shop_id, buyer_id, inquiries, n_shops, shops FROM ranked WHERE pos <= $limit ORDER BY shop_id, pos
"""

ROUNDS_SQL = """
WITH ranked AS (
  SELECT *, row_number() OVER (PARTITION BY shop_id ORDER BY local_day, first_ns, first_rec) AS pos FROM fc_ring_rounds
)
SELECT shop_id, buyer_id, local_day, first_rec, reply_rec, text, chars, latency_ns FROM ranked WHERE pos <= $limit ORDER BY shop_id, pos
"""

RING_DAYS_SQL = """
SELECT shop_id, local_day, ring_inquiries, inquiries FROM fc_days WHERE ring_inquiries > 0 ORDER BY shop_id, local_day
"""


def secs(ns: int) -> str:
    return f"{ns / NS:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Stake:
    """A figure of a ring shop on which a threshold rule was at stake: broken or nearly broken without the ring's inquiries."""

    rule: ThresholdRule
    shop_id: str
    d0: int
    d1: int
    with_ring: dict[str, float | None]
    without_ring: dict[str, float | None]
    broken_with_ring: bool
    broken_without_ring: bool

    def item(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule.id,
            "period": {"start": day_to_iso(self.d0), "end": day_to_iso(self.d1)},
            "broken_without_ring": self.broken_without_ring,
            "broken_with_ring": self.broken_with_ring,
            "conditions": [
                {"metric": m, "op": op, "threshold": v, "value": self.with_ring[m], "value_without_ring": self.without_ring[m]}
                for m, op, v in conditions(self.rule)
            ],
        }


def conditions(rule: ThresholdRule) -> list[tuple[str, str, float]]:
    return [(rule.metric, rule.op, rule.value)] + [(c.metric, c.op, c.value) for c in rule.also_when]


Key = tuple[str, int, int]


def _figures(con: duckdb.DuckDBPyConnection, kind: MetricKind, start: int, end: int) -> dict[bool, dict[Key, float]]:
    """The metric's shop figures on the ring days (per-day) or periods (per-period) of the shops in scope, with the
    ring's buyers (False) and without them (True), from one pass over the metric's units."""
    per_day = kind.spec.per == "day"
    scope = (
        "fc_scope_days g ON g.shop_id = r.shop_id AND g.local_day = r.local_day" if per_day else "fc_scope_shops g ON g.shop_id = r.shop_id"
    )
    sql = f"""
SELECT r.shop_id, {"r.local_day, r.local_day" if per_day else "$start, $end"}, v.without_ring, {kind.numerator_sql()} AS num, count(*) AS den
FROM {kind.source_sql()} r
JOIN {scope}
LEFT JOIN fc_members m ON m.shop_id = r.shop_id AND m.buyer_id = r.buyer_id
CROSS JOIN (VALUES (FALSE), (TRUE)) v(without_ring)
WHERE r.local_day BETWEEN $start AND $end AND {kind.scope_sql()} AND NOT (v.without_ring AND m.buyer_id IS NOT NULL)
GROUP BY r.shop_id{", r.local_day" if per_day else ""}, v.without_ring
"""
    out: dict[bool, dict[Key, float]] = {False: {}, True: {}}
    for shop, d0, d1, without_ring, num, den in con.execute(sql, {"start": start, "end": end, **kind.params()}).fetchall():
        out[bool(without_ring)][(shop, int(d0), int(d1))] = kind.finish(num, den)[0]
    if kind.counts_zero:  # a count is 0, not absent, when the ring was all there was
        for key in out[False]:
            out[True].setdefault(key, 0.0)
    return out


def stakes(con: duckdb.DuckDBPyConnection, pack: Pack, start: int, end: int, shops: list[str], margin: float) -> list[Stake]:
    """Replay every threshold rule on the shops' ring figures with and without the ring's inquiries.

    A figure is at stake when, without the ring, every condition of the rule holds or misses by at most
    ``margin`` × |threshold| (so a rate of 0.53 is near a floor of 0.5 at margin 0.1), and the ring's
    inquiries move the rule's own figure away from breaking it.
    """
    rules = [r for r in pack.rules if isinstance(r, ThresholdRule)]
    if not rules or not shops:
        return []
    run(con, "CREATE OR REPLACE TEMP TABLE fc_scope_shops (shop_id VARCHAR)")
    insert_rows(con, "fc_scope_shops", [(s,) for s in shops])
    run(
        con,
        """CREATE OR REPLACE TEMP TABLE fc_scope_days AS
SELECT d.shop_id, d.local_day FROM fc_days d JOIN fc_scope_shops s ON s.shop_id = d.shop_id WHERE d.ring_inquiries > 0""",
    )
    wanted = sorted({m for r in rules for m, _, _ in conditions(r)})
    kinds = {m: kind_for(pack.metric(m)) for m in wanted}
    figs = {m: _figures(con, k, start, end) for m, k in kinds.items() if "shop" in k.spec.by}

    def holds(rule: ThresholdRule, without_ring: bool, key: Key, slack: float) -> bool:
        """Every condition of the rule holds on the figure, each threshold moved by `slack` × |threshold| towards breaking."""
        ok = True
        for m, op, v in conditions(rule):
            x = figs[m][without_ring].get(key)
            loosened = v + slack * abs(v) if op in ("<", "<=") else v - slack * abs(v)
            ok = ok and x is not None and OPS[op](x, loosened)
        return ok

    out = []
    for rule in rules:
        names = [m for m, _, _ in conditions(rule)]
        if any(m not in figs for m in names):
            continue
        for key in sorted(figs[rule.metric][False]):
            if rule.dated and not rule.in_force(date.fromisoformat(day_to_iso(key[2]))):
                continue  # a rule with versions: each figure is at stake only under the version in force on its last day
            with_ring, without = figs[rule.metric][False][key], figs[rule.metric][True].get(key)
            if without is None or not holds(rule, True, key, margin):
                continue
            helped = with_ring > without if rule.op in ("<", "<=") else with_ring < without
            if helped:
                out.append(
                    Stake(
                        rule,
                        *key,
                        with_ring={m: figs[m][False].get(key) for m in names},
                        without_ring={m: figs[m][True].get(key) for m in names},
                        broken_with_ring=holds(rule, False, key, 0.0),
                        broken_without_ring=holds(rule, True, key, 0.0),
                    )
                )
    return out


@dataclass(frozen=True)
class ShopRing:
    """One shop's ring figures, as SHOPS_SQL returns them, and the unboosted score."""

    shop_id: str
    ring_buyers: int
    fewest_shops: int
    most_shops: int
    shop_days: int
    inquiries: int
    ring_days: int
    ring_inquiries: int
    ring_day_inquiries: int
    example: str | None
    slowest_ns: int
    ring_rounds: int
    share: float
    share_signal: float
    bunching: float
    base: float
    size: float


@register
class FakeChat(Detector):
    name = "fake_chat"
    spec: FakeChatDetector

    def shop_ring(self, row: tuple[Any, ...], days: list[tuple[int, int, int]]) -> ShopRing:
        """The shop's figures and unboosted score; `days` are its ring days (day, ring inquiries, inquiries), in day order."""
        spec = self.spec
        shop, n_ring, fewest, most, shop_days, inquiries, n_days, ring_inq, day_inq, example, slowest_ns, n_rounds = row
        # each ring inquiry weighs its day's share: a stray day with one ring inquiry among many barely counts
        share = sum(ri * ri / inq for _, ri, inq in days) / ring_inq
        share_signal = min(1.0, share / spec.share_for_full_signal)
        spread = min(ring_inq, shop_days)
        bunching = 1 - (n_days - 1) / (spread - 1) if spread > 1 else 0.0
        w_share = spec.weights.get("share", 0.0)
        w_bunch = spec.weights.get("bunching", 0.0)
        base = (w_share * share_signal + w_bunch * bunching) / (w_share + w_bunch)
        size = min(1.0, n_ring / spec.min_ring_buyers)
        ints = [int(x) for x in (n_ring, fewest, most, shop_days, inquiries, n_days, ring_inq, day_inq)]
        return ShopRing(shop, *ints, example, int(slowest_ns), int(n_rounds), share, share_signal, bunching, base, size)

    def detect(self, ctx: DetectContext) -> list[Lead]:
        spec = self.spec
        con = ctx.con
        period = {"start": ctx.start_day, "end": ctx.end_day}
        run(con, CANDIDATES_SQL, {**period, "within_ns": round(spec.answer_within_seconds * NS), "min_shops": spec.min_shops})
        run(con, RING_SQL, {"max_chars": spec.trivial_max_chars})
        run(con, RING_ROUNDS_SQL)
        run(con, MEMBERS_SQL)
        run(con, DAYS_SQL, period)
        ring_days: dict[str, list[tuple[int, int, int]]] = {}
        for shop, day, ring_inq, inq in con.execute(RING_DAYS_SQL).fetchall():
            ring_days.setdefault(shop, []).append((int(day), int(ring_inq), int(inq)))
        # Only shops that could reach min_score with the fullest boost are replayed against the rules and reported.
        rings = [self.shop_ring(row, ring_days[row[0]]) for row in con.execute(SHOPS_SQL).fetchall()]
        rings = [r for r in rings if r.size * (r.base + spec.stake_boost * (1 - r.base)) >= spec.min_score]
        if not rings:
            return []

        found = stakes(con, ctx.pack, ctx.start_day, ctx.end_day, [r.shop_id for r in rings], spec.stake_margin)
        by_shop: dict[str, list[Stake]] = {}
        for s in found:
            by_shop.setdefault(s.shop_id, []).append(s)
        limit = {"limit": ctx.max_evidence}
        buyers: dict[str, list[dict[str, Any]]] = {}
        for shop, buyer, inq, n_shops, shop_list in con.execute(BUYERS_SQL, limit).fetchall():
            buyers.setdefault(shop, []).append(
                {"kind": "ring_buyer", "buyer_id": buyer, "inquiries": int(inq), "shops_total": int(n_shops), "shops": list(shop_list)}
            )
        rounds: dict[str, list[dict[str, Any]]] = {}
        for shop, buyer, day, first, reply, text, chars, lat in con.execute(ROUNDS_SQL, limit).fetchall():
            rounds.setdefault(shop, []).append(
                {
                    "kind": "ring_round",
                    "buyer_id": buyer,
                    "day": day_to_iso(day),
                    "message": RecRef(first),
                    "reply": RecRef(reply),
                    "text": text,
                    "text_chars": int(chars),
                    "latency_s": lat / NS,
                }
            )

        leads: list[Lead] = []
        for r in rings:
            mine = by_shop.get(r.shop_id, [])
            days = ring_days.get(r.shop_id, [])
            covering = {d: [s for s in mine if s.d0 <= d <= s.d1] for d, _, _ in days}
            staked = sum(ri for d, ri, _ in days if covering[d])
            stake = staked / r.ring_inquiries
            score = clamp((r.base + spec.stake_boost * stake * (1 - r.base)) * r.size)
            if score < spec.min_score:
                continue
            day_items = [
                {"kind": "ring_day", "day": day_to_iso(d), "ring_inquiries": ri, "inquiries": inq, "at_stake": [s.item() for s in covering[d]]}
                for d, ri, inq in sorted(days, key=lambda t: (not covering[t[0]], -t[1], t[0]))[: ctx.max_evidence]
            ]
            day_items.sort(key=lambda i: i["day"])
            leads.append(
                Lead(
                    detector=self.name,
                    shop_id=r.shop_id,
                    agent_id=None,
                    start_day=ctx.start_day,
                    end_day=ctx.end_day,
                    score=score,
                    summary_en=self.summary_en(r, mine, staked),
                    summary_zh=self.summary_zh(r, mine, staked),
                    measures={
                        "ring_buyers": r.ring_buyers,
                        "ring_inquiries": r.ring_inquiries,
                        "ring_rounds": r.ring_rounds,
                        "inquiries": r.inquiries,
                        "ring_day_inquiries": r.ring_day_inquiries,
                        "ring_days": r.ring_days,
                        "shop_days": r.shop_days,
                        "share": r.share,
                        "share_signal": r.share_signal,
                        "bunching": r.bunching,
                        "stake": stake,
                    },
                    evidence=buyers.get(r.shop_id, []) + day_items + rounds.get(r.shop_id, []),
                    evidence_total=r.ring_buyers + r.ring_days + r.ring_rounds,
                )
            )
        return leads

    def summary_en(self, r: ShopRing, mine: list[Stake], staked: int) -> str:
        shops = f"{r.most_shops}" if r.fewest_shops == r.most_shops else f"{r.fewest_shops}-{r.most_shops}"
        eg = f" (e.g. \u201c{r.example}\u201d)" if r.example else ""
        text = (
            f"{r.ring_buyers} buyer(s) who only ever sent one short message per round{eg}, each answered within "
            f"{secs(r.slowest_ns)} s, and who were seen in {shops} shop(s) each, made {r.ring_inquiries} of this shop's "
            f"{r.ring_day_inquiries} inquiries on the {r.ring_days} day(s) they were active (a {r.share:.0%} share, weighted by day); "
            f"those are {r.ring_days} of the {r.shop_days} days the shop had inquiries (bunching {r.bunching:.2f})."
        )
        if mine:
            ids = ", ".join(sorted({s.rule.id for s in mine}))
            broken = sum(1 for s in mine if s.broken_without_ring)
            text += (
                f" Without their inquiries, {ids} would have been broken on {broken} figure(s) of the shop and nearly broken "
                f"(within {self.spec.stake_margin:.0%} of the threshold) on {len(mine) - broken}; {staked} of the ring's inquiries fell on those."
            )
        return text

    def summary_zh(self, r: ShopRing, mine: list[Stake], staked: int) -> str:
        shops = f"{r.most_shops}" if r.fewest_shops == r.most_shops else f"{r.fewest_shops}–{r.most_shops}"
        eg = f"（如「{r.example}」）" if r.example else ""
        text = (
            f"{r.ring_buyers} 个买家每轮只发一条极短消息{eg}，均在 {secs(r.slowest_ns)} 秒内得到回复，每人出现在 {shops} 家店铺；"
            f"他们活跃的 {r.ring_days} 天里，本店 {r.ring_day_inquiries} 次咨询中有 {r.ring_inquiries} 次来自他们（按天加权占比 {r.share:.0%}）；"
            f"这 {r.ring_days} 天只是本店有咨询的 {r.shop_days} 天中的 {r.ring_days} 天（集中度 {r.bunching:.2f}）。"
        )
        if mine:
            ids = ", ".join(sorted({s.rule.id for s in mine}))
            broken = sum(1 for s in mine if s.broken_without_ring)
            text += (
                f"若去掉这些咨询，本店会有 {broken} 项数据触犯 {ids}，另有 {len(mine) - broken} 项接近触犯（距阈值 {self.spec.stake_margin:.0%} 以内）；"
                f"圈子有 {staked} 次咨询落在其上。"
            )
        return text
