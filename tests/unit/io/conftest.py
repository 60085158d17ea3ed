"""Shared fixtures for the input-layer tests: write inputs, run an audit, read back the ledger."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import auditor

AS_OF = date(2026, 3, 10)  # audited period 2026-02-09 .. 2026-03-10 (Asia/Shanghai)


def _rec(**kw: object) -> dict:
    base: dict = {"shop_id": "s1", "buyer_id": "b1", "role": "buyer", "ts": "2026-03-01T10:00:00+08:00"}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not ...}


@pytest.fixture
def rec():
    """A valid JSON record; keyword args override fields, ``...`` drops one."""
    return _rec


@pytest.fixture
def jline(rec):
    """One JSONL line (no newline) for a record built like ``rec``."""

    def make(**kw: object) -> str:
        return json.dumps(rec(**kw), ensure_ascii=False)

    return make


@pytest.fixture
def run_audit():
    """Audit paths with the taobao pack (or ``policy``) as of 2026-03-10; return the report."""

    def run(*paths: Path | str, policy: str | Path = "taobao", as_of: date = AS_OF, **kw: object):
        return auditor.audit(list(paths), auditor.AuditOptions(policy=policy, as_of=as_of, **kw))

    return run


def ledger_of(report) -> dict:
    i = report.inputs
    return {
        "read": i.read,
        "used": i.used,
        "excluded": dict(i.excluded),
        "rejected": i.rejected,
        "rejections": [(r.line, r.code) for r in i.rejections],
    }


@pytest.fixture
def ledger():
    """Report -> {read, used, excluded, rejected, rejections: [(line, code)]}; also checks the balance."""

    def get(report) -> dict:
        led = ledger_of(report)
        assert led["read"] == led["used"] + sum(led["excluded"].values()) + led["rejected"]
        assert led["rejected"] == len(led["rejections"])
        return led

    return get


@pytest.fixture
def reasons():
    """Report -> {line: reason sentence} of its rejections."""

    def get(report) -> dict[int, str]:
        return {r.line: r.reason for r in report.inputs.rejections}

    return get


@pytest.fixture
def stage_records():
    """Stage files with their readers and build ``records`` for time zone ``tz``, without a pack or the engine.

    Returns [(line, code, message, utc_ns)] (or the ``columns`` asked for) ordered by file and line.
    """
    from auditor.duck import run
    from auditor.engine.connection import connect
    from auditor.io.base import STAGED_DDL, InputFile, reader_for, staged_rows
    from auditor.io.records import build_records

    def stage(*paths: Path, tz: str = "Asia/Shanghai", columns: str = "line, code, message, utc_ns") -> list[tuple]:
        con = connect()
        try:
            run(con, STAGED_DDL)
            outcomes = []
            for i, p in enumerate(paths):
                cls = reader_for(p)
                assert cls is not None
                outcomes.append(cls().stage(con, InputFile(i, p, p.name)))
            build_records(con, tz, staged_rows(con, outcomes))
            return con.execute(f"SELECT {columns} FROM records ORDER BY file_idx, line").fetchall()
        finally:
            con.close()

    return stage
