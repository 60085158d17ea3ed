"""`explain`: the trace behind one figure of one shop, as a document a person can check by hand.

The data is read, excluded and cut into rounds exactly as ``audit`` does, and
the figure is computed by the same metric kind, so its numbers are the audit
report's. The units behind it come from ``engine.trace``, which asks the
kind itself whether each unit counts; this module only puts the answers into
words (why a unit does not count) and into the ``Explanation`` document.
Nothing here prints or exits.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import duckdb

import auditor.io  # noqa: F401  (registers the readers)
from auditor import __version__
from auditor.api import AuditOptions, rule_context
from auditor.engine.days import day_to_iso, iso_to_day
from auditor.engine.metrics import MetricKind, MetricValue, kind_for
from auditor.engine.prepare import engine, find_inputs, prepare, working_set
from auditor.engine.trace import (
    TraceIgnored,
    TraceRef,
    UnitTrace,
    excluded_records,
    known_agents,
    known_shops,
    rejected_records,
    trace_units,
)
from auditor.errors import UsageError
from auditor.governance.pinning import load_pinned
from auditor.io.ledger import EXCLUSION_REASONS
from auditor.io.peers import PeersFile, read_peers
from auditor.io.shops import ShopsFile, read_shops
from auditor.models import (
    Citation,
    ConditionCheck,
    ExcludedBlock,
    ExcludedRecord,
    ExplainDefinition,
    Explanation,
    FigureCounts,
    NotAReply,
    Period,
    PolicyRef,
    RecordRef,
    RejectedBlock,
    RejectedRecord,
    ReplyRef,
    RuleTrace,
    RuleVersion,
    TracedUnit,
    fix,
)
from auditor.policy.loader import LoadedPack
from auditor.policy.model import MetricSpec, Pack, PeerStreakRule, ThresholdRule
from auditor.policy.ops import OPS
from auditor.rules import RuleContext
from auditor.rules.versions import evaluate as judge_version
from auditor.rules.versions import in_force

DEFAULT_LIMIT = 200
NS = 1_000_000_000


def explain(
    paths: list[str | Path],
    options: AuditOptions,
    *,
    shop: str,
    metric: str | None = None,
    rule: str | None = None,
    day: date | None = None,
    agent: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Explanation:
    """The trace behind one figure: shop ``shop``'s ``metric`` (or ``rule``'s metric), for ``agent`` and ``day`` when given."""
    loaded = load_pinned(options.policy, options.policy_digest)
    spec, rule_spec = _choose(loaded.pack, metric, rule, day)
    if agent is not None and rule_spec is not None:
        raise UsageError("--agent cannot be used with --rule", hint="rules judge shop figures; drop --agent, or ask for --metric with --agent")
    if agent is not None and "agent" not in spec.by:
        raise UsageError(f"metric `{spec.id}` has no per-agent figures", hint=f"drop --agent; the pack figures `{spec.id}` per {' and '.join(spec.by)}")
    if day is not None and spec.per != "day":
        raise UsageError(
            f"--day applies to daily metrics, and `{spec.id}` is one figure over the audited period",
            hint="drop --day, or use --as-of to move the period",
        )
    if limit < 0:
        raise UsageError(f"--limit {limit} is negative", hint="give a number of records, 0 or more")
    shops = read_shops(options.shops) if options.shops else ShopsFile()
    peers = read_peers(options.peers) if options.peers else None
    files, _skipped = find_inputs(list(paths))
    with engine(options.memory_limit, options.threads, options.temp_directory, kind=options.engine, spark_master=options.spark_master, working_set=working_set(files)) as con:
        as_of_day = iso_to_day(options.as_of) if options.as_of else None
        prep = prepare(con, loaded.pack, files, shops.accounts(), max_record_bytes=options.max_record_bytes, as_of_day=as_of_day)
        shown = {f.idx: f.shown for f in files}
        return _explain(con, loaded, spec, rule_spec, shops, peers, shown, options, prep.start_day, prep.end_day, shop, day, agent, limit)


def _choose(pack: Pack, metric: str | None, rule: str | None, day: date | None = None) -> tuple[MetricSpec, ThresholdRule | PeerStreakRule | None]:
    metrics = ", ".join(m.id for m in pack.metrics)
    rules = ", ".join(dict.fromkeys(r.id for r in pack.rules)) or "none"
    if metric is not None and rule is not None:
        raise UsageError("give --metric or --rule, not both", hint=f"--rule explains its own metric; drop --metric `{metric}`")
    if rule is not None:
        try:
            r = pack.rule(rule, day)  # a rule with versions: the one in force on --day (or the latest); settled again once the as-of day is known
        except KeyError:
            raise UsageError(f"pack `{pack.name}` has no rule `{rule}`", hint=f"use one of: {rules}") from None
        return pack.metric(r.metric), r
    if metric is None:
        raise UsageError("say which figure to explain", hint=f"give --metric (one of: {metrics}) or --rule (one of: {rules})")
    try:
        return pack.metric(metric), None
    except KeyError:
        raise UsageError(f"pack `{pack.name}` has no metric `{metric}`", hint=f"use one of: {metrics}") from None


def _explain(
    con: duckdb.DuckDBPyConnection,
    loaded: LoadedPack,
    spec: MetricSpec,
    rule_spec: ThresholdRule | PeerStreakRule | None,
    shops: ShopsFile,
    peers: PeersFile | None,
    shown: dict[int, str],
    options: AuditOptions,
    start_day: int,
    end_day: int,
    shop: str,
    day: date | None,
    agent: str | None,
    limit: int,
) -> Explanation:
    pack = loaded.pack
    _check_shop(known_shops(con), shop)
    if agent is not None:
        _check_agent(known_agents(con, shop), shop, agent)
    if rule_spec is not None and rule_spec.dated:
        # a rule with versions: explain the one in force on the day the figure is judged (--day, else the as-of day)
        judged = iso_to_day(day) if day is not None else end_day
        version = in_force(pack, rule_spec.id, judged)
        if version is None:
            dates = ", ".join(f"{r.effective_from or '…'}..{r.effective_until or '…'}" for r in pack.versions(rule_spec.id))
            raise UsageError(
                f"rule `{rule_spec.id}` has no version in force on {day_to_iso(judged)}",
                hint=f"pick a --day or --as-of inside one of its versions ({dates}; each until day exclusive)",
            )
        rule_spec, spec = version, pack.metric(version.metric)
    if spec.per == "day":
        d0 = d1 = iso_to_day(day) if day is not None else end_day
        if not start_day <= d0 <= end_day:
            raise UsageError(
                f"--day {day_to_iso(d0)} is outside the audited period {day_to_iso(start_day)}..{day_to_iso(end_day)}",
                hint="pick a day in the period, or move the period with --as-of",
            )
    else:
        d0, d1 = start_day, end_day

    wanted = {spec.id} | ({c.metric for c in rule_spec.also_when} if isinstance(rule_spec, ThresholdRule) else set())
    kinds = {m.id: kind_for(m) for m in pack.metrics}
    values = [v for m in pack.metrics if m.id in wanted for v in kinds[m.id].compute(con, start_day, end_day)]
    kind = kinds[spec.id]
    traced = trace_units(con, pack, kind, shop, d0, d1, agent)
    units = [_unit(pack, kind, t, shown) for t in traced]
    counts = _counts(kind, _figure(values, spec.id, shop, agent, d0, d1), spec.id, shop, agent, d0, d1, traced)

    rule_trace = None
    if rule_spec is not None:
        ctx = rule_context(con, pack, kinds, values, start_day, end_day, shops if options.shops else None, peers)
        rule_trace = _rule(pack, rule_spec, ctx, kinds, values, counts, shop, d0, d1)

    excl_counts, excl_rows = excluded_records(con, shop, limit)
    rej_total, rej_shop, rej_rows = rejected_records(con, shop, limit)
    return Explanation(
        auditor_version=__version__,
        policy=PolicyRef(name=pack.name, version=pack.version, digest=loaded.digest),
        as_of=day_to_iso(end_day),
        period=Period(start=day_to_iso(start_day), end=day_to_iso(end_day)),
        shop_id=shop,
        agent_id=agent,
        metric=spec.id,
        figure_period=Period(start=day_to_iso(d0), end=day_to_iso(d1)),
        definition=_definition(pack, spec, kind),
        rule=rule_trace,
        counts=counts,
        units=units,
        excluded=ExcludedBlock(
            counts={r: excl_counts[r] for r in EXCLUSION_REASONS if r in excl_counts},
            records=[
                ExcludedRecord(file=shown[x.ref.file_idx], line=x.ref.line, msg_id=x.ref.msg_id, ts=x.ref.ts, reason=x.reason,
                               buyer_id=x.buyer_id, role=x.role, kind=x.kind, day=day_to_iso(x.local_day))
                for x in excl_rows
            ],  # fmt: skip
            not_shown=sum(excl_counts.values()) - len(excl_rows),
        ),
        rejected=RejectedBlock(
            total=rej_total,
            for_shop=rej_shop,
            records=[RejectedRecord(file=shown[fi], line=line, code=code, reason=msg) for fi, line, code, msg in rej_rows],
            not_shown=rej_shop - len(rej_rows),
        ),
        limit=limit,
    )


def _check_shop(shops: list[str], shop: str) -> None:
    if shop in shops:
        return
    close = difflib.get_close_matches(shop, shops, n=3, cutoff=0.5)
    if close:
        hint = "did you mean " + " or ".join(f"`{s}`" for s in close) + "?"
    else:
        hint = f"the data has {len(shops)} shop(s): " + ", ".join(f"`{s}`" for s in shops[:10]) + (" …" if len(shops) > 10 else "")
    raise UsageError(f"no record of shop `{shop}` in the input", hint=hint)


def _check_agent(agents: list[str], shop: str, agent: str) -> None:
    if agent in agents:
        return
    close = difflib.get_close_matches(agent, agents, n=3, cutoff=0.5)
    shown = close or agents[:10]
    hint = ("did you mean " + " or ".join(f"`{a}`" for a in close) + "?") if close else (
        f"shop `{shop}`'s replies name {len(agents)} agent(s)" + (": " + ", ".join(f"`{a}`" for a in shown) if shown else "")
    )  # fmt: skip
    raise UsageError(f"no reply of shop `{shop}` names agent `{agent}`", hint=hint)


def _figure(values: list[MetricValue], metric: str, shop: str, agent: str | None, d0: int, d1: int) -> MetricValue | None:
    for v in values:
        if v.metric == metric and v.shop_id == shop and v.agent_id == agent and v.start_day == d0 and v.end_day == d1:
            return v
    return None


def _num(x: float | int | None) -> str:
    """A figure in words: rounded like every figure in a report, integral floats without `.0`."""
    v = fix(x)
    if v is None:
        return "none"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _counts(
    kind: MetricKind, v: MetricValue | None, metric: str, shop: str, agent: str | None, d0: int, d1: int, traced: list[UnitTrace]
) -> FigureCounts:
    spec = kind.spec
    noun = "inquiring buyers" if kind.counts == "inquiry" else "rounds"
    scope = ""
    if spec.service_hours_only:
        scope += " in service hours"
    if spec.first_round_of_day:
        scope += " (each buyer's first of the day)"
    if agent is not None:
        scope += f" closed by agent `{agent}`"
    period = Period(start=day_to_iso(d0), end=day_to_iso(d1))
    if v is None:
        return FigureCounts(
            metric=metric, shop_id=shop, agent_id=agent, period=period, unit=kind.unit, numerator=None, denominator=None, value=None,
            arithmetic=f"no figure: no {noun[:-1]}{scope} to count, so there is nothing to divide by (no denominator)",
        )  # fmt: skip
    within = getattr(spec, "within_seconds", None)
    if kind.unit == "ratio":
        good = f"answered within {_num(within)} s" if within is not None else "answered the same day"
        text = f"{good}: {_num(v.numerator)} of {v.denominator} {noun}{scope} = {_num(v.value)}"
    elif kind.unit == "seconds":
        cap = getattr(spec, "max_latency_seconds", None)
        lat = [t.latency_ns / NS for t in traced if t.in_numerator and t.latency_ns is not None]
        terms = " + ".join(_num(x) for x in lat) + " = " if 1 < len(lat) <= 20 else ""
        cut = f", latency ≤ {_num(cap)} s" if cap is not None else ""
        per = noun if v.denominator != 1 else noun[:-1]
        text = f"sum of latencies of answered {noun}{scope}{cut}: {terms}{_num(v.numerator)} s / {v.denominator} {per} = {_num(v.value)} s"
    else:
        text = f"{noun}{scope}: {_num(v.numerator)}"
    return FigureCounts(
        metric=metric, shop_id=shop, agent_id=agent, period=period, unit=kind.unit,
        numerator=fix(v.numerator), denominator=v.denominator, value=fix(v.value), arithmetic=text,  # type: ignore[arg-type]
    )  # fmt: skip


def _clock(tod_ns: int) -> str:
    s, frac = divmod(tod_ns, NS)
    text = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return text + (f".{frac:09d}".rstrip("0") if frac else "")


def _hours(pack: Pack) -> str:
    return ", ".join(f"{w.start}-{w.end}" for w in pack.service_hours)


def _not_a_reply_note(pack: Pack, x: TraceIgnored) -> str:
    if x.kind == "close":
        return "a close is never a reply"
    if x.kind != "message":
        return f"an {x.role} `{x.kind}` neither opens nor answers a round"
    return f"this pack does not count {x.role} replies (valid replies: {', '.join(pack.replies.valid_roles)})"


def _why(pack: Pack, kind: MetricKind, t: UnitTrace, shown: dict[int, str]) -> str | None:
    """Why the unit is not in the numerator or denominator, in plain words; None when it counts fully.

    The engine decides (``in_denominator``, ``in_numerator``); this names the first of the
    pack's conditions the unit fails, checked in the order the definition applies them.
    """
    if t.in_denominator and t.in_numerator:
        return None
    spec = kind.spec
    within = getattr(spec, "within_seconds", None)
    cap = getattr(spec, "max_latency_seconds", None)
    lat = t.latency_ns / NS if t.latency_ns is not None else None
    inquiry = kind.counts == "inquiry"
    reason: str | None = None
    if spec.service_hours_only and not t.in_hours:
        reason = (
            f"outside service hours: none of the buyer's rounds that day opened in {_hours(pack)} local (the first at {_clock(t.opened_tod_ns)})"
            if inquiry
            else f"outside service hours: opened at {_clock(t.opened_tod_ns)} local, service hours are {_hours(pack)}"
        )
    elif spec.first_round_of_day and t.first_of_day is False:
        reason = "not the buyer's first round of the day (only that one counts; a later round never stands in for it)"
    elif not t.answered:
        reason = (
            f"unanswered: none of the buyer's {t.rounds} round(s) that day got a valid reply that local day (a round still open at midnight ends unanswered)"
            if inquiry
            else "unanswered: no valid reply that local day (a round still open at midnight ends unanswered)"
        )  # fmt: skip
    elif cap is not None and lat is not None and lat > cap:
        reason = f"latency {_num(lat)} s is over the {_num(cap)} s cut (the platform stops timing it)"
    elif within is not None and (lat is None or lat > within):
        reason = (
            f"no round answered within {_num(within)} s that day" if inquiry else f"answered after {_num(within)} s ({_num(lat)} s)"
        )
    if reason is None:
        raise AssertionError(f"a unit the engine does not count matches none of the pack's conditions: {t}")  # a bug, never data
    if t.ignored is not None and (not t.answered or (within is not None and (lat is None or lat > within))):
        x = t.ignored
        reason += f"; the {x.role} {x.kind} at {shown[x.ref.file_idx]}:{x.ref.line} ({x.ref.ts}) is not a reply: {_not_a_reply_note(pack, x)}"
    return reason


def _ref(r: TraceRef, shown: dict[int, str]) -> RecordRef:
    return RecordRef(file=shown[r.file_idx], line=r.line, msg_id=r.msg_id, ts=r.ts)


def _unit(pack: Pack, kind: MetricKind, t: UnitTrace, shown: dict[int, str]) -> TracedUnit:
    x = t.ignored
    return TracedUnit(
        kind=kind.counts,  # type: ignore[arg-type]
        buyer_id=t.buyer_id,
        day=day_to_iso(t.local_day),
        opened=_ref(t.opened, shown),
        opened_local_time=_clock(t.opened_tod_ns),
        reply=ReplyRef(**_ref(t.reply.ref, shown).model_dump(), role=t.reply.role, sender_id=t.reply.sender_id) if t.reply else None,
        buyer_messages=t.buyer_messages,
        rounds=t.rounds,
        latency_s=fix(t.latency_ns / NS) if t.latency_ns is not None else None,  # type: ignore[arg-type]
        in_service_hours=t.in_hours,
        first_of_day=t.first_of_day,
        agent_id=t.agent_id,
        in_denominator=t.in_denominator,
        in_numerator=t.in_numerator,
        why=_why(pack, kind, t, shown),
        not_a_reply=NotAReply(**_ref(x.ref, shown).model_dump(), role=x.role, kind=x.kind, note=_not_a_reply_note(pack, x)) if x else None,
    )


def _definition(pack: Pack, spec: MetricSpec, kind: MetricKind) -> ExplainDefinition:
    ex = pack.exclusions
    return ExplainDefinition(
        metric=spec.id,
        kind=spec.kind,
        unit=kind.unit,
        counts=kind.counts,  # type: ignore[arg-type]
        label={"zh": spec.label.zh, "en": spec.label.en},
        doc={"zh": spec.doc.zh, "en": spec.doc.en},
        citation=Citation(source=spec.citation.source, text=spec.citation.quote, gloss_en=spec.citation.gloss_en) if spec.citation else None,
        by=list(spec.by),
        per=spec.per,
        timezone=pack.timezone,
        service_hours=[f"{w.start}-{w.end}" for w in pack.service_hours],
        service_hours_only=spec.service_hours_only,
        first_round_of_day=spec.first_round_of_day,
        within_seconds=getattr(spec, "within_seconds", None),
        max_latency_seconds=getattr(spec, "max_latency_seconds", None),
        valid_reply_roles=list(pack.replies.valid_roles),
        exclusions={"system": ex.system, "non_genuine_kinds": list(ex.non_genuine_kinds), "same_shop": ex.same_shop, "duplicates": ex.duplicates},
    )


def _rule(
    pack: Pack,
    r: ThresholdRule | PeerStreakRule,
    ctx: RuleContext,
    kinds: dict[str, MetricKind],
    values: list[MetricValue],
    counts: FigureCounts,
    shop: str,
    d0: int,
    d1: int,
) -> RuleTrace:
    """The rule's verdict on this figure, from the rule kind itself (the findings ``audit`` would report)."""
    findings, unevaluated = judge_version(r, ctx)  # of a rule with versions, this one judges only the figures of its days
    mine = [f for f in findings if f.shop_id == shop and f.start_day <= d0 and f.end_day >= d1]
    missed = [u for u in unevaluated if u.shop_id in (shop, None) and (not u.days or any(d0 <= d <= d1 for d in u.days))]
    conditions = []
    if isinstance(r, ThresholdRule):
        conditions.append(_condition(r.metric, r.op, r.value, counts, _figure(values, r.metric, shop, None, d0, d1)))
        for c in r.also_when:
            v = _figure(values, c.metric, shop, None, d0, d1)
            conditions.append(_condition(c.metric, c.op, c.value, _counts(kinds[c.metric], v, c.metric, shop, None, d0, d1, []), v))
    span = counts.period.start if d0 == d1 else f"{counts.period.start}..{counts.period.end}"
    if mine:
        verdict = "violated"
        if isinstance(r, ThresholdRule):
            on = f"on {span}" if d0 == d1 else f"over {span}"
            reason = " and ".join(f"{c.metric} = {_num(c.counts.value)} {c.op} {_num(c.threshold)}" for c in conditions) + f": the rule is broken {on}"
        else:
            f = mine[0]
            reason = (
                f"{r.metric} is {r.op} the peer level on {f.end_day - f.start_day + 1} consecutive days with figures "
                f"({day_to_iso(f.start_day)}..{day_to_iso(f.end_day)}; means {_num(f.value)} vs {_num(f.threshold)}), "
                f"at least {r.min_days}: the run covers {span}"
            )
    elif missed:
        verdict = "not_evaluated"
        reason = "not evaluated: " + "; ".join(u.reason for u in missed)
    else:
        verdict = "met"
        if counts.value is None:
            reason = f"there is no {r.metric} figure for {span}, so the rule has nothing to judge"
        elif isinstance(r, ThresholdRule):
            failing = [c for c in conditions if c.holds is not True]
            reason = "; ".join(
                f"{c.metric} = {_num(c.counts.value)} is not {c.op} {_num(c.threshold)}" if c.holds is False
                else f"{c.metric} has no figure for {span}"
                for c in failing
            ) + ": the rule is met"  # fmt: skip
        else:
            reason = f"no run of {r.min_days} or more days with {r.metric} {r.op} the peer level covers {span}: the rule is met"
    if r.dated:  # say which version judged, so that a threshold that changed is not read as the other one
        since = f" from {r.effective_from}" if r.effective_from else ""
        until = f" until {r.effective_until}, exclusive" if r.effective_until else ""
        reason = f"{reason} (the version in force{since}{until})"
    return RuleTrace(
        id=r.id,
        kind=r.kind,
        title={"zh": r.title.zh, "en": r.title.en},
        doc={"zh": r.doc.zh, "en": r.doc.en},
        severity=r.severity,
        metric=r.metric,
        op=r.op,
        threshold=fix(r.value) if isinstance(r, ThresholdRule) else None,  # type: ignore[arg-type]
        min_days=r.min_days if isinstance(r, PeerStreakRule) else None,
        conditions=conditions,
        consequence=r.consequence.model_dump(mode="json", exclude_none=True, exclude={"doc"}),
        citation=Citation(source=r.citation.source, text=r.citation.quote, gloss_en=r.citation.gloss_en),
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        findings=[Period(start=day_to_iso(f.start_day), end=day_to_iso(f.end_day)) for f in mine],
        rule_version=RuleVersion(effective_from=r.effective_from, effective_until=r.effective_until) if r.dated else None,
    )


def _condition(metric: str, op: str, threshold: float, counts: FigureCounts, v: MetricValue | None) -> ConditionCheck:
    holds = OPS[op](v.value, threshold) if v is not None else None  # the unrounded figure, as the rule kind judges it
    return ConditionCheck(metric=metric, op=op, threshold=fix(threshold), counts=counts, holds=holds)  # type: ignore[arg-type]
