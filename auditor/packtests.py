"""A pack's own test cases: small inputs and the figures, findings and flags they must give.

Cases live beside the rules they test, in ``<pack>/tests/*.yml``, so a pack
change and its evidence travel together (like sqlfluff's YAML fixtures). Each
case gives records (or raw files, for bad input), optionally an as-of day,
shops and peers, and what to expect. Only the keys a case names are compared,
so a case says exactly what it is about; lists of findings (`violations`,
`flags`) are complete when given. ``run_pack_tests`` runs every case through
the same ``audit`` a user calls and returns the ``PackTestReport`` document;
docs/pack-tests.md describes every key.
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

from auditor import __version__
from auditor.api import AuditOptions, audit
from auditor.errors import AuditorError, PolicyError
from auditor.models import AuditReport, CaseFailure, CaseOutcome, CaseRef, CoverageItem, PackTestReport, PackTests
from auditor.policy.loader import BUILTIN_DIR, load_pack, refuse_yaml_bombs, resolve_pack

TOLERANCE = 1e-6
# A pack's tests are as untrusted as the pack: bounded in size, and what they write stays in their temporary folder.
MAX_CASE_FILE_BYTES = 4 << 20
MAX_CASE_RECORDS = 1_000_000
_SAFE_FILE_NAME = re.compile(r"[^/\\\x00]{1,255}")
_SAFE_INDEX_SPEC = re.compile(r"[<>^=]?[+ -]?0?\d{0,2}[bdoxX]?")

CASE_KEYS = {"name", "doc", "as_of", "records", "files", "shops", "peers", "expect"}
EXPECT_KEYS = {"as_of", "inputs", "metrics", "absent_metrics", "violations", "not_evaluated", "summary", "error", "flags", "absent_flags"}


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    doc: str
    spec: dict[str, Any]
    line: int = 0

    def ref(self) -> CaseRef:
        return CaseRef(file=self.file, line=self.line, name=self.name)


@dataclass
class CaseResult:
    case: Case
    failures: list[CaseFailure] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    @property
    def outcome(self) -> str:
        return "error" if self.error is not None else "failed" if self.failures else "passed"


def _shown(path: Path) -> str:
    """A path as a user would name it: relative to the cwd where possible, else a built-in pack's by its name."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(BUILTIN_DIR.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def load_cases(pack: str | Path) -> list[Case]:
    """Every case of the pack, in file then line order; a malformed case file is a PolicyError with its file and line."""
    root = resolve_pack(pack)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f in sorted((root / "tests").glob("*.yml")):
        shown = _shown(f)
        if not f.resolve().is_relative_to(root.resolve()):
            raise PolicyError("test file is a link to outside the pack", file=shown, hint="keep a pack's tests inside the pack, not linked in")
        for case in _read_case_file(f, shown):
            if case.name in seen:
                raise PolicyError(
                    f"case name `{case.name}` is used twice (first at {seen[case.name]})",
                    file=shown,
                    line=case.line,
                    hint="give every case of a pack its own name: -k and the JUnit report pick cases by name",
                )
            seen[case.name] = f"{shown}:{case.line}"
            cases.append(case)
    return cases


