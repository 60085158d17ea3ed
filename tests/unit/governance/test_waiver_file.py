"""Reading waiver files: the schema, the semantic checks, and every problem at its file, line and column with the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor import api
from auditor.errors import PolicyError
from auditor.policy.waivers import SCHEMA_FILE, check_waivers, load_waivers
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "waivers"
TAOBAO = {"taobao.avg_response_target", "taobao.first_response_target", "delayed_reply", "close_reopen", "bot_as_human", "fake_chat"}


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "w.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def one(id_: str = "W", **over: str) -> str:
    fields = {"id": id_, "rule": "taobao.avg_response_target", "shop": "g1", "reason": "why", "approved_by": "who", "expires": "2026-04-30"} | over
    return "  - " + "\n    ".join(f"{k}: {v}" for k, v in fields.items()) + "\n"


def test_a_good_file_reads_quoted_and_unquoted_days_alike() -> None:
    w = load_waivers(FIXTURES / "golden-both.yaml", TAOBAO)
    assert [x.id for x in w.waivers] == ["WV-1", "WV-2"]
    # WV-1: expires unquoted (YAML would read a date), no period; WV-2: expires quoted, period from/to unquoted
    assert (w.waivers[0].expires, w.waivers[0].start, w.waivers[0].end) == ("2026-04-30", None, None)
    assert (w.waivers[1].expires, w.waivers[1].start, w.waivers[1].end) == ("2026-04-30", "2026-02-01", "2026-03-31")
    assert w.waivers[0].approved_by == "客服主管 Li"
    assert [x.line for x in w.waivers] == [6, 12]  # the list items' lines (after four comment lines and `waivers:` on line 5)
    assert w.sha256.startswith("sha256:") and len(w.sha256) == 71


def test_every_semantic_problem_at_once_with_line_column_and_fix() -> None:
    _, problems = check_waivers(FIXTURES / "bad.yaml", TAOBAO)
    # bad.yaml: the second waiver (line 8) reuses id WV-1, misspells the rule (line 9) and expires 2026-01-31 (line 13),
    # before its period starts on 2026-02-01
    got = [(p.code, p.line, p.column) for p in problems]
    assert got == [("duplicate-id", 8, 5), ("unknown-rule", 9, 5), ("expires-before-period", 13, 5)]
    assert "first on line 2" in problems[0].message
    assert "`taobao.avg_response_target`" in problems[1].hint  # the closest names are the fix


def test_load_raises_one_error_naming_file_line_and_column() -> None:
    with pytest.raises(PolicyError) as err:
        load_waivers(FIXTURES / "unknown-key.yaml", TAOBAO)
    text = str(err.value)
    # unknown-key.yaml: `ticket:` is the 7th key of the one waiver, line 8, indented 4 (column 5)
    assert text.startswith(f"{(FIXTURES / 'unknown-key.yaml').as_posix()}:8:5: invalid waiver file (1 problem): unknown key `ticket`")
    assert "allowed here: agent, approved_by, expires, id, period, reason, rule, shop" in text


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        # `waivers:` is line 1; the item keys follow on lines 2-7: id, rule, shop, reason, approved_by, expires
        ("waivers:\n" + one(reason='"  "'), "schema", 5),  # a blank reason (line 5 of the item) is no reason
        ("waivers:\n" + one(expires='"2026-02-30"'), "bad-day", 7),  # quoted, so YAML keeps it as text: not a real day
        ("waivers:\n" + one(expires="2026-02-30"), "yaml-value", 7),  # unquoted, YAML itself cannot read it
        ("waivers:\n" + one(expires="soon"), "bad-day", 7),
        ("waivers:\n" + one(period="{from: 2026-03-01, to: 2026-02-01}"), "period-inverted", 8),  # period is the 7th key: line 8
        ("waivers:\n" + one().replace("    approved_by: who\n", ""), "missing-key", 2),
        ("waivers:\n  - &a\n" + one()[4:] + "  - *a\n", "yaml-alias", 2),
        ("", "missing-key", 1),
    ],
)
def test_one_problem_each(tmp_path: Path, body: str, code: str, line: int) -> None:
    _, problems = check_waivers(write(tmp_path, body), TAOBAO)
    assert [(p.code, p.line) for p in problems] == [(code, line)], [str(p) for p in problems]


def test_a_missing_file_is_named() -> None:
    with pytest.raises(PolicyError, match="waiver file `nowhere.yaml` not found"):
        load_waivers("nowhere.yaml", TAOBAO)


def test_ids_detectors_and_rules_are_known_names(tmp_path: Path) -> None:
    body = "waivers:\n" + one("A", rule="fake_chat", agent="g1:bot") + one("B")
    w = load_waivers(write(tmp_path, body), TAOBAO)
    assert [(x.id, x.rule, x.agent) for x in w.waivers] == [("A", "fake_chat", "g1:bot"), ("B", "taobao.avg_response_target", None)]


def test_the_published_schema_is_the_file_and_checks_itself() -> None:
    from jsonschema import Draft202012Validator

    text = api.waiver_schema_text()
    assert text == SCHEMA_FILE.read_text(encoding="utf-8")
    doc = json.loads(text)
    Draft202012Validator.check_schema(doc)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"  # stable text: sorted keys
    assert doc["$defs"]["waiver"]["required"] == ["id", "rule", "shop", "reason", "approved_by", "expires"]
