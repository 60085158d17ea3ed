"""`diff`: what a pack change does to the verdicts on the same data.

The two packs are compared item by item (pack-level settings, metrics, rules,
detectors, eligibility checks) on their validated models, so a key written
out with its default value is no change. The data is then audited under each
pack on the same as-of day, and the two reports are matched: findings by what
they are about (kind, rule or detector, shop, agent, period), never by line
numbers; fines and eligibility answers per shop; figures by metric, shop,
agent and period. The data is read once per pack: the engine keeps no state
between audits, and sharing one read would mean reaching into it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Literal

from auditor import __version__
from auditor.api import AuditOptions, audit
from auditor.governance import read_governance
from auditor.governance.pinning import load_pinned
from auditor.models import (
    AuditReport,
    Citation,
    DiffReport,
    EligibilityFlip,
    FindingChange,
    FindingRef,
    Flag,
    KeyChange,
    MetricMove,
    PackChange,
    Period,
    RecordRef,
    RoundEvidence,
    ShopChange,
    Violation,
)

# Sections of a pack whose items are matched by a key of their own; everything
# else at the top level of a pack is a pack-level setting (section `pack`).
ITEM_SECTIONS: dict[str, str] = {"metrics": "id", "rules": "id", "detectors": "detector", "eligibility": "id"}
SECTION_ORDER = ["pack", "metrics", "rules", "detectors", "eligibility"]
METRIC_TOLERANCE = 1e-9  # figures are rounded to 6 decimals; anything closer is the same figure


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
    """Audit ``paths`` under both packs on the same as-of day and return what the change from old to new moves.

    ``old_digest`` / ``new_digest`` pin the packs: a pack whose digest differs is refused before any data is read.
    ``waivers`` apply to both runs (checked against the rules of either pack), so a finding waived under one pack only shows as changed.
    """
    old_loaded = load_pinned(old_pack, old_digest, option="--old-policy-digest")  # both packs fail closed before any data is read
    new_loaded = load_pinned(new_pack, new_digest, option="--policy-digest")
    governed = read_governance(waivers, None, [old_loaded.pack, new_loaded.pack])
    # the same engine and resources for both runs
    run_on = {"memory_limit": memory_limit, "threads": threads, "temp_directory": temp_directory, "engine": engine, "spark_master": spark_master}
    before = governed.apply(audit(paths, AuditOptions(policy=old_pack, as_of=as_of, shops=shops, peers=peers, **run_on)))
    # The default as-of is the latest local day in the pack's time zone; pin the old run's day so a
    # time-zone change cannot make the two runs judge different days.
    after = governed.apply(audit(paths, AuditOptions(policy=new_pack, as_of=date.fromisoformat(before.as_of), shops=shops, peers=peers, **run_on)))
    old_dump = old_loaded.pack.model_dump(mode="json")
    new_dump = new_loaded.pack.model_dump(mode="json")
    units = {d.id: d.unit for d in before.definitions} | {d.id: d.unit for d in after.definitions}
    return DiffReport(
        auditor_version=__version__,
        old=before.policy,
        new=after.policy,
        as_of=after.as_of,
        period=Period(start=min(before.period.start, after.period.start), end=after.period.end),
        inputs=after.inputs,
        pack_changes=pack_changes(old_dump, new_dump),
        shops=shop_changes(before, after),
        metrics=metric_moves(before, after),
        units=dict(sorted(units.items())),
        waivers=after.governance.waivers if after.governance else None,
    )


# ---------------------------------------------------------------- pack changes


def pack_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PackChange]:
    """Every item added, removed or changed between two packs given as their model dumps (JSON mode)."""
    out: list[PackChange] = []
    for key in _union(old, new):
        if key in ITEM_SECTIONS:
            continue
        keys = _walk(old.get(key), new.get(key), key)
        if keys:
            out.append(PackChange(section="pack", id=key, change="changed", keys=keys))
    for section, id_key in ITEM_SECTIONS.items():
        olds = _keyed(old.get(section) or [], id_key)
        news = _keyed(new.get(section) or [], id_key)
        for item_id in _union(news, olds):  # the new pack's order, then what it dropped
            a, b = olds.get(item_id), news.get(item_id)
            shown = b if b is not None else a
            assert shown is not None
            if a is None:
                change, keys = "added", []
            elif b is None:
                change, keys = "removed", []
            else:
                keys = _walk(a, b, "")
                if not keys:
                    continue
                change = "changed"
            out.append(PackChange(section=section, id=str(item_id), change=change, keys=keys, title=_title(shown), citation=_citation(shown)))
    return sorted(out, key=lambda c: SECTION_ORDER.index(c.section))  # stable: keeps pack order within a section


def _keyed(items: list[dict[str, Any]], id_key: str) -> dict[str, dict[str, Any]]:
    """Items by key: the id; a rule's later versions (docs/rule-versions.md) are items of their own, `id@effective_from`.

    The earliest version keeps the plain id, so dating a rule that had no dates shows as a change, not as removed and added.
    """
    earliest: dict[str, str] = {}
    for item in items:
        start = str(item.get("effective_from") or "")
        earliest[str(item[id_key])] = min(earliest.get(str(item[id_key]), start), start)
    out = {}
    for item in items:
        rid, start = str(item[id_key]), str(item.get("effective_from") or "")
        out[rid if start == earliest[rid] else f"{rid}@{start}"] = item
    return out


def _union(first: Iterable[str], second: Iterable[str]) -> list[str]:
    seen = list(first)
    return seen + [k for k in second if k not in seen]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list_ids(items: list[Any]) -> list[str] | None:
    """The ids the items of a list are known by (`id` or `detector`), when every item has a distinct one."""
    for id_key in ("id", "detector"):
        if items and all(isinstance(i, dict) and isinstance(i.get(id_key), str) for i in items):
            ids = [i[id_key] for i in items]
            if len(set(ids)) == len(ids):
                return ids
    return None


def _walk(old: Any, new: Any, path: str) -> list[KeyChange]:
    """Each leaf that differs, as a dotted path (`also_when[0].value`, `weights.share`, `blocked_by`)."""
    if old == new and isinstance(old, bool) == isinstance(new, bool):  # 1 == 1.0 is no change; True == 1 is one
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [c for k in _union(old, new) for c in _walk(old.get(k), new.get(k), _join(path, k))]
    if isinstance(old, list) and isinstance(new, list):
        old_ids, new_ids = _list_ids(old), _list_ids(new)
        if old_ids is not None and new_ids is not None:
            by_old, by_new = dict(zip(old_ids, old, strict=True)), dict(zip(new_ids, new, strict=True))
            changes = [c for i in _union(new_ids, old_ids) for c in _walk(by_old.get(i), by_new.get(i), f"{path}[{i}]")]
            if changes or old_ids == new_ids:
                return changes
            return [KeyChange(key=path, old=old_ids, new=new_ids)]  # same items, new order
        if len(old) == len(new) and all(isinstance(i, dict) for i in old + new):
            return [c for n, (a, b) in enumerate(zip(old, new, strict=True)) for c in _walk(a, b, f"{path}[{n}]")]
    return [KeyChange(key=path, old=old, new=new)]  # a scalar, or a list compared as a value


def _title(item: dict[str, Any]) -> dict[str, str] | None:
    for key in ("title", "label", "question"):
        if isinstance(item.get(key), dict):
            return dict(item[key])
    return None


def _citation(item: dict[str, Any]) -> Citation | None:
    c = item.get("citation")
    if not isinstance(c, dict):
        return None
    return Citation(source=c["source"], text=c["quote"], gloss_en=c.get("gloss_en"))


# ---------------------------------------------------------------- findings, fines, eligibility

FindingKey = tuple[str, str, str, str, str, str]


def _key(f: FindingRef) -> FindingKey:
    return (f.shop_id, f.period.start, f.period.end, f.kind, f.rule_id, f.agent_id or "")


def _location(evidence: Iterable[Any]) -> RecordRef | None:
    for item in evidence:
        if isinstance(item, RoundEvidence):
            return item.first_message
        if isinstance(item, dict):
            for v in item.values():
                if isinstance(v, dict) and {"file", "line", "msg_id", "ts"} <= set(v):
                    return RecordRef.model_validate(v)
    return None


def finding_refs(report: AuditReport) -> list[FindingRef]:
    """The report's violations and flags as FindingRefs, sorted by identity."""
    out = [_from_violation(v) for v in report.violations] + [_from_flag(f) for f in report.flags]
    return sorted(out, key=_key)


