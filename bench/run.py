"""`make bench`: time the yardstick, the audit and the pandas reference as child processes; check the figures agree.

For every size in ``BENCH_SIZES`` (default ``1m 10m 50m``) the Parquet data
set is generated or reused (``bench.generate``), then for each built-in pack
the hand-written baseline query (``bench.baseline``) and a full
``auditor audit … --format json --output …`` run as subprocesses. Each run's
wall time and its peak RSS (``os.wait4``'s ``ru_maxrss``, the child alone) are
recorded. At 10m the same audit runs from JSONL and CSV; at 1m the pandas
reference (``bench.pandas_ref``) runs for Taobao; ``BENCH_SPILL=200m`` adds one
audit under a memory limit that makes it spill.

Every run's figures are compared with the baseline's of the same size and pack
(the audit's JSON report, the pandas output): any difference is printed as
MISMATCH and the bench exits 1. The targets of issue 10 are printed as PASS or
MISS lines, never asserted: a missed target is a measurement, not an error.

Results go to ``out/bench/results.json`` and ``out/bench/results.md``;
``--write-docs`` puts the markdown between the markers of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bench import figures as fig
from bench.baseline import PACKS
from bench.generate import cache_dir, dataset, label, parse_size, shops_file

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (written by `make bench` / python -m bench.run --write-docs) -->", "<!-- bench:end -->"
GIB = 2**30

# issue 10's targets
RATIO_TO_BASELINE = 1.5  # audit wall time / baseline wall time, Parquet, at TARGET_SIZE
TARGET_SIZE = 50_000_000
PANDAS_SPEEDUP = 50  # pandas seconds / audit seconds at PANDAS_SIZE
PANDAS_SIZE = 1_000_000
RSS_LIMIT = 4 * GIB  # peak RSS of the audit at TARGET_SIZE
FORMATS_SIZE = 10_000_000
FORMAT_RATIO = 2.0  # JSONL / CSV audit wall time over Parquet at FORMATS_SIZE
FORMATS_PACK = "taobao"  # reading costs the same whatever the pack; one pack keeps `make bench` shorter


@dataclass
class Run:
    size: str
    rows: int
    format: str
    pack: str
    what: str  # baseline | audit | pandas | spill
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of the child: less disturbed than wall time when others share the machine
    peak_rss_mib: float = 0.0
    exit: int = 0
    inner_seconds: float | None = None  # the child's own timing of its query (baseline, pandas), start-up excluded
    load_before: float = 0.0  # the machine's 1-minute load average when the run started: others' work shows here
    figures_file: str | None = None
    note: str = ""
    ratio: float | None = field(default=None)

    @property
    def ns_per_row(self) -> float:
        return self.seconds * 1e9 / self.rows

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def measure(cmd: list[str], log: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB, exit status) of one child process; its output goes to ``log``."""
    with log.open("wb") as out:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode  # ru_maxrss is KiB on Linux


def warm(path: Path) -> None:
    """Read the file once so every run finds it in the page cache, not only the second one."""
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass


class Bench:
    def __init__(self, out: Path, repeat: int) -> None:
        self.out = out
        self.work = out / "runs"
        self.work.mkdir(parents=True, exist_ok=True)
        self.repeat = repeat
        self.runs: list[Run] = []
        self.mismatches: list[str] = []
        self.checked: list[str] = []

    def run(self, run: Run, cmd: list[str], figures_file: Path | None) -> Run:
        """Run ``cmd`` ``repeat`` times and keep the fastest (the least disturbed by others on the machine)."""
        best: tuple[float, float, float, int, float] | None = None
        log = self.work / f"{run.size}-{run.format}-{run.pack}-{run.what}.log"
        if figures_file is not None:
            figures_file.unlink(missing_ok=True)  # a file left by an earlier bench must never stand in for this run's
        for i in range(self.repeat):
            load = os.getloadavg()[0]
            seconds, cpu, rss, code = measure(cmd, log)
            if best is None or (code == 0 and seconds < best[0]):
                best = (seconds, cpu, rss if best is None else max(rss, best[2]), code, load)
            if code != 0:
                break
            print(f"  {run.what:8} {run.pack:9} {run.format:7} {run.size:>5}: {seconds:8.2f} s  {cpu:8.2f} s CPU  {rss:8.0f} MiB  (load {load:.1f})"
                  + (f"  (try {i + 1}/{self.repeat})" if self.repeat > 1 else ""), file=sys.stderr, flush=True)
        assert best is not None
        run.seconds, run.cpu_seconds, run.peak_rss_mib, run.exit, run.load_before = best
        if run.exit != 0:
            run.note = f"exit {run.exit}; see {log}"
            print(f"  {run.what} {run.pack} {run.format} {run.size} FAILED with exit {run.exit}; its output is in {log}", file=sys.stderr)
        if figures_file is not None and figures_file.exists() and run.exit == 0:
            run.figures_file = str(figures_file)
            if run.what in ("baseline", "pandas"):
                run.inner_seconds = json.loads(figures_file.read_text(encoding="utf-8"))["query_seconds"]
        self.runs.append(run)
        return run

    def py(self, module: str, *args: str) -> list[str]:
        return [sys.executable, "-m", module, *args]

    def baseline(self, n: int, pack: str, data: Path, shops: Path) -> Run:
        out = self.work / f"{label(n)}-{pack}-baseline.json"
        cmd = self.py("bench.baseline", pack, str(data), "--shops", str(shops), "--output", str(out))
        return self.run(Run(label(n), n, "parquet", pack, "baseline"), cmd, out)

    def audit(self, n: int, fmt: str, pack: str, data: Path, shops: Path, what: str = "audit", extra: tuple[str, ...] = ()) -> Run:
        out = self.work / f"{label(n)}-{fmt}-{pack}-{what}-report.json"
        cmd = self.py(
            "auditor.cli", "audit", str(data), "--policy", pack, "--shops", str(shops),
            "--format", "json", "--output", str(out), "--fail-on", "never", "--quiet", *extra,
        )  # fmt: skip
        return self.run(Run(label(n), n, fmt, pack, what), cmd, out)

    def pandas(self, n: int, data: Path, shops: Path) -> Run:
        out = self.work / f"{label(n)}-taobao-pandas.json"
        cmd = self.py("bench.pandas_ref", str(data), "--shops", str(shops), "--output", str(out))
        return self.run(Run(label(n), n, "parquet", "taobao", "pandas"), cmd, out)

    def cross_check(self, base: Run, other: Run) -> None:
        """The other run's figures must equal the baseline's, figure by figure."""
        if base.figures_file is None or other.figures_file is None:
            return
        expected = fig.from_json(json.loads(Path(base.figures_file).read_text(encoding="utf-8"))["figures"])
        names = {f.metric for f in expected}
        if other.what in ("audit", "spill"):
            actual = fig.from_report_file(other.figures_file, names)
        else:
            actual = fig.from_json(json.loads(Path(other.figures_file).read_text(encoding="utf-8"))["figures"])
        where = f"{other.what} {other.pack} {other.format} {other.size}"
        problems = fig.compare(expected, actual)
        if problems:
            self.mismatches.append(f"{where} vs baseline: {len(problems)} difference(s)")
            print(f"MISMATCH: {where} differs from the baseline:", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            self.checked.append(f"{where}: {len(expected)} figures equal")


def ratios(runs: list[Run]) -> None:
    base = {(r.size, r.pack): r.seconds for r in runs if r.what == "baseline" and r.exit == 0}
    for r in runs:
        b = base.get((r.size, r.pack))
        r.ratio = r.seconds / b if b and r.exit == 0 else None


def find(runs: list[Run], *, rows: int, what: str, pack: str | None = None, fmt: str = "parquet") -> list[Run]:
    return [r for r in runs if r.rows == rows and r.what == what and r.format == fmt and (pack is None or r.pack == pack) and r.exit == 0]


def targets(runs: list[Run], spill: Run | None, spill_limit: str) -> list[tuple[str, str, str]]:
    """(target, PASS | MISS | not measured, the figures behind the verdict) for each of issue 10's targets."""
    out: list[tuple[str, str, str]] = []
    big = label(TARGET_SIZE)
    for pack in PACKS:
        a, b = find(runs, rows=TARGET_SIZE, what="audit", pack=pack), find(runs, rows=TARGET_SIZE, what="baseline", pack=pack)
        name = f"audit ≤ {RATIO_TO_BASELINE}× baseline, {pack}, Parquet {big}"
        if a and b:
            ratio = a[0].seconds / b[0].seconds
            out.append((name, "PASS" if ratio <= RATIO_TO_BASELINE else "MISS", f"{a[0].seconds:.1f} s / {b[0].seconds:.1f} s = {ratio:.2f}×"))
        else:
            out.append((name, "not measured", f"{big} not in BENCH_SIZES"))
    a, p = find(runs, rows=PANDAS_SIZE, what="audit", pack="taobao"), find(runs, rows=PANDAS_SIZE, what="pandas")
    name = f"audit ≥ {PANDAS_SPEEDUP}× faster than pandas, taobao, {label(PANDAS_SIZE)}"
    if a and p:
        speedup = p[0].seconds / a[0].seconds
        out.append((name, "PASS" if speedup >= PANDAS_SPEEDUP else "MISS", f"{p[0].seconds:.1f} s / {a[0].seconds:.1f} s = {speedup:.1f}×"))
    else:
        out.append((name, "not measured", f"{label(PANDAS_SIZE)} not in BENCH_SIZES, or BENCH_PANDAS=0"))
    a = find(runs, rows=TARGET_SIZE, what="audit")
    name = f"audit peak RSS ≤ {RSS_LIMIT // GIB} GiB at {big}"
    if a:
        worst = max(a, key=lambda r: r.peak_rss_mib)
        verdict = "PASS" if worst.peak_rss_mib * 2**20 <= RSS_LIMIT else "MISS"
        out.append((name, verdict, f"{worst.peak_rss_mib / 1024:.2f} GiB ({worst.pack})"))
    else:
        out.append((name, "not measured", f"{big} not in BENCH_SIZES"))
    base = find(runs, rows=FORMATS_SIZE, what="audit", pack=FORMATS_PACK)
    for fmt in ("jsonl", "csv"):
        other = find(runs, rows=FORMATS_SIZE, what="audit", pack=FORMATS_PACK, fmt=fmt)
        name = f"{fmt.upper()} ≤ {FORMAT_RATIO}× Parquet, {FORMATS_PACK}, {label(FORMATS_SIZE)}"
        if base and other:
            ratio = other[0].seconds / base[0].seconds
            out.append((name, "PASS" if ratio <= FORMAT_RATIO else "MISS", f"{other[0].seconds:.1f} s / {base[0].seconds:.1f} s = {ratio:.2f}×"))
        else:
            out.append((name, "not measured", f"{label(FORMATS_SIZE)} not in BENCH_SIZES"))
    name = "a 200m audit completes by spilling, RSS bounded"
    if spill is None:
        out.append((name, "not measured", "BENCH_SPILL not set"))
    else:
        ok = spill.exit == 0 and spill.peak_rss_mib * 2**20 <= RSS_LIMIT
        done = "completed" if spill.exit == 0 else f"exit {spill.exit}"
        out.append((name, "PASS" if ok else "MISS",
                    f"{spill.size}, --memory-limit {spill_limit}: {done} in {spill.seconds:.0f} s, peak RSS {spill.peak_rss_mib / 1024:.2f} GiB"))
    return out


def per_second(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"


def table(runs: list[Run]) -> list[list[Any]]:
    rows = []
    for r in runs:
        rows.append([
            r.size, r.format, r.pack, r.what,
            f"{r.seconds:.2f}" if r.exit == 0 else "failed",
            f"{r.cpu_seconds:.1f}",
            per_second(r.rows_per_s) if r.exit == 0 else "",
            f"{r.ns_per_row:.0f}" if r.exit == 0 else "",
            f"{r.peak_rss_mib:.0f}",
            f"{r.ratio:.2f}×" if r.ratio is not None else "",
            f"{r.load_before:.1f}",
        ])  # fmt: skip
    return rows


HEADERS = ["size", "format", "pack", "what", "seconds", "CPU s", "rows/s", "ns/row", "peak RSS MiB", "× baseline", "load"]


def machine() -> dict[str, Any]:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    from auditor import __version__

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / GIB, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "auditor": __version__,
        "platform": platform.platform(),
    }


def markdown(runs: list[Run], verdicts: list[tuple[str, str, str]], info: dict[str, Any], checked: list[str], mismatches: list[str]) -> str:
    from tabulate import tabulate  # a bench dependency, not the auditor's: imported where it is used

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {info['cpus']} cores, {info['memory_gib']} GiB "
        f"(DuckDB {info['duckdb']}, Python {info['python']}, auditor {info['auditor']}).",
        "",
        tabulate(table(runs), headers=HEADERS, tablefmt="github", disable_numparse=True),
        "",
        "| target | verdict | measured |",
        "|---|---|---|",
        *[f"| {t} | {v} | {m} |" for t, v, m in verdicts],
        "",
        (f"Cross-check: **MISMATCH** — {'; '.join(mismatches)}." if mismatches
         else f"Cross-check: the figures of every run equal the baseline's ({len(checked)} comparisons)."),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_docs(md: str, doc: Path = DOC) -> None:
    """Replace what stands between the bench markers of ``doc`` with ``md``; the rest of the page is left alone."""
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{doc} has no bench markers; put {BEGIN} and {END} where the table goes")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(head + BEGIN + "\n" + md + END + tail, encoding="utf-8")


def main() -> int:
    from tabulate import tabulate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1m 10m 50m"), help="sizes, e.g. '1m 10m 50m' (env BENCH_SIZES)")
    parser.add_argument("--spill", default=os.environ.get("BENCH_SPILL", ""), help="size of the spill run, e.g. 200m (env BENCH_SPILL; off by default)")
    parser.add_argument("--spill-limit", default=os.environ.get("BENCH_SPILL_LIMIT", "2.5GB"), help="--memory-limit of the spill run")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "1")), help="runs of each command; the fastest counts")
    parser.add_argument("--no-pandas", action="store_true", default=os.environ.get("BENCH_PANDAS", "1") == "0", help="skip the pandas run")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite the measured table in {DOC.relative_to(ROOT)}")
    args = parser.parse_args()

    sizes = sorted({parse_size(s) for s in args.sizes.replace(",", " ").split()})
    if not sizes:
        parser.error("no sizes given")
    bench = Bench(args.out, max(1, args.repeat))
    print(f"data cache: {cache_dir()}", file=sys.stderr)

    for n in sizes:
        t0 = time.perf_counter()
        data, shops = dataset(n, "parquet"), shops_file(n)
        print(f"{label(n)}: {data.name} ready ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        warm(data)
        for pack in PACKS:
            base = bench.baseline(n, pack, data, shops)
            bench.cross_check(base, bench.audit(n, "parquet", pack, data, shops))
            if pack == "taobao" and n == PANDAS_SIZE and not args.no_pandas:
                bench.cross_check(base, bench.pandas(n, data, shops))
            if pack == FORMATS_PACK and n == FORMATS_SIZE:
                for fmt in ("jsonl", "csv"):
                    t0 = time.perf_counter()
                    other = dataset(n, fmt)
                    print(f"{label(n)}: {other.name} ready ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
                    warm(other)
                    bench.cross_check(base, bench.audit(n, fmt, pack, other, shops))

    spill: Run | None = None
    if args.spill:
        n = parse_size(args.spill)
        data, shops = dataset(n, "parquet"), shops_file(n)
        temp = cache_dir() / "spill"
        spill = bench.audit(n, "parquet", "taobao", data, shops, what="spill", extra=("--memory-limit", args.spill_limit, "--temp-dir", str(temp)))
        spill.note = f"--memory-limit {args.spill_limit}, --temp-dir {temp}"

    ratios(bench.runs)
    verdicts = targets(bench.runs, spill, args.spill_limit)
    info = machine()
    md = markdown(bench.runs, verdicts, info, bench.checked, bench.mismatches)
    print(tabulate(table(bench.runs), headers=HEADERS, disable_numparse=True))
    print()
    for t, v, m in verdicts:
        print(f"{v:>12}  {t}: {m}")
    print()
    for line in bench.checked:
        print(f"  same figures: {line}")
    for line in bench.mismatches:
        print(f"MISMATCH: {line}")

    args.out.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": info,
        "sizes": [label(n) for n in sizes],
        "runs": [asdict(r) | {"ns_per_row": r.ns_per_row, "rows_per_s": r.rows_per_s} for r in bench.runs],
        "targets": [{"target": t, "verdict": v, "measured": m} for t, v, m in verdicts],
        "cross_check": {"equal": bench.checked, "mismatches": bench.mismatches},
    }
    (args.out / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(md, encoding="utf-8")
    print(f"\nresults: {args.out / 'results.json'}, {args.out / 'results.md'}")
    if args.write_docs:
        write_docs(md)
        print(f"table written to {DOC}")
    failed = [r for r in bench.runs if r.exit != 0 and r.what != "spill"]
    if bench.mismatches or failed:
        print(f"bench FAILED: {len(bench.mismatches)} mismatch(es), {len(failed)} failed run(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
