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
            raise PolicyError("a test file holds `cases:`, a list", file=shown, hint="see policies/taobao/tests for the form")
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
        as_of = spec.get("as_of")
        if isinstance(as_of, str):
            as_of = date.fromisoformat(as_of)
        try:
            report = audit([str(d / "data")], AuditOptions(policy=pack, as_of=as_of, shops=shops))
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
        lines = [json.dumps(_plain(r), ensure_ascii=False) for r in spec["records"]]
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(p)
    for f in spec.get("files", []):
        p = data / f["name"]
        p.write_bytes(f["content"].encode("utf-8"))
        out.append(p)
    return out


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
        have = sorted((v.rule_id, v.shop_id) for v in report.violations)
        wanted = sorted((w["rule_id"], w["shop_id"]) for w in expect["violations"])
        if have != wanted:
            failures.append(f"violations: expected {wanted}, got {have}")
        for w in expect["violations"]:
            for v in report.violations:
                if (v.rule_id, v.shop_id) == (w["rule_id"], w["shop_id"]):
                    for k in ("value", "threshold", "numerator", "denominator", "severity"):
                        if k in w and not _close(getattr(v, k), w[k]):
                            failures.append(f"violation {w['rule_id']} {w['shop_id']} {k}: expected {w[k]}, got {getattr(v, k)}")


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
