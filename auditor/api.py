"""The library's entry points: audit data under a pack and get the report back as data.

Nothing here prints or exits; errors are raised as ``AuditorError`` subclasses
for the caller (the CLI, a notebook, a service) to present.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import auditor.io  # noqa: F401  (registers the readers)
from auditor import __version__
from auditor.detect import DETECTORS, DetectContext, Lead, RecRef
from auditor.duck import insert_rows, run
from auditor.engine.days import day_to_iso, iso_to_day
from auditor.engine.evidence import RoundRow
from auditor.engine.metrics import kind_for
from auditor.engine.prepare import Progress, engine, find_inputs, prepare, tell, working_set
from auditor.engine.profile import chart_data
from auditor.errors import UsageError
from auditor.governance.pinning import load_pinned, run_info
from auditor.io.atomic import atomic_write
from auditor.io.base import (
    DEFAULT_MAX_RECORD_BYTES,
)
from auditor.io.ledger import Ledger, tally
from auditor.io.peers import PeersFile, read_peers
from auditor.io.shops import ShopInfo, ShopsFile, read_shops
from auditor.models import (
    AuditReport,
    Citation,
    DayEvidence,
    DiffReport,
    Eligibility,
    Explanation,
    Fine,
    Flag,
    Inputs,
    MetricDefinition,
    MetricRow,
    NotEvaluated,
    PackTestReport,
    Period,
    PolicyRef,
    Precheck,
    RecordRef,
    RoundEvidence,
    RuleInfo,
    RuleVersion,
    RunInfo,
    ShopSummary,
    SkippedFile,
    ValidationReport,
    Verification,
    Violation,
    fix,
)
from auditor.policy.loader import PACK_FILE, LoadedPack, builtin_packs, load_pack
from auditor.policy.model import Citation as PackCitation
from auditor.policy.model import MetricSpec, Pack
from auditor.policy.schema import schema_json
from auditor.report import REPORTERS, formats_for
from auditor.report.by_shop import group
from auditor.rules import DayRow, RuleContext
from auditor.rules.eligibility import Answer, answer_checks
from auditor.rules.versions import entry as version_entry
from auditor.rules.versions import evaluate as judge_version


class AuditOptions(BaseModel):
    """What to audit under: the pack, the day, the side inputs and resource limits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    policy: str | Path = Field(description="Built-in pack name or path to a pack directory.")
    as_of: date | None = Field(default=None, description="Last local day audited; default: the latest day in the data.")
    shops: Path | None = Field(default=None, description="The --shops side input.")
    peers: Path | None = Field(default=None, description="The --peers side input: date, category and peer levels per day.")
    max_record_bytes: int = Field(default=DEFAULT_MAX_RECORD_BYTES, gt=0)
    memory_limit: str | None = None
    threads: int | None = Field(default=None, gt=0)
    temp_directory: str | None = None
    waivers: Path | None = Field(default=None, description="A waiver file (docs/waivers-and-baselines.md): findings accepted with a reason, until a day.")
    baseline: Path | None = Field(default=None, description="A baseline file from --write-baseline: the findings it holds are listed but do not fail.")
    policy_digest: str | None = Field(default=None, description="Refuse to run unless the pack's digest is this one (`sha256:…`, a report's policy.digest).")
    engine: Literal["duckdb", "spark"] = Field(default="duckdb", description="Where the SQL runs: DuckDB in process, or Apache Spark (Parquet input only; pip install 'auditor[spark]').")
    spark_master: str | None = Field(default=None, description="The Spark master URL for engine spark (default: AUDITOR_SPARK_MASTER, else local[2]).")


def audit(paths: list[str | Path], options: AuditOptions, progress: Progress | None = None) -> AuditReport:
    """Audit the chat records under ``paths`` with the pack in ``options``; return the report.

    ``progress``, when given, is called as ``progress(phase, done, total)`` as the audit goes (see
    ``auditor.engine.prepare.Progress``); the library itself never prints.
    """
    from auditor.governance import read_governance

    loaded = load_pinned(options.policy, options.policy_digest)  # fail closed on policy before any data is read
    governed = read_governance(options.waivers, options.baseline, [loaded.pack])  # likewise waivers and baseline
    shops = read_shops(options.shops) if options.shops else ShopsFile()
    peers = read_peers(options.peers) if options.peers else None
    run = _run_info(options, "")  # the side files' digests as read now (each read has said what is wrong with it), not after a long audit
    files, skipped = find_inputs(list(paths))
    with engine(options.memory_limit, options.threads, options.temp_directory, kind=options.engine, spark_master=options.spark_master, working_set=working_set(files)) as con:
        report = _run(con, loaded, shops, peers, files, skipped, options, progress)
    report = governed.apply(report)
    report.run = run.model_copy(update={"as_of": report.as_of})
    tell(progress, "report", 1, 1)
    return report


