"""`junit`: JUnit XML for CI test reporters (Jenkins, GitLab, GitHub): audits and pack-test runs.

The element and attribute set is Jenkins' junit-10 schema's (testsuites >
testsuite > properties, testcase > skipped, error, failure, system-out), plus
`file` and `line` on a testcase, which pytest writes and GitLab reads.

- An audit is one testsuite per shop (every shop of the report's `summary`)
  holding one testcase per rule and enabled detector the pack ran
  (`classname` = the shop id, `name` = the rule id or detector name). Each
  violation or flag is a `<failure>` (type = its severity) whose message has
  the figure, comparison, threshold, period and consequence (for a flag: its
  score and what was seen) and whose body quotes the cited clause with its
  English gloss and the first evidence records. A rule not evaluated for the
  shop at all is `<skipped>` with the reason; days not evaluated are noted in
  the testcase's `<system-out>`. A waived or baselined finding is no
  failure: when that is all a testcase found, it is `<skipped message="waived
  (id, period): reason">`. A suite per shop lets a CI page group the
  findings the way a reviewer reads them: shop by shop.
- A pack-test run is one testsuite per pack, one testcase per case that ran
  (`classname` = pack.file-stem, `file` and `line` = the case), a case that
  failed one `<failure>` listing every missed expectation, a case that could
  not run an `<error>`. Coverage gaps go in the suite's `<system-out>`.

No timestamps, durations or host names: the same input gives the same bytes.
Text is escaped by ElementTree; characters XML 1.0 cannot hold at all (ESC,
NUL, other C0 and C1 controls) are written as a visible `\\xNN`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, BinaryIO

from auditor.models import AuditReport, CaseOutcome, Flag, PackTestReport, PackTests, RoundEvidence, RuleInfo, Violation
from auditor.report.base import Reporter, register
from auditor.report.by_shop import ByShop

MAX_EVIDENCE_SHOWN = 5

# XML 1.0 allows #x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF; C1 controls are legal but
# as unwelcome in a CI page as C0 ones. Lone surrogates cannot be encoded at all.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: object) -> str:
    """Text that any XML 1.0 parser accepts: illegal characters shown as \\xNN (or \\uNNNN)."""
    text = "" if value is None else str(value)
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def _el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    clean = {k: xml_safe(v) for k, v in attrs.items() if v is not None}
    e = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
    if text is not None:
        e.text = xml_safe(text)
    return e


def _write(root: ET.Element, out: BinaryIO) -> None:
    ET.indent(root, space="  ")
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode").encode("utf-8"))
    out.write(b"\n")


def _properties(parent: ET.Element, props: list[tuple[str, object]]) -> None:
    shown = [(k, v) for k, v in props if v is not None]
    if shown:
        box = _el(parent, "properties")
        for k, v in shown:
            _el(box, "property", name=k, value=v)


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else str(x)


def _value(x: float | None, unit: str) -> str:
    if x is None:
        return "none"
    return f"{x * 100:.1f}%" if unit == "ratio" else f"{_num(x)} s" if unit == "seconds" else _num(x)


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start}..{end}"


def _when(start: str, end: str) -> str:
    return f"on {start}" if start == end else f"in {start}..{end}"


def _consequence(c: dict[str, Any]) -> str:
    text = str(c.get("type"))
    if c.get("amount") is not None:
        text += f" {c.get('currency') or ''} {_num(float(c['amount']))}".replace("  ", " ")
    return text


def _first_location(value: Any) -> tuple[str, int] | None:
    """The first record (file, line) in a flag's evidence, depth first."""
    if isinstance(value, dict):
        if isinstance(value.get("file"), str) and isinstance(value.get("line"), int):
            return value["file"], value["line"]
        for v in value.values():
            hit = _first_location(v)
            if hit:
                return hit
    if isinstance(value, list):
        for v in value:
            hit = _first_location(v)
            if hit:
                return hit
    return None


