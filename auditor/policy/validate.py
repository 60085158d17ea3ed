"""Semantic checks a schema cannot express: references, uniqueness, threshold ranges, windows, citations.

They read the raw YAML data, not the pack model, so they run even when the
schema check failed and every problem of a pack comes out in one run. Each
check looks only at values of the type it expects; a value of the wrong type
is the schema's problem, already reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError as PydanticValidationError

from auditor.errors import PolicyProblem
from auditor.policy.loader import SOURCES_DIR, KeyPath, Marks, inside_sources
from auditor.policy.model import RoundRateMetric, ServiceWindow

# Metric kinds that count buyers, not rounds: a buyer's day has no single agent to credit.
PER_SHOP_ONLY = frozenset({"buyer_count", "buyer_rate"})
# The unit each metric kind's figure is in (the engine's MetricKind.unit; a test keeps the two equal).
UNITS = {"round_rate": "ratio", "buyer_rate": "ratio", "round_latency": "seconds", "buyer_count": "count"}
MAX_SOURCE_BYTES = 4 << 20  # a source is one article; anything larger is a mistake or an attack
_DEFAULT_BY = RoundRateMetric.model_fields["by"].get_default(call_default_factory=True)
_DEFAULT_PER = RoundRateMetric.model_fields["per"].default
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # the form the schema asks of a rule version's day


@dataclass(frozen=True)
class _MetricInfo:
    kind: str | None
    by: list[Any]
    per: Any


@dataclass
class _Checker:
    root: Path
    marks: Marks
    shown: str
    out: list[PolicyProblem] = field(default_factory=list)
    texts: dict[str, tuple[str | None, tuple[str, str, str] | None]] = field(default_factory=dict)  # each source read once

    def add(self, path: KeyPath, code: str, message: str, hint: str) -> None:
        self.out.append(self.marks.problem(self.shown, path, code, message, hint))

    def first_line(self, path: KeyPath) -> str:
        line, _ = self.marks.at(path)
        return f" (first at line {line})" if line else ""


def semantic_problems(data: Any, root: Path, marks: Marks, shown: str) -> list[PolicyProblem]:
    """Every semantic problem of the pack data read from ``root``/pack.yaml."""
    if not isinstance(data, dict):
        return []
    c = _Checker(root, marks, shown)
    tz = data.get("timezone")
    if isinstance(tz, str):
        _check_timezone(c, tz)
    _check_service_hours(c, _items(data.get("service_hours")))
    metrics = _check_metrics(c, _items(data.get("metrics")))
    name = data.get("name") if isinstance(data.get("name"), str) else None
    rule_ids = _check_rules(c, _items(data.get("rules")), metrics, name)
    _check_detectors(c, _items(data.get("detectors")))
    _check_eligibility(c, _items(data.get("eligibility")), rule_ids)
    return c.out


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mapping items of a list, with their indexes; anything else is the schema's problem."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _str(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    return v if isinstance(v, str) else None


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# Every IANA zone name has this form; the engine writes the zone's name into SQL text (a message literal),
# so a name outside it is refused even if some zone file happened to carry it.
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")


def _check_timezone(c: _Checker, tz: str) -> None:
    try:
        if not _ZONE_NAME.fullmatch(tz):
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a directory such as `Asia` raises OSError on some systems
        c.add(("timezone",), "unknown-timezone", f"unknown time zone `{tz}`", "use an IANA name such as Asia/Shanghai")


def _check_service_hours(c: _Checker, windows: list[tuple[int, dict[str, Any]]]) -> None:
    good: list[tuple[int, int, int, str]] = []
    for i, raw in windows:
        try:
            w = ServiceWindow.model_validate(raw)
        except PydanticValidationError:  # a window of the wrong form is the schema's problem
            continue
        start, end = w.seconds()
        if start >= end:
            c.add(
                ("service_hours", i),
                "service-hours-inverted",
                f"service window {w.start}–{w.end} ends before it starts",
                "use start < end; split a window that crosses midnight in two",
            )
        else:
            good.append((start, end, i, f"{w.start}–{w.end}"))
    # Each window against the furthest-reaching one before it, so a window inside a long one is caught too.
    good.sort()
    reach: tuple[int, int, str] | None = None  # (end, index, text) of the window reaching furthest so far
    for start, end, i, text in good:
        if reach is not None and start < reach[0]:
            c.add(
                ("service_hours", i),
                "service-hours-overlap",
                f"service windows overlap: {text} and {reach[2]} (service_hours[{reach[1]}])",
                "merge overlapping windows into one",
            )
        if reach is None or end > reach[0]:
            reach = (end, i, text)


def _check_metrics(c: _Checker, metrics: list[tuple[int, dict[str, Any]]]) -> dict[str, _MetricInfo]:
    """The pack's metrics by id (the first of a repeated id), for the rules' references."""
    seen: dict[str, _MetricInfo] = {}
    first_at: dict[str, int] = {}
    for i, m in metrics:
        mid = _str(m, "id")
        kind = _str(m, "kind")
        by = m.get("by", _DEFAULT_BY)
        info = _MetricInfo(kind=kind, by=by if isinstance(by, list) else [], per=m.get("per", _DEFAULT_PER))
        if mid is not None:
            if mid in seen:
                c.add(("metrics", i, "id"), "duplicate-id", f"metric id `{mid}` is used twice{c.first_line(('metrics', first_at[mid], 'id'))}", "give every metric its own id")
            else:
                seen[mid] = info
                first_at[mid] = i
        if isinstance(m.get("citation"), dict):
            _check_citation(c, m["citation"], ("metrics", i, "citation"))
        if kind in PER_SHOP_ONLY and "agent" in info.by:
            c.add(
                ("metrics", i, "by"),
                "buyer-metric-per-agent",
                f"a `{kind}` metric counts buyers of the shop and has no per-agent figure",
                "use `by: [shop]`",
            )
    return seen


def _known(metrics: dict[str, _MetricInfo]) -> str:
    return ", ".join(sorted(metrics)) or "(none defined)"


def _check_threshold(c: _Checker, path: KeyPath, value: float, metric_id: str, info: _MetricInfo) -> None:
    """A threshold the figure can never reach or always passes is a typo (50 for 50 %, a minus sign)."""
    unit = UNITS.get(info.kind or "")
    shown = f"{value:g}"
    if unit == "ratio" and not 0 <= value <= 1:
        c.add(
            path,
            "threshold-range",
            f"threshold {shown} is outside [0, 1], but `{metric_id}` is a rate (a fraction)",
            f"write rates as fractions, e.g. {value / 100:g} for {shown} %" if 1 < value <= 100 else "use a fraction between 0 and 1",
        )
    elif unit == "seconds" and value < 0:
        c.add(path, "threshold-range", f"threshold {shown} is negative, but `{metric_id}` is in seconds", "use a number of seconds ≥ 0")
    elif unit == "count" and value < 0:
        c.add(path, "threshold-range", f"threshold {shown} is negative, but `{metric_id}` is a count", "use a count ≥ 0")


def _dated(r: dict[str, Any]) -> bool:
    return r.get("effective_from") is not None or r.get("effective_until") is not None


def _check_rules(c: _Checker, rules: list[tuple[int, dict[str, Any]]], metrics: dict[str, _MetricInfo], name: str | None) -> set[str]:
    rule_ids: set[str] = set()
    first_at: dict[str, int] = {}
    entries: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, r in rules:
        rid = _str(r, "id")
        if rid is not None:
            entries.setdefault(rid, []).append((i, r))
    # An id whose entries carry dates names one rule in versions; their ranges are checked together below.
    versioned = {rid for rid, es in entries.items() if any(_dated(r) for _, r in es)}
    for i, r in rules:
        rid = _str(r, "id")
        if rid is not None:
            if rid in rule_ids and rid not in versioned:
                c.add(("rules", i, "id"), "duplicate-id", f"rule id `{rid}` is used twice{c.first_line(('rules', first_at[rid], 'id'))}", "give every rule its own id")
            else:
                first_at[rid] = i
            rule_ids.add(rid)
            if name is not None and not rid.startswith(name.replace("-", "_") + "."):
                c.add(("rules", i, "id"), "rule-id-prefix", f"rule id `{rid}` does not start with the pack name", f"name it `{name}.<rule>`")
        metric = _str(r, "metric")
        info = metrics.get(metric) if metric is not None else None
        if metric is not None and info is None:
            c.add(
                ("rules", i, "metric"),
                "unknown-metric",
                f"rule uses metric `{metric}`, which the pack does not define",
                f"define it under `metrics:` or use one of: {_known(metrics)}",
            )
        if metric is not None and info is not None:
            if r.get("kind") == "peer_streak" and info.per != "day":
                c.add(
                    ("rules", i, "metric"),
                    "streak-not-daily",
                    f"a streak walks daily figures, but `{metric}` is figured per {info.per}",
                    "use a metric with `per: day`",
                )
            if "shop" not in info.by:
                c.add(
                    ("rules", i, "metric"),
                    "metric-not-per-shop",
                    f"rules judge shop figures, but `{metric}` has no `shop` grouping",
                    "add `shop` to the metric's `by`",
                )
            value = _number(r.get("value"))
            if r.get("kind") == "threshold" and value is not None:
                _check_threshold(c, ("rules", i, "value"), value, metric, info)
        for j, cond in _items(r.get("also_when")):
            _check_condition(c, ("rules", i, "also_when", j), cond, metrics, metric, info)
        consequence = r.get("consequence")
        if isinstance(consequence, dict) and consequence.get("type") == "fine" and (
            consequence.get("amount") is None or consequence.get("currency") is None
        ):
            c.add(("rules", i, "consequence"), "fine-incomplete", "a fine needs an amount and a currency", "add `amount:` and `currency:` (e.g. CNY)")
        if isinstance(r.get("citation"), dict):
            _check_citation(c, r["citation"], ("rules", i, "citation"))
    for rid in sorted(versioned, key=lambda x: entries[x][0][0]):
        _check_versions(c, rid, entries[rid])
    return rule_ids


def _day(c: _Checker, path: KeyPath, value: Any) -> date | None:
    """A version's day, or None after adding the problem (a string of the right form that is no real day)."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return None  # absent, or of the wrong form: the schema's problem
    try:
        return date.fromisoformat(value)
    except ValueError:
        c.add(path, "rule-version-dates", f"`{value}` is not a real day", "write an existing local day as YYYY-MM-DD")
        return None


