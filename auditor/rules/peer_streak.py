"""`peer_streak`: runs of consecutive days on which a shop's daily figure falls on the wrong side of its peers.

The walk is over the days that have a figure (CONTRACT §7.12): a day with no
figure (no inquiries) neither breaks nor extends a run, since there is
nothing to compare; a day with a figure but no peer level breaks it, since
the shop cannot be shown to be below its peers that day. Value and threshold
of a finding are the means of the daily figures and peer levels over the run.

What cannot be judged is said, never passed over: no --peers file, a shop
with no category, and the days with a figure but no peer level.
"""

from __future__ import annotations

from collections import defaultdict

from auditor.engine.days import day_to_iso
from auditor.engine.evidence import FigureKey, rounds_behind
from auditor.engine.metrics.base import MetricValue
from auditor.policy.model import PeerStreakRule
from auditor.policy.ops import OPS
from auditor.rules.base import DayRow, Finding, RuleContext, RuleKind, Unevaluated, register


@register
class PeerStreak(RuleKind):
    kind = "peer_streak"
    spec: PeerStreakRule

    def evaluate(self, ctx: RuleContext) -> tuple[list[Finding], list[Unevaluated]]:
        rule = self.spec
        per_shop: dict[str, list[MetricValue]] = defaultdict(list)
        for v in ctx.shop_values(rule.metric):
            per_shop[v.shop_id].append(v)
        column = rule.peer_key
        unevaluated: list[Unevaluated] = []
        runs: list[tuple[str, list[DayRow], DayRow | None]] = []
        for shop, days in sorted(per_shop.items()):
            if ctx.peer_levels is None:
                unevaluated.append(Unevaluated(rule.id, shop, f"no --peers file given: the peer level ({column} per date and category) is needed"))
                continue
            category = ctx.categories.get(shop) if ctx.categories is not None else None
            if category is None:
                why = "no --shops file given" if ctx.categories is None else (
                    f"shop `{shop}` is not in the --shops file" if shop not in ctx.categories else f"shop `{shop}` has no category in the --shops file"
                )
                unevaluated.append(Unevaluated(rule.id, shop, f"{why}: its peers are those of its category"))
                continue
            no_peer: list[int] = []
            current: list[DayRow] = []
            for v in sorted(days, key=lambda x: x.start_day):
                peer = ctx.peer_levels.get((v.start_day, category, column))
                if peer is not None and OPS[rule.op](v.value, peer):
                    current.append(DayRow(v.start_day, v.value, v.numerator, v.denominator, peer, True))
                    continue
                if peer is None:
                    no_peer.append(v.start_day)
                    note = f"no peer {column} for category `{category}` on {day_to_iso(v.start_day)}: the streak is broken here"
                else:
                    note = f"{rule.metric} is not {rule.op} the peer level this day: the streak ends here"
                breaker = DayRow(v.start_day, v.value, v.numerator, v.denominator, peer, False, note)
                if len(current) >= rule.min_days:
                    runs.append((shop, current, breaker))
                current = []
            if len(current) >= rule.min_days:
                runs.append((shop, current, None))
            if no_peer:
                shown = ", ".join(day_to_iso(d) for d in no_peer)
                unevaluated.append(
                    Unevaluated(
                        rule.id,
                        shop,
                        f"no peer {column} for category `{category}` on {shown}; a day with a figure but no peer level breaks any streak",
                        tuple(no_peer),
                    )
                )
        keys = [FigureKey(shop, run[0].day, run[-1].day) for shop, run, _ in runs]
        evidence = rounds_behind(ctx.con, ctx.kinds[rule.metric], keys, limit=ctx.pack.evidence.max_rounds)
        findings = []
        for (shop, run, breaker), key in zip(runs, keys, strict=True):
            value = sum(d.value for d in run) / len(run)
            threshold = sum(d.peer for d in run if d.peer is not None) / len(run)
            total, rows = evidence[key]
            findings.append(
                Finding(rule.id, shop, key.start_day, key.end_day, rule.metric, value, threshold, rule.op, None, None,
                        total, rows, run + ([breaker] if breaker else []))
            )
        return findings, unevaluated
