"""Security (BAD-INPUT rows 25-31): packs and chat data are untrusted input, and neither can reach code, SQL, files or a reader's screen.

docs/security.md has the threat model and lists every defence with the test
that shows it; cases covered elsewhere are named there and in the comments
below rather than copied. What these tests show:

- SQL: ids, texts and pack strings reach DuckDB only as bound values. A spy on
  the audit's connection sees every SQL text and none holds a user string; the
  pinduoduo example with every id replaced by SQL, quotes, backslashes, LIKE
  wildcards and placeholders gives the same report, id for id, as with the
  plain ids; `explain` and `precheck` work on the shop `x'; DROP TABLE t; --`.
- DuckDB is locked (no file access, no extensions, no settings) while the
  pack-driven queries run.
- YAML: no tags, no aliases, bounded size and depth, in packs, pack tests and
  the shops file; the canary file of `!!python/object/apply:os.system` never
  appears.
- Paths: a pack name never resolves outside policies/; a pack test's `files`
  stay in their temporary folder (a bug found here: `name: ../../x` wrote
  anywhere on disk); a pack's tests/ linked out of the pack is not read.
- Escaping: HTML parsed (no script element, no on* attribute, no javascript:
  URL, a strict CSP), JUnit parsed as XML and SARIF as JSON with control
  characters and `]]>` in the data, the table free of raw ESC/CR/BEL, CSV
  cells starting with CR neutralised.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auditor import AuditOptions, audit, render
from auditor.api import explain, precheck
from auditor.engine.prepare import find_inputs, open_engine, prepare
from auditor.errors import InputError, PolicyError
from auditor.io.shops import read_shops
from auditor.packtests import load_cases, run_pack_tests
from auditor.policy.loader import BUILTIN_DIR, MAX_DEPTH, load_pack, resolve_pack
from auditor.report.csv import neutralise
from tests.conftest import ROOT

PDD = ROOT / "examples" / "pdd"
PDD_PEERS = ROOT / "examples" / "pdd-peers.csv"
PDD_SHOPS = ROOT / "examples" / "pdd-shops.csv"

SQL_SHOP = "x'; DROP TABLE t; --"
# Each string a careless query builder would trip on: a quote closing a literal, a double quote closing an
# identifier, a backslash escape, LIKE wildcards, positional and named placeholders, non-ASCII text.
HOSTILE = [SQL_SHOP, '"', "\\", "%", "_", "$1", "?", "店☃🛒", "'); DROP TABLE records; --", "%' OR '1'='1", "\\'", ":s", "${x}"]
MARK = "; DROP TABLE"  # in the longer hostile strings; no SQL text of ours says it (ours drops its scratch tables one by one)


# ---------------------------------------------------------------------------------------------------------
# helpers: a spy on the audit's DuckDB connection, and the pinduoduo example with hostile ids


class Spy:
    """The audit's connection, recording every SQL text sent to it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[str]) -> None:
        self._con = con
        self._log = log

    def execute(self, sql: str, params: Any = None) -> Any:
        self._log.append(sql)
        return self._con.execute(sql, params) if params is not None else self._con.execute(sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture
def sql_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL text the auditor's DuckDB sessions are sent while the test runs (the spy wraps ``duckdb.connect`` itself)."""
    log: list[str] = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **kw: Spy(real(*a, **kw), log))
    return log


class Ids:
    """A one-to-one map of every id in the data (shops, buyers, agents, messages, accounts) to a hostile one."""

    def __init__(self, first: str) -> None:
        self.to: dict[str, str] = {first: SQL_SHOP}  # this shop's id is exactly the SQL of the issue
        self._from: dict[str, str] | None = None

    def __call__(self, v: Any) -> Any:
        if not isinstance(v, str) or v == "":
            return v
        if v not in self.to:
            self.to[v] = HOSTILE[len(self.to) % len(HOSTILE)] + v
        return self.to[v]

    def back(self, text: str) -> str:
        """The plain id of a hostile one; in a sentence, ids stand in backquotes (`shop `x` is not in the --shops file`)."""
        if self._from is None:
            self._from = {e: p for p, e in self.to.items()}
        inv = self._from
        if text in inv:
            return inv[text]
        return re.sub(r"`([^`]+)`", lambda m: "`" + inv.get(m.group(1), m.group(1)) + "`", text)