def _at(c: _Checker, j: int) -> str:
    line, _ = c.marks.at(("rules", j, "id"))
    return f" (line {line})" if line else ""


def _check_versions(c: _Checker, rid: str, entries: list[tuple[int, dict[str, Any]]]) -> None:
    """Versions of one rule: each range [from, until) not empty, together one contiguous range with no overlap and no gap."""
    ranges: list[tuple[date | None, date | None, int]] = []
    for i, r in entries:
        start = _day(c, ("rules", i, "effective_from"), r.get("effective_from"))
        end = _day(c, ("rules", i, "effective_until"), r.get("effective_until"))
        if (r.get("effective_from") is not None and start is None) or (r.get("effective_until") is not None and end is None):
            continue  # a bad day is already reported; ranges are compared on good ones only
        if start is not None and end is not None and start >= end:
            c.add(
                ("rules", i, "effective_until"),
                "rule-version-dates",
                f"version of `{rid}` ends ({end}, exclusive) before or on the day it starts ({start}): it is never in force",
                "set `effective_until` after `effective_from` (until is exclusive: the first day the version no longer applies)",
            )
            continue
        ranges.append((start, end, i))
    # Oldest first: `since always` before any dated start; then each version against the one before it.
    ranges.sort(key=lambda x: (x[0] is not None, x[0] or date.min, x[2]))
    for (_, prev_end, j), (start, _, i) in zip(ranges, ranges[1:], strict=False):
        where = ("rules", i, "effective_from") if start is not None else ("rules", i, "id")
        if prev_end is None or start is None or start < prev_end:
            ends = "has no `effective_until`" if prev_end is None else f"is in force until {prev_end} (exclusive)"
            begins = "has no `effective_from` either" if start is None else f"starts on {start}"
            c.add(
                where,
                "rule-versions-overlap",
                f"versions of `{rid}` overlap: rules[{j}]{_at(c, j)} {ends}, and this one {begins}",
                "end each version (`effective_until`, exclusive) on the day the next one starts (`effective_from`)",
            )
        elif start > prev_end:
            c.add(
                where,
                "rule-versions-gap",
                f"versions of `{rid}` leave a gap: rules[{j}]{_at(c, j)} ends before {prev_end}, this one starts on {start}",
                f"start this version on {prev_end}, the day the previous one stops (its `effective_until` is exclusive)",
            )


