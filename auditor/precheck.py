"""`precheck`: one shop's self-check on the as-of day — eligible or not, what is at stake today, what to fix.

It runs one audit and reads its answers (eligibility, figures, findings,
flags) for the shop; nothing here decides a figure or a finding anew. What
the audit does not hold is taken from the engine's own definitions: the
buyers still waiting are the units that ``engine.trace`` (the trace behind
``auditor explain``) reports as unanswered on the as-of day. What is at stake
is worked out from the pack's rules as data — every threshold rule on a daily
metric, each of its conditions against today's figure — so a pack with other
rules, lines or consequences needs no change here. Nothing prints or exits.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path

import auditor.io  # noqa: F401  (registers the readers)
from auditor import __version__
from auditor.api import AuditOptions, audit
from auditor.engine.days import iso_to_day
from auditor.engine.metrics import MetricKind, kind_for
from auditor.engine.prepare import engine, find_inputs, prepare, working_set
from auditor.engine.trace import trace_units
from auditor.errors import UsageError
from auditor.io.shops import ShopsFile, read_shops
from auditor.models import (
    AuditReport,
    Citation,
    GamingFlag,
    MetricRow,
    PeriodFinding,
    Precheck,
    PrecheckEligibility,
    Reason,
    SlowAgent,
    Stake,
    StakeCondition,
    WaitingBuyer,
    fix,
)
from auditor.models.fingerprint import finding_fingerprint
from auditor.policy.loader import load_pack
from auditor.policy.model import Citation as PackCitation
from auditor.policy.model import Pack, ThresholdRule
from auditor.policy.ops import OPS

NS = 1_000_000_000
WAITING_LIMIT = 50


class UnknownShop(UsageError):
    """The shop asked about is neither in the data nor in the --shops file."""


def precheck(paths: Sequence[str | Path], options: AuditOptions, *, shop: str, waiting_limit: int = WAITING_LIMIT) -> Precheck:
    """Shop ``shop``'s self-check on the as-of day of an audit of ``paths`` under ``options``."""
    if waiting_limit < 0:
        raise UsageError(f"waiting limit {waiting_limit} is negative", hint="give a number of buyers, 0 or more")
    report = audit(list(paths), options)
    summaries = {s.shop_id: s for s in report.summary}
    if shop not in summaries:
        known = sorted(summaries)
        close = difflib.get_close_matches(shop, known, n=3, cutoff=0.5)
        hint = (
            "did you mean " + " or ".join(f"`{s}`" for s in close) + "?"
            if close
            else f"the data has {len(known)} shop(s): " + ", ".join(f"`{s}`" for s in known[:10]) + (" …" if len(known) > 10 else "")
        )
        raise UnknownShop(f"no record of shop `{shop}` in the input", hint=hint)
    pack = load_pack(options.policy).pack
    kinds = {m.id: kind_for(m) for m in pack.metrics}
    rows = [m for m in report.metrics if m.shop_id == shop]
    waiting_metric = _waiting_metric(pack, kinds)
    waiting, waiting_total, data_until = (
        _waiting(paths, options, pack, kinds[waiting_metric], report, shop, waiting_limit) if waiting_metric and rows else ([], 0, None)
    )
    eligibility = [_eligibility(pack, kinds, rows, e) for e in summaries[shop].eligibility]
    today = date.fromisoformat(report.as_of)  # of a rule with versions, only the one in force today is at stake
    stakes = [_stake(pack, kinds, rows, report, shop, r) for r in pack.rules if _daily_threshold(pack, r) and r.in_force(today)]
    flags = [
        GamingFlag(
            detector=f.detector, title=f.title, agent_id=f.agent_id, period=f.period, score=f.score, severity=f.severity,
            summary={"zh": f.summary_zh, "en": f.summary}, citation=f.citation, evidence_total=f.evidence_total,
        )
        for f in report.flags
        if f.shop_id == shop
    ]  # fmt: skip
    findings = [
        PeriodFinding(
            rule_id=v.rule_id, title=v.title, severity=v.severity, period=v.period, metric=v.metric,
            label=_label(pack, v.metric), unit=kinds[v.metric].unit, value=v.value, op=v.op, threshold=v.threshold,
            consequence=v.consequence, citation=v.citation,
        )
        for v in report.violations
        if v.shop_id == shop
    ]  # fmt: skip
    # A waived finding or flag is accepted (--waivers): no longer a risk to report. Eligibility and today's stakes are the platform's facts and stay.
    accepted = {x.fingerprint for x in [*report.violations, *report.flags] if x.waiver is not None}
    open_findings = [f for f in findings if finding_fingerprint("violation", f.rule_id, shop, None, f.period.start, f.period.end) not in accepted]
    open_flags = [f for f in flags if finding_fingerprint("flag", f.detector, shop, f.agent_id, f.period.start, f.period.end) not in accepted]
    verdict, reasons = _verdict(report, shop, rows, eligibility, stakes, open_findings, open_flags)
    s = summaries[shop]
    return Precheck(
        auditor_version=__version__,
        policy=report.policy,
        policy_title={"zh": pack.title.zh, "en": pack.title.en},
        shop_id=shop,
        platform=s.platform,
        category=s.category,
        as_of=report.as_of,
        period=report.period,
        data_until=data_until,
        verdict=verdict,
        reasons=reasons,
        eligibility=eligibility,
        stakes=stakes,
        waiting_metric=waiting_metric,
        waiting=waiting,
        waiting_total=waiting_total,
        waiting_limit=waiting_limit,
        slow_agents=_slow_agents(pack, kinds, rows, report),
        flags=flags,
        findings=findings,
        fines=s.fines,
    )