def _run_info(options: AuditOptions, as_of: str) -> RunInfo:
    files = {"shops": options.shops, "peers": options.peers, "waivers": options.waivers, "baseline": options.baseline}
    return run_info(options.policy, as_of, options.max_record_bytes, files)


def _run(con, loaded: LoadedPack, shops: ShopsFile, peers: PeersFile | None, files, skipped, options: AuditOptions, progress: Progress | None = None) -> AuditReport:  # type: ignore[no-untyped-def]
    pack = loaded.pack
    prep = prepare(
        con, pack, files, shops.accounts(), max_record_bytes=options.max_record_bytes, as_of_day=iso_to_day(options.as_of) if options.as_of else None,
        progress=progress,
    )
    start_day, end_day, outcomes, formats = prep.start_day, prep.end_day, prep.outcomes, prep.formats

    kinds = {m.id: kind_for(m) for m in pack.metrics}
    values = []
    for i, m in enumerate(pack.metrics):
        tell(progress, "metrics", i, len(pack.metrics))
        values.extend(kinds[m.id].compute(con, start_day, end_day))
    tell(progress, "metrics", len(pack.metrics), len(pack.metrics))
    listed = {s.shop_id: s for s in shops.shops}
    ctx = rule_context(con, pack, kinds, values, start_day, end_day, shops if options.shops else None, peers)
    findings, unevaluated = [], []
    for i, rule in enumerate(pack.rules):
        tell(progress, "rules", i, len(pack.rules))
        got, missed = judge_version(rule, ctx)  # each version of a rule judges the figures of its own days
        findings.extend(got)
        unevaluated.extend(missed)
    tell(progress, "rules", len(pack.rules), len(pack.rules))
    unevaluated = list(dict.fromkeys(unevaluated))  # versions of one rule repeat a shop-wide reason

    leads = detect_all(con, pack, start_day, end_day, progress)
    tell(progress, "report", 0, 1)

    seen_shops = [r[0] for r in con.execute("SELECT DISTINCT shop_id FROM records WHERE code IS NULL AND exclusion IS NULL ORDER BY shop_id").fetchall()]
    notes = list(shops.problems)
    if options.shops:
        absent = [s for s in seen_shops if s not in listed]
        if absent:
            notes.append(
                f"{len(absent)} shop(s) in the data are not in the --shops file and are audited with no category and no own accounts: "
                + ", ".join(f"`{s}`" for s in absent[:20]) + (" …" if len(absent) > 20 else "")
            )
    if peers:
        notes.extend(peers.problems)
    all_shops = sorted(set(seen_shops) | set(listed))
    answers = answer_checks(pack, all_shops, end_day, findings, unevaluated, values, kinds)

    ledger = tally(con, files, outcomes, formats, skipped)
    shown = {f.idx: f.shown for f in files}
    violations = sorted((_violation(pack, f, shown) for f in findings), key=lambda v: (v.shop_id, v.period.start, v.period.end, v.rule_id))
    flags = _flags(con, pack, leads, shown)
    return AuditReport(
        auditor_version=__version__,
        policy=PolicyRef(name=pack.name, version=pack.version, digest=loaded.digest),
        as_of=day_to_iso(end_day),
        period=Period(start=day_to_iso(start_day), end=day_to_iso(end_day)),
        inputs=_inputs(ledger, notes),
        metrics=sorted(
            (
                MetricRow(
                    shop_id=v.shop_id,
                    agent_id=v.agent_id,
                    metric=v.metric,
                    period=Period(start=day_to_iso(v.start_day), end=day_to_iso(v.end_day)),
                    value=fix(v.value),  # type: ignore[arg-type]
                    numerator=fix(v.numerator),  # type: ignore[arg-type]
                    denominator=v.denominator,
                )
                for v in values
            ),
            key=lambda m: (m.shop_id, m.period.start, m.period.end, m.metric, m.agent_id is not None, m.agent_id or ""),
        ),
        violations=violations,
        flags=flags,
        flag_notice=FLAG_NOTICE if leads else None,
        not_evaluated=sorted(
            (NotEvaluated(rule_id=u.rule_id, shop_id=u.shop_id, reason=u.reason, days=[day_to_iso(d) for d in u.days]) for u in unevaluated),
            key=lambda n: (n.shop_id or "", n.rule_id),
        ),
        summary=_summary(pack, all_shops, listed, violations, flags, answers),
        definitions=[_definition(m) for m in pack.metrics],
        rules=_rules(pack),
        charts=chart_data(con, pack, start_day, end_day, all_shops, ctx.categories, ctx.peer_levels),
    )