def _check_condition(
    c: _Checker, path: KeyPath, cond: dict[str, Any], metrics: dict[str, _MetricInfo], rule_metric: str | None, rule_info: _MetricInfo | None
) -> None:
    metric = _str(cond, "metric")
    if metric is None:
        return
    info = metrics.get(metric)
    if info is None:
        c.add(
            path + ("metric",),
            "unknown-metric",
            f"condition uses unknown metric `{metric}`",
            f"define it under `metrics:` or use one of: {_known(metrics)}",
        )
        return
    if rule_info is not None and (info.per != rule_info.per or "shop" not in info.by):
        c.add(
            path + ("metric",),
            "metric-mismatch",
            f"`{metric}` is not figured per shop over the same span as `{rule_metric}`",
            "compare metrics with the same `per` and a `shop` grouping",
        )
    value = _number(cond.get("value"))
    if value is not None:
        _check_threshold(c, path + ("value",), value, metric, info)


def _check_detectors(c: _Checker, detectors: list[tuple[int, dict[str, Any]]]) -> None:
    first_at: dict[str, int] = {}
    for i, d in detectors:
        name = _str(d, "detector")
        if name is not None:
            if name in first_at:
                c.add(
                    ("detectors", i, "detector"),
                    "duplicate-detector",
                    f"detector `{name}` is configured twice{c.first_line(('detectors', first_at[name], 'detector'))}",
                    "keep one entry per detector",
                )
            else:
                first_at[name] = i
        if isinstance(d.get("citation"), dict):
            _check_citation(c, d["citation"], ("detectors", i, "citation"))


