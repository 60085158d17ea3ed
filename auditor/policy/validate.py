"""Semantic checks a schema cannot express: references, uniqueness, windows, citations."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auditor.errors import PolicyProblem
from auditor.policy.loader import SOURCES_DIR, LoadedPack, _dotted, _line_for
from auditor.policy.model import Citation

# Metric kinds that count buyers, not rounds: a buyer's day has no single agent to credit.
PER_SHOP_ONLY = frozenset({"buyer_count", "buyer_rate"})


def semantic_problems(loaded: LoadedPack, shown: str) -> list[PolicyProblem]:
    pack, lines = loaded.pack, loaded.lines
    out: list[PolicyProblem] = []

    def add(path: tuple[object, ...], message: str, hint: str) -> None:
        out.append(PolicyProblem(shown, _line_for(lines, path), _dotted(path), message, hint))

    try:
        ZoneInfo(pack.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        add(("timezone",), f"unknown time zone `{pack.timezone}`", "use an IANA name such as Asia/Shanghai")

    windows = sorted((w.seconds(), i) for i, w in enumerate(pack.service_hours))
    for (start, end), i in windows:
        if start >= end:
            add(("service_hours", i), "service window ends before it starts", "use start < end; split a window that crosses midnight in two")
    for ((_, end_a), _), ((start_b, _), j) in zip(windows, windows[1:], strict=False):
        if start_b < end_a:
            add(("service_hours", j), "service windows overlap", "merge overlapping windows into one")

    seen: dict[str, int] = {}
    for i, m in enumerate(pack.metrics):
        if m.id in seen:
            add(("metrics", i, "id"), f"metric id `{m.id}` is used twice", "give every metric its own id")
        seen[m.id] = i
        if m.citation:
            _check_citation(loaded, m.citation, ("metrics", i, "citation"), add)
        if m.kind in PER_SHOP_ONLY and "agent" in m.by:
            add(("metrics", i, "by"), f"a `{m.kind}` metric counts buyers of the shop and has no per-agent figure", "use `by: [shop]`")

    rule_ids: set[str] = set()
    for i, r in enumerate(pack.rules):
        if r.id in rule_ids:
            add(("rules", i, "id"), f"rule id `{r.id}` is used twice", "give every rule its own id")
        rule_ids.add(r.id)
        if not r.id.startswith(pack.name.replace("-", "_") + "."):
            add(("rules", i, "id"), f"rule id `{r.id}` does not start with the pack name", f"name it `{pack.name}.<rule>`")
        if r.metric not in seen:
            add(("rules", i, "metric"), f"rule uses metric `{r.metric}`, which the pack does not define", f"use one of: {', '.join(sorted(seen))}")
        if r.kind == "peer_streak" and r.metric in seen and pack.metric(r.metric).per != "day":
            add(("rules", i, "metric"), f"a streak walks daily figures, but `{r.metric}` is figured per {pack.metric(r.metric).per}", "use a metric with `per: day`")
        for j, c in enumerate(getattr(r, "also_when", [])):
            if c.metric not in seen:
                add(("rules", i, "also_when", j, "metric"), f"condition uses unknown metric `{c.metric}`", f"use one of: {', '.join(sorted(seen))}")
            elif pack.metric(c.metric).per != pack.metric(r.metric).per or "shop" not in pack.metric(c.metric).by:
                add(("rules", i, "also_when", j, "metric"), f"`{c.metric}` is not figured per shop over the same span as `{r.metric}`", "compare metrics with the same `per` and a `shop` grouping")
        if r.metric in seen and "shop" not in pack.metric(r.metric).by:
            add(("rules", i, "metric"), f"rules judge shop figures, but `{r.metric}` has no `shop` grouping", "add `shop` to the metric's `by`")
        if r.consequence.type == "fine" and (r.consequence.amount is None or r.consequence.currency is None):
            add(("rules", i, "consequence"), "a fine needs an amount and a currency", "add `amount:` and `currency:` (e.g. CNY)")
        _check_citation(loaded, r.citation, ("rules", i, "citation"), add)

    detectors: set[str] = set()
    for i, d in enumerate(pack.detectors):
        if d.detector in detectors:
            add(("detectors", i, "detector"), f"detector `{d.detector}` is configured twice", "keep one entry per detector")
        detectors.add(d.detector)
        _check_citation(loaded, d.citation, ("detectors", i, "citation"), add)

    check_ids: set[str] = set()
    for i, e in enumerate(pack.eligibility):
        if e.id in check_ids:
            add(("eligibility", i, "id"), f"eligibility check `{e.id}` is listed twice", "give every check its own id")
        check_ids.add(e.id)
        for j, rid in enumerate(e.blocked_by):
            if rid not in rule_ids:
                add(("eligibility", i, "blocked_by", j), f"`{rid}` is not a rule of this pack", f"use one of: {', '.join(sorted(rule_ids)) or '(no rules)'}")
    return out


def _check_citation(loaded: LoadedPack, c: Citation, path: tuple[object, ...], add) -> None:  # type: ignore[no-untyped-def]
    src = loaded.root / SOURCES_DIR / c.source
    try:
        inside = src.resolve().is_relative_to((loaded.root / SOURCES_DIR).resolve())
    except OSError:
        inside = False
    if not inside or not src.is_file():
        add(path + ("source",), f"cited source `{c.source}` is not in the pack's {SOURCES_DIR}/ folder", f"copy the article into {SOURCES_DIR}/ or fix the file name")
        return
    text = src.read_text(encoding="utf-8", errors="replace")
    if c.quote not in text:
        add(path + ("quote",), f"the quote is not found in `{c.source}`", "quote the clause exactly as the source has it (same punctuation)")