def rule_context(con, pack: Pack, kinds, values, start_day: int, end_day: int, shops: ShopsFile | None, peers: PeersFile | None) -> RuleContext:  # type: ignore[no-untyped-def]
    """What rules judge with: the figures, the period, and the side inputs (categories only when --shops was given)."""
    return RuleContext(
        con=con,
        pack=pack,
        kinds=kinds,
        values=values,
        start_day=start_day,
        end_day=end_day,
        categories={s.shop_id: s.category for s in shops.shops} if shops is not None else None,
        peer_levels={(iso_to_day(d), c, col): v for (d, c, col), v in peers.levels.items()} if peers else None,
    )


def _citation(c: PackCitation) -> Citation:
    return Citation(source=c.source, text=c.quote, gloss_en=c.gloss_en)


def _definition(m: MetricSpec) -> MetricDefinition:
    return MetricDefinition(
        id=m.id,
        kind=m.kind,
        unit=kind_for(m).unit,
        label={"zh": m.label.zh, "en": m.label.en},
        doc={"zh": m.doc.zh, "en": m.doc.en},
        citation=_citation(m.citation) if m.citation else None,
    )


def _rules(pack: Pack) -> list[RuleInfo]:
    out = [
        RuleInfo(
            id=r.id,
            type="rule",
            kind=r.kind,
            title={"zh": r.title.zh, "en": r.title.en},
            doc={"zh": r.doc.zh, "en": r.doc.en},
            severity=r.severity,
            metric=r.metric,
            op=r.op,
            threshold=getattr(r, "value", None),
            consequence=r.consequence.model_dump(mode="json", exclude_none=True),
            citation=_citation(r.citation),
            rule_version=RuleVersion(effective_from=r.effective_from, effective_until=r.effective_until) if r.dated else None,
        )
        for r in pack.rules
    ]
    out += [
        RuleInfo(
            id=d.detector,
            type="detector",
            kind=d.detector,
            title={"zh": d.title.zh, "en": d.title.en},
            doc={"zh": d.doc.zh, "en": d.doc.en},
            severity=d.severity,
            citation=_citation(d.citation),
        )
        for d in pack.detectors
        if d.enabled
    ]
    return out


FLAG_NOTICE = {
    "en": "A flag is a lead for a person to check, not a verdict: it says what pattern the records show and how strongly, with the records behind it.",
    "zh": "标记是供人工核查的线索，而非定论：它说明记录中出现了什么模式、程度如何，并列出相关记录。",
}


def detect_all(con, pack: Pack, start_day: int, end_day: int, progress: Progress | None = None) -> list[Lead]:  # type: ignore[no-untyped-def]
    ctx = DetectContext(con=con, pack=pack, start_day=start_day, end_day=end_day, max_evidence=pack.evidence.max_rounds)
    leads: list[Lead] = []
    enabled = [spec for spec in pack.detectors if spec.enabled]
    for i, spec in enumerate(enabled):
        tell(progress, "detectors", i, len(enabled))
        leads.extend(DETECTORS[spec.detector](spec).detect(ctx))
    tell(progress, "detectors", len(enabled), len(enabled))
    return leads