def _label(pack: Pack, metric: str) -> dict[str, str]:
    spec = pack.metric(metric)
    return {"zh": spec.label.zh, "en": spec.label.en}


def _citation(c: PackCitation) -> Citation:
    return Citation(source=c.source, text=c.quote, gloss_en=c.gloss_en)


def _daily_threshold(pack: Pack, r: object) -> bool:
    return isinstance(r, ThresholdRule) and pack.metric(r.metric).per == "day"


def _today(rows: list[MetricRow], metric: str, day: str) -> MetricRow | None:
    for m in rows:
        if m.metric == metric and m.agent_id is None and m.period.start == day and m.period.end == day:
            return m
    return None


def _waiting_metric(pack: Pack, kinds: dict[str, MetricKind]) -> str | None:
    """The rate whose units show who is still waiting: one a rule judges, daily first (it is what today decides), else any rate; in pack order."""
    judged = [r.metric for r in pack.rules]
    rates = [m for m in dict.fromkeys(judged) if kinds[m].unit == "ratio"]
    daily = [m for m in rates if pack.metric(m).per == "day"]
    others = [m.id for m in pack.metrics if kinds[m.id].unit == "ratio"]
    return (daily or rates or others or [None])[0]


def _waiting(
    paths: Sequence[str | Path], options: AuditOptions, pack: Pack, kind: MetricKind, report: AuditReport, shop: str, limit: int
) -> tuple[list[WaitingBuyer], int, str | None]:
    """The shop's units unanswered on the as-of day (from the engine's trace), oldest first, and the local time the day's data ends."""
    shops = read_shops(options.shops) if options.shops else ShopsFile()
    files, _skipped = find_inputs(list(paths))
    with engine(options.memory_limit, options.threads, options.temp_directory, kind=options.engine, spark_master=options.spark_master, working_set=working_set(files)) as con:
        day = iso_to_day(date.fromisoformat(report.as_of))  # the audit's own as-of day, whether given or found
        prepare(con, pack, files, shops.accounts(), max_record_bytes=options.max_record_bytes, as_of_day=day)
        last = con.execute(
            "SELECT utc_ns, tod_ns FROM records WHERE code IS NULL AND exclusion IS NULL AND local_day = $d ORDER BY utc_ns DESC, rec_id DESC LIMIT 1",
            {"d": day},
        ).fetchall()
        if not last:
            return [], 0, None
        end_ns, end_tod = int(last[0][0]), int(last[0][1])
        # the instant of each buyer message of the shop that day, to time how long its writer has waited
        at = {
            (int(fi), int(ln)): int(ns)
            for fi, ln, ns in con.execute(
                "SELECT file_idx, line, utc_ns FROM records WHERE code IS NULL AND shop_id = $s AND local_day = $d AND role = 'buyer'",
                {"s": shop, "d": day},
            ).fetchall()
        }
        units = [u for u in trace_units(con, pack, kind, shop, day, day, None) if not u.answered]
    shown = {f.idx: f.shown for f in files}
    out = [
        WaitingBuyer(
            buyer_id=u.buyer_id,
            file=shown[u.opened.file_idx],
            line=u.opened.line,
            msg_id=u.opened.msg_id,
            ts=u.opened.ts,
            asked_at=_clock(u.opened_tod_ns),
            waiting_s=fix((end_ns - at[(u.opened.file_idx, u.opened.line)]) / NS),  # type: ignore[arg-type]
            buyer_messages=u.buyer_messages,
            in_figure=u.in_denominator,
        )
        for u in units
    ]
    out.sort(key=lambda w: (-w.waiting_s, w.file, w.line))  # the oldest question first
    return out[:limit], len(out), _clock(end_tod)