def _from_violation(v: Violation) -> FindingRef:
    return FindingRef(
        kind="violation",
        rule_id=v.rule_id,
        shop_id=v.shop_id,
        agent_id=None,
        period=v.period,
        severity=v.severity,
        title=v.title,
        value=v.value,
        threshold=v.threshold,
        op=v.op,
        metric=v.metric,
        consequence=v.consequence,
        citation=v.citation,
        location=_location(v.evidence),
        rule_version=v.rule_version,
        waiver=v.waiver,
    )


def _from_flag(f: Flag) -> FindingRef:
    return FindingRef(
        kind="flag",
        rule_id=f.detector,
        shop_id=f.shop_id,
        agent_id=f.agent_id,
        period=f.period,
        severity=f.severity,
        title=f.title,
        value=f.score,
        citation=f.citation,
        location=_location(f.evidence),
        waiver=f.waiver,
    )


def _same_verdict(a: FindingRef, b: FindingRef) -> bool:
    # a finding waived under one pack only (a waiver naming a rule the other pack lacks) is a change worth showing
    waivers = (a.waiver.id if a.waiver else None, b.waiver.id if b.waiver else None)
    same = (a.value, a.threshold, a.op, a.severity, a.consequence) == (b.value, b.threshold, b.op, b.severity, b.consequence) and waivers[0] == waivers[1]
    return same and a.rule_version == b.rule_version  # judged by another version of the rule (docs/rule-versions.md): a change