def _check_eligibility(c: _Checker, checks: list[tuple[int, dict[str, Any]]], rule_ids: set[str]) -> None:
    first_at: dict[str, int] = {}
    for i, e in checks:
        eid = _str(e, "id")
        if eid is not None:
            if eid in first_at:
                c.add(
                    ("eligibility", i, "id"),
                    "duplicate-id",
                    f"eligibility check `{eid}` is listed twice{c.first_line(('eligibility', first_at[eid], 'id'))}",
                    "give every check its own id",
                )
            else:
                first_at[eid] = i
        blocked = e.get("blocked_by")
        for j, rid in enumerate(blocked if isinstance(blocked, list) else []):
            if isinstance(rid, str) and rid not in rule_ids:
                c.add(
                    ("eligibility", i, "blocked_by", j),
                    "unknown-rule",
                    f"`{rid}` is not a rule of this pack",
                    f"use one of: {', '.join(sorted(rule_ids)) or '(no rules)'}",
                )


def _escapes(name: str) -> bool:
    """A source named as a path (absolute, with a separator, `.` or `..`) rather than a file name in sources/."""
    return (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or bool(PureWindowsPath(name).drive)
    )


def _check_citation(c: _Checker, citation: dict[str, Any], path: KeyPath) -> None:
    source = _str(citation, "source")
    if source is None:
        return
    where = path + ("source",)
    if _escapes(source):
        c.add(
            where,
            "citation-path",
            f"cited source `{source}` is a path, not a file of the pack's {SOURCES_DIR}/ folder; it is not read",
            f"copy the article into {SOURCES_DIR}/ and cite it by its bare file name",
        )
        return
    text = _source_text(c, source, where)
    if text is None:
        return
    quote = _str(citation, "quote")
    if quote and quote not in text:
        c.add(path + ("quote",), "citation-quote", f"the quote is not found in `{source}`", "quote the clause exactly as the source has it (same punctuation)")


def _source_text(c: _Checker, source: str, where: KeyPath) -> str | None:
    """The source's text, or None after adding the problem that stops it being read (once per citation)."""
    file = c.root / SOURCES_DIR / source
    if file.is_symlink() or file.exists():
        if not inside_sources(c.root, file):
            c.add(
                where,
                "citation-path",
                f"cited source `{source}` is a link that leads out of the pack's {SOURCES_DIR}/ folder; it is not read",
                f"replace the link with a copy of the article in {SOURCES_DIR}/",
            )
            return None
    if not file.is_file():
        c.add(where, "citation-source", f"cited source `{source}` is not in the pack's {SOURCES_DIR}/ folder", f"copy the article into {SOURCES_DIR}/ or fix the file name")
        return None
    if source not in c.texts:
        c.texts[source] = _read_source(file)
    text, problem = c.texts[source]
    if problem is not None:
        c.add(where, *problem)
    return text


def _read_source(file: Path) -> tuple[str | None, tuple[str, str, str] | None]:
    """(text, None), or (None, (code, message, fix)) when the file may not or cannot be read."""
    try:
        size = file.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return None, (
                "source-too-large",
                f"cited source `{file.name}` is {size} bytes, over the {MAX_SOURCE_BYTES} byte limit; it is not read",
                "keep only the article's text in the source file",
            )
        return file.read_bytes().decode("utf-8-sig", errors="replace"), None
    except OSError as exc:
        return None, ("citation-source", f"cited source `{file.name}` cannot be read: {exc.strerror}", "check the file's permissions")