def _flags(con, pack: Pack, leads: list[Lead], shown: dict[int, str]) -> list[Flag]:  # type: ignore[no-untyped-def]
    """Leads as report flags, with every record pointer resolved to file, line, msg_id and timestamp (one query)."""
    ids = sorted({v.rec_id for lead in leads for item in lead.evidence for v in _refs_in(item)})
    refs: dict[int, RecordRef] = {}
    if ids:
        run(con, "CREATE OR REPLACE TEMP TABLE flag_refs (rec_id BIGINT)")
        insert_rows(con, "flag_refs", [(i,) for i in ids])
        for rec_id, fi, line, msg_id, ts in con.execute(
            "SELECT r.rec_id, r.file_idx, r.line, r.msg_id, r.ts FROM records r JOIN flag_refs f USING (rec_id)"
        ).fetchall():
            refs[rec_id] = RecordRef(file=shown[fi], line=line, msg_id=msg_id, ts=ts)
    specs = {d.detector: d for d in pack.detectors}
    out = []
    for lead in leads:
        spec = specs[lead.detector]
        out.append(
            Flag(
                detector=lead.detector,
                shop_id=lead.shop_id,
                agent_id=lead.agent_id,
                period=Period(start=day_to_iso(lead.start_day), end=day_to_iso(lead.end_day)),
                score=fix(lead.score),  # type: ignore[arg-type]
                summary=lead.summary_en,
                summary_zh=lead.summary_zh,
                title={"zh": spec.title.zh, "en": spec.title.en},
                measures={k: fix(v) for k, v in lead.measures.items()},  # type: ignore[misc]
                evidence=[_resolve(item, refs) for item in lead.evidence],
                evidence_total=lead.evidence_total,
                citation=_citation(spec.citation),
                severity=spec.severity,
            )
        )
    return sorted(out, key=lambda f: (f.shop_id, f.period.start, f.period.end, f.detector, f.agent_id is not None, f.agent_id or ""))


def _refs_in(value: Any) -> list[RecRef]:
    if isinstance(value, RecRef):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs_in(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _refs_in(v)]
    return []


def _resolve(value: Any, refs: dict[int, RecordRef]) -> Any:
    """Evidence as plain JSON: record pointers become {file, line, msg_id, ts}; floats are rounded like figures."""
    if isinstance(value, RecRef):
        return refs[value.rec_id].model_dump()
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_resolve(v, refs) for v in value]
    if isinstance(value, float):
        return fix(value)
    return value


def _summary(
    pack: Pack, shop_ids: list[str], listed: dict[str, ShopInfo], violations: list[Violation], flags: list[Flag], answers: list[Answer]
) -> list[ShopSummary]:
    by_shop_v, by_shop_f, by_shop_a = group(violations), group(flags), group(answers)
    out = []
    for sid in shop_ids:
        mine = by_shop_v.get(sid, [])
        theirs = by_shop_f.get(sid, [])
        counts = {s: sum(1 for v in mine if v.severity == s) + sum(1 for f in theirs if f.severity == s) for s in ("error", "warning", "info")}
        fines: dict[str, list[float]] = {}
        for v in mine:
            if v.consequence.get("type") == "fine" and v.consequence.get("amount") is not None:
                fines.setdefault(v.consequence.get("currency") or "", []).append(float(v.consequence["amount"]))
        info = listed.get(sid)
        out.append(
            ShopSummary(
                shop_id=sid,
                platform=info.platform if info else None,
                category=info.category if info else None,
                findings=counts,
                fines=[Fine(currency=c, total=fix(sum(a)), findings=len(a)) for c, a in sorted(fines.items())],  # type: ignore[arg-type]
                eligibility=[_eligibility(a) for a in by_shop_a.get(sid, [])],
            )
        )
    return out


def _eligibility(a: Answer) -> Eligibility:
    return Eligibility(
        check=a.check.id,
        question={"zh": a.check.question.zh, "en": a.check.question.en},
        day=day_to_iso(a.day),
        eligible=a.eligible,
        complete=a.complete,
        reason={"zh": a.reason_zh, "en": a.reason_en},
        rule_id=a.rule_id,
        metric=a.metric,
        value=fix(a.value),  # type: ignore[arg-type]
        op=a.op,
        threshold=fix(a.threshold),  # type: ignore[arg-type]
    )


def _inputs(ledger: Ledger, notes: list[str]) -> Inputs:
    return Inputs(
        read=ledger.read,
        used=ledger.used,
        excluded=dict(ledger.excluded),
        rejected=ledger.rejected,
        rejections=ledger.rejections,
        files=ledger.files,
        skipped=[SkippedFile(file=s.file, reason=s.reason) for s in ledger.skipped],
        notes=notes,
    )