def shop_changes(before: AuditReport, after: AuditReport) -> list[ShopChange]:
    """Per shop, the findings the new pack adds, resolves or changes, its fines and its eligibility flips; unchanged shops left out."""
    olds: defaultdict[FindingKey, list[FindingRef]] = defaultdict(list)
    news: defaultdict[FindingKey, list[FindingRef]] = defaultdict(list)
    for f in finding_refs(before):
        olds[_key(f)].append(f)
    for f in finding_refs(after):
        news[_key(f)].append(f)
    shops: dict[str, ShopChange] = {}

    def shop(sid: str) -> ShopChange:
        return shops.setdefault(sid, ShopChange(shop_id=sid))

    for key in sorted(set(olds) | set(news)):
        a, b = olds.get(key, []), news.get(key, [])
        # one finding per identity is the rule; should a kind ever give two, they pair in report order
        for x, y in zip(a, b, strict=False):
            if not _same_verdict(x, y):
                shop(key[0]).changed.append(FindingChange(before=x, after=y))
        if len(b) > len(a):
            shop(key[0]).added.extend(b[len(a):])
        if len(a) > len(b):
            shop(key[0]).resolved.extend(a[len(b):])

    old_summary = {s.shop_id: s for s in before.summary}
    new_summary = {s.shop_id: s for s in after.summary}
    for sid in sorted(set(old_summary) | set(new_summary)):
        s_old, s_new = old_summary.get(sid), new_summary.get(sid)
        fines_before = s_old.fines if s_old else []
        fines_after = s_new.fines if s_new else []
        answers_old = {(e.check, e.day): e.eligible for e in (s_old.eligibility if s_old else [])}
        answers_new = {(e.check, e.day): e.eligible for e in (s_new.eligibility if s_new else [])}
        flips = [
            EligibilityFlip(check=check, day=day, before=answers_old.get((check, day)), after=answers_new.get((check, day)))
            for check, day in sorted(set(answers_old) | set(answers_new))
            if answers_old.get((check, day)) != answers_new.get((check, day))
        ]
        if fines_before != fines_after or flips or sid in shops:
            entry = shop(sid)
            entry.fines_before = list(fines_before)
            entry.fines_after = list(fines_after)
            entry.eligibility = flips
    return [shops[sid] for sid in sorted(shops)]


# ---------------------------------------------------------------- figures

MetricKey = tuple[str, str, str, str, bool, str]


def metric_moves(before: AuditReport, after: AuditReport) -> list[MetricMove]:
    """Figures whose value differs by more than METRIC_TOLERANCE, or that only one run has."""

    def keyed(report: AuditReport) -> dict[MetricKey, Any]:
        return {(m.shop_id, m.period.start, m.period.end, m.metric, m.agent_id is not None, m.agent_id or ""): m for m in report.metrics}

    olds, news = keyed(before), keyed(after)
    out = []
    for key in sorted(set(olds) | set(news)):
        a, b = olds.get(key), news.get(key)
        if a is not None and b is not None and abs(a.value - b.value) <= METRIC_TOLERANCE:
            continue
        m = b if b is not None else a
        out.append(
            MetricMove(
                metric=m.metric,
                shop_id=m.shop_id,
                agent_id=m.agent_id,
                period=m.period,
                before=a.value if a is not None else None,
                after=b.value if b is not None else None,
            )
        )
    return out