ID_FIELDS = ("shop_id", "buyer_id", "sender_id", "msg_id")


def _write_pdd(dest: Path, ids: Ids | None) -> None:
    """examples/pdd as data/ with a JSON shops file, ids mapped by ``ids`` (kept as they are when None)."""
    m = ids or (lambda v: v)
    data = dest / "data"
    data.mkdir(parents=True)
    for src in sorted(PDD.iterdir()):
        if src.suffix == ".jsonl":
            out = []
            for line in src.read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                out.append(json.dumps({k: (m(v) if k in ID_FIELDS else v) for k, v in r.items()}, ensure_ascii=False))
            (data / src.name).write_text("\n".join(out) + "\n", encoding="utf-8")
        else:
            rows = list(csv.reader(src.read_text(encoding="utf-8").splitlines()))
            header = rows[0]
            with (data / src.name).open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(header)
                w.writerows([[m(c) if header[i] in ID_FIELDS else c for i, c in enumerate(row)] for row in rows[1:]])
    shops = []
    for row in csv.DictReader(PDD_SHOPS.read_text(encoding="utf-8").splitlines()):
        shops.append(
            {
                "shop_id": m(row["shop_id"]),
                "platform": row["platform"],
                "category": row["category"],
                "accounts": [m(a) for a in row["accounts"].split(";")],
            }
        )
    (dest / "shops.json").write_text(json.dumps(shops, ensure_ascii=False), encoding="utf-8")
    shutil.copy(PDD_PEERS, dest / "peers.csv")


@pytest.fixture(scope="module")
def pdd_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Ids]:
    plain, hostile = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("hostile")
    ids = Ids("pdd_orchard")
    _write_pdd(plain, None)
    _write_pdd(hostile, ids)
    return plain, hostile, ids


def _audit_in(d: Path, **kw: Any) -> Any:
    cwd = os.getcwd()
    os.chdir(d)  # files are shown relative to the cwd: the same names in both folders
    try:
        return audit(["data"], AuditOptions(policy="pinduoduo", shops=Path("shops.json"), peers=Path("peers.csv"), **kw))
    finally:
        os.chdir(cwd)


