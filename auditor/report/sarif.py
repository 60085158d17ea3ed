"""`sarif`: audit reports, pack validations and pack diffs as SARIF 2.1.0 logs, for code-scanning tools such as GitHub code scanning.

One run per log. The rules are the pack's rules and detectors (audit), the
problem codes found (validate) or the rules of the findings a new pack adds
(diff). Each finding becomes a result located at the input file and line of
its first evidence record, or at the pack file, line and column of a pack
problem, so a code-scanning viewer shows it inline. docs/sarif.md has the
whole mapping. Data-derived text never carries raw control characters, and
the same document always gives the same bytes (sorted keys, no clock).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from auditor.models import (
    AuditReport,
    Citation,
    DiffReport,
    FindingRef,
    Flag,
    PolicyRef,
    RecordRef,
    Rejection,
    RoundEvidence,
    RuleInfo,
    ValidationReport,
    Violation,
)
from auditor.models.fingerprint import finding_fingerprint, fingerprint
from auditor.report import _governance
from auditor.report.base import Reporter, register
from auditor.report.escape import terminal_safe

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "auditorFinding/v1"
MAX_RELATED = 20  # evidence records listed beside the primary location of one result
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
REJECTED_RULE = "input.rejected"

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_RECORD_LABELS = {
    "first_message": "the buyer's first message",
    "buyer_message": "the buyer's message",
    "reply": "the reply",
    "close": "the session close",
    "example": "an example message",
}


# --- shared pieces -----------------------------------------------------------------------------


def _safe(text: object) -> str:
    """Data-derived text for a SARIF string: control characters shown as \\xNN, newlines as spaces."""
    return terminal_safe(None if text is None else str(text))


def _md(text: object) -> str:
    """Safe text for a Markdown field: characters Markdown or HTML would act on are backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _safe(text))


def _num(x: float | int | None) -> str:
    """A figure as the JSON report writes it, without a trailing `.0` on whole numbers."""
    if x is None:
        return "none"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x)


def _span(start: str, end: str) -> str:
    return f"on {start}" if start == end else f"over {start}..{end}"


def level(severity: str) -> str:
    """A pack severity as a SARIF level (error, warning; info is a note)."""
    return LEVELS.get(severity, "warning")