def _clock(tod_ns: int) -> str:
    s = tod_ns // NS
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _eligibility(pack: Pack, kinds: dict[str, MetricKind], rows: list[MetricRow], e) -> PrecheckEligibility:  # type: ignore[no-untyped-def]
    rule = pack.rule(e.rule_id, date.fromisoformat(e.day)) if e.rule_id else None
    row = _today(rows, e.metric, e.day) if e.metric else None
    return PrecheckEligibility(
        check=e.check,
        question=e.question,
        eligible=e.eligible,
        complete=e.complete,
        reason=e.reason,
        rule_id=e.rule_id,
        rule_title={"zh": rule.title.zh, "en": rule.title.en} if rule else None,
        metric=e.metric,
        label=_label(pack, e.metric) if e.metric else None,
        unit=kinds[e.metric].unit if e.metric else None,
        value=e.value,
        numerator=row.numerator if row else None,
        denominator=row.denominator if row else None,
        op=e.op,
        threshold=e.threshold,
        citation=_citation(rule.citation) if rule else None,
    )


def _exact(row: MetricRow | None) -> Fraction | float | None:
    """A rate as the exact fraction of its counts (the rounded value could sit on the wrong side of a line); other figures as they are."""
    if row is None:
        return None
    if row.denominator and float(row.numerator).is_integer():
        return Fraction(int(row.numerator), row.denominator)
    return row.value


def _condition(pack: Pack, kinds: dict[str, MetricKind], rows: list[MetricRow], day: str, metric: str, op: str, threshold: float) -> StakeCondition:
    kind = kinds[metric]
    row = _today(rows, metric, day)
    value: float | None = row.value if row else None
    if row is None and kind.counts_zero:
        value = 0  # a count has a figure, 0, on a day with nothing to count
    exact = _exact(row) if row is not None else value
    holds = bool(OPS[op](exact, Fraction(str(threshold)) if isinstance(exact, Fraction) else threshold)) if exact is not None else None
    reach = more = None
    if kind.unit == "count" and holds is False and value is not None:
        # the nearest whole count that satisfies the comparison: `> 100` is 101, `>= 100` is 100
        reach = {">": math.floor(threshold) + 1, ">=": math.ceil(threshold), "<": math.ceil(threshold) - 1, "<=": math.floor(threshold)}[op]
        more = reach - int(value)
    return StakeCondition(
        metric=metric, label=_label(pack, metric), unit=kind.unit, value=fix(value), numerator=row.numerator if row else None,
        denominator=row.denominator if row else None, op=op, threshold=fix(threshold), holds=holds, reach=reach, more=more,  # type: ignore[arg-type]
    )  # fmt: skip


def _answers_needed(c: StakeCondition) -> int | None:
    """Replies to today's unanswered units that bring a rate back over its `<`/`<=` line: the least n with (num+n)/den off the line."""
    if c.unit != "ratio" or c.op not in ("<", "<=") or not c.holds or not c.denominator or c.numerator is None:
        return None
    num, den, t = int(c.numerator), c.denominator, Fraction(str(c.threshold))
    need = t * den - num  # (num + n) / den >= t  ⇔  n >= t·den − num
    n = math.ceil(need) if c.op == "<" else math.floor(need) + 1
    n = max(n, 1)
    return n if num + n <= den else None


def _margin(c: StakeCondition) -> int | None:
    """More unanswered units today that would put a rate on the wrong side of its `<`/`<=` line: the least m with num/(den+m) on it."""
    if c.unit != "ratio" or c.op not in ("<", "<=") or c.holds is not False or not c.denominator or c.numerator is None:
        return None
    num, den, t = int(c.numerator), c.denominator, Fraction(str(c.threshold))
    if t <= 0:
        return None  # no count of unanswered units takes a rate below 0
    edge = Fraction(num) / t - den  # num / (den + m) < t  ⇔  m > num/t − den
    m = math.floor(edge) + 1 if c.op == "<" else math.ceil(edge)
    return max(m, 1)