def _canon(x: Any) -> Any:
    """Order-free form: ids sort differently once mapped, so lists compare as multisets."""
    if isinstance(x, dict):
        return {k: _canon(v) for k, v in x.items()}
    if isinstance(x, list):
        return sorted((_canon(v) for v in x), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return x


def _back(x: Any, ids: Ids) -> Any:
    """``x`` with every hostile id turned back into its plain one; fingerprints (hashes of the ids) left out."""
    if isinstance(x, dict):
        return {k: _back(v, ids) for k, v in x.items() if k != "fingerprint"}
    if isinstance(x, list):
        return [_back(v, ids) for v in x]
    return ids.back(x) if isinstance(x, str) else x


# ---------------------------------------------------------------------------------------------------------
# SQL (row 27): user strings are data, never SQL text


def test_hostile_ids_give_the_same_report_as_plain_ids(pdd_pair: tuple[Path, Path, Ids]) -> None:
    plain_dir, hostile_dir, ids = pdd_pair
    plain = json.loads(render(_audit_in(plain_dir), "json"))
    hostile = json.loads(render(_audit_in(hostile_dir), "json"))
    # the example as committed: 16914 records, 300 figures, 7 violations, 2 flags (README's demo); the ids
    # really changed, and the SQL shop is one of the audited shops
    assert (plain["inputs"]["read"], len(plain["metrics"]), len(plain["violations"]), len(plain["flags"])) == (16914, 300, 7, 2)
    assert SQL_SHOP in {s["shop_id"] for s in hostile["summary"]}
    assert len({v for v in ids.to.values() if MARK in v}) > 100  # hundreds of ids carry the SQL
    for doc in (plain, hostile):
        doc.pop("run", None)
    # the rejected CSV line's excerpt is the raw line, whose quoting differs; its file, line, code and reason do not
    for doc in (plain, hostile):
        for rej in doc["inputs"]["rejections"]:
            rej.pop("excerpt")
    assert _canon(_back(hostile, ids)) == _canon(_back(plain, Ids("")))


def test_no_sql_text_holds_an_id_a_text_or_a_pack_string(tmp_path: Path, sql_log: list[str]) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(BUILTIN_DIR / "pinduoduo", pack, ignore=shutil.ignore_patterns("tests"))
    f = pack / "pack.yaml"
    text = f.read_text(encoding="utf-8")
    # free-text pack strings carrying SQL: the version, a title, a doc; the schema pins every other string to a
    # closed form (test_pack_strings_that_could_name_sql_are_closed_forms)
    assert text.count('version: "2026.11.0"') == 1
    text = text.replace('version: "2026.11.0"', 'version: "2026.11.0\'; DROP TABLE records; --"', 1)
    assert text.count("\n  zh: 拼多多客服回复率\n") == 1
    text = text.replace("\n  zh: 拼多多客服回复率\n", '\n  zh: "\'); DROP TABLE rounds; -- 拼多多客服回复率"\n', 1)
    f.write_text(text, encoding="utf-8")
    rows = [
        {
            "shop_id": SQL_SHOP,
            "buyer_id": "b'); DROP TABLE records; --",
            "role": "buyer",
            "ts": "2026-03-10T10:00:00+08:00",
            "text": "'; DROP TABLE t; --",
            "msg_id": "m'; DROP TABLE t; --",
        },
        {
            "shop_id": SQL_SHOP,
            "buyer_id": "b'); DROP TABLE records; --",
            "role": "agent",
            "sender_id": 'a"; DROP TABLE t; --',
            "ts": "2026-03-10T10:01:00+08:00",
            "text": "$1 ? %s; DROP TABLE t",
        },
    ]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    shops = tmp_path / "shops.json"
    shops.write_text(
        json.dumps([{"shop_id": SQL_SHOP, "category": "x'; DROP TABLE t; --", "accounts": ["acc'; DROP TABLE t; --"]}]), encoding="utf-8"
    )
    options = AuditOptions(policy=str(pack), shops=shops)
    report = audit([data], options)
    # one buyer, answered in 60 s: inquiries 1, reply rate 1/1 on 2026-03-10
    assert {(m.metric, m.shop_id, m.value) for m in report.metrics if m.period.start == "2026-03-10"} >= {
        ("inquiries", SQL_SHOP, 1.0),
        ("reply_rate", SQL_SHOP, 1.0),
    }
    assert report.policy.version == "2026.11.0'; DROP TABLE records; --"
    explained = explain([data], options, shop=SQL_SHOP, metric="reply_rate", day=None, agent=None, rule=None, limit=10)
    assert (explained.counts.numerator, explained.counts.denominator) == (1, 1)
    ruled = explain([data], options, shop=SQL_SHOP, metric=None, rule="pinduoduo.activity_floor", day=None, agent=None, limit=10)
    assert ruled.rule is not None and ruled.rule.verdict == "met"  # 1/1 is not below 50%
    agent = 'a"; DROP TABLE t; --'
    per_agent = explain(
        [data], AuditOptions(policy="taobao"), shop=SQL_SHOP, metric="avg_response_time", rule=None, day=None, agent=agent, limit=10
    )
    assert (per_agent.agent_id, per_agent.counts.value) == (agent, 60.0)  # one reply, 60 s after the question
    checked = precheck([data], options, shop=SQL_SHOP)
    assert checked.shop_id == SQL_SHOP
    assert len(sql_log) > 50  # the spy saw the whole run: staging, records, rounds, metrics, rules, detectors
    leaked = [s for s in sql_log if MARK in s or "%s" in s]
    assert leaked == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "x'; --"), ("timezone", "UTC'; --"), ("timezone", "Asia/Shanghai'"), ("timezone", "../../../etc/localtime")],
)
def test_pack_strings_that_reach_sql_are_refused_unless_closed(tmp_path: Path, field: str, value: str) -> None:
    # The threshold `"0; DROP TABLE records"` is refused by the schema: tests/unit/policy/test_loader.py::
    # test_threshold_must_be_a_number_not_sql. The time zone is the one pack string pasted into SQL text (a message
    # literal in io/records.py), so its name must have the IANA form before the zone is looked up.
    pack = tmp_path / "pack"
    shutil.copytree(BUILTIN_DIR / "taobao", pack, ignore=shutil.ignore_patterns("tests"))
    f = pack / "pack.yaml"
    old = {"name": "name: taobao", "timezone": "timezone: Asia/Shanghai"}[field]
    text = f.read_text(encoding="utf-8")
    assert text.count(old) == 1
    f.write_text(text.replace(old, f"{field}: {json.dumps(value)}"), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_pack(pack)
    # a bad name also makes every rule id (`name.rule`) wrong; the name itself is named first
    assert [p.path for p in info.value.problems][0] == field
    assert info.value.line is not None and info.value.file.endswith("pack.yaml")  # type: ignore[union-attr]


def test_pack_strings_that_could_name_sql_are_closed_forms() -> None:
    """Every string the pack model lets through free is only ever shown, never used in a query; the rest have a pattern or an enum."""
    from auditor.policy.schema import pack_schema

    free: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "pattern" not in node and "enum" not in node and "const" not in node:
                free.add(path)
            for k, v in node.items():
                walk(v, f"{path}/{k}" if k not in ("properties", "$defs", "items", "anyOf", "oneOf", "additionalProperties") else path)
        elif isinstance(node, list):
            for v in node:
                walk(v, path)

    walk(pack_schema(), "")
    names = {p.rsplit("/", 1)[-1] for p in free}
    # shown to people: wording, the version, the citation text; timezone is checked against IANA (above); the
    # eligibility `blocked_by` entries must name rules of the pack (validate.py); fake_chat's ring of texts is none
    assert names <= {"zh", "en", "version", "quote", "gloss_en", "timezone", "blocked_by"}, names - {
        "zh",
        "en",
        "version",
        "quote",
        "gloss_en",
        "timezone",
        "blocked_by",
    }


# ---------------------------------------------------------------------------------------------------------
# DuckDB: locked while pack-driven queries run


@pytest.mark.parametrize(
    "attack",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "COPY (SELECT 1) TO '{tmp}/out.csv'",
        "ATTACH '{tmp}/x.db' AS x",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET memory_limit = '100TB'",
    ],
)
def test_the_audit_connection_is_locked_after_staging(tmp_path: Path, attack: str) -> None:
    data = tmp_path / "chats.jsonl"
    data.write_text(
        json.dumps({"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-03-10T10:00:00+08:00"}) + "\n", encoding="utf-8"
    )
    pack = load_pack("taobao").pack
    files, _ = find_inputs([data])
    con = open_engine(None, None, str(tmp_path / "spill"))
    try:
        prepare(con, pack, files, [], max_record_bytes=1 << 20, as_of_day=None)  # what audit, explain and precheck all run first
        with pytest.raises(duckdb.Error):
            con.execute(attack.format(tmp=tmp_path)).fetchall()
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)
    finally:
        con.close()
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.db").exists()


