"""A pack's own test cases: small inputs and the figures and findings they must give.

Cases live beside the rules they test, in ``<pack>/tests/*.yml``, so a pack
change and its evidence travel together (like sqlfluff's YAML fixtures). Each
case gives records (or raw files, for bad input), optionally an as-of day and
shops, and what to expect. Only the keys a case names are compared, so a case
says exactly what it is about. ``run_pack_cases`` runs them through the same
``audit`` a user calls.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from auditor.api import AuditOptions, audit
from auditor.errors import AuditorError, PolicyError
from auditor.models import AuditReport
from auditor.policy.loader import resolve_pack

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    doc: str
    spec: dict[str, Any]


@dataclass
class CaseResult:
    case: Case
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(pack: str | Path) -> list[Case]:
    root = resolve_pack(pack)
    cases: list[Case] = []
    for f in sorted((root / "tests").glob("*.yml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        shown = f"{root.name}/tests/{f.name}"
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            raise PolicyError("a test file holds `cases:`, a list", file=shown, hint="see the tests/ folder of a built-in pack under policies/ for the form")
        for c in data["cases"]:
            if not isinstance(c, dict) or "name" not in c:
                raise PolicyError("every case needs a `name`", file=shown, hint="add `name:` to the case")
            cases.append(Case(shown, str(c["name"]), str(c.get("doc", "")), c))
    return cases


def run_case(case: Case, pack: str | Path) -> CaseResult:
    result = CaseResult(case)
    spec = case.spec
    with tempfile.TemporaryDirectory(prefix="auditor-case-") as tmp:
        d = Path(tmp)
        _write_inputs(spec, d)
        shops = None
        if "shops" in spec:
            shops = d / "shops.json"
            shops.write_text(json.dumps(spec["shops"], ensure_ascii=False), encoding="utf-8")
        peers = None
        if "peers" in spec:
            peers = d / "peers.csv"
            peers.write_text(_peers_csv(spec["peers"]), encoding="utf-8")
        as_of = spec.get("as_of")
        if isinstance(as_of, str):
            as_of = date.fromisoformat(as_of)
        try:
            report = audit([str(d / "data")], AuditOptions(policy=pack, as_of=as_of, shops=shops, peers=peers))
        except AuditorError as exc:
            want = spec.get("expect", {}).get("error")
            if want and want in str(exc):
                return result
            result.failures.append(f"audit raised: {exc}")
            return result
    expect = spec.get("expect", {})
    if "error" in expect:
        result.failures.append(f"expected an error containing {expect['error']!r}, but the audit ran")
    _compare(report, expect, result.failures)
    return result


def _write_inputs(spec: dict[str, Any], d: Path) -> list[Path]:
    data = d / "data"
    data.mkdir()
    out = []
    if "records" in spec:
        p = data / "records.jsonl"
        lines = [json.dumps(_plain(r), ensure_ascii=False) for r in _expand(spec["records"])]
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(p)
    for f in spec.get("files", []):
        p = data / f["name"]
        p.write_bytes(f["content"].encode("utf-8"))
        out.append(p)
    return out


_INDEX = re.compile(r"\{i(?::([^{}]*))?\}")


def _expand(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as written, with `{repeat: N, start: 1, records: [...]}` blocks unrolled.

    In a repeated record every `{i}` (or `{i:04d}`, any format spec) in a text
    value becomes the running index, so a case about 1000 buyers stays a few
    readable lines.
    """
    out: list[dict[str, Any]] = []
    for r in records:
        if isinstance(r, dict) and "repeat" in r:
            first = int(r.get("start", 1))
            for i in range(first, first + int(r["repeat"])):
                for t in r["records"]:
                    out.append({k: _INDEX.sub(lambda m, i=i: format(i, m.group(1) or ""), v) if isinstance(v, str) else v for k, v in _plain(t).items()})
        else:
            out.append(r)
    return out