def _read_case_file(f: Path, shown: str) -> list[Case]:
    raw = f.read_bytes()
    if len(raw) > MAX_CASE_FILE_BYTES:
        raise PolicyError(
            f"test file is {len(raw)} bytes, over the {MAX_CASE_FILE_BYTES} byte limit", file=shown, hint="split it, or use `repeat:` blocks"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("test file is not UTF-8", file=shown, hint="save it as UTF-8") from None
    try:
        refuse_yaml_bombs(text, shown, "pack test files")  # a pack's tests are as untrusted as the pack
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(
            f"not valid YAML: {exc.problem or exc}", file=shown, line=mark.line + 1 if mark else None, hint="check the YAML syntax"
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}", file=shown, hint="check the YAML syntax") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise PolicyError("a test file holds `cases:`, a list", file=shown, line=1, hint="see docs/pack-tests.md for the form")
    items = next(v for k, v in node.value if k.value == "cases").value  # type: ignore[union-attr]
    out = []
    for c, item in zip(data["cases"], items, strict=True):
        line = item.start_mark.line + 1
        if not isinstance(c, dict) or "name" not in c:
            raise PolicyError("every case is a mapping with a `name`", file=shown, line=line, hint="add `name:` to the case")
        lines = {k.value: k.start_mark.line + 1 for k, _ in item.value}
        unknown = sorted(set(c) - CASE_KEYS)
        if unknown:
            raise PolicyError(
                f"case `{c['name']}` has an unknown key `{unknown[0]}`",
                file=shown,
                line=lines.get(unknown[0], line),
                hint=f"use only: {', '.join(sorted(CASE_KEYS))}",
            )
        expect = c.get("expect", {})
        if not isinstance(expect, dict):
            raise PolicyError(f"case `{c['name']}`: `expect` is a mapping", file=shown, line=lines.get("expect", line), hint="see docs/pack-tests.md")
        unknown = sorted(set(expect) - EXPECT_KEYS)
        if unknown:
            exp_node = next(v for k, v in item.value if k.value == "expect")
            at = next((k.start_mark.line + 1 for k, _ in exp_node.value if k.value == unknown[0]), line)
            raise PolicyError(
                f"case `{c['name']}`: unknown expectation `{unknown[0]}`", file=shown, line=at, hint=f"use only: {', '.join(sorted(EXPECT_KEYS))}"
            )
        if not any(k in c for k in ("records", "files")):
            raise PolicyError(f"case `{c['name']}` has no input", file=shown, line=line, hint="give `records:` or `files:`")
        _check_inputs(c, item, shown, line)
        out.append(Case(shown, str(c["name"]), str(c.get("doc", "")), c, line))
    return out


def _key_line(item: yaml.Node, key: str, default: int) -> int:
    return next((k.start_mark.line + 1 for k, _ in getattr(item, "value", []) if getattr(k, "value", None) == key), default)


def _check_inputs(c: dict[str, Any], item: yaml.Node, shown: str, line: int) -> None:
    """What a case would write and unroll stays small and inside its temporary folder."""
    files = c.get("files", [])
    if not isinstance(files, list):
        raise PolicyError(f"case `{c['name']}`: `files` is a list", file=shown, line=_key_line(item, "files", line), hint="see docs/pack-tests.md")
    for i, spec in enumerate(files):
        name = spec.get("name") if isinstance(spec, dict) else None
        if not isinstance(name, str) or not _SAFE_FILE_NAME.fullmatch(name) or name in (".", ".."):
            raise PolicyError(
                f"case `{c['name']}`: `files[{i}].name` {name!r} is not a plain file name",
                file=shown,
                line=_key_line(item, "files", line),
                hint="name the file alone, e.g. chats.jsonl: no folders, `..` or absolute paths",
            )
        if not isinstance(spec.get("content"), str):
            raise PolicyError(
                f"case `{c['name']}`: `files[{i}].content` is not text", file=shown, line=_key_line(item, "files", line), hint="give the file's content as a string"
            )
    records = c.get("records", [])
    total = 0
    for r in records if isinstance(records, list) else []:
        if isinstance(r, dict) and "repeat" in r:
            n, start = r.get("repeat"), r.get("start", 1)
            inner = r.get("records")
            if not (isinstance(n, int) and isinstance(start, int) and isinstance(inner, list) and 0 <= n and abs(start) <= MAX_CASE_RECORDS):
                raise PolicyError(
                    f"case `{c['name']}`: a `repeat` block needs an integer `repeat` >= 0, an integer `start` and a list of `records`",
                    file=shown,
                    line=_key_line(item, "records", line),
                    hint="see docs/pack-tests.md",
                )
            specs = [m.group(1) or "" for t in inner if isinstance(t, dict) for v in t.values() if isinstance(v, str) for m in _INDEX.finditer(v)]
            if any(not _SAFE_INDEX_SPEC.fullmatch(spec) for spec in specs):
                raise PolicyError(
                    f"case `{c['name']}`: an index format in a `repeat` block is not a short number format",
                    file=shown,
                    line=_key_line(item, "records", line),
                    hint="write {i} or a number format such as {i:04d}",
                )
            total += n * len(inner)
        else:
            total += 1
    if total > MAX_CASE_RECORDS:
        raise PolicyError(
            f"case `{c['name']}` unrolls to {total} records, over the {MAX_CASE_RECORDS} limit",
            file=shown,
            line=_key_line(item, "records", line),
            hint="a pack case shows one point with a few records; measure scale elsewhere",
        )


def run_case(case: Case, pack: str | Path) -> CaseResult:
    """Audit the case's input under the pack and compare what the case expects."""
    result = CaseResult(case)
    spec = case.spec
    expect = spec.get("expect", {})
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
            want = expect.get("error")
            if want and want in str(exc):
                return result
            if want:
                result.failures.append(_fail("error", want, str(exc), f"expected an error containing {want!r}, got: {exc}"))
            else:
                result.error = f"audit raised: {exc}"
            return result
    if "error" in expect:
        result.failures.append(_fail("error", expect["error"], None, f"expected an error containing {expect['error']!r}, but the audit ran"))
    _compare(report, expect, result.failures)
    return result


def run_pack_tests(specs: list[str | Path], select: str | None = None) -> PackTestReport:
    """Load every pack (fail closed: a bad pack or case file raises), run its selected cases, and report."""
    loaded = [(spec, load_pack(spec), load_cases(spec)) for spec in specs]
    packs = []
    for spec, lp, cases in loaded:
        chosen = [c for c in cases if select is None or select.lower() in c.name.lower()]
        outcomes = []
        for c in chosen:
            r = run_case(c, spec)
            failures = list(r.failures)
            if r.error is not None:
                failures.append(_fail("audit", None, r.error, r.error))
            outcomes.append(CaseOutcome(file=c.file, line=c.line, name=c.name, doc=c.doc, outcome=r.outcome, failures=failures))  # type: ignore[arg-type]
        items = coverage(spec, cases)
        packs.append(
            PackTests(
                name=lp.pack.name,
                dir=_shown(lp.root),
                version=lp.pack.version,
                digest=lp.digest,
                cases=outcomes,
                deselected=len(cases) - len(chosen),
                coverage=items,
                uncovered=[f"{i.kind} {i.id}" for i in items if not i.fires and not i.quiet],
            )
        )
    return PackTestReport(auditor_version=__version__, select=select, packs=packs)


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
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def _json(x: Any) -> Any:
    """A value as plain JSON data (YAML dates become text), so the document serialises the same way everywhere."""
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if isinstance(x, dict):
        return {str(k): _json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json(v) for v in x]
    return x


def _fail(what: str, expected: Any, actual: Any, message: str | None = None) -> CaseFailure:
    expected, actual = _json(expected), _json(actual)
    text = message or f"{what}: expected {_show(expected)}, got {_show(actual)}"
    return CaseFailure(what=what, expected=expected, actual=actual, message=text)


def _show(x: Any) -> str:
    return "none" if x is None else json.dumps(x, ensure_ascii=False) if isinstance(x, (dict, list, str)) else str(x)


def _compare(report: AuditReport, expect: dict[str, Any], failures: list[CaseFailure]) -> None:
    if "as_of" in expect and report.as_of != str(expect["as_of"]):
        failures.append(_fail("as_of", str(expect["as_of"]), report.as_of))
    if "inputs" in expect:
        got = report.inputs.model_dump()
        for key, want in expect["inputs"].items():
            if key == "rejections":
                have = [{"line": r["line"], "code": r["code"]} for r in got["rejections"]]
                if have != want:
                    failures.append(_fail("inputs.rejections", want, have))
            elif got.get(key) != want:
                failures.append(_fail(f"inputs.{key}", want, got.get(key)))
    rows = [m.model_dump() for m in report.metrics]
    for want in expect.get("metrics", []):
        match = [r for r in rows if _same_figure(r, want)]
        if not match:
            failures.append(_fail(f"metric {_key(want)}", "a figure", None, f"metric {_key(want)}: expected a figure, got none"))
            continue
        got = match[0]
        for k in ("value", "numerator", "denominator"):
            if k in want and not _close(got[k], want[k]):
                failures.append(_fail(f"metric {_key(want)} {k}", want[k], got[k]))
    for want in expect.get("absent_metrics", []):
        hit = next((r for r in rows if _same_figure(r, want)), None)
        if hit is not None:
            failures.append(_fail(f"metric {_key(want)}", None, hit["value"], f"metric {_key(want)}: expected no figure, got {hit['value']}"))
    if "violations" in expect:
        _compare_violations(report, expect["violations"], failures)
    if "flags" in expect:
        _compare_flags(report, expect["flags"], failures)
    for want in expect.get("absent_flags", []):
        hits = [f for f in report.flags if _flag_subject(f, want, any_agent="agent_id" not in want)]
        for f in hits:
            failures.append(
                _fail(
                    f"flag {_flag_label(want)}",
                    None,
                    {"agent_id": f.agent_id, "score": f.score},
                    f"flag {_flag_label(want)}: expected none, got {_flag_label({'detector': f.detector, 'shop_id': f.shop_id, 'agent_id': f.agent_id})} score {f.score}",
                )
            )
    if "not_evaluated" in expect:
        have = sorted((n.rule_id, n.shop_id, tuple(n.days)) for n in report.not_evaluated)
        wanted = sorted((w["rule_id"], w.get("shop_id"), tuple(str(d) for d in w.get("days", []))) for w in expect["not_evaluated"])
        if have != wanted:
            failures.append(_fail("not_evaluated", [list(x) for x in wanted], [list(x) for x in have]))
    for want in expect.get("summary", []):
        _compare_summary(report, want, failures)


def _compare_summary(report: AuditReport, want: dict[str, Any], failures: list[CaseFailure]) -> None:
    sid = want["shop_id"]
    got = next((s for s in report.summary if s.shop_id == sid), None)
    if got is None:
        failures.append(_fail(f"summary shop {sid}", "an entry", None, f"summary: expected shop {sid}, got none"))
        return
    if "fines" in want:
        have_fines = [{"currency": f.currency, "total": f.total, "findings": f.findings} for f in got.fines]
        if have_fines != want["fines"]:
            failures.append(_fail(f"summary shop {sid} fines", want["fines"], have_fines))
    if "findings" in want and any(got.findings.get(k) != n for k, n in want["findings"].items()):
        failures.append(_fail(f"summary shop {sid} findings", want["findings"], got.findings))
    for we in want.get("eligibility", []):
        e = next((x for x in got.eligibility if x.check == we["check"]), None)
        if e is None:
            failures.append(_fail(f"summary shop {sid} eligibility {we['check']}", "an answer", None, f"summary shop {sid} eligibility {we['check']}: expected an answer, got none"))
            continue
        for k in ("eligible", "complete", "value", "rule_id", "day"):
            if k in we and not _close(getattr(e, k), we[k] if k != "day" else str(we[k])):
                failures.append(_fail(f"summary shop {sid} eligibility {we['check']} {k}", we[k], getattr(e, k)))


def _period_of(p: Any) -> tuple[str, str]:
    return (str(p), str(p)) if not isinstance(p, dict) else (str(p["start"]), str(p["end"]))


def _compare_violations(report: AuditReport, wanted: list[dict[str, Any]], failures: list[CaseFailure]) -> None:
    """Every expected violation matches a distinct reported one (by rule, shop and, when given, period), and no more are reported."""
    unused = list(report.violations)
    for w in wanted:
        label = f"violation {w['rule_id']} shop {w['shop_id']}" + (f" {'..'.join(dict.fromkeys(_period_of(w['period'])))}" if "period" in w else "")
        match = next(
            (
                v
                for v in unused
                if (v.rule_id, v.shop_id) == (w["rule_id"], w["shop_id"]) and ("period" not in w or (v.period.start, v.period.end) == _period_of(w["period"]))
            ),
            None,
        )
        if match is None:
            failures.append(_fail(label, "reported", None, f"{label}: expected, not reported"))
            continue
        unused.remove(match)
        for k in ("value", "threshold", "numerator", "denominator", "severity", "evidence_total"):
            if k in w and not _close(getattr(match, k), w[k]):
                failures.append(_fail(f"{label} {k}", w[k], getattr(match, k)))
        if "consequence" in w and match.consequence != w["consequence"]:
            failures.append(_fail(f"{label} consequence", w["consequence"], match.consequence))
        if "rule_version" in w:
            _compare_version(label, w["rule_version"], match, failures)
        for i, we in enumerate(w.get("evidence", [])):
            if i >= len(match.evidence):
                failures.append(_fail(f"{label} evidence[{i}]", we, None))
                continue
            got = match.evidence[i].model_dump()
            got.update({f"{k}.line": v["line"] for k, v in list(got.items()) if isinstance(v, dict) and "line" in v})
            for k, v in we.items():
                if not _close(got.get(k), v):
                    failures.append(_fail(f"{label} evidence[{i}].{k}", v, got.get(k)))
    for v in unused:
        span = v.period.start if v.period.start == v.period.end else f"{v.period.start}..{v.period.end}"
        what = f"violation {v.rule_id} shop {v.shop_id} {span}"
        failures.append(_fail(what, None, {"value": v.value, "threshold": v.threshold}, f"{what}: reported, not expected (value {v.value}, threshold {v.threshold})"))


def _compare_version(label: str, want: Any, match: Any, failures: list[CaseFailure]) -> None:
    """`rule_version: {effective_from?, effective_until?}` names the version that judged the finding; `null`: an undated rule."""
    got = match.rule_version.model_dump() if match.rule_version is not None else None
    if want is None or got is None:
        if want != got:
            failures.append(_fail(f"{label} rule_version", want, got))
        return
    wanted = {k: (str(v) if v is not None else None) for k, v in want.items()}  # an unquoted YAML day is a date
    for k in ("effective_from", "effective_until"):
        if k in wanted and wanted[k] != got[k]:
            failures.append(_fail(f"{label} rule_version.{k}", wanted[k], got[k]))


def _flag_subject(flag: Any, want: dict[str, Any], *, any_agent: bool = False) -> bool:
    """Whether a reported flag is the one `want` names: detector, shop, agent (absent = the shop-level flag) and, when given, period."""
    if (flag.detector, flag.shop_id) != (want["detector"], want["shop_id"]):
        return False
    if not any_agent and flag.agent_id != want.get("agent_id"):
        return False
    return "period" not in want or (flag.period.start, flag.period.end) == _period_of(want["period"])


def _flag_label(want: dict[str, Any]) -> str:
    agent = f" agent {want['agent_id']}" if want.get("agent_id") else ""
    return f"{want['detector']} shop {want['shop_id']}{agent}"


def _compare_flags(report: AuditReport, wanted: list[dict[str, Any]], failures: list[CaseFailure]) -> None:
    """Every expected flag matches a distinct reported one; scores within bounds; no more are reported."""
    unused = list(report.flags)
    for w in wanted:
        label = f"flag {_flag_label(w)}"
        match = next((f for f in unused if _flag_subject(f, w)), None)
        if match is None:
            failures.append(_fail(label, "reported", None, f"{label}: expected, not reported"))
            continue
        unused.remove(match)
        if "score" in w and not _close(match.score, w["score"]):
            failures.append(_fail(f"{label} score", w["score"], match.score))
        if "min_score" in w and match.score < w["min_score"] - TOLERANCE:
            failures.append(_fail(f"{label} score", f">= {w['min_score']}", match.score, f"{label} score: expected at least {w['min_score']}, got {match.score}"))
        if "max_score" in w and match.score > w["max_score"] + TOLERANCE:
            failures.append(_fail(f"{label} score", f"<= {w['max_score']}", match.score, f"{label} score: expected at most {w['max_score']}, got {match.score}"))
        for k in ("severity", "evidence_total"):
            if k in w and not _close(getattr(match, k), w[k]):
                failures.append(_fail(f"{label} {k}", w[k], getattr(match, k)))
        for k, v in w.get("measures", {}).items():
            if not _close(match.measures.get(k), v):
                failures.append(_fail(f"{label} measures.{k}", v, match.measures.get(k)))
    for f in unused:
        what = f"flag {_flag_label({'detector': f.detector, 'shop_id': f.shop_id, 'agent_id': f.agent_id})}"
        failures.append(_fail(what, None, {"score": f.score}, f"{what}: reported, not expected (score {f.score})"))


def _same_figure(row: dict[str, Any], want: dict[str, Any]) -> bool:
    if row["metric"] != want["metric"] or row["shop_id"] != want["shop_id"]:
        return False
    if row["agent_id"] != want.get("agent_id"):
        return False
    if "period" in want:
        start, end = _period_of(want["period"])
        return row["period"]["start"] == start and row["period"]["end"] == end
    return True


def _key(want: dict[str, Any]) -> str:
    agent = f" agent {want['agent_id']}" if want.get("agent_id") else ""
    period = f" {'..'.join(dict.fromkeys(_period_of(want['period'])))}" if "period" in want else ""
    return f"{want['metric']} shop {want['shop_id']}{agent}{period}"


def coverage(pack: str | Path, cases: list[Case]) -> list[CoverageItem]:
    """For every rule, enabled detector and eligibility check: the cases expecting it to fire, and those expecting it not to.

    A rule is expected quiet by a case that lists its `violations` (a complete
    list) without it, unless the case expects the rule not evaluated (that is
    no evidence it passes). A detector is expected quiet by `absent_flags`, or
    by a complete `flags` list without it. A check fires when a case expects a
    shop not eligible, and is quiet when one expects a shop eligible.
    """
    p = load_pack(pack).pack
    items = [CoverageItem(kind="rule", id=rid, fires=[], quiet=[]) for rid in dict.fromkeys(r.id for r in p.rules)]  # versions: one item
    items += [CoverageItem(kind="detector", id=d.detector, fires=[], quiet=[]) for d in p.detectors if d.enabled]
    items += [CoverageItem(kind="check", id=c.id, fires=[], quiet=[]) for c in p.eligibility]
    for c in cases:
        exp = c.spec.get("expect", {})
        unevaluated = {n["rule_id"] for n in exp.get("not_evaluated", []) if not n.get("days")}
        fired_rules = {v["rule_id"] for v in exp.get("violations", [])}
        fired_flags = {f["detector"] for f in exp.get("flags", [])}
        quiet_flags = {f["detector"] for f in exp.get("absent_flags", [])}
        answers = [e for s in exp.get("summary", []) for e in s.get("eligibility", []) if "eligible" in e]
        for item in items:
            if item.kind == "rule":
                fires = item.id in fired_rules
                quiet = "violations" in exp and not fires and item.id not in unevaluated
            elif item.kind == "detector":
                fires = item.id in fired_flags
                quiet = item.id in quiet_flags or ("flags" in exp and not fires)
            else:
                fires = any(e["check"] == item.id and e["eligible"] is False for e in answers)
                quiet = any(e["check"] == item.id and e["eligible"] is True for e in answers)
            if fires:
                item.fires.append(c.ref())
            if quiet:
                item.quiet.append(c.ref())
    return items


def rule_coverage(pack: str | Path, cases: list[Case]) -> dict[str, dict[str, int]]:
    """Per rule, detector and check id: how many cases expect it to fire (`fails`), and how many expect it not to (`passes`)."""
    return {i.id: {"fails": len(i.fires), "passes": len(i.quiet)} for i in coverage(pack, cases)}