def test_the_lock_is_in_force_when_the_rounds_and_figures_are_computed(
    tmp_path: Path, sql_log: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    real_execute = Spy.execute

    def execute(self: Spy, sql: str, params: Any = None) -> Any:
        if "CREATE OR REPLACE TABLE rounds" in sql or "count(*) AS den" in sql:
            seen.append(
                self._con.execute("SELECT current_setting('enable_external_access'), current_setting('lock_configuration')").fetchone()
            )
        return real_execute(self, sql, params)

    monkeypatch.setattr(Spy, "execute", execute)
    audit([ROOT / "tests" / "golden" / "input"], AuditOptions(policy="taobao"))
    assert seen and set(seen) == {(False, True)}  # the rounds, then the three taobao metrics


# ---------------------------------------------------------------------------------------------------------
# YAML (rows 25, 26): no code, no bombs, in every YAML the auditor reads


PWN = '!!python/object/apply:os.system ["touch {canary}"]'
# nine levels of ten aliases each: a billion strings once expanded
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def _pack_with_tests(tmp_path: Path, body: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(BUILTIN_DIR / "taobao", pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "tests").mkdir()
    (pack / "tests" / "cases.yml").write_text(body, encoding="utf-8")
    return pack


def test_a_python_tag_in_a_pack_test_file_runs_nothing(tmp_path: Path) -> None:
    # the same in pack.yaml: tests/unit/policy/test_loader.py::test_python_tags_are_refused_and_run_nothing and
    # tests/fixtures/broken_packs/19-python-tag
    canary = tmp_path / "pwned"
    pack = _pack_with_tests(tmp_path, "cases:\n  - name: x\n    doc: " + PWN.format(canary=canary) + "\n")
    with pytest.raises(PolicyError) as info:
        load_cases(pack)
    assert info.value.line == 3  # the tag sits on the case's `doc:` line
    assert info.value.file.endswith("tests/cases.yml")  # type: ignore[union-attr]
    assert "python/object/apply" in info.value.message
    assert not canary.exists()


def test_a_python_tag_in_the_shops_file_runs_nothing(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    shops = tmp_path / "shops.yaml"
    shops.write_text("- shop_id: s1\n  category: " + PWN.format(canary=canary) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_shops(shops)
    assert str(shops.as_posix()) in info.value.message and "line 2" in info.value.message  # the tag sits on line 2
    assert not canary.exists()


def test_billion_laughs_in_a_pack_is_refused_at_the_first_anchor(tmp_path: Path) -> None:
    # a single anchor is refused too: tests/unit/policy/test_loader.py::test_aliases_are_refused, broken_packs/18-yaml-alias
    (tmp_path / "pack.yaml").write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_pack(tmp_path)
    assert info.value.line == 1 and "anchors and aliases are not allowed" in info.value.message


def test_billion_laughs_in_a_pack_test_file_is_refused(tmp_path: Path) -> None:
    pack = _pack_with_tests(tmp_path, LAUGHS + "cases:\n  - name: x\n    records: *i\n")
    with pytest.raises(PolicyError) as info:
        load_cases(pack)
    assert info.value.line == 1 and "anchors and aliases are not allowed in pack test files" in info.value.message


def test_billion_laughs_in_the_shops_file_is_inert(tmp_path: Path) -> None:
    # PyYAML's safe loader shares an aliased node instead of copying it, and the shops reader only looks at
    # scalars, so the bomb never expands: each entry without a shop_id is noted and left out
    shops = tmp_path / "shops.yaml"
    shops.write_text(LAUGHS + "shops: *i\n", encoding="utf-8")
    got = read_shops(shops)
    assert got.shops == [] and len(got.problems) == 10


def test_a_deep_pack_test_file_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    # the pack itself: tests/unit/policy/test_broken_packs.py (yaml-too-deep). Bug found and fixed: the test file
    # was composed without a depth check, and 5000 `[` raised RecursionError (a traceback).
    pack = _pack_with_tests(tmp_path, "cases: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(PolicyError) as info:
        load_cases(pack)
    assert info.value.line == 1 and f"nested more than {MAX_DEPTH} deep" in info.value.message


def test_a_huge_pack_test_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    # a 10 MB pack: tests/unit/policy/test_loader.py::test_oversized_pack_is_refused (limit 1 MiB)
    pack = _pack_with_tests(tmp_path, "cases: []\n#" + "x" * (10 << 20) + "\n")
    with pytest.raises(PolicyError, match="byte limit") as info:
        load_cases(pack)
    assert info.value.file.endswith("tests/cases.yml")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("records", "why"),
    [
        ("[{repeat: 100000000000, records: [{shop_id: s}]}]", "unrolls to"),  # 1e11 records would never finish
        ("[{repeat: '10', records: [{shop_id: s}]}]", "a `repeat` block needs"),
        ("[{repeat: 2, records: [{shop_id: 's{i:>999999999}'}]}]", "not a short number format"),  # a 1 GB string per record
    ],
)
def test_pack_test_repeat_blocks_are_bounded(tmp_path: Path, records: str, why: str) -> None:
    pack = _pack_with_tests(tmp_path, f"cases:\n  - name: x\n    records: {records}\n")
    with pytest.raises(PolicyError, match=re.escape(why)) as info:
        load_cases(pack)
    assert info.value.line == 3


# ---------------------------------------------------------------------------------------------------------
# Regex (row 26): no pack value reaches a regular expression


def test_no_module_that_reads_data_runs_python_regexes() -> None:
    # The pack has no pattern field (test_pack_strings_that_could_name_sql_are_closed_forms); the regexes over data
    # are the code's own, run by DuckDB (RE2, linear time). A Python `re` over data in these layers would be a
    # backtracking risk; none is imported.
    layers = [ROOT / "auditor" / d for d in ("engine", "rules", "detect")]
    users = {
        p.relative_to(ROOT).as_posix()
        for d in layers
        for p in d.rglob("*.py")
        if re.search(r"^\s*(import re|from re )", p.read_text(encoding="utf-8"), re.M)
    }
    # connection.py and spark/session.py match the --memory-limit setting against a size pattern: the operator's flag,
    # not data; spark/dialect.py rewrites the code's own SQL literals (number forms, strptime formats, replacement
    # strings) while translating it, before any record is read. None of them sees a record or a pack string.
    assert users <= {"auditor/engine/connection.py", "auditor/engine/spark/session.py", "auditor/engine/spark/dialect.py"}


def test_a_catastrophic_pattern_in_data_and_pack_text_is_inert(tmp_path: Path) -> None:
    evil = "(a+)+$" + "a" * 5000 + "!"
    rows = [
        {"shop_id": "s", "buyer_id": evil, "role": "buyer", "ts": "2026-03-10T10:00:00+08:00", "text": evil},
        {"shop_id": "s", "buyer_id": evil, "role": "agent", "sender_id": evil, "ts": "2026-03-10T10:00:30+08:00", "text": evil},
    ]
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = audit([data], AuditOptions(policy="taobao"))
    # one round answered in 30 s: first and average response 30 s, both over their targets (20 s, 30 s is not > 30)
    assert [(v.rule_id, v.value) for v in report.violations] == [("taobao.first_response_target", 30.0)]


# ---------------------------------------------------------------------------------------------------------
# Paths (row 28)
# Citation sources `../../etc/passwd`, absolute, a symlink out of sources/, sources/ linked out of the pack:
# tests/unit/policy/test_broken_packs.py::test_a_source_named_as_a_path_is_refused,
# ::test_a_source_linked_out_of_sources_is_refused_and_never_read, ::test_a_sources_folder_that_is_a_link_out_of_the_pack_is_refused
# and broken_packs/13-citation-path-escape.


@pytest.mark.parametrize("spec", ["../taobao", "taobao/..", "taobao/../../etc", "..", "./taobao", "taobao\n", "/etc", "passwd"])
def test_a_pack_name_never_resolves_outside_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    # from an empty folder, none of these is a pack: a built-in is looked up only for a bare name, and a path is
    # taken as the user wrote it, never joined to policies/
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as info:
        resolve_pack(spec)
    assert "not found" in info.value.message or "no built-in policy pack" in info.value.message or "has no pack.yaml" in info.value.message


@pytest.mark.parametrize("name", ["../../pwned.jsonl", "/tmp/pwned.jsonl", "sub/x.jsonl", "..", "a\\..\\b.jsonl"])
def test_a_pack_test_file_cannot_be_written_outside_its_folder(tmp_path: Path, name: str) -> None:
    # Bug found and fixed: `files: [{name: ../../x}]` was joined to the case's temporary folder and written there.
    pack = _pack_with_tests(tmp_path, f"cases:\n  - name: x\n    files:\n      - name: {json.dumps(name)}\n        content: hi\n")
    with pytest.raises(PolicyError, match=r"files\[0\]\.name") as info:
        run_pack_tests([pack])
    assert info.value.line == 3 and "plain file name" in info.value.message


def test_a_pack_test_file_with_a_plain_name_still_works(tmp_path: Path) -> None:
    pack = _pack_with_tests(
        tmp_path,
        'cases:\n  - name: x\n    files:\n      - name: 聊天 记录.jsonl\n        content: \'{"shop_id": "s", "buyer_id": "b", "role": "buyer", "ts": "2026-03-10T10:00:00+08:00"}\'\n    expect:\n      inputs: {read: 1, used: 1}\n',
    )
    report = run_pack_tests([pack])
    assert [c.outcome for c in report.packs[0].cases] == ["passed"]


def test_pack_tests_linked_out_of_the_pack_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yml").write_text("cases:\n  - name: secret\n    records: []\n", encoding="utf-8")
    pack = tmp_path / "pack"
    shutil.copytree(BUILTIN_DIR / "taobao", pack, ignore=shutil.ignore_patterns("tests"))
    (pack / "tests").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PolicyError, match="outside the pack"):
        load_cases(pack)


# ---------------------------------------------------------------------------------------------------------
# Escaping (rows 29-31)
# Markdown `|`, newline, backticks and tags in cells: tests/unit/report/test_markdown.py::test_data_cannot_break_tables_or_inject_markup.
# CSV `= + - @ TAB`: tests/unit/report/test_csv.py::test_formula_injection_is_neutralised_in_text_cells (CR: below).

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</script><script>alert(2)</script>",
    "'><svg onload=alert(1)>",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    d = tmp_path_factory.mktemp("xss")
    rows = []
    for i, x in enumerate(XSS):
        # each shop: one round answered in 300 s, so both taobao targets are broken and the evidence lists the records
        shop, buyer, agent = f"{x}s{i}", f"\x1b[2J\r\x07b{i}", f"{x}\x00\x01\x08]]>a{i}"
        rows.append(
            {"shop_id": shop, "buyer_id": buyer, "role": "buyer", "ts": "2026-03-10T10:00:00+08:00", "text": x, "msg_id": f"{x}]]>m{i}"}
        )
        rows.append({"shop_id": shop, "buyer_id": buyer, "role": "agent", "sender_id": agent, "ts": "2026-03-10T10:05:00+08:00", "text": x})
    data = d / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = audit([data], AuditOptions(policy="taobao"))
    assert len(report.violations) == 2 * len(XSS)
    return report


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_has_no_script_no_handler_no_javascript_url_and_a_strict_csp(hostile_report: Any, lang: str) -> None:
    page = render(hostile_report, "html", lang=lang).decode("utf-8")
    parser = _Elements()
    parser.feed(page)
    parser.close()
    tags = parser.tags
    assert [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed", "base", "form")] == []
    assert [(t, k) for t, attrs in tags for k, _ in attrs if k.lower().startswith("on")] == []
    assert [(t, k, v) for t, attrs in tags for k, v in attrs if v and v.strip().lower().startswith("javascript:")] == []
    csp = [
        dict(attrs).get("content")
        for t, attrs in tags
        if t == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"]
    assert SQL_SHOP not in page and "&lt;script&gt;alert(1)&lt;/script&gt;s0" in page  # the shop id shown, as text
    assert not any(c in page for c in "\x00\x01\x07\x08\x1b\r")


def test_junit_is_xml_and_sarif_is_json_with_control_characters_and_cdata_ends(hostile_report: Any) -> None:
    import xml.etree.ElementTree as ET

    from tests.unit.report.test_sarif import assert_valid_sarif

    xml = render(hostile_report, "junit")
    root = ET.fromstring(xml)
    cases = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(cases) == 2 * len(XSS)
    assert not any(b in xml for b in (b"\x00", b"\x01", b"\x08", b"\x1b", b"\x07"))
    doc = assert_valid_sarif(render(hostile_report, "sarif"))
    shops = {r["properties"]["shop_id"] for run in doc["runs"] for r in run["results"]}
    assert f"{XSS[0]}s0" in shops  # angle brackets kept: JSON escaping is enough for JSON


def test_the_table_never_sends_escapes_to_the_terminal(hostile_report: Any) -> None:
    # a report written to a terminal: ESC [2J would clear it, CR overwrite the line, BEL ring
    text = render(hostile_report, "table", lang="en", color=False)
    assert not any(b in text for b in (b"\x1b", b"\r", b"\x07", b"\x00", b"\x08"))
    assert b"\\x1b[2J\\x0d\\x07b0" in text and b"\\x00\\x01\\x08]]>" in text  # shown, as escapes


def test_csv_cells_starting_with_cr_or_other_formula_characters_are_neutralised() -> None:
    # = + - @ TAB are in tests/unit/report/test_csv.py; CR was not
    assert [neutralise(s) for s in ("\rcmd", "\r=1+1", "=1", "a\r=1")] == ["'\rcmd", "'\r=1+1", "'=1", "a\r=1"]


def test_cli_explain_and_precheck_on_the_sql_shop(pdd_pair: tuple[Path, Path, Ids]) -> None:
    """The issue's own commands, end to end: `explain --shop "x'; DROP TABLE t; --"` and `precheck --shop …` answer as for the plain id."""
    plain_dir, hostile_dir, ids = pdd_pair

    def cli(d: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ}
        env.pop("AUDITOR_DEBUG", None)
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "auditor.cli",
                *args,
                "data",
                "--policy",
                "pinduoduo",
                "--shops",
                "shops.json",
                "--peers",
                "peers.csv",
                "--format",
                "json",
            ],
            cwd=d,
            capture_output=True,
            env={**env, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )

    for command in (["explain", "--rule", "pinduoduo.activity_floor"], ["precheck"]):
        plain = cli(plain_dir, *command, "--shop", "pdd_orchard")
        hostile = cli(hostile_dir, *command, "--shop", SQL_SHOP)
        # README: pdd_orchard's reply rate on 2026-10-31 is 40.0% (16/40), below the 50% floor: explain exits 1
        # (the rule is broken), precheck exits 1 (not eligible)
        assert (plain.returncode, hostile.returncode) == (1, 1), hostile.stderr
        a, b = json.loads(plain.stdout), json.loads(hostile.stdout)
        assert b["shop_id"] == SQL_SHOP
        for doc in (a, b):
            doc.pop("run", None)
        assert _canon(_back(b, ids)) == _canon(_back(a, Ids(""))), command
