"""SARIF 2.1.0: every log validates against the official schema, and findings sit where a code-scanning viewer can show them.

The schema is the OASIS committee-specification copy, vendored byte for byte
in tests/fixtures/sarif (its README says from where). jsonschema checks the
`uri` and `uri-reference` formats only with extra packages, so this module
registers a strict RFC 3986 character check for them: a Chinese or spaced
file name that is not percent-encoded fails validation here.

Hand-worked expectations (the golden input is worked in test_golden.py):
  taobao on tests/golden/input: g1's two warnings rest on rounds u2 (line 3
  -> reply line 5, 240 s) and u1 (line 1 -> reply line 2, 45 s); the worst
  round comes first, so each result sits at chats.jsonl:3 with related
  lines 5, 1, 2. The two rejected lines 8 and 9 are notes. Rules: the pack's
  two rules, its four enabled detectors, then `input.rejected`.

Set UPDATE_GOLDEN=1 to rewrite tests/golden/sarif/{validation,diff}.sarif
after a deliberate change, then review the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from auditor import AuditOptions, audit, formats, render
from auditor.models import (
    AuditReport,
    Citation,
    DayEvidence,
    DiffReport,
    FileInfo,
    FindingChange,
    FindingRef,
    Inputs,
    PackValidation,
    Period,
    PolicyRef,
    Problem,
    RecordRef,
    ShopChange,
    ValidationReport,
)
from auditor.report.sarif import FINGERPRINT_KEY, MAX_RELATED, artifact_location
from tests.conftest import ROOT
from tests.conftest import audit_at_root as _audit_at_root
from tests.conftest import check_golden as _check_golden

SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GOLDEN = ROOT / "tests" / "golden" / "sarif"

# RFC 3986: unreserved, reserved and percent-encoded octets only; a scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _is_uri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _URI_CHARS.match(value):
        return False
    # a relative reference whose first segment holds ":" would be read as a scheme
    return bool(_SCHEME.match(value)) or ":" not in value.split("/", 1)[0]


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or (_is_uri_reference(value) and bool(_SCHEME.match(value)))


def _validator() -> Draft7Validator:
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    return Draft7Validator(SCHEMA, format_checker=checker)


def assert_valid_sarif(data: bytes) -> dict[str, Any]:
    """The bytes are UTF-8 JSON, valid SARIF 2.1.0, with no raw control character, and every result names its rule by id and index."""
    text = data.decode("utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.replace("\n", "")), "raw control character in the log"
    doc = json.loads(text)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(doc)]
    assert errors == []
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["locations"], "a result with no location cannot be shown inline"
    return doc


@pytest.fixture(scope="module")
def taobao() -> AuditReport:
    return _audit_at_root("tests/golden/input", AuditOptions(policy="taobao"))


@pytest.fixture(scope="module")
def pdd() -> AuditReport:
    side = "tests/golden/pinduoduo/side"
    return _audit_at_root(
        "tests/golden/pinduoduo/input",
        AuditOptions(policy="pinduoduo", shops=f"{side}/shops.csv", peers=f"{side}/peers.csv"),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def flags() -> AuditReport:
    return _audit_at_root("tests/golden/flags/input", AuditOptions(policy="taobao", as_of="2026-03-10"))  # type: ignore[arg-type]


def _results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["runs"][0]["results"]  # type: ignore[no-any-return]


def _where(res: dict[str, Any]) -> tuple[str, int | None]:
    phys = res["locations"][0]["physicalLocation"]
    return phys["artifactLocation"]["uri"], phys.get("region", {}).get("startLine")


# --- the validator itself --------------------------------------------------------------------


def test_vendored_schema_is_the_official_draft_07_one() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d.pop("version"), "version is required"),
        (lambda d: d["runs"][0]["results"][0].update(level="fatal"), "level outside none/note/warning/error"),
        (lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0), "lines are 1-based"),
        (
            lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"].update(uri="数据 目录/a.jsonl"),
            "unencoded URI",
        ),
        (lambda d: d["runs"][0]["tool"]["driver"].update(informationUri="README.md"), "informationUri must be absolute"),
    ],
)
def test_the_validator_refuses_broken_logs(taobao: AuditReport, mutate: Any, why: str) -> None:
    doc = json.loads(render(taobao, "sarif"))
    mutate(doc)
    assert list(_validator().iter_errors(doc)), why


# --- audit -----------------------------------------------------------------------------------


def test_sarif_is_registered_for_the_three_documents() -> None:
    for doc in (AuditReport, ValidationReport, DiffReport):
        assert "sarif" in formats(doc)


def test_taobao_golden_input(taobao: AuditReport) -> None:
    doc = assert_valid_sarif(render(taobao, "sarif"))
    run = doc["runs"][0]
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("auditor", taobao.auditor_version)
    assert [r["id"] for r in driver["rules"]] == [r.id for r in taobao.rules] + ["input.rejected"]
    got = [(r["ruleId"], r["level"], _where(r)) for r in _results(doc)]
    src = "tests/golden/input/chats.jsonl"
    assert got == [
        ("taobao.avg_response_target", "warning", (src, 3)),
        ("taobao.first_response_target", "warning", (src, 3)),
        ("input.rejected", "note", (src, 8)),
        ("input.rejected", "note", (src, 9)),
    ]
    avg = _results(doc)[0]
    # avg = (45 + 240) / 2 = 142.5 s > 30 s over the 30 days to as-of 2026-03-10; the taobao targets carry no consequence
    assert (
        avg["message"]["text"]
        == "shop g1: avg_response_time 142.5 > 30 over 2026-02-09..2026-03-10. Average response slower than 30 seconds."
    )
    assert avg["locations"][0]["message"]["text"] == "buyer u2's first message of the round, answered after 240 s"
    assert [(x["physicalLocation"]["region"]["startLine"], x["message"]["text"]) for x in avg["relatedLocations"]] == [
        (5, "the reply to buyer u2 by g1:bob after 240 s"),
        (1, "buyer u1's first message of the round, answered after 45 s"),
        (2, "the reply to buyer u1 by g1:amy after 45 s"),
    ]
    assert avg["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": src, "uriBaseId": "%SRCROOT%"}
    assert avg["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "g1", "kind": "shop", "name": "g1"}]
    props = avg["properties"]
    assert (props["shop_id"], props["value"], props["threshold"], props["evidence_total"], props["consequence"]) == (
        "g1",
        142.5,
        30.0,
        2,
        {"type": "none"},
    )
    assert props["period"] == {"start": "2026-02-09", "end": "2026-03-10"}
    assert (
        _results(doc)[2]["message"]["text"] == "Record rejected (bad_enum:role): `role` is `seller`, expected buyer, agent, bot or system."
    )
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_rule_help_quotes_the_cited_clause(taobao: AuditReport) -> None:
    doc = assert_valid_sarif(render(taobao, "sarif"))
    rule = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "taobao.first_response_target")
    info = next(r for r in taobao.rules if r.id == "taobao.first_response_target")
    assert rule["shortDescription"]["text"] == info.title["en"]
    assert rule["fullDescription"]["text"] == info.doc["en"]
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert rule["properties"]["title_zh"] == info.title["zh"] and rule["properties"]["kind"] == "threshold"
    assert rule["properties"]["consequence"] == {"type": "none"}
    for field in ("text", "markdown"):
        help_text = rule["help"][field]
        assert "「首次响应时间为20秒,平均响应为30秒」" in help_text
        assert "First response in 20 seconds, average response in 30 seconds" in help_text
        assert "002" in help_text and "92962fdfafc03648" in help_text
    assert "Fires when first_response_time > 20." in rule["help"]["text"]


def test_pinduoduo_golden_input(pdd: AuditReport) -> None:
    doc = assert_valid_sarif(render(pdd, "sarif"))
    got = [(r["ruleId"], r["level"]) for r in _results(doc)]
    # test_golden.py: four violations (two streak warnings, the floor and the fine on p1's 03-10) and the Feb 30 line rejected
    assert got == [
        ("pinduoduo.below_peers", "warning"),
        ("pinduoduo.activity_floor", "error"),
        ("pinduoduo.daily_fine", "error"),
        ("pinduoduo.below_peers", "warning"),
        ("input.rejected", "note"),
    ]
    fine = _results(doc)[2]
    # 20 of 101 buyers answered: 20/101 = 0.19802 (rounded to 6 places) < 0.5 on the one day; fine 1000 CNY
    assert fine["message"]["text"].startswith("shop p1: reply_rate 0.19802 < 0.5 on 2026-03-10; consequence: fine CNY 1000.")
    assert _where(fine)[0] == "tests/golden/pinduoduo/input/busy.jsonl"
    notes = [n["message"]["text"] for n in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any(t.startswith("pinduoduo.below_peers not evaluated for shop p3:") for t in notes)
    assert any(t.startswith("pinduoduo.below_peers not evaluated for shop p2 on 2026-03-09:") for t in notes)
    assert "tests/golden/pinduoduo/side/peers.csv:11: date `2026-03-9` is not YYYY-MM-DD; row left out" in notes


def test_flags_golden_input(flags: AuditReport) -> None:
    doc = assert_valid_sarif(render(flags, "sarif"))
    by_rule = [r for r in _results(doc) if r["ruleId"] in {"bot_as_human", "close_reopen", "delayed_reply", "fake_chat"}]
    assert len(by_rule) == len(flags.flags) == 7
    agent = next(r for r in by_rule if r["ruleId"] == "close_reopen" and r["properties"]["agent_id"] == "c1")
    assert agent["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "g_close/c1", "kind": "agent", "name": "c1"}]
    # make_input.py: the first close/reply pair is lines 37 (buyer), 38 (close), 39 (reply)
    assert _where(agent) == ("tests/golden/flags/input/chats.jsonl", 37)
    assert [x["physicalLocation"]["region"]["startLine"] for x in agent["relatedLocations"][:2]] == [38, 39]
    assert agent["relatedLocations"][0]["message"]["text"] == "close reply pair: the session close"
    assert "A lead for a person to check, not a verdict." in agent["message"]["text"]
    for r in _results(doc):
        assert len(r.get("relatedLocations", [])) <= MAX_RELATED
    bot = next(r for r in by_rule if r["ruleId"] == "bot_as_human")
    assert len(bot["relatedLocations"]) == MAX_RELATED  # 24 fast replies, two records each: far more than the cap


def test_a_finding_with_no_record_sits_at_the_first_input_file(pdd: AuditReport) -> None:
    # keep only the daily figures of the first streak: no record left to point at
    streak = pdd.violations[0]
    only_days = streak.model_copy(update={"evidence": [e for e in streak.evidence if isinstance(e, DayEvidence)]})
    report = pdd.model_copy(update={"violations": [only_days], "flags": []})
    res = _results(assert_valid_sarif(render(report, "sarif")))[0]
    loc = res["locations"][0]
    assert loc["physicalLocation"] == {"artifactLocation": {"uri": pdd.inputs.files[0].file, "uriBaseId": "%SRCROOT%"}}
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "p1", "kind": "shop", "name": "p1"}]
    assert "relatedLocations" not in res


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        # 数 E6 95 B0, 据 E6 8D AE, space 20, 目 E7 9B AE, 录 E5 BD 95 / 聊 E8 81 8A, 天 E5 A4 A9, # 23
        (
            "数据 目录/聊天#1.jsonl",
            {"uri": "%E6%95%B0%E6%8D%AE%20%E7%9B%AE%E5%BD%95/%E8%81%8A%E5%A4%A9%231.jsonl", "uriBaseId": "%SRCROOT%"},
        ),
        ("/srv/a b/x.jsonl", {"uri": "file:///srv/a%20b/x.jsonl"}),
        ("C:/data/x y.csv", {"uri": "file:///C:/data/x%20y.csv"}),
        ("a:b.jsonl", {"uri": "a%3Ab.jsonl", "uriBaseId": "%SRCROOT%"}),  # an unencoded colon would read as a scheme
        ("100%.csv", {"uri": "100%25.csv", "uriBaseId": "%SRCROOT%"}),
    ],
)
def test_artifact_uris_are_rfc_3986(file: str, expected: dict[str, str]) -> None:
    got = artifact_location(file)
    assert got == expected
    assert _is_uri_reference(got["uri"]) and (_is_uri(got["uri"]) == ("uriBaseId" not in got))


HOSTILE_SHOP = 'x"<店\x1b[31m'


def _hostile_records(blank_lines: int = 0) -> str:
    # one round, buyer 09:00:00 -> agent 09:05:00: latency 300 s; avg = first = 300 s > 30 and > 20: two warnings
    # over the 30 days to as-of 2026-03-10 (the latest day), i.e. 2026-02-09..2026-03-10
    rows = [
        {"shop_id": HOSTILE_SHOP, "buyer_id": "b<1>", "role": "buyer", "ts": "2026-03-10T09:00:00+08:00", "msg_id": "1", "text": "在吗"},
        {
            "shop_id": HOSTILE_SHOP,
            "buyer_id": "b<1>",
            "role": "agent",
            "sender_id": "a1",
            "ts": "2026-03-10T09:05:00+08:00",
            "msg_id": "2",
            "text": "在",
        },
    ]
    return "\n" * blank_lines + "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_hostile_ids_and_a_chinese_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "数据 目录"
    folder.mkdir()
    (folder / "聊天 记录.jsonl").write_text(_hostile_records(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = audit(["数据 目录"], AuditOptions(policy="taobao"))
    assert [(v.rule_id, v.shop_id) for v in report.violations] == [
        ("taobao.avg_response_target", HOSTILE_SHOP),
        ("taobao.first_response_target", HOSTILE_SHOP),
    ]
    doc = assert_valid_sarif(render(report, "sarif"))
    res = [r for r in _results(doc) if r["ruleId"] == "taobao.avg_response_target"][0]
    # the ESC (0x1b) is shown as the four characters \x1b; the quote and the angle bracket stay as they are (JSON escapes the quote)
    assert res["message"]["text"].startswith('shop x"<店\\x1b[31m: avg_response_time 300 > 30 over 2026-02-09..2026-03-10.')
    assert res["locations"][0]["message"]["text"] == "buyer b<1>'s first message of the round, answered after 300 s"
    assert res["properties"]["shop_id"] == 'x"<店\\x1b[31m'
    assert res["locations"][0]["logicalLocations"][0]["name"] == 'x"<店\\x1b[31m'
    assert _where(res) == ("%E6%95%B0%E6%8D%AE%20%E7%9B%AE%E5%BD%95/%E8%81%8A%E5%A4%A9%20%E8%AE%B0%E5%BD%95.jsonl", 1)

    absolute = audit([str(folder)], AuditOptions(policy="taobao"))
    res = _results(assert_valid_sarif(render(absolute, "sarif")))[0]
    uri = _where(res)[0]
    assert uri.startswith("file:///") and uri.endswith(
        "/%E6%95%B0%E6%8D%AE%20%E7%9B%AE%E5%BD%95/%E8%81%8A%E5%A4%A9%20%E8%AE%B0%E5%BD%95.jsonl"
    )
    assert "uriBaseId" not in res["locations"][0]["physicalLocation"]["artifactLocation"]


def test_fingerprints_follow_the_finding_not_the_line(tmp_path: Path) -> None:
    for name, blanks in (("a", 0), ("b", 3)):  # three blank lines first: no record, every line moves down by 3
        (tmp_path / name).mkdir()
        (tmp_path / name / "chats.jsonl").write_text(_hostile_records(blanks), encoding="utf-8")
    before = _results(assert_valid_sarif(render(audit([str(tmp_path / "a")], AuditOptions(policy="taobao")), "sarif")))
    after = _results(assert_valid_sarif(render(audit([str(tmp_path / "b")], AuditOptions(policy="taobao")), "sarif")))
    assert [_where(r)[1] for r in before] == [1, 1] and [_where(r)[1] for r in after] == [4, 4]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in before]
    assert prints == [r["partialFingerprints"][FINGERPRINT_KEY] for r in after]
    assert len(set(prints)) == 2  # the two rules' findings stay distinct


def test_fingerprints_are_distinct_across_a_report(pdd: AuditReport, flags: AuditReport) -> None:
    for report in (pdd, flags):
        prints = [
            r["partialFingerprints"][FINGERPRINT_KEY] for r in _results(json.loads(render(report, "sarif"))) if "partialFingerprints" in r
        ]
        assert len(prints) == len(report.violations) + len(report.flags) == len(set(prints))


# --- validate --------------------------------------------------------------------------------


def _validation() -> ValidationReport:
    return ValidationReport(
        auditor_version="0.1.0",
        packs=[
            PackValidation(
                pack="packs/店铺 pack",
                file="packs/店铺 pack/pack.yaml",
                name="shop-pack",
                version="1.0.0",
                digest=None,
                problems=[
                    Problem(
                        file="packs/店铺 pack/pack.yaml", line=12, column=12, path="rules[0].value", code="schema",
                        message="`twenty` is not a number", fix="write the threshold as a number, e.g. 20",
                    ),
                    Problem(
                        file="packs/店铺 pack/pack.yaml", line=20, column=None, path="rules[1].metric", code="unknown-metric",
                        message="rule `r2` names metric `speed\x07`, which the pack does not define", fix="name one of the pack's metrics",
                    ),
                    Problem(
                        file="packs/店铺 pack/sources/a.txt", line=None, path="", code="citation-quote", severity="warning",
                        message="the source file is empty", fix="copy the article's text into it",
                    ),
                ],
            ),
            PackValidation(pack="taobao", file="policies/taobao/pack.yaml", name="taobao", version="2026.11.0", digest="sha256:0", problems=[]),
        ],
    )  # fmt: skip


def test_validation_report() -> None:
    data = render(_validation(), "sarif")
    doc = assert_valid_sarif(data)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["citation-quote", "schema", "unknown-metric"]  # sorted codes
    assert [r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]] == ["warning", "error", "error"]
    results = _results(doc)
    assert [(r["ruleId"], r["level"]) for r in results] == [("schema", "error"), ("unknown-metric", "error"), ("citation-quote", "warning")]
    pack_uri = "packs/%E5%BA%97%E9%93%BA%20pack/pack.yaml"  # 店 E5 BA 97, 铺 E9 93 BA, space 20
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": pack_uri, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 12},
    }
    assert results[0]["message"]["text"] == "`twenty` is not a number — write the threshold as a number, e.g. 20"
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 20}  # no column known
    assert "\\x07" in results[1]["message"]["text"]
    assert "region" not in results[2]["locations"][0]["physicalLocation"]  # the whole file
    assert [p["valid"] for p in run["properties"]["packs"]] == [False, True]
    _check_golden(GOLDEN / "validation.sarif", data)


# --- diff ------------------------------------------------------------------------------------


def _finding(**kw: Any) -> FindingRef:
    base: dict[str, Any] = dict(
        kind="violation", rule_id="pinduoduo.daily_fine", shop_id="p1", period=Period(start="2026-03-10", end="2026-03-10"),
        severity="error", title={"zh": "当日咨询量大于100人且回复率低于50%，罚款1000元", "en": "Daily fine"},
        value=0.19802, threshold=0.5, op="<", metric="reply_rate", consequence={"type": "fine", "amount": 1000.0, "currency": "CNY"},
        citation=Citation(source="003_793285162bd82131.txt", text="如果当日咨询量大于100人,而回复率未达标,商家还将面临1000元的罚款", gloss_en="A fine of 1000 CNY."),
        location=RecordRef(file="tests/golden/pinduoduo/input/busy.jsonl", line=41, msg_id="p1-x021", ts="2026-03-10T10:01:00+08:00"),
    )  # fmt: skip
    base.update(kw)
    return FindingRef(**base)


def _diff() -> DiffReport:
    inputs = Inputs(
        read=2, used=2, excluded={}, rejected=0, rejections=[],
        files=[FileInfo(file="tests/golden/pinduoduo/input/busy.jsonl", format="jsonl", status="ok", read=2, used=2, excluded=0, rejected=0)],
    )  # fmt: skip
    lead = _finding(
        kind="flag", rule_id="fake_chat", severity="warning", title={"zh": "假聊", "en": "Fake chats"}, value=0.75,
        threshold=None, op=None, metric=None, consequence=None, location=None,
    )  # fmt: skip
    resolved = _finding(rule_id="pinduoduo.activity_floor", shop_id="p2")
    return DiffReport(
        auditor_version="0.1.0",
        old=PolicyRef(name="pinduoduo", version="2026.11.0", digest="sha256:old"),
        new=PolicyRef(name="pinduoduo", version="2026.12.0", digest="sha256:new"),
        as_of="2026-03-10",
        period=Period(start="2026-02-09", end="2026-03-10"),
        inputs=inputs,
        pack_changes=[],
        shops=[
            ShopChange(shop_id="p1", added=[_finding(), lead]),
            ShopChange(shop_id="p2", resolved=[resolved], changed=[FindingChange(before=resolved, after=resolved)]),
        ],
        metrics=[],
    )


def test_diff_report(pdd: AuditReport) -> None:
    data = render(_diff(), "sarif")
    doc = assert_valid_sarif(data)
    run = doc["runs"][0]
    results = _results(doc)
    # only the two findings the new pack adds are results; the resolved and changed ones are counted in the run's properties
    assert [(r["ruleId"], r["level"], r["baselineState"]) for r in results] == [
        ("pinduoduo.daily_fine", "error", "new"),
        ("fake_chat", "warning", "new"),
    ]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["pinduoduo.daily_fine", "fake_chat"]
    assert run["properties"]["findings"] == {"added": 2, "changed": 1, "resolved": 1}
    fine = results[0]
    assert fine["message"]["text"] == (
        "New under pinduoduo 2026.12.0 (not found under pinduoduo 2026.11.0): "
        "shop p1: reply_rate 0.19802 < 0.5 on 2026-03-10; consequence: fine CNY 1000. Daily fine."
    )
    assert _where(fine) == ("tests/golden/pinduoduo/input/busy.jsonl", 41)
    # a lead with no record is placed at the first input file, with its shop as the logical location
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/golden/pinduoduo/input/busy.jsonl", "uriBaseId": "%SRCROOT%"}
    }
    assert results[1]["message"]["text"].startswith(
        "New under pinduoduo 2026.12.0 (not found under pinduoduo 2026.11.0): shop p1: gaming lead fake_chat, score 0.75 on 2026-03-10."
    )
    # the same finding has the same fingerprint in the audit log and the diff log
    audit_fine = next(r for r in _results(json.loads(render(pdd, "sarif"))) if r["ruleId"] == "pinduoduo.daily_fine")
    assert fine["partialFingerprints"] == audit_fine["partialFingerprints"]
    _check_golden(GOLDEN / "diff.sarif", data)


def test_diff_of_an_edited_copy_names_the_packs_by_digest() -> None:
    # an edited copy keeps the name and version: the message tells the two apart by the digest's first 12 hex digits
    same = _diff().model_copy(
        update={
            "old": PolicyRef(name="taobao", version="1", digest="sha256:aaaaaaaaaaaa0000"),
            "new": PolicyRef(name="taobao", version="1", digest="sha256:bbbbbbbbbbbb0000"),
        }
    )
    text = _results(assert_valid_sarif(render(same, "sarif")))[0]["message"]["text"]
    assert text.startswith("New under taobao 1 (sha256:bbbbbbbbbbbb) (not found under taobao 1 (sha256:aaaaaaaaaaaa)): shop p1:")


def test_same_document_same_bytes(flags: AuditReport) -> None:
    assert render(flags, "sarif") == render(flags.model_copy(deep=True), "sarif")
    assert render(_diff(), "sarif") == render(_diff(), "sarif")
