"""The JSON report is written in chunks (a 200M-record report is 1.3 GB); the bytes are exactly ``json.dumps``'s."""

from __future__ import annotations

import io
import json

import pytest

import auditor
import auditor.report.json as json_report
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def report() -> auditor.AuditReport:
    # the golden input: Chinese text, evidence, nested lists, floats; about 60 KB of JSON
    return auditor.audit([ROOT / "tests/golden/input"], auditor.AuditOptions(policy="taobao"))


@pytest.mark.parametrize("chunk", [1, 4096, 1 << 20])
def test_chunks_join_to_the_one_shot_bytes(report: auditor.AuditReport, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")
    monkeypatch.setattr(json_report, "_CHUNK", chunk)
    out = io.BytesIO()
    json_report.dump(report, out)
    assert out.getvalue() == expected
    assert len(expected) > 4096  # so the middle case really writes several chunks