def _peers_csv(peers: str | list[dict[str, Any]]) -> str:
    """Peers as CSV text: given as the text itself, or as rows of date, category and levels."""
    if isinstance(peers, str):
        return peers
    columns = ["date", "category"] + sorted({k for row in peers for k in row} - {"date", "category"})
    lines = [",".join(columns)]
    for row in peers:
        lines.append(",".join("" if row.get(c) is None else str(row[c]) for c in columns))
    return "\n".join(lines) + "\n"


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    # YAML reads unquoted dates and times as objects; records hold text
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()}


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def _compare(report: AuditReport, expect: dict[str, Any], failures: list[str]) -> None:
    if "as_of" in expect and report.as_of != str(expect["as_of"]):
        failures.append(f"as_of: expected {expect['as_of']}, got {report.as_of}")
    if "inputs" in expect:
        got = report.inputs.model_dump()
        for key, want in expect["inputs"].items():
            if key == "rejections":
                have = [{"line": r["line"], "code": r["code"]} for r in got["rejections"]]
                if have != want:
                    failures.append(f"inputs.rejections: expected {want}, got {have}")
            elif got.get(key) != want:
                failures.append(f"inputs.{key}: expected {want}, got {got.get(key)}")
    rows = [m.model_dump() for m in report.metrics]
    for want in expect.get("metrics", []):
        match = [r for r in rows if _same_figure(r, want)]
        if not match:
            failures.append(f"metric {_key(want)}: expected a figure, got none")
            continue
        got = match[0]
        for k in ("value", "numerator", "denominator"):
            if k in want and not _close(got[k], want[k]):
                failures.append(f"metric {_key(want)} {k}: expected {want[k]}, got {got[k]}")
    for want in expect.get("absent_metrics", []):
        if any(_same_figure(r, want) for r in rows):
            failures.append(f"metric {_key(want)}: expected no figure, got one")
    if "violations" in expect:
        _compare_violations(report, expect["violations"], failures)
    if "not_evaluated" in expect:
        have = sorted((n.rule_id, n.shop_id, tuple(n.days)) for n in report.not_evaluated)
        wanted = sorted((w["rule_id"], w.get("shop_id"), tuple(str(d) for d in w.get("days", []))) for w in expect["not_evaluated"])
        if have != wanted:
            failures.append(f"not_evaluated: expected {wanted}, got {have}")
    for want in expect.get("summary", []):
        got = next((s for s in report.summary if s.shop_id == want["shop_id"]), None)
        if got is None:
            failures.append(f"summary: expected shop {want['shop_id']}, got none")
            continue
        if "fines" in want:
            have_fines = [{"currency": f.currency, "total": f.total, "findings": f.findings} for f in got.fines]
            if have_fines != want["fines"]:
                failures.append(f"summary {want['shop_id']} fines: expected {want['fines']}, got {have_fines}")
        if "findings" in want and any(got.findings.get(k) != n for k, n in want["findings"].items()):
            failures.append(f"summary {want['shop_id']} findings: expected {want['findings']}, got {got.findings}")
        for we in want.get("eligibility", []):
            e = next((x for x in got.eligibility if x.check == we["check"]), None)
            if e is None:
                failures.append(f"summary {want['shop_id']} eligibility {we['check']}: expected an answer, got none")
                continue
            for k in ("eligible", "complete", "value", "rule_id", "day"):
                if k in we and not _close(getattr(e, k), we[k] if k != "day" else str(we[k])):
                    failures.append(f"summary {want['shop_id']} eligibility {we['check']} {k}: expected {we[k]}, got {getattr(e, k)}")


def _period_of(p: Any) -> tuple[str, str]:
    return (str(p), str(p)) if not isinstance(p, dict) else (str(p["start"]), str(p["end"]))


def _compare_violations(report: AuditReport, wanted: list[dict[str, Any]], failures: list[str]) -> None:
    """Every expected violation matches a distinct reported one (by rule, shop and, when given, period), and no more are reported."""
    unused = list(report.violations)
    for w in wanted:
        label = f"violation {w['rule_id']} {w['shop_id']}" + (f" {w['period']}" if "period" in w else "")
        match = next(
            (
                v
                for v in unused
                if (v.rule_id, v.shop_id) == (w["rule_id"], w["shop_id"]) and ("period" not in w or (v.period.start, v.period.end) == _period_of(w["period"]))
            ),
            None,
        )
        if match is None:
            failures.append(f"{label}: expected, not reported")
            continue
        unused.remove(match)
        for k in ("value", "threshold", "numerator", "denominator", "severity", "evidence_total"):
            if k in w and not _close(getattr(match, k), w[k]):
                failures.append(f"{label} {k}: expected {w[k]}, got {getattr(match, k)}")
        if "consequence" in w and match.consequence != w["consequence"]:
            failures.append(f"{label} consequence: expected {w['consequence']}, got {match.consequence}")
        for i, we in enumerate(w.get("evidence", [])):
            if i >= len(match.evidence):
                failures.append(f"{label} evidence[{i}]: expected {we}, got nothing")
                continue
            got = match.evidence[i].model_dump()
            got.update({f"{k}.line": v["line"] for k, v in list(got.items()) if isinstance(v, dict) and "line" in v})
            for k, v in we.items():
                if not _close(got.get(k), v):
                    failures.append(f"{label} evidence[{i}].{k}: expected {v}, got {got.get(k)}")
    for v in unused:
        failures.append(f"violation {v.rule_id} {v.shop_id} {v.period.start}..{v.period.end}: reported, not expected")


def _same_figure(row: dict[str, Any], want: dict[str, Any]) -> bool:
    if row["metric"] != want["metric"] or row["shop_id"] != want["shop_id"]:
        return False
    if row["agent_id"] != want.get("agent_id"):
        return False
    if "period" in want:
        p = want["period"]
        start, end = (p, p) if isinstance(p, str) else (p["start"], p["end"])
        return row["period"]["start"] == str(start) and row["period"]["end"] == str(end)
    return True


def _key(want: dict[str, Any]) -> str:
    agent = f" agent {want['agent_id']}" if want.get("agent_id") else ""
    return f"{want['metric']} shop {want['shop_id']}{agent}"


def rule_coverage(pack: str | Path, cases: list[Case]) -> dict[str, dict[str, int]]:
    """Per rule id: how many cases expect it to fire, and how many expect it not to."""
    from auditor.policy.loader import load_pack

    ids = [r.id for r in load_pack(pack).pack.rules]
    cov = {i: {"fails": 0, "passes": 0} for i in ids}
    for c in cases:
        exp = c.spec.get("expect", {})
        if "violations" not in exp:
            continue
        fired = {v["rule_id"] for v in exp["violations"]}
        for i in ids:
            cov[i]["fails" if i in fired else "passes"] += 1
    return cov