def _ref(r, shown: dict[int, str]) -> RecordRef:  # type: ignore[no-untyped-def]
    return RecordRef(file=shown[r.file_idx], line=r.line, msg_id=r.msg_id, ts=r.ts)


def _round(r: RoundRow, shown: dict[int, str]) -> RoundEvidence:
    return RoundEvidence(
        buyer_id=r.buyer_id,
        first_message=_ref(r.first, shown),
        reply=_ref(r.reply, shown) if r.reply else None,
        buyer_messages=r.buyer_messages,
        latency_s=fix(r.latency_s),  # type: ignore[arg-type]
        agent_id=r.agent_id,
        counted_good=r.good,
        kind=r.kind,  # type: ignore[arg-type]
        rounds=r.rounds,
    )


def _day(d: DayRow) -> DayEvidence:
    return DayEvidence(
        day=day_to_iso(d.day),
        value=fix(d.value),  # type: ignore[arg-type]
        numerator=fix(d.numerator),  # type: ignore[arg-type]
        denominator=d.denominator,
        peer_value=fix(d.peer),  # type: ignore[arg-type]
        in_streak=d.in_streak,
        note=d.note,
    )


def _violation(pack: Pack, f, shown: dict[int, str]) -> Violation:  # type: ignore[no-untyped-def]
    rule = version_entry(pack, f.rule_id, f.version)
    consequence = rule.consequence.model_dump(exclude_none=True, exclude={"doc"})
    return Violation(
        rule_id=f.rule_id,
        shop_id=f.shop_id,
        period=Period(start=day_to_iso(f.start_day), end=day_to_iso(f.end_day)),
        severity=rule.severity,
        metric=f.metric,
        value=fix(f.value),  # type: ignore[arg-type]
        threshold=fix(float(f.threshold)),  # type: ignore[arg-type]
        op=f.op,
        numerator=fix(f.numerator),  # type: ignore[arg-type]
        denominator=f.denominator,
        title={"zh": rule.title.zh, "en": rule.title.en},
        consequence=consequence,
        citation=_citation(rule.citation),
        evidence=[_day(d) for d in f.days] + [_round(r, shown) for r in f.evidence],
        evidence_total=f.evidence_total,
        rule_version=RuleVersion(effective_from=f.version[0], effective_until=f.version[1]) if f.version else None,
    )


def pack_schema_text() -> str:
    """The published JSON Schema of policy packs."""
    return schema_json()


def formats(document: type[BaseModel] = AuditReport) -> list[str]:
    """The formats this build can write for a kind of document (default: the audit report)."""
    return formats_for(document)


def render(report: BaseModel, fmt: str, *, color: bool = False, width: int = 120, lang: str = "en") -> bytes:
    """Any of the library's documents (audit report, validation, pack tests, diff, explanation) in format ``fmt`` as bytes."""
    cls = REPORTERS.get((type(report), fmt))
    if cls is None:
        raise UsageError(f"unknown format `{fmt}`", hint=f"use one of: {', '.join(formats(type(report)))}")
    buf = io.BytesIO()
    cls(color=color, width=width, lang=lang).render(report, buf)
    return buf.getvalue()


def save(data: bytes, path: str | Path) -> None:
    """Write report bytes to ``path`` atomically."""
    atomic_write(path, data)


def packs_holding(files: list[str | Path]) -> list[Path]:
    """The pack directories that hold the given files (a pack.yaml, a test case, a source), each once, sorted.

    For hooks that are handed changed files: a file under no pack is not a
    pack's business and is left out.
    """
    roots: set[Path] = set()
    for f in files:
        p = Path(f)
        for d in [p, *p.parents] if p.is_dir() else list(p.parents):
            if (d / PACK_FILE).is_file():
                roots.add(d)
                break
    return sorted(roots)


def diff(
    old_pack: str | Path,
    new_pack: str | Path,
    paths: list[str | Path],
    *,
    as_of: date | None = None,
    shops: Path | None = None,
    peers: Path | None = None,
    old_digest: str | None = None,
    new_digest: str | None = None,
    waivers: Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | None = None,
    engine: Literal["duckdb", "spark"] = "duckdb",
    spark_master: str | None = None,
) -> DiffReport:
    """Audit ``paths`` under both packs on the same as-of day; return the pack changes and what they move.

    ``old_digest`` / ``new_digest`` (``sha256:…``) pin the packs: one whose digest differs is refused before any data is read.
    """
    from auditor.diff import diff as _diff  # auditor.diff builds on audit() here

    engine_settings = {"memory_limit": memory_limit, "threads": threads, "temp_directory": temp_directory, "engine": engine, "spark_master": spark_master}
    return _diff(
        old_pack, new_pack, paths, as_of=as_of, shops=shops, peers=peers, old_digest=old_digest, new_digest=new_digest, waivers=waivers, **engine_settings
    )


