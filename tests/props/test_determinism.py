"""Same input, same bytes (BAD-INPUT rows 33 and 34): the report does not depend on how or where it was made.

Datasets come from ``test_engine_vs_reference.scenario`` (several shops, buyers, agents, bots, every
role and kind, duplicates, offsets, edge times), audited under the built-in ``taobao`` or
``pinduoduo`` pack, with a ``--shops`` file (categories, own accounts) and for ``pinduoduo``
sometimes a ``--peers`` file, so that every rule, the side-input notes and ``not_evaluated`` come up.

What must give the *same bytes* of ``api.render(report, "json")``, with nothing normalised:

- running the same audit again;
- DuckDB with 1 thread and with 2 (``AuditOptions.threads``; ``AUDITOR_THREADS`` in the CLI test);
- the same files given in another order, or their directory given instead (CONTRACT §7.1: files
  are read in sorted path order, whatever order the user names them in).

What must give the *same report up to where the records sit*: the same records split into 1 or k
files at random points, each part written as JSONL, CSV (columns in a random order, LF or CRLF)
or Parquet, the parts given in a shuffled order. A report names its input files and cites
evidence by file and line, and those change with the split by design; so before comparing,
both reports are normalised in exactly two ways, and nothing else is touched:

1. ``inputs.files`` (the per-file ledger: one entry per file, its name, format, counts) is
   dropped, after checking that its counts add up to the totals in ``inputs``, which stay.
2. Every record reference in the evidence of violations and flags (an object with ``file``,
   ``line``, ``msg_id``, ``ts``) has its ``file`` and ``line`` replaced by the record's position
   in the whole dataset. So the evidence must still point at the *same records*, in the same
   order; ``msg_id`` and ``ts`` (as written) are compared as they are.

The parts are contiguous runs of the record list, named so that their sorted order is the list's
order: CONTRACT §4 and §7.3 break ties (equal instants, duplicate ``msg_id``) by input order, so
a split that reordered the records could rightly change which duplicate is kept. Findings,
figures, flags, summaries, the ledger totals and ``as_of`` must be identical.

The environment (the last test) runs the real command in a subprocess: the Pinduoduo example
with its side files in every format, once plainly and once with ``TZ``, ``LC_ALL``, ``LANG``,
``PYTHONHASHSEED``, ``AUDITOR_THREADS`` and ``COLUMNS`` changed and from another working
directory holding its own copy of the inputs under the same relative paths; the sha256 of every
format's bytes must match. ``--lang`` pins the language, which otherwise follows the locale on
purpose.

Budget on two idle cores: about 25 s in-process (3 audits per drawn case, 22 cases, and the
Taobao example twice) plus about 15 s for the 14 CLI runs, which run two at a time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_engine_vs_reference import BASE_DAY, PROPS, scenario  # noqa: E402

from auditor import api  # noqa: E402
from auditor.io.base import FIELDS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOPS = ["s1", "店铺2", "s3"]  # the shop ids scenario() draws from
CATEGORIES = ["fruit", "tea"]
FORMATS = ["jsonl", "csv", "parquet"]
# text that puts CSV quoting and line counting to work (a quoted field over two lines)
ODD_TEXTS = ['两行\n文本, "引号"', "a,b", '"', "=1+1"]


@st.composite
def dataset(draw) -> dict[str, Any]:
    """A scenario, a pack, and the side files: shops (categories, own accounts) and, for pinduoduo, peers."""
    case = draw(scenario())
    records = [dict(r) for r in case["records"]]
    for rec in records:
        if draw(st.integers(0, 9)) == 0:
            rec["text"] = draw(st.sampled_from(ODD_TEXTS))
    policy = draw(st.sampled_from(["taobao", "pinduoduo"]))
    accounts = case["shop_accounts"] or {}
    shops = None
    if policy == "pinduoduo" or accounts:
        # a shop left out of the file is audited with no category, and a note says so
        listed = [s for s in SHOPS if draw(st.integers(0, 4)) > 0]
        shops = [
            {"shop_id": s, "platform": policy, "category": draw(st.sampled_from(CATEGORIES)), "accounts": sorted(accounts.get(s, ()))}
            for s in listed
        ]
    peers = None
    if policy == "pinduoduo" and draw(st.booleans()):
        # a missing (day, category) is a day the rule cannot judge; levels sit at the rates' edges
        days = [BASE_DAY + timedelta(days=d) for d in range(-1, 3)]
        peers = [
            (d.isoformat(), c, draw(st.sampled_from(["0", "0.5", "0.75", "1", "60%"])))
            for d in days
            for c in CATEGORIES
            if draw(st.integers(0, 5))
        ]
    return {"records": records, "as_of": case["as_of"], "policy": policy, "shops": shops, "peers": peers}


def write_side_files(data: dict[str, Any], where: Path) -> dict[str, Path | None]:
    shops = peers = None
    if data["shops"] is not None:
        shops = where / "shops.json"
        shops.write_text(json.dumps(data["shops"], ensure_ascii=False), encoding="utf-8")
    if data["peers"] is not None:
        peers = where / "peers.csv"
        peers.write_text("date,category,reply_rate\n" + "".join(f"{d},{c},{v}\n" for d, c, v in data["peers"]), encoding="utf-8")
    return {"shops": shops, "peers": peers}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def write_part(records: list[dict], path: Path, fmt: str, first: int, draw_style: dict[str, Any]) -> dict[int, int]:
    """Write ``records`` (positions ``first``… of the dataset) to ``path``; return {line or row: position}."""
    where: dict[int, int] = {}
    if fmt == "jsonl":
        nl = draw_style["newline"]
        path.write_bytes("".join(json.dumps(r, ensure_ascii=draw_style["ascii"]) + nl for r in records).encode("utf-8"))
        where = {i + 1: first + i for i in range(len(records))}
    elif fmt == "csv":
        columns = draw_style["columns"]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=draw_style["newline"])
        w.writerow(columns)
        line = 2  # CONTRACT §7.1: a CSV record's line is the one it starts on; the header is line 1
        for i, r in enumerate(records):
            before = buf.tell()
            w.writerow([_cell(r.get(c)) for c in columns])
            where[line] = first + i
            line += buf.getvalue()[before:].replace("\r\n", "\n").replace("\r", "\n").count("\n")
        path.write_bytes(buf.getvalue().encode("utf-8"))
    else:
        columns = draw_style["columns"]
        table = pa.table({c: pa.array([None if r.get(c) is None else str(r[c]) for r in records], type=pa.string()) for c in columns})
        pq.write_table(table, path)
        where = {i + 1: first + i for i in range(len(records))}
    return where


@st.composite
def split(draw, n: int) -> list[tuple[int, int, str, dict[str, Any]]]:
    """Contiguous parts (start, end, format, style) covering positions 0..n; never an empty part."""
    k = draw(st.integers(1, min(4, max(n, 1))))
    cuts = sorted(draw(st.lists(st.integers(1, max(n - 1, 1)), min_size=k - 1, max_size=k - 1, unique=True))) if n > 1 else []
    bounds = [0, *cuts, n]
    parts = []
    for a, b in pairwise(bounds):
        fmt = draw(st.sampled_from(FORMATS))
        style = {
            "newline": draw(st.sampled_from(["\n", "\r\n"])),
            "ascii": draw(st.booleans()),
            # every contract column, in a random order (CONTRACT §1: columns are mapped by name)
            "columns": draw(st.permutations(list(FIELDS))),
        }
        parts.append((a, b, fmt, style))
    return parts


def audit_json(paths: list[Path], data: dict[str, Any], side: dict[str, Path | None], threads: int = 1) -> bytes:
    options = api.AuditOptions(policy=data["policy"], as_of=data["as_of"], shops=side["shops"], peers=side["peers"], threads=threads)
    return api.render(api.audit(list(paths), options), "json")


def normalised(report: bytes, located: dict[tuple[str, int], int]) -> dict[str, Any]:
    """The report with the input-file-specific parts normalised as the module docstring says (and nothing else)."""
    doc = json.loads(report)
    inputs = doc["inputs"]
    assert inputs["rejected"] == 0 and inputs["rejections"] == [], inputs["rejections"][:3]
    files = inputs.pop("files")
    for key in ("read", "used", "rejected"):
        assert sum(f[key] for f in files) == inputs[key], key
    assert sum(f["excluded"] for f in files) == sum(inputs["excluded"].values())

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if {"file", "line", "msg_id", "ts"} <= value.keys():
                rest = {k: walk(v) for k, v in value.items() if k not in ("file", "line")}
                return {"record": located[(value["file"], value["line"])], **rest}
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    doc["violations"] = walk(doc["violations"])
    doc["flags"] = walk(doc["flags"])
    return doc


@settings(max_examples=10, **PROPS)
@given(data=dataset())
def test_same_bytes_across_runs_and_thread_counts(data):
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        side = write_side_files(data, where)
        chats = where / "chats.jsonl"
        write_part(data["records"], chats, "jsonl", 0, {"newline": "\n", "ascii": False})
        first = audit_json([chats], data, side, threads=1)
        assert audit_json([chats], data, side, threads=1) == first, "a rerun gave other bytes"
        assert audit_json([chats], data, side, threads=2) == first, "2 DuckDB threads gave other bytes than 1"


@settings(max_examples=12, **PROPS)
@given(
    data=dataset().flatmap(lambda d: split(len(d["records"])).map(lambda parts: {**d, "split": parts})),
    rnd=st.randoms(use_true_random=False),
)
def test_same_report_however_the_records_are_split(data, rnd):
    records = data["records"]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        side = write_side_files(data, where)
        whole = where / "whole.jsonl"
        located = {
            (whole.as_posix(), line): pos for line, pos in write_part(records, whole, "jsonl", 0, {"newline": "\n", "ascii": False}).items()
        }
        base = audit_json([whole], data, side)

        parts_dir = where / "parts"
        parts_dir.mkdir()
        paths = []
        for i, (a, b, fmt, style) in enumerate(data["split"]):
            path = parts_dir / f"part{i:02d}.{fmt}"
            for line, pos in write_part(records[a:b], path, fmt, a, style).items():
                located[(path.as_posix(), line)] = pos
            paths.append(path)
        shuffled = list(paths)
        rnd.shuffle(shuffled)
        by_files = audit_json(shuffled, data, side)
        assert audit_json([parts_dir], data, side) == by_files, "the directory gave other bytes than its files in another order"
        doc = normalised(base, located)
        event(f"{len(paths)} part(s): {', '.join(sorted({p.suffix for p in paths}))}")
        event(
            f"{data['policy']}: "
            + ("findings with evidence" if any(v["evidence"] for v in doc["violations"] + doc["flags"]) else "no evidence")
        )
        assert normalised(by_files, located) == doc


def test_taobao_example_same_bytes_with_1_and_2_threads():
    """The drawn datasets are small enough for DuckDB to run most steps on one thread anyway; the
    Taobao example (34 000 records in CSV, JSONL and Parquet, three kinds of flag) gives the operators more to split."""
    reports = [
        api.render(
            api.audit([ROOT / "examples" / "data"], api.AuditOptions(policy="taobao", shops=ROOT / "examples" / "shops.yaml", threads=n)),
            "json",
        )
        for n in (1, 2)
    ]
    assert reports[0] == reports[1]


# ---- The environment: the real command, every format ---------------------------------------------

EXAMPLE = ["examples/pdd", "--policy", "pinduoduo", "--shops", "examples/pdd-shops.csv", "--peers", "examples/pdd-peers.csv"]
ENVIRONMENTS = {
    "plain": {"TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "AUDITOR_THREADS": "1", "COLUMNS": "80"},
    "varied": {
        "TZ": "America/Los_Angeles",  # a zone with DST, far from the pack's
        "LC_ALL": "de_DE.UTF-8",
        "LANG": "zh_CN.UTF-8",
        "PYTHONHASHSEED": "4242",
        "AUDITOR_THREADS": "2",
        "COLUMNS": "233",
    },
}


def _copy_example(dest: Path) -> None:
    """The example inputs under the same relative paths as in the repository, so the arguments are the same strings."""
    shutil.copytree(ROOT / "examples" / "pdd", dest / "examples" / "pdd")
    for name in ("pdd-shops.csv", "pdd-peers.csv"):
        shutil.copy(ROOT / "examples" / name, dest / "examples" / name)


def _run_cli(cwd: Path, env_name: str, fmt: str) -> tuple[str, str, int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUDITOR_DEBUG", "AUDITOR_THREADS", "NO_COLOR", "TERM")}
    env.update(ENVIRONMENTS[env_name])
    r = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "audit", *EXAMPLE, "--format", fmt, "--lang", "zh", "--fail-on", "never"],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert r.returncode == 0, (env_name, fmt, r.stderr.decode(errors="replace"))
    assert str(cwd) not in r.stdout.decode("utf-8", errors="replace"), f"{fmt}: the report names the working directory"
    return env_name, fmt, r.returncode, hashlib.sha256(r.stdout).hexdigest()


def test_every_format_same_bytes_whatever_the_environment(tmp_path: Path):
    formats = api.formats(api.AuditReport)
    assert {"json", "table", "markdown", "csv", "html", "sarif", "junit"} <= set(formats)
    dirs = {"plain": tmp_path / "one", "varied": tmp_path / "elsewhere" / "two"}
    for d in dirs.values():
        _copy_example(d)
    jobs = [(dirs[e], e, f) for e in ENVIRONMENTS for f in formats]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: _run_cli(*job), jobs))
    digests = {(e, f): digest for e, f, _, digest in results}
    differ = [f for f in formats if digests[("plain", f)] != digests[("varied", f)]]
    assert not differ, f"formats whose bytes depend on the environment: {differ}"
