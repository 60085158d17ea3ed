"""Measure the gaming detectors on simulated data: recall at each injected strength, false leads on clean shops.

For each detector, for each seed, one scenario (tools/simulate.py): clean
shops plus the pattern injected — into one agent of one more shop
(delayed_reply, close_reopen, bot_as_human) or into a ring spread over
``RING_SHOPS`` more shops (fake_chat) — audited with ``auditor.api.audit``
under the built-in pack that has the detector (taobao: delayed_reply,
close_reopen, bot_as_human; pinduoduo: fake_chat). Each scenario is run at
every strength on the same seed, so only the injection changes between
strengths (the clean shops are the same records).

The pack is copied with ``min_score: 0`` for every detector so that scores
under 0.5 are seen too; a unit counts as flagged when its score is at least
``FLAG_AT`` = 0.5 (the packs' default ``min_score``).

- **recall**: injected units flagged / injected units. The unit is the
  injected agent (its ``agent_id`` flag) for the agent-level patterns and the
  ring shop for fake_chat; "shop flagged" also counts any flag of the
  detector on the injected shop (its shop-level flag or any of its agents).
- **false leads**: clean shops with any flag of the detector at >= 0.5 (shop
  level or any agent), and clean agents (every agent of a clean shop and the
  honest agents of the injected shop) flagged at >= 0.5. Clean shops are
  counted once per scenario, and every detector of the pack is judged on
  every scenario audited under it (a taobao scenario built for delayed_reply
  also tests close_reopen and bot_as_human on its clean shops).
- **probe**: honest look-alikes outside the default clean mix, each audited
  as its own set of clean shops: ``night_close`` (questions left at the end of
  the last shift are closed when the agent leaves and answered the next
  morning).

``python tools/measure_detectors.py`` prints the tables and, with
``--write docs/detectors.md``, replaces the part of that file between the
markers. ``make detectors-table`` runs it with the defaults.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.simulate import DEFAULT_STRENGTH, ShopPlan, inject, random_agent, random_shops, simulate  # noqa: E402

FLAG_AT = 0.5
START = date(2026, 3, 1)
DAYS = 30
CLEAN_SHOPS = 5
RING_SHOPS = 3
BUYERS = (50.0, 180.0)
PACK_OF = {"delayed_reply": "taobao", "close_reopen": "taobao", "bot_as_human": "taobao", "fake_chat": "pinduoduo"}
PLATFORM = {"taobao": "taobao", "pinduoduo": "pinduoduo"}
AGENT_LEVEL = {"delayed_reply", "close_reopen", "bot_as_human"}  # detectors that score agents as well as shops
BEGIN, END = "<!-- detectors-table:begin -->", "<!-- detectors-table:end -->"


@dataclass(frozen=True)
class Task:
    family: str  # the pattern the scenario injects, or "probe:<name>"
    seed: int
    strength: float  # 0 for probes


def scenario(family: str, seed: int, strength: float) -> tuple[list[ShopPlan], list[str], str | None]:
    """The shops of one scenario, the ids of the injected shops, and the injected agent's sender_id (agent-level patterns)."""
    if family.startswith("probe:"):
        probe = family.split(":", 1)[1]
        shops = random_shops(f"{family}/{seed}", CLEAN_SHOPS + 1, "taobao", prefix="clean", buyers=BUYERS)
        if probe == "night_close":
            shops = [replace(s, night_close=0.5) for s in shops]
        return shops, [], None
    pack = PACK_OF[family]
    clean = random_shops(f"{family}/{seed}", CLEAN_SHOPS, PLATFORM[pack], prefix="clean", buyers=BUYERS)
    if family == "fake_chat":
        ring = random_shops(f"{family}/{seed}", RING_SHOPS, PLATFORM[pack], prefix="ring", buyers=BUYERS)
        ring = [inject(s, "fake_chat", strength, ring="ring1") for s in ring]
        return ring + clean, [s.shop_id for s in ring], None
    [shop] = random_shops(f"{family}/{seed}", 1, PLATFORM[pack], prefix="gamed", buyers=BUYERS)
    # the injected agent is an ordinary agent (not a fast typist nor a genuinely slow one), on the shop's first shift
    target = random_agent(random.Random(f"{family}/{seed}/target"), shop.agents[0].name, "ordinary", shop.agents[0].shift)
    shop = replace(shop, agents=(target, *shop.agents[1:]))
    shop = inject(shop, family, strength, agent=target.name)
    return [shop, *clean], [shop.shop_id], shop.sender(target.name)