@register
class JunitReporter(Reporter):
    name = "junit"
    suffix = ".xml"
    document = AuditReport

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        units = {d.id: d.unit for d in report.definitions}
        ix = ByShop(report)
        suites = []
        for shop in report.summary:
            suite = ET.Element("testsuite")
            _properties(
                suite,
                [
                    ("policy", report.policy.name),
                    ("policy_version", report.policy.version),
                    ("policy_digest", report.policy.digest),
                    ("as_of", report.as_of),
                    ("period", _span(report.period.start, report.period.end)),
                    ("platform", shop.platform),
                    ("category", shop.category),
                ],
            )
            failures = skipped = 0
            for rule in report.rules:
                outcome = self._testcase(suite, ix, shop.shop_id, rule, units)
                failures += outcome == "failed"
                skipped += outcome == "skipped"
            suite.attrib.update(
                {"name": xml_safe(f"{report.policy.name} {shop.shop_id}"), "tests": str(len(report.rules)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
            )
            suites.append((suite, failures, skipped))
        root = _el(
            None,
            "testsuites",
            name=f"auditor audit {report.policy.name} {report.policy.version} as of {report.as_of}",
            tests=len(report.rules) * len(report.summary),
            failures=sum(f for _, f, _ in suites),
            errors=0,
            skipped=sum(s for _, _, s in suites),
        )
        for suite, _, _ in suites:
            # the attributes were set after the children; put them first in the order the schema lists them
            suite.attrib = {k: suite.attrib[k] for k in ("name", "tests", "failures", "errors", "skipped")}
            root.append(suite)
        _write(root, out)

    def _testcase(self, suite: ET.Element, ix: ByShop, shop_id: str, rule: RuleInfo, units: dict[str, str]) -> str:
        if rule.type == "rule":
            found: list[Violation | Flag] = [v for v in ix.violations.get(shop_id, []) if v.rule_id == rule.id]
        else:
            found = [f for f in ix.flags.get(shop_id, []) if f.detector == rule.id]
        missed = [n for n in ix.not_evaluated(shop_id, with_all_shops=True) if n.rule_id == rule.id]
        where = self._location(found[0]) if found else None
        case = _el(suite, "testcase", classname=shop_id, name=rule.id, file=where[0] if where else None, line=where[1] if where else None)
        whole = [n for n in missed if not n.days]
        if whole and not found:
            _el(case, "skipped", whole[0].reason, message=f"not evaluated: {whole[0].reason}")
        accepted = [x for x in found if x.waiver is not None or x.baselined]  # waived or baselined: not a failure (docs/waivers-and-baselines.md)
        found = [x for x in found if x not in accepted]
        if accepted and not found:
            _el(case, "skipped", message="; ".join(self._accepted(x) for x in accepted))
        for item in found:
            if isinstance(item, Violation):
                _el(case, "failure", self._violation_body(item, units), message=self._violation_message(item, units), type=item.severity)
            else:
                _el(case, "failure", self._flag_body(item), message=self._flag_message(item), type=item.severity)
        days = sorted({d for n in missed for d in n.days})
        if days:
            _el(case, "system-out", f"not evaluated on {len(days)} day(s): {', '.join(days)} ({missed[0].reason})")
        return "failed" if found else "skipped" if whole or accepted else "passed"

    @staticmethod
    def _accepted(x: Violation | Flag) -> str:
        span = _span(x.period.start, x.period.end)
        if x.waiver is not None:
            return f"waived ({x.waiver.id}, {span}): {x.waiver.reason}"
        return f"baselined ({span}): in the baseline, not failing"

    @staticmethod
    def _location(item: Violation | Flag) -> tuple[str, int] | None:
        if isinstance(item, Violation):
            first = next((e for e in item.evidence if isinstance(e, RoundEvidence)), None)
            return (first.first_message.file, first.first_message.line) if first else None
        return _first_location(item.evidence)

    @staticmethod
    def _violation_message(v: Violation, units: dict[str, str]) -> str:
        unit = units.get(v.metric, "")
        return (
            f"{v.severity}: {v.metric} = {_value(v.value, unit)} {v.op} {_value(v.threshold, unit)} "
            f"{_when(v.period.start, v.period.end)}; consequence: {_consequence(v.consequence)}"
        )

    @staticmethod
    def _violation_body(v: Violation, units: dict[str, str]) -> str:
        lines = [f"{v.title.get('en', '')} / {v.title.get('zh', '')}"]
        if v.numerator is not None and v.denominator is not None:
            lines.append(f"figure: {_num(float(v.numerator))} / {v.denominator}")
        lines.append(f"「{v.citation.text}」 — {v.citation.source}")
        if v.citation.gloss_en:
            lines.append(f"({v.citation.gloss_en})")
        rounds = [e for e in v.evidence if isinstance(e, RoundEvidence)]
        for e in rounds[:MAX_EVIDENCE_SHOWN]:
            answer = f"answered at {e.reply.file}:{e.reply.line} after {_num(e.latency_s)} s" if e.reply and e.latency_s is not None else "unanswered"
            lines.append(f"evidence: buyer {e.buyer_id} at {e.first_message.file}:{e.first_message.line}, {answer}")
        days = [e for e in v.evidence if e.kind == "day"]
        unit = units.get(v.metric, "")
        for d in days:
            peer = _value(d.peer_value, unit) if d.peer_value is not None else "none"
            lines.append(f"day {d.day}: {_value(d.value, unit)} (peers {peer}){'' if d.in_streak else ' — ends the run'}")
        if v.evidence_total > len(rounds[:MAX_EVIDENCE_SHOWN]) and rounds:
            what = "inquiries" if any(e.kind == "inquiry" for e in rounds) else "rounds"
            lines.append(f"… {v.evidence_total} {what} behind this figure in all; the JSON report lists them")
        return "\n".join(lines)

    @staticmethod
    def _flag_message(f: Flag) -> str:
        who = f" agent {f.agent_id}" if f.agent_id else ""
        return f"{f.severity}: lead{who}, score {f.score:.2f} {_when(f.period.start, f.period.end)}: {f.summary}"

    @staticmethod
    def _flag_body(f: Flag) -> str:
        lines = [f"{f.title.get('en', '')} / {f.title.get('zh', '')}", f.summary_zh, f"「{f.citation.text}」 — {f.citation.source}"]
        if f.citation.gloss_en:
            lines.append(f"({f.citation.gloss_en})")
        lines.append("measures: " + ", ".join(f"{k} {_num(float(v))}" for k, v in f.measures.items()))
        lines.append("A flag is a lead for a person to check, not a verdict.")
        return "\n".join(lines)


@register
class JunitPackTestReporter(Reporter):
    name = "junit"
    suffix = ".xml"
    document = PackTestReport

    def render(self, report: PackTestReport, out: BinaryIO) -> None:
        root = _el(
            None,
            "testsuites",
            name="auditor test" + (f" -k {report.select}" if report.select else ""),
            tests=sum(len(p.cases) for p in report.packs),
            failures=report.count("failed"),
            errors=report.count("error"),
            skipped=0,
        )
        for p in report.packs:
            self._suite(root, p, report.select)
        _write(root, out)

    def _suite(self, root: ET.Element, p: PackTests, select: str | None) -> None:
        failures = sum(1 for c in p.cases if c.outcome == "failed")
        errors = sum(1 for c in p.cases if c.outcome == "error")
        suite = _el(root, "testsuite", name=p.name, tests=len(p.cases), failures=failures, errors=errors, skipped=0)
        _properties(suite, [("pack_dir", p.dir), ("pack_version", p.version), ("pack_digest", p.digest), ("select", select)])
        for c in p.cases:
            self._case(suite, p, c)
        gaps = [f"no case: {u}" for u in p.uncovered]
        gaps += [f"{i.kind} {i.id}: no case where it {'fires' if not i.fires else 'does not fire'}" for i in p.coverage if (i.fires or i.quiet) and not (i.fires and i.quiet)]
        _el(suite, "system-out", "coverage: " + ("; ".join(gaps) if gaps else "every rule, detector and check has a case where it fires and one where it does not"))

    @staticmethod
    def _case(suite: ET.Element, p: PackTests, c: CaseOutcome) -> None:
        stem = c.file.rsplit("/", 1)[-1].removesuffix(".yml")
        case = _el(suite, "testcase", classname=f"{p.name}.{stem}", name=c.name, file=c.file, line=c.line)
        if c.outcome == "passed":
            return
        body = "\n".join(f.message for f in c.failures)
        first = c.failures[0].message if c.failures else c.outcome
        if c.outcome == "error":
            _el(case, "error", body, message=first, type="error")
        else:
            n = len(c.failures)
            _el(case, "failure", body, message=f"{n} expectation{'s' if n != 1 else ''} not met; first: {first}", type="failed")
