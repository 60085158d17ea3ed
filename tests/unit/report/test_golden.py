"""Golden reports: every registered format renders the golden input to exactly the committed bytes.

The golden input (tests/golden/input) is small enough to check by hand. Audited
period 2026-02-09..2026-03-10 (as-of = latest local day, 03-10; 30 days back).
  chats.jsonl: 12 lines, line 10 blank -> 11 records. Line 8 role `seller`
    (bad_enum:role), line 9 truncated JSON (invalid_json): 2 rejected. Line 6
    system, line 7 repeats msg_id m2 at the same instant as line 2 (duplicate).
    g1 rounds: u1 09:00:00 -> 09:00:45 (45 s, g1:amy); u2 10:00:00 -> bot at
    10:00:01 (not a valid reply) -> 10:04:00 (240 s, g1:bob); u3 07:30:00 ->
    07:30:10 is before 08:00, outside service hours.
    response_rate_3min = 1/2; avg = first = (45 + 240) / 2 = 142.5 s > 30 and > 20:
    two warnings for g1.
  chats.csv (CRLF, BOM-free, a quoted newline in line 3-4): 5 records; c4
    (02-01) out_of_period; c5 is a buyer-side ad (non_genuine).
    g2 rounds: v1 20:00:00 -> 20:00:10 (10 s); v1 23:59:30 never answered by
    midnight. response_rate_3min = 1/2; avg = first = 10 s: no finding.
  Ledger: read 16 = used 10 + excluded 4 (system, duplicate, out_of_period,
  non_genuine: 1 each) + rejected 2.

Set UPDATE_GOLDEN=1 to rewrite the files after a deliberate format change, then
review the diff.
"""

from __future__ import annotations

import os

import pytest

from auditor import AuditOptions, audit, formats, render
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    cwd = os.getcwd()
    os.chdir(ROOT)  # reports name files as given, relative to where the audit runs
    try:
        return audit(["tests/golden/input"], AuditOptions(policy="taobao"))
    finally:
        os.chdir(cwd)


def test_hand_worked_figures(report) -> None:  # type: ignore[no-untyped-def]
    i = report.inputs
    assert (i.read, i.used, i.rejected) == (16, 10, 2)
    assert i.excluded == {"system": 1, "non_genuine": 1, "duplicate": 1, "out_of_period": 1}
    assert [(r.file, r.line, r.code) for r in i.rejections] == [
        ("tests/golden/input/chats.jsonl", 8, "bad_enum:role"),
        ("tests/golden/input/chats.jsonl", 9, "invalid_json"),
    ]
    fig = {(m.shop_id, m.metric, m.agent_id): (m.numerator, m.denominator, m.value) for m in report.metrics}
    assert fig[("g1", "response_rate_3min", None)] == (1, 2, 0.5)
    assert fig[("g1", "avg_response_time", None)] == (285.0, 2, 142.5)
    assert fig[("g1", "avg_response_time", "g1:amy")] == (45.0, 1, 45.0)
    assert fig[("g1", "first_response_time", "g1:bob")] == (240.0, 1, 240.0)
    assert fig[("g2", "response_rate_3min", None)] == (1, 2, 0.5)
    assert fig[("g2", "first_response_time", None)] == (10.0, 1, 10.0)
    assert [(v.rule_id, v.shop_id) for v in report.violations] == [
        ("taobao.avg_response_target", "g1"),
        ("taobao.first_response_target", "g1"),
    ]


@pytest.mark.parametrize("fmt", formats())
def test_golden_bytes(report, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from auditor.report import REPORTERS

    path = GOLDEN / fmt / f"report{REPORTERS[fmt].suffix}"
    data = render(report, fmt)
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"no golden file for format `{fmt}`: run with UPDATE_GOLDEN=1 and review it"
    assert data == path.read_bytes(), f"{fmt} output differs from {path.relative_to(ROOT)}"


def test_every_format_has_a_golden_file() -> None:
    from auditor.report import REPORTERS

    missing = [n for n, cls in REPORTERS.items() if not (GOLDEN / n / f"report{cls.suffix}").exists()]
    assert not missing


def test_json_report_follows_the_contract_shape(report) -> None:  # type: ignore[no-untyped-def]
    import json

    doc = json.loads(render(report, "json"))
    for key in ("auditor_version", "policy", "as_of", "inputs", "metrics", "violations", "flags"):
        assert key in doc
    assert set(doc["policy"]) >= {"name", "version", "digest"}
    assert set(doc["inputs"]) >= {"read", "used", "excluded", "rejected", "rejections"}
    for m in doc["metrics"]:
        assert set(m) >= {"shop_id", "agent_id", "metric", "period", "value", "numerator", "denominator"}
    for v in doc["violations"]:
        assert set(v) >= {"rule_id", "shop_id", "period", "severity", "metric", "value", "threshold", "consequence", "citation", "evidence"}
        assert set(v["citation"]) >= {"source", "text"}
        assert v["consequence"] == {"type": "none"}
    keys = [(m["shop_id"], m["period"]["start"], m["metric"]) for m in doc["metrics"]]
    assert keys == sorted(keys)
