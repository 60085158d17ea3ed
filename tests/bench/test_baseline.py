"""The bench's yardstick and pandas reference compute the audit's figures; the generator is a pure function of (n, seed).

All data go to a temporary AUDITOR_BENCH_DATA, never to the real cache or the
repository. Timings are never asserted here: `make bench` measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditor.api import AuditOptions, audit
from bench import baseline, generate
from bench import figures as fig
from bench.run import BEGIN, END, write_docs
from tests.conftest import ROOT

N_SMALL = 20_000
N_PANDAS = 6_000


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = tmp_path_factory.mktemp("bench-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDITOR_BENCH_DATA", str(cache))
        yield cache


def audit_figures(data: Path, shops: Path, pack: str, metrics: set[str]) -> list[fig.Figure]:
    report = audit([data], AuditOptions(policy=pack, shops=shops))
    return fig.from_report(report.model_dump(mode="json"), metrics)


@pytest.mark.parametrize("pack", ["taobao", "pinduoduo"])
def test_baseline_equals_audit_on_generated_data(bench_cache: Path, pack: str) -> None:
    data, shops = generate.dataset(N_SMALL), generate.shops_file(N_SMALL)
    assert data.parent == bench_cache
    expected = baseline.figures(pack, data, shops)
    names = {f.metric for f in expected}
    # not an empty agreement: every metric of the pack has figures, per agent for Taobao, and some rates below 1
    want = {"taobao": {"response_rate_3min", "avg_response_time", "first_response_time"}, "pinduoduo": {"inquiries", "reply_rate"}}[pack]
    assert names == want
    assert len(expected) >= 20 * len(want)  # 20 shops (generate.shops_for(20_000))
    rates = [f.value for f in expected if f.metric in ("response_rate_3min", "reply_rate")]
    assert rates and all(0 <= r <= 1 for r in rates) and min(rates) < 1
    if pack == "taobao":
        assert any(f.agent_id for f in expected)
    assert fig.compare(expected, audit_figures(data, shops, pack, names)) == []


def test_pandas_reference_equals_audit(bench_cache: Path) -> None:
    pytest.importorskip("pandas")
    from bench import pandas_ref

    data, shops = generate.dataset(N_PANDAS), generate.shops_file(N_PANDAS)
    got = pandas_ref.figures(data, shops)
    assert {f.metric for f in got} == {"response_rate_3min", "avg_response_time", "first_response_time"}
    assert fig.compare(audit_figures(data, shops, "taobao", {f.metric for f in got}), got) == []


def _hand_data(tmp_path: Path) -> tuple[Path, Path]:
    """A dozen records whose figures are worked out by hand below (all times +08:00, shop s1)."""
    rows = [
        # (shop, buyer, role, ts, sender, kind, msg_id)
        ("s1", "b1", "buyer", "2026-10-05T10:00:00+08:00", None, "message", "m1"),
        ("s1", "b1", "agent", "2026-10-05T10:00:00+08:00", "s1:a1", "message", "m2"),  # same instant: buyer first, 0 s
        ("s1", "b1", "buyer", "2026-10-05T10:05:00+08:00", None, None, "m3"),  # kind absent = message
        ("s1", "b1", "bot", "2026-10-05T10:05:10+08:00", "s1:robot", "message", "m4"),  # a reply for pinduoduo only
        ("s1", "b1", "agent", "2026-10-05T10:09:00+08:00", "s1:a2", "message", "m5"),
        ("s1", "b1", "agent", "2026-10-05T10:09:00+08:00", "s1:a9", "message", "m5"),  # later copy of m5: duplicate
        ("s1", "b2", "buyer", "2026-10-05T07:59:59+08:00", None, "message", "m6"),  # before 08:00
        ("s1", "b2", "agent", "2026-10-05T08:00:30+08:00", "s1:a1", "message", "m7"),
        ("s1", "s1:ceshi", "buyer", "2026-10-05T11:00:00+08:00", None, "message", "m8"),  # the shop's own account
        ("s1", "s1:ceshi", "agent", "2026-10-05T11:00:05+08:00", "s1:a1", "message", "m9"),
        ("s1", "b3", "buyer", "2026-10-05T12:00:00+08:00", None, "ad", "m10"),  # not genuine
        ("s1", "b3", "system", "2026-10-05T12:00:00+08:00", None, "notice", "m11"),
        ("s1", "b3", "buyer", "2026-10-05T23:59:00+08:00", None, "message", "m12"),
        ("s1", "b3", "agent", "2026-10-06T00:00:30+08:00", "s1:a1", "message", "m13"),  # next day: round unanswered
        ("s1", "b5", "buyer", "2026-02-30T10:00:00+08:00", None, "message", "m14"),  # not a date: rejected
        ("s1", "b4", "buyer", "2026-09-01T10:00:00+08:00", None, "message", "m15"),  # before the period
        ("s1", "b4", "agent", "2026-09-01T10:00:10+08:00", "s1:a1", "message", "m16"),
    ]
    cols = list(zip(*rows, strict=True))
    names = ["shop_id", "buyer_id", "role", "ts", "sender_id", "kind", "msg_id"]
    data = tmp_path / "hand.parquet"
    pq.write_table(pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)}), data)
    shops = tmp_path / "shops.csv"
    shops.write_text("shop_id,platform,category,accounts\ns1,taobao,c,s1;s1:ceshi\n", encoding="utf-8")
    return data, shops


# The latest local day is 2026-10-06 (m13), so the period is 2026-09-07 .. 2026-10-06 (m15, m16 fall before it).
# Taobao rounds in service hours: b1 10:00:00 answered by a1 in 0 s; b1 10:05:00 answered by a2 at 10:09:00, 240 s
# (the bot does not count, and the a9 copy of m5 is a duplicate); b3 23:59:00 never answered that day.
# b2's round opens at 07:59:59, outside 08:00-24:00, so it counts nowhere.
P0, P1 = "2026-09-07", "2026-10-06"
TAOBAO_BY_HAND = [
    fig.Figure("response_rate_3min", "s1", None, P0, P1, 1, 3, 0.333333),  # only the 0 s round within 180 s, of 3
    fig.Figure("avg_response_time", "s1", None, P0, P1, 240.0, 2, 120.0),  # (0 + 240) / 2
    fig.Figure("avg_response_time", "s1", "s1:a1", P0, P1, 0.0, 1, 0.0),
    fig.Figure("avg_response_time", "s1", "s1:a2", P0, P1, 240.0, 1, 240.0),
    fig.Figure("first_response_time", "s1", None, P0, P1, 0.0, 1, 0.0),  # b1's first round; b3's is unanswered
    fig.Figure("first_response_time", "s1", "s1:a1", P0, P1, 0.0, 1, 0.0),
]
# Pinduoduo: on 2026-10-05 b1 (answered), b2 (answered at 08:00:30, all hours count) and b3 (unanswered) asked:
# 3 inquiries, 2 answered. Every other day of the period has 0 inquiries and no reply rate.
PDD_BY_HAND = [fig.Figure("reply_rate", "s1", None, "2026-10-05", "2026-10-05", 2, 3, 0.666667)] + [
    fig.Figure("inquiries", "s1", None, d, d, n, None, float(n))
    for d, n in ((fig.day_iso(day), 3 if fig.day_iso(day) == "2026-10-05" else 0) for day in range(20703, 20733))
]


def test_day_numbers_of_the_hand_period() -> None:
    assert (fig.day_iso(20703), fig.day_iso(20732)) == (P0, P1)


@pytest.mark.parametrize(("pack", "by_hand"), [("taobao", TAOBAO_BY_HAND), ("pinduoduo", PDD_BY_HAND)])
def test_hand_worked_figures(tmp_path: Path, pack: str, by_hand: list[fig.Figure]) -> None:
    data, shops = _hand_data(tmp_path)
    expected = sorted(by_hand, key=lambda f: f.key)
    assert fig.compare(expected, baseline.figures(pack, data, shops)) == []
    assert fig.compare(expected, audit_figures(data, shops, pack, {f.metric for f in expected})) == []


def test_pandas_reference_hand_worked(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    from bench import pandas_ref

    data, shops = _hand_data(tmp_path)
    assert fig.compare(sorted(TAOBAO_BY_HAND, key=lambda f: f.key), pandas_ref.figures(data, shops)) == []


def test_compare_names_every_difference() -> None:
    a = fig.Figure("reply_rate", "s1", None, "2026-10-05", "2026-10-05", 2, 3, 0.666667)
    b = a._replace(numerator=1, value=0.333333)
    c = a._replace(shop_id="s2")
    assert fig.compare([a], [a]) == []
    assert fig.compare([a], [b]) == ["reply_rate/s1/2026-10-05/2026-10-05: 2/3 = 0.666667 vs 1/3 = 0.333333"]
    assert fig.compare([a], [a, c]) == ["reply_rate/s2/2026-10-05/2026-10-05: only in the second set (2/3 = 0.666667)"]


def test_generator_is_a_function_of_n_and_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    def rows(path: Path) -> list[tuple[object, ...]]:
        return duckdb.sql(f"SELECT * FROM read_parquet('{path}', file_row_number = true) ORDER BY file_row_number").fetchall()

    made = []
    for where in ("one", "two"):
        monkeypatch.setenv("AUDITOR_BENCH_DATA", str(tmp_path / where))
        made.append((generate.dataset(3_000), generate.dataset(3_000, "jsonl"), generate.dataset(3_000, seed=2), generate.shops_file(3_000)))
    (p1, j1, s1, shops1), (p2, j2, s2, shops2) = made
    assert p1.parent != p2.parent
    assert rows(p1) == rows(p2)
    assert j1.read_bytes() == j2.read_bytes()
    assert shops1.read_bytes() == shops2.read_bytes()
    assert len(rows(p1)) == 3_000
    assert rows(s1) == rows(s2) and rows(s1) != rows(p1)  # another seed, other data
    assert j1.read_bytes().count(b"\n") == 3_000


def test_parse_size() -> None:
    assert [generate.parse_size(s) for s in ("20k", "1m", "1.5M", "50m", "1234")] == [20_000, 1_000_000, 1_500_000, 50_000_000, 1234]
    with pytest.raises(ValueError):
        generate.parse_size("0m")


def test_write_docs_replaces_only_between_markers(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nintro\n{BEGIN}\nold table\n{END}\n\n## Where the time goes\nkept\n", encoding="utf-8")
    write_docs("new table\n", doc)
    assert doc.read_text(encoding="utf-8") == f"# Perf\n\nintro\n{BEGIN}\nnew table\n{END}\n\n## Where the time goes\nkept\n"


def test_bench_run_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    """`python -m bench.run` at 5k: both packs' baseline and audit run as children, the figures agree, results are written."""
    pytest.importorskip("tabulate")
    out = tmp_path / "out"
    env = {**os.environ, "AUDITOR_BENCH_DATA": str(tmp_path / "cache")}
    r = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "5k", "--out", str(out), "--no-pandas"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr + r.stdout
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    runs = {(x["pack"], x["what"]): x for x in results["runs"]}
    assert set(runs) == {("taobao", "baseline"), ("taobao", "audit"), ("pinduoduo", "baseline"), ("pinduoduo", "audit")}
    assert all(x["exit"] == 0 and x["seconds"] > 0 and x["peak_rss_mib"] > 0 and x["rows"] == 5_000 for x in runs.values())
    assert runs[("taobao", "baseline")]["ratio"] == 1.0
    assert results["cross_check"]["mismatches"] == [] and len(results["cross_check"]["equal"]) == 2
    assert {t["verdict"] for t in results["targets"]} == {"not measured"}  # 5k is none of the target sizes
    assert "| size " in (out / "results.md").read_text(encoding="utf-8")