def _stake(pack: Pack, kinds: dict[str, MetricKind], rows: list[MetricRow], report: AuditReport, shop: str, r: ThresholdRule) -> Stake:
    day = report.as_of
    main = _condition(pack, kinds, rows, day, r.metric, r.op, r.value)
    more = [_condition(pack, kinds, rows, day, c.metric, c.op, c.value) for c in r.also_when]
    broken = any(v.rule_id == r.id and v.shop_id == shop and v.period.start <= day <= v.period.end for v in report.violations)
    short = [c for c in more if c.holds is not True]
    one_step = (not broken) and main.holds is True and bool(short) and all(c.more is not None and c.more > 0 for c in short)
    doc = r.consequence.doc
    return Stake(
        rule_id=r.id,
        title={"zh": r.title.zh, "en": r.title.en},
        severity=r.severity,
        counts=kinds[r.metric].counts,  # type: ignore[arg-type]
        condition=main,
        also_when=more,
        consequence=r.consequence.model_dump(mode="json", exclude_none=True, exclude={"doc"}),
        consequence_doc={"zh": doc.zh, "en": doc.en} if doc else None,
        citation=_citation(r.citation),
        broken_today=broken,
        one_step=one_step,
        answers_needed=_answers_needed(main),
        margin=_margin(main) if not broken else None,
    )


def _slow_agents(pack: Pack, kinds: dict[str, MetricKind], rows: list[MetricRow], report: AuditReport) -> list[SlowAgent]:
    out: list[SlowAgent] = []
    seen: set[str] = set()
    for r in pack.rules:
        if not isinstance(r, ThresholdRule) or r.metric in seen:
            continue
        seen.add(r.metric)
        span = (report.as_of, report.as_of) if pack.metric(r.metric).per == "day" else (report.period.start, report.period.end)
        mine = [m for m in rows if m.metric == r.metric and m.agent_id is not None and (m.period.start, m.period.end) == span]
        worst_high = r.op in (">", ">=")  # the side of the line that breaks the rule is the worse one
        mine.sort(key=lambda m: ((-m.value if worst_high else m.value), m.agent_id))
        out += [
            SlowAgent(
                agent_id=m.agent_id, metric=m.metric, label=_label(pack, m.metric), unit=kinds[m.metric].unit, value=m.value,  # type: ignore[arg-type]
                numerator=m.numerator, denominator=m.denominator, period=m.period, rule_id=r.id, op=r.op,
                threshold=fix(r.value), over_line=bool(OPS[r.op](m.value, r.value)),  # type: ignore[arg-type]
            )
            for m in mine
        ]  # fmt: skip
    return out


def _verdict(
    report: AuditReport,
    shop: str,
    rows: list[MetricRow],
    eligibility: list[PrecheckEligibility],
    stakes: list[Stake],
    findings: list[PeriodFinding],
    flags: list[GamingFlag],
) -> tuple[str, list[Reason]]:
    """not_eligible > no_data > at_risk > eligible; every reason that applies is kept, in that order."""
    day = report.as_of
    barred = [Reason(code="barred", ref=e.check) for e in eligibility if not e.eligible]
    incomplete = [Reason(code="incomplete", ref=e.check) for e in eligibility if not e.complete]
    barring = {e.rule_id for e in eligibility if not e.eligible}  # already said by `barred`
    risk = [Reason(code="broken_today", ref=s.rule_id) for s in stakes if s.broken_today and s.rule_id not in barring]
    risk += [Reason(code="one_step", ref=s.rule_id) for s in stakes if s.one_step]
    today = {s.rule_id for s in stakes if s.broken_today}
    risk += [
        Reason(code="finding_today", ref=f.rule_id)
        for f in findings
        if f.period.start <= day <= f.period.end and f.consequence.get("type", "none") != "none" and f.rule_id not in today
    ]
    risk += [Reason(code="flag", ref=d) for d in dict.fromkeys(f.detector for f in flags)]  # a shop flag and its agent's: one reason
    notes = [] if eligibility else [Reason(code="no_checks")]
    if stakes and all(s.condition.value is None for s in stakes) and rows:
        notes.append(Reason(code="no_figure_today"))
    if barred:
        return "not_eligible", barred + incomplete + risk + notes
    if not rows:
        return "no_data", [Reason(code="no_data"), *notes]
    if incomplete or risk:
        return "at_risk", incomplete + risk + notes
    return "eligible", [*notes, Reason(code="clear")]

