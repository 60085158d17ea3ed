"""Where an audit's time goes: wall time per phase, from the progress events ``auditor.api.audit`` reports.

    python -m bench.phases FILE... --policy taobao [--shops S] [--threads N]

Each progress event closes the step before it, so the phases are the audit's own (no timers inside the
engine): staging the inputs, checking and copying the records, exclusions, rounds, each metric, rules,
each detector, building the report (ledger, evidence, charts), then rendering the JSON.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from auditor import api

# (phase, done) -> the step that ends when that event arrives
STEPS = {("records", 0): "stage the inputs", ("records", 1): "check and copy the records", ("records", 2): "exclusions",
         ("records", 3): "rounds"}


def measure(paths: list[str], options: api.AuditOptions) -> list[tuple[str, float]]:
    """[(step, seconds)] in the order the audit ran them, ending with the JSON rendering."""
    marks: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase == "read":
            return  # bytes of input read: the step ends at ("records", 0)
        step = STEPS.get((phase, done)) or (f"{phase} {done}/{total}" if done else None)
        if step is None:  # the first event of a phase starts it; the time since the last mark was the phase before
            step = f"(before {phase})"
        marks.append((step, now - last[0]))
        last[0] = now

    report = api.audit(list(paths), options, progress=progress)
    t = time.perf_counter()
    marks.append(("report assembled", t - last[0]))
    api.render(report, "json")
    marks.append(("render JSON", time.perf_counter() - t))
    return [(s, d) for s, d in marks if d >= 0.0005 or not s.startswith("(")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--policy", required=True)
    parser.add_argument("--shops", type=Path)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    start = time.perf_counter()
    steps = measure(args.paths, api.AuditOptions(policy=args.policy, shops=args.shops, threads=args.threads))
    total = time.perf_counter() - start
    for step, seconds in steps:
        print(f"{seconds:8.2f} s  {100 * seconds / total:5.1f} %  {step}")
    print(f"{total:8.2f} s  100.0 %  total (in process, after imports)")


if __name__ == "__main__":
    main()