def write_parquet(records: list[dict], path: Path) -> Path:
    """The records as Parquet with string columns (the auditor reads it faster than JSON Lines; same records)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = ["shop_id", "buyer_id", "role", "ts", "sender_id", "kind", "text", "msg_id"]
    pq.write_table(pa.table({k: pa.array([r.get(k) for r in records], pa.string()) for k in fields}), path)
    return path


def pack_copy(name: str, dest: Path) -> Path:
    """The built-in pack with min_score 0 for every detector (scores under 0.5 are reported too)."""
    src = ROOT / "policies" / name
    out = dest / name
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("tests"))
    data = yaml.safe_load((out / "pack.yaml").read_text(encoding="utf-8"))
    for d in data.get("detectors", []):
        d["min_score"] = 0
    (out / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def run_task(task: Task) -> dict:
    from auditor.api import AuditOptions, audit

    pack = "taobao" if task.family.startswith("probe:") else PACK_OF[task.family]
    shops, injected, target = scenario(task.family, task.seed, task.strength)
    with tempfile.TemporaryDirectory(prefix="measure-") as tmp:
        t0 = time.perf_counter()
        records = simulate(f"{task.family}/{task.seed}", shops, START, DAYS)
        t1 = time.perf_counter()
        path = write_parquet(records, Path(tmp) / "chats.parquet")
        policy = pack_copy(pack, Path(tmp))
        t2 = time.perf_counter()
        report = audit([path], AuditOptions(policy=policy))
        t3 = time.perf_counter()
    assert report.inputs.rejected == 0, report.inputs.rejections[:3]
    agents = {s.shop_id: [s.sender(a.name) for a in s.agents] for s in shops}
    flags = [(f.detector, f.shop_id, f.agent_id, f.score) for f in report.flags]
    return {
        "task": task, "pack": pack, "records": len(records), "shops": len(shops), "agents": agents, "injected": injected,
        "target": target, "flags": flags, "gen_s": t1 - t0, "audit_s": t3 - t2,
        "detectors": [d.detector for d in _pack_detectors(pack)],
    }


def _pack_detectors(pack: str) -> list:
    from auditor.policy.loader import load_pack

    return [d for d in load_pack(pack).pack.detectors if d.enabled]


def summarise(results: list[dict], strengths: Sequence[float]) -> dict:
    recall: dict[tuple[str, float], list[tuple[float, float]]] = defaultdict(list)  # (unit score, shop score)
    clean_shop: dict[str, dict[tuple, float]] = defaultdict(dict)  # detector -> (family, seed, shop) -> max score
    clean_agent: dict[str, dict[tuple, float]] = defaultdict(dict)
    probes: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in results:
        t: Task = r["task"]
        for det in r["detectors"]:
            got = [(shop, agent, score) for d, shop, agent, score in r["flags"] if d == det]
            for shop, sender_ids in r["agents"].items():
                shop_max = max([s for sh, _, s in got if sh == shop], default=0.0)
                if t.family.startswith("probe:"):
                    probes[(t.family[6:], det)].append(shop_max)
                    continue
                if shop in r["injected"]:
                    if det == t.family:
                        if r["target"]:
                            unit = max([s for sh, a, s in got if sh == shop and a == r["target"]], default=0.0)
                        else:
                            unit = shop_max
                        recall[(det, t.strength)].append((unit, shop_max))
                    # honest agents of the injected shop
                    for a in sender_ids:
                        if a != r["target"]:
                            key = (t.family, t.seed, a)
                            score = max([s for sh, ag, s in got if sh == shop and ag == a], default=0.0)
                            clean_agent[det][key] = max(clean_agent[det].get(key, 0.0), score)
                    continue
                key = (t.family, t.seed, shop)
                clean_shop[det][key] = max(clean_shop[det].get(key, 0.0), shop_max)
                for a in sender_ids:
                    score = max([s for sh, ag, s in got if sh == shop and ag == a], default=0.0)
                    akey = (t.family, t.seed, a)
                    clean_agent[det][akey] = max(clean_agent[det].get(akey, 0.0), score)
    return {"recall": recall, "clean_shop": clean_shop, "clean_agent": clean_agent, "probes": probes}


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "–"


def _pct1(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.1f}%)" if n else "–"


def render(s: dict, results: list[dict], args: argparse.Namespace, wall: float) -> str:
    detectors = [d for d in PACK_OF if d in args.detectors]
    lines = [
        BEGIN,
        "",
        f"Measured by `tools/measure_detectors.py` (`make detectors-table`): seeds {args.seeds[0]}–{args.seeds[-1]} "
        f"({len(args.seeds)} per detector), strengths {', '.join(f'{x:g}' for x in args.strengths)}; "
        f"{CLEAN_SHOPS} clean shops per scenario plus one gamed shop (fake_chat: {RING_SHOPS} ring shops), "
        f"{BUYERS[0]:g}–{BUYERS[1]:g} buyers a day per shop on ordinary days, {DAYS} days. A unit is flagged at score ≥ {FLAG_AT:g}. "
        f"Default strength: {DEFAULT_STRENGTH:g}.",
        "",
        "**Recall** (the injected agent; fake_chat: each ring shop):",
        "",
        "| detector | strength | injected units flagged | mean score (min–max) | gamed shop flagged |",
        "|---|---|---|---|---|",
    ]
    for det in detectors:
        for st in args.strengths:
            rows = s["recall"].get((det, st), [])
            if not rows:
                continue
            unit = [u for u, _ in rows]
            shop = [x for _, x in rows]
            lines.append(
                f"| `{det}` | {st:g}{' (default)' if st == DEFAULT_STRENGTH else ''} | {_pct(sum(u >= FLAG_AT for u in unit), len(unit))} | "
                f"{statistics.mean(unit):.2f} ({min(unit):.2f}–{max(unit):.2f}) | {_pct(sum(x >= FLAG_AT for x in shop), len(shop))} |"
            )
    lines += [
        "",
        "**False leads** on clean shops (any flag of the detector on the shop or one of its agents) and clean agents:",
        "",
        "| detector | judged under | clean shops flagged | clean agents flagged | highest clean score (where) |",
        "|---|---|---|---|---|",
    ]
    for det in detectors:
        shops = s["clean_shop"].get(det, {})
        agents = s["clean_agent"].get(det, {})
        where = max([*agents.items(), *shops.items()], key=lambda kv: kv[1], default=(None, 0.0))
        top = where[1]
        if where[0] is not None and top > 0:
            family, seed, unit = where[0]
            top_text = f"{top:.2f} ({unit}, {family} seed {seed})"
        else:
            top_text = f"{top:.2f}"
        packs = " + ".join(sorted({r["pack"] for r in results if det in r["detectors"] and not r["task"].family.startswith("probe:")}))
        agent_col = _pct1(sum(v >= FLAG_AT for v in agents.values()), len(agents)) if det in AGENT_LEVEL else "(shops only)"
        lines.append(f"| `{det}` | {packs} | {_pct1(sum(v >= FLAG_AT for v in shops.values()), len(shops))} | {agent_col} | {top_text} |")
    if s["probes"]:
        lines += ["", "**Probes** (honest look-alikes outside the default clean mix; shops flagged at ≥ 0.5):", "",
                  "| probe | detector | shops flagged | highest score |", "|---|---|---|---|"]
        for (probe, det), scores in sorted(s["probes"].items()):
            lines.append(f"| `{probe}` | `{det}` | {_pct1(sum(x >= FLAG_AT for x in scores), len(scores))} | {max(scores):.2f} |")
    recs = [r["records"] for r in results]
    gen = [r["gen_s"] / r["shops"] for r in results]
    aud = [r["audit_s"] for r in results]
    lines += [
        "",
        f"Time: {wall:.0f} s wall for {len(results)} audits ({args.jobs} worker(s), {platform.python_implementation()} "
        f"{platform.python_version()}); {statistics.mean(recs):,.0f} records per scenario on average; simulating took "
        f"{statistics.mean(gen):.2f} s per 30-day shop, auditing {statistics.mean(aud):.1f} s per scenario (max {max(aud):.1f} s).",
        "",
        END,
    ]
    return "\n".join(lines)


def write_between_markers(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, count=1, flags=re.S)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + "## Measured recall and false leads\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", type=int, default=20, help="seeds per detector (1..N)")
    ap.add_argument("--strengths", type=lambda v: [float(x) for x in v.split(",")], default=[0.1, 0.25, 0.5, 0.75, 1.0])
    ap.add_argument("--detectors", type=lambda v: v.split(","), default=list(PACK_OF))
    ap.add_argument("--probes", type=lambda v: [x for x in v.split(",") if x], default=["night_close"])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--write", type=Path, help="markdown file whose table block to replace (e.g. docs/detectors.md)")
    args = ap.parse_args(argv)
    args.seeds = list(range(1, args.seeds + 1))
    tasks = [Task(det, seed, st) for det in args.detectors for seed in args.seeds for st in args.strengths]
    tasks += [Task(f"probe:{p}", seed, 0.0) for p in args.probes for seed in args.seeds]
    t0 = time.perf_counter()
    results: list[dict] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for i, r in enumerate(pool.map(run_task, tasks), 1):
            results.append(r)
            print(f"[{i}/{len(tasks)}] {r['task'].family} seed {r['task'].seed} strength {r['task'].strength:g}: "
                  f"{r['records']} records, audit {r['audit_s']:.1f} s", file=sys.stderr)
    wall = time.perf_counter() - t0
    block = render(summarise(results, args.strengths), results, args, wall)
    print(block)
    if args.write:
        write_between_markers(args.write, block)
        print(f"wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