def run_pack_tests(packs: list[str | Path], select: str | None = None) -> PackTestReport:
    """Run the test cases each pack carries in its ``tests/*.yml``; ``select`` keeps the cases whose name contains it."""
    from auditor.packtests import run_pack_tests as _run  # auditor.packtests builds on audit() here

    return _run(packs, select)


def explain(
    paths: list[str | Path],
    options: AuditOptions,
    *,
    shop: str,
    metric: str | None = None,
    rule: str | None = None,
    day: date | None = None,
    agent: str | None = None,
    limit: int = 200,
) -> Explanation:
    """The trace behind one figure of ``shop`` (``metric``, or ``rule``'s metric): definition, counts, every unit, exclusions."""
    from auditor.explain import explain as _explain

    return _explain(paths, options, shop=shop, metric=metric, rule=rule, day=day, agent=agent, limit=limit)


def validate(packs: list[str | Path]) -> ValidationReport:
    """Check policy packs (built-in names, directories or pack.yaml files); return every problem, never raising for one."""
    from auditor.validation import validate_packs

    return validate_packs(packs)


def precheck(paths: list[str | Path], options: AuditOptions, *, shop: str) -> Precheck:
    """Shop ``shop``'s self-check on the as-of day: eligible or not and why, what is at stake today, what to fix."""
    from auditor.precheck import precheck as _precheck  # auditor.precheck builds on audit() here

    return _precheck(paths, options, shop=shop)


def default_lang() -> str:
    """The language of the user's locale for the human formats: `zh` or `en`."""
    from auditor.i18n import default_lang as _default_lang

    return _default_lang()


def message(lang: str, key: str, /, **values: Any) -> str:
    """A sentence from the message catalogues (``auditor.i18n``), for the few words the CLI says itself (progress labels)."""
    from auditor.i18n import t

    return t(lang, key, **values)


class RunOverrides(BaseModel):
    """Where ``verify`` finds the pack and side files now, when not where the report's `run` block says (another checkout)."""

    policy: str | None = None
    shops: Path | None = None
    peers: Path | None = None
    waivers: Path | None = None
    baseline: Path | None = None


def verify(report: str | Path, paths: list[str | Path], overrides: RunOverrides | None = None) -> Verification:
    """Re-run the audit behind a filed JSON report (its `run` block; ``overrides`` win) and compare the bytes."""
    from auditor.verify import verify as _verify  # auditor.verify builds on audit() here

    return _verify(report, paths, overrides)


def baseline_bytes(report: AuditReport) -> bytes:
    """The baseline file of a report (every finding of the day, fingerprinted, sorted): deterministic JSON bytes."""
    from auditor.governance import baseline_bytes as _bytes

    return _bytes(report)


def write_baseline(report: AuditReport, path: str | Path) -> None:
    """Write the report's baseline to ``path`` atomically, for later runs' ``baseline=`` (``--baseline``)."""
    save(baseline_bytes(report), path)


def waiver_schema_text() -> str:
    """The published JSON Schema of waiver files."""
    from auditor.policy.waivers import waiver_schema_text as _text

    return _text()


def interrupt() -> None:
    """Stop the queries of every running audit so it unwinds at once (its spill files removed); safe from any thread, e.g. a signal watcher."""
    from auditor.engine.connection import interrupt_all

    interrupt_all()


__all__ = [
    "AuditOptions",
    "AuditReport",
    "DiffReport",
    "Explanation",
    "PackTestReport",
    "Precheck",
    "RunOverrides",
    "UsageError",
    "ValidationReport",
    "Verification",
    "__version__",
    "audit",
    "baseline_bytes",
    "builtin_packs",
    "default_lang",
    "diff",
    "explain",
    "formats",
    "interrupt",
    "load_pack",
    "message",
    "pack_schema_text",
    "packs_holding",
    "precheck",
    "render",
    "run_pack_tests",
    "save",
    "validate",
    "verify",
    "waiver_schema_text",
    "write_baseline",
]