def artifact_location(file: str) -> dict[str, str]:
    """A file name as the report shows it, as a SARIF artifactLocation.

    Relative names (relative to the directory the command ran in) are relative
    URIs against %SRCROOT%; absolute names become file:// URIs. Everything but
    unreserved characters and `/` is percent-encoded as UTF-8 (RFC 3986), so
    spaces and Chinese file names stay valid URIs.
    """
    path = file.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    if _WINDOWS_DRIVE.match(path):
        return {"uri": "file:///" + path[:2] + quote(path[2:], safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _logical(shop_id: str, agent_id: str | None) -> list[dict[str, str]]:
    """The shop (or the shop's agent) a finding is about, as a logical location."""
    if agent_id is None:
        return [{"fullyQualifiedName": _safe(shop_id), "kind": "shop", "name": _safe(shop_id)}]
    return [{"fullyQualifiedName": f"{_safe(shop_id)}/{_safe(agent_id)}", "kind": "agent", "name": _safe(agent_id)}]


def _physical(file: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    if line is not None and line >= 1:
        region: dict[str, int] = {"startLine": line}
        if column is not None and column >= 1:
            region["startColumn"] = column
        physical["region"] = region
    return physical


def _consequence(c: dict[str, Any] | None) -> str | None:
    """A finding's consequence in a few words; None when it has none."""
    if not c or c.get("type") in (None, "none"):
        return None
    text = _safe(c.get("type"))
    if c.get("amount") is not None:
        text += f" {_safe(c.get('currency') or '')} {_num(c['amount'])}".rstrip()
    return text


def _figure(
    shop_id: str, agent_id: str | None, subject: str, value: float | None, op: str | None, threshold: float | None, span: str
) -> str:
    who = f"shop {_safe(shop_id)}" + (f", agent {_safe(agent_id)}" if agent_id else "")
    if op is None or threshold is None:
        return f"{who}: {subject} {_num(value)} {span}"
    return f"{who}: {subject} {_num(value)} {_safe(op)} {_num(threshold)} {span}"


def _help(lead: str, citation: Citation, consequence: dict[str, Any] | None, condition: str | None, zh: str | None) -> dict[str, str]:
    """A rule's help: what it checks, the clause it cites (Chinese, then the English gloss, then the source), its consequence."""
    cons_doc = (consequence or {}).get("doc")
    cons_text = cons_doc.get("en") if isinstance(cons_doc, dict) and cons_doc.get("en") else _consequence(consequence)
    text = [_safe(lead)]
    md = [_md(lead)]
    if condition:
        text.append(f"Fires when {condition}.")
        md.append(f"Fires when `{_safe(condition)}`.")
    text += ["", f"Cited clause ({_safe(citation.source)}):", f"「{_safe(citation.text)}」"]
    md += ["", f"> 「{_md(citation.text)}」"]
    if citation.gloss_en:
        text.append(_safe(citation.gloss_en))
        md += [">", f"> {_md(citation.gloss_en)}"]
    md += [">", f"> — {_md(citation.source)}"]
    if cons_text:
        text += ["", f"Consequence: {_safe(cons_text)}"]
        md += ["", f"**Consequence:** {_md(cons_text)}"]
    if zh:
        text += ["", _safe(zh)]
        md += ["", _md(zh)]
    return {"markdown": "\n".join(md), "text": "\n".join(text)}


def _rule(
    rule_id: str,
    title_en: str,
    full: str | None,
    severity: str,
    help_: dict[str, str],
    properties: dict[str, Any],
) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "defaultConfiguration": {"level": level(severity)},
        "help": help_,
        "id": rule_id,
        "name": rule_id.rsplit(".", 1)[-1],
        "properties": properties,
        "shortDescription": {"text": _safe(title_en) or rule_id},
    }
    if full:
        descriptor["fullDescription"] = {"text": _safe(full)}
    return descriptor


def _related(records: list[tuple[RecordRef, str]]) -> list[dict[str, Any]]:
    """Evidence records after the primary one, capped, each saying what it is; ids keep them distinct."""
    return [
        {"id": i, "message": {"text": _safe(what)}, "physicalLocation": _physical(ref.file, ref.line)}
        for i, (ref, what) in enumerate(records[:MAX_RELATED], start=1)
    ]


def _dedupe(records: Iterator[tuple[RecordRef, str]]) -> list[tuple[RecordRef, str]]:
    seen: set[tuple[str, int]] = set()
    out = []
    for ref, what in records:
        if (ref.file, ref.line) not in seen:
            seen.add((ref.file, ref.line))
            out.append((ref, what))
    return out


def _locate(
    records: list[tuple[RecordRef, str]], shop_id: str, agent_id: str | None, fallback_file: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The primary location (the first evidence record) and the related ones.

    A finding with no record behind it (a streak judged on daily figures only,
    a lead drawn from buyers rather than messages) is placed at the first
    input file, with no region, and its shop as the logical location.
    """
    logical = _logical(shop_id, agent_id)
    if records:
        ref, what = records[0]
        primary = {"logicalLocations": logical, "message": {"text": _safe(what)}, "physicalLocation": _physical(ref.file, ref.line)}
        return [primary], _related(records[1:])
    if fallback_file is not None:
        return [{"logicalLocations": logical, "physicalLocation": _physical(fallback_file)}], []
    return [{"logicalLocations": logical}], []


def _log(driver: dict[str, Any], results: list[dict[str, Any]], invocation: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    # No automationDetails: GitHub's upload-sarif only sets its `category` on runs without one, so leaving it out keeps that choice the user's.
    return {
        "$schema": SCHEMA_URI,
        "runs": [
            {
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "originalUriBaseIds": {
                    SRCROOT: {"description": {"text": "The directory auditor ran in; relative file names in this log are relative to it."}}
                },
                "properties": properties,
                "results": results,
                "tool": {"driver": driver},
            }
        ],
        "version": SARIF_VERSION,
    }


def _driver(version: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "auditor", "rules": rules, "version": version}


def _index(rules: list[dict[str, Any]]) -> dict[str, int]:
    return {r["id"]: i for i, r in enumerate(rules)}


def _write(out: BinaryIO, log: dict[str, Any]) -> None:
    text = json.dumps(log, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    out.write(text.encode("utf-8") + b"\n")


# --- audit -------------------------------------------------------------------------------------


def _rule_info(r: RuleInfo) -> dict[str, Any]:
    condition = f"{r.metric} {r.op} {_num(r.threshold)}" if r.metric and r.op and r.threshold is not None else None
    props: dict[str, Any] = {"kind": r.kind, "tags": ["auditor", r.type], "title_zh": _safe(r.title.get("zh", "")), "type": r.type}
    if r.consequence is not None:
        props["consequence"] = {k: v for k, v in r.consequence.items() if k != "doc"}
    if r.metric is not None:
        props.update(metric=r.metric, op=r.op, threshold=r.threshold)
    return _rule(
        r.id,
        r.title.get("en", ""),
        r.doc.get("en"),
        r.severity,
        _help(r.doc.get("en") or r.title.get("en", ""), r.citation, r.consequence, condition, r.doc.get("zh")),
        props,
    )


def _rule_infos(infos: list[RuleInfo]) -> list[dict[str, Any]]:
    """One descriptor per rule id: a rule with versions is described by its latest, with every version under `properties.versions`."""
    out: list[dict[str, Any]] = []
    by_id: dict[str, list[RuleInfo]] = {}
    for r in infos:
        by_id.setdefault(r.id, []).append(r)
    for versions in by_id.values():
        if len(versions) == 1 and versions[0].rule_version is None:
            out.append(_rule_info(versions[0]))
            continue
        versions = sorted(versions, key=lambda r: (r.rule_version.effective_from or "") if r.rule_version else "")
        descriptor = _rule_info(versions[-1])
        descriptor["properties"]["versions"] = [
            {"effective_from": r.rule_version.effective_from if r.rule_version else None,
             "effective_until": r.rule_version.effective_until if r.rule_version else None,
             "metric": r.metric, "op": r.op, "threshold": r.threshold, "title": _safe(r.title.get("en", ""))}
            for r in versions
        ]  # fmt: skip
        out.append(descriptor)
    return out


def _rejected_rule() -> dict[str, Any]:
    lead = (
        "A record that could not be read: it is counted in the row ledger (read = used + excluded + rejected) and never used. "
        "The result is at the record's file and physical line (for Parquet, its row); its code says why."
    )
    return {
        "defaultConfiguration": {"level": "note"},
        "fullDescription": {"text": lead},
        "help": {"markdown": lead, "text": lead},
        "id": REJECTED_RULE,
        "name": "rejected",
        "properties": {"kind": "input", "tags": ["auditor", "input"], "type": "input"},
        "shortDescription": {"text": "Input record rejected"},
    }


def _violation_records(v: Violation) -> Iterator[tuple[RecordRef, str]]:
    for e in v.evidence:
        if not isinstance(e, RoundEvidence):
            continue
        buyer = _safe(e.buyer_id)
        unit = "inquiry" if e.kind == "inquiry" else "round"
        if e.reply is None:
            yield e.first_message, f"buyer {buyer}'s first message of the {unit}, unanswered"
            continue
        latency = f" after {_num(e.latency_s)} s" if e.latency_s is not None else ""
        yield e.first_message, f"buyer {buyer}'s first message of the {unit}, answered{latency}"
        by = f" by {_safe(e.agent_id)}" if e.agent_id else ""
        yield e.reply, f"the reply to buyer {buyer}{by}{latency}"


def _refs_in(value: Any, kind: str, key: str = "") -> Iterator[tuple[RecordRef, str]]:
    """Every record pointer inside a flag's evidence item, in order, with what it is."""
    if isinstance(value, dict):
        if isinstance(value.get("file"), str) and isinstance(value.get("line"), int):
            yield (
                RecordRef(file=value["file"], line=value["line"], msg_id=value.get("msg_id"), ts=str(value.get("ts", ""))),
                f"{kind.replace('_', ' ')}: {_RECORD_LABELS.get(key, key.replace('_', ' '))}",
            )
            return
        for k, v in value.items():
            yield from _refs_in(v, kind, k)
    elif isinstance(value, list):
        for v in value:
            yield from _refs_in(v, kind, key)


def _flag_records(f: Flag) -> Iterator[tuple[RecordRef, str]]:
    for item in f.evidence:
        yield from _refs_in(item, str(item.get("kind", "evidence")))


def _violation_result(v: Violation, rule_index: int, fallback: str | None) -> dict[str, Any]:
    locations, related = _locate(_dedupe(_violation_records(v)), v.shop_id, None, fallback)
    cons = _consequence(v.consequence)
    text = _figure(v.shop_id, None, v.metric, v.value, v.op, v.threshold, _span(v.period.start, v.period.end))
    text += f"; consequence: {cons}." if cons else "."
    text += f" {_safe(v.title.get('en', ''))}."
    result: dict[str, Any] = {
        "level": level(v.severity),
        "locations": locations,
        "message": {"text": text},
        "partialFingerprints": {
            FINGERPRINT_KEY: v.fingerprint
        },
        "properties": {
            "consequence": v.consequence,
            "denominator": v.denominator,
            "evidence_total": v.evidence_total,
            "metric": v.metric,
            "numerator": v.numerator,
            "op": v.op,
            "period": v.period.model_dump(),
            "shop_id": _safe(v.shop_id),
            "threshold": v.threshold,
            "value": v.value,
        },
        "ruleId": v.rule_id,
        "ruleIndex": rule_index,
    }
    if v.rule_version is not None:  # the version of the rule that judged it (its dates); absent for an undated rule
        result["properties"]["rule_version"] = v.rule_version.model_dump()
    if related:
        result["relatedLocations"] = related
    return result


def _flag_result(f: Flag, rule_index: int, fallback: str | None) -> dict[str, Any]:
    locations, related = _locate(_dedupe(_flag_records(f)), f.shop_id, f.agent_id, fallback)
    text = _figure(f.shop_id, f.agent_id, f"gaming lead {f.detector}, score", f.score, None, None, _span(f.period.start, f.period.end))
    text += f". {_safe(f.summary)} A lead for a person to check, not a verdict."
    result: dict[str, Any] = {
        "level": level(f.severity),
        "locations": locations,
        "message": {"text": text},
        "partialFingerprints": {
            FINGERPRINT_KEY: f.fingerprint
        },
        "properties": {
            "agent_id": None if f.agent_id is None else _safe(f.agent_id),
            "evidence_total": f.evidence_total,
            "measures": f.measures,
            "period": f.period.model_dump(),
            "score": f.score,
            "shop_id": _safe(f.shop_id),
            "summary_zh": _safe(f.summary_zh),
        },
        "ruleId": f.detector,
        "ruleIndex": rule_index,
    }
    if related:
        result["relatedLocations"] = related
    return result


def _rejection_result(r: Rejection, rule_index: int) -> dict[str, Any]:
    # No partial fingerprint of ours: a bad line is identified by its content, which GitHub's upload hashes itself.
    props: dict[str, Any] = {"code": r.code}
    if r.excerpt is not None:
        props["excerpt"] = _safe(r.excerpt)
    return {
        "level": "note",
        "locations": [{"physicalLocation": _physical(r.file, r.line)}],
        "message": {"text": f"Record rejected ({_safe(r.code)}): {_safe(r.reason)}."},
        "properties": props,
        "ruleId": REJECTED_RULE,
        "ruleIndex": rule_index,
    }


def _audit_notifications(report: AuditReport, index: dict[str, int]) -> list[dict[str, Any]]:
    """What the audit could not judge or read, said where a SARIF viewer looks for the tool's own remarks."""
    notes: list[dict[str, Any]] = []
    for n in report.not_evaluated:
        shop = f" for shop {_safe(n.shop_id)}" if n.shop_id is not None else ""
        days = f" on {', '.join(n.days)}" if n.days else ""
        note: dict[str, Any] = {"level": "warning", "message": {"text": f"{n.rule_id} not evaluated{shop}{days}: {_safe(n.reason)}"}}
        if n.rule_id in index:
            note["associatedRule"] = {"id": n.rule_id, "index": index[n.rule_id]}
        notes.append(note)
    for s in report.inputs.skipped:
        notes.append(
            {
                "level": "note",
                "locations": [{"physicalLocation": _physical(s.file)}],
                "message": {"text": f"File skipped: {_safe(s.reason)}"},
            }
        )
    for text in report.inputs.notes:
        notes.append({"level": "note", "message": {"text": _safe(text)}})
    for lvl, text in _governance.lines("en", report):  # expired and stale waivers, baseline warnings
        notes.append({"level": "warning" if lvl == "warning" else "note", "message": {"text": _safe(text)}})
    return notes


def _governed(result: dict[str, Any], x: Violation | Flag, baseline_given: bool) -> dict[str, Any]:
    """A waived finding as an accepted external suppression (SARIF §3.35); with a baseline, each result's baselineState (§3.27.24)."""
    if x.waiver is not None:
        w = x.waiver
        result["suppressions"] = [
            {
                "justification": _safe(w.reason),
                "kind": "external",
                "properties": {"approved_by": _safe(w.approved_by), "expires": w.expires, "waiver_id": _safe(w.id)},
                "state": "accepted",  # the vendored 2.1.0 schema's name; the OASIS text calls it `status`, whose default is accepted
            }
        ]
    if baseline_given:
        result["baselineState"] = "unchanged" if x.baselined else "new"
    return result


def audit_log(report: AuditReport) -> dict[str, Any]:
    rules = _rule_infos(report.rules)
    known = {r.id for r in report.rules}
    # A finding whose rule the report does not list (an older report) still gets a descriptor, built from the finding.
    for v in report.violations:
        if v.rule_id not in known:
            known.add(v.rule_id)
            rules.append(
                _rule(
                    v.rule_id,
                    v.title.get("en", ""),
                    None,
                    v.severity,
                    _help(v.title.get("en", ""), v.citation, v.consequence, None, None),
                    {"kind": "rule"},
                )
            )
    for f in report.flags:
        if f.detector not in known:
            known.add(f.detector)
            rules.append(
                _rule(
                    f.detector,
                    f.title.get("en", ""),
                    None,
                    f.severity,
                    _help(f.title.get("en", ""), f.citation, None, None, None),
                    {"kind": "detector"},
                )
            )
    rules.append(_rejected_rule())
    index = _index(rules)
    fallback = report.inputs.files[0].file if report.inputs.files else None
    given = report.governance is not None and report.governance.baseline is not None
    results = [_governed(_violation_result(v, index[v.rule_id], fallback), v, given) for v in report.violations]
    results += [_governed(_flag_result(f, index[f.detector], fallback), f, given) for f in report.flags]
    results += [_rejection_result(r, index[REJECTED_RULE]) for r in report.inputs.rejections]
    i = report.inputs
    properties = {
        "as_of": report.as_of,
        "inputs": {"excluded": i.excluded, "read": i.read, "rejected": i.rejected, "used": i.used},
        "period": report.period.model_dump(),
        "policy": report.policy.model_dump(),
    }
    if report.flag_notice:
        properties["flag_notice"] = report.flag_notice
    invocation = {"executionSuccessful": True, "toolExecutionNotifications": _audit_notifications(report, index)}
    return _log(_driver(report.auditor_version, rules), results, invocation, properties)


# --- validate ----------------------------------------------------------------------------------


def validation_log(report: ValidationReport) -> dict[str, Any]:
    problems = [(pk, p) for pk in report.packs for p in pk.problems]
    codes = sorted({p.code for _, p in problems})
    rules = []
    for code in codes:
        worst = "error" if any(p.code == code and p.severity == "error" for _, p in problems) else "warning"
        lead = f"A pack problem of kind `{code}` found by `auditor validate`; each result says what is wrong, where, and the fix."
        rules.append(
            {
                "defaultConfiguration": {"level": level(worst)},
                "fullDescription": {"text": lead},
                "help": {"markdown": lead, "text": lead},
                "id": code,
                "name": code,
                "properties": {"kind": "pack-problem", "tags": ["auditor", "pack"]},
                "shortDescription": {"text": f"Pack problem: {code}"},
            }
        )
    index = _index(rules)
    results = []
    for pk, p in problems:
        results.append(
            {
                "level": level(p.severity),
                "locations": [{"physicalLocation": _physical(p.file, p.line, p.column)}],
                "message": {"text": f"{_safe(p.message)} — {_safe(p.fix)}"},
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint("problem", p.code, p.file, p.path, p.message)},
                "properties": {"fix": _safe(p.fix), "pack": _safe(pk.pack), "path": _safe(p.path)},
                "ruleId": p.code,
                "ruleIndex": index[p.code],
            }
        )
    properties = {
        "packs": [
            {
                "digest": pk.digest,
                "file": pk.file,
                "name": pk.name,
                "pack": pk.pack,
                "problems": len(pk.problems),
                "valid": pk.valid,
                "version": pk.version,
            }
            for pk in report.packs
        ]
    }
    return _log(_driver(report.auditor_version, rules), results, {"executionSuccessful": True}, properties)


# --- diff --------------------------------------------------------------------------------------


def _finding_rule(f: FindingRef) -> dict[str, Any]:
    metric = getattr(f, "metric", None)
    condition = f"{metric} {f.op} {_num(f.threshold)}" if metric and f.op and f.threshold is not None else None
    props: dict[str, Any] = {
        "kind": f.kind,
        "tags": ["auditor", "rule" if f.kind == "violation" else "detector"],
        "title_zh": _safe(f.title.get("zh", "")),
    }
    if f.consequence is not None:
        props["consequence"] = {k: v for k, v in f.consequence.items() if k != "doc"}
    title = f.title.get("en", "")
    return _rule(f.rule_id, title, None, f.severity, _help(title, f.citation, f.consequence, condition, f.title.get("zh")), props)


def _pack_label(pack: PolicyRef, other: PolicyRef) -> str:
    """A pack by name and version, and by digest too when the other pack has the same name and version (an edited copy)."""
    label = f"{_safe(pack.name)} {_safe(pack.version)}"
    if (pack.name, pack.version) == (other.name, other.version):
        label += f" ({_safe(pack.digest[:19])})"
    return label


def _added_result(report: DiffReport, f: FindingRef, rule_index: int, fallback: str | None) -> dict[str, Any]:
    records = [(f.location, "the first record of the evidence")] if f.location is not None else []
    locations, _ = _locate(records, f.shop_id, f.agent_id, fallback)
    metric = getattr(f, "metric", None)
    subject = metric if metric else (f"gaming lead {f.rule_id}, score" if f.kind == "flag" else "figure")
    text = f"New under {_pack_label(report.new, report.old)} (not found under {_pack_label(report.old, report.new)}): "
    text += _figure(f.shop_id, f.agent_id, subject, f.value, f.op, f.threshold, _span(f.period.start, f.period.end))
    cons = _consequence(f.consequence)
    text += f"; consequence: {cons}." if cons else "."
    text += f" {_safe(f.title.get('en', ''))}."
    return {
        "baselineState": "new",
        "level": level(f.severity),
        "locations": locations,
        "message": {"text": text},
        "partialFingerprints": {
            FINGERPRINT_KEY: finding_fingerprint(f.kind, f.rule_id, f.shop_id, f.agent_id, f.period.start, f.period.end)
        },
        "properties": {
            "agent_id": None if f.agent_id is None else _safe(f.agent_id),
            "consequence": f.consequence,
            "kind": f.kind,
            "metric": metric,
            "op": f.op,
            "period": f.period.model_dump(),
            "shop_id": _safe(f.shop_id),
            "threshold": f.threshold,
            "value": f.value,
        },
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
    }


def diff_log(report: DiffReport) -> dict[str, Any]:
    added = [f for s in report.shops for f in s.added]
    rules: list[dict[str, Any]] = []
    for f in added:
        if f.rule_id not in {r["id"] for r in rules}:
            rules.append(_finding_rule(f))
    index = _index(rules)
    fallback = report.inputs.files[0].file if report.inputs.files else None
    results = [_added_result(report, f, index[f.rule_id], fallback) for f in added]
    properties = {
        "as_of": report.as_of,
        "findings": {
            "added": len(added),
            "changed": sum(len(s.changed) for s in report.shops),
            "resolved": sum(len(s.resolved) for s in report.shops),
        },
        "new": report.new.model_dump(),
        "old": report.old.model_dump(),
        "pack_changes": len(report.pack_changes),
        "period": report.period.model_dump(),
    }
    return _log(_driver(report.auditor_version, rules), results, {"executionSuccessful": True}, properties)


# --- reporters ---------------------------------------------------------------------------------


@register
class SarifReporter(Reporter):
    name = "sarif"
    suffix = ".sarif"
    document = AuditReport

    def render(self, report: Any, out: BinaryIO) -> None:
        _write(out, audit_log(report))


@register
class SarifValidationReporter(Reporter):
    name = "sarif"
    suffix = ".sarif"
    document = ValidationReport

    def render(self, report: Any, out: BinaryIO) -> None:
        _write(out, validation_log(report))


@register
class SarifDiffReporter(Reporter):
    name = "sarif"
    suffix = ".sarif"
    document = DiffReport

    def render(self, report: Any, out: BinaryIO) -> None:
        _write(out, diff_log(report))
