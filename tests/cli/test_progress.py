"""Progress on long audits: the library reports phases through a callback and never prints; the CLI draws a bar on
stderr only when stderr is a terminal and --quiet is not given."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from auditor import AuditOptions, audit
from tests.cli.test_cli import run
from tests.conftest import ROOT

GOLDEN_INPUT = "tests/golden/input"
ARGS = ("audit", GOLDEN_INPUT, "--policy", "taobao", "--format", "json", "--lang", "en")


def test_library_reports_every_phase_in_order_and_prints_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[str, int, int]] = []
    audit([ROOT / GOLDEN_INPUT], AuditOptions(policy="taobao"), progress=lambda *a: calls.append(a))
    assert capsys.readouterr() == ("", "")
    phases = [c[0] for c in calls]
    assert list(dict.fromkeys(phases)) == ["read", "records", "metrics", "rules", "detectors", "report"]
    size = sum(p.stat().st_size for p in (ROOT / GOLDEN_INPUT).iterdir() if p.suffix in (".csv", ".jsonl"))
    assert [c for c in calls if c[0] == "read"][-1] == ("read", size, size)  # bytes staged of the two input files
    # taobao: 3 metrics, 2 rules, 4 detectors; each phase starts at 0 and ends at its total
    for phase, total in (("records", 3), ("metrics", 3), ("rules", 2), ("detectors", 4), ("report", 1)):
        mine = [c for c in calls if c[0] == phase]
        assert mine[0][1:] == (0, total) and mine[-1][1:] == (total, total), phase
        assert [d for _, d, _ in mine] == sorted(d for _, d, _ in mine)


def _run_with_tty_stderr(*args: str) -> tuple[int, bytes, bytes]:
    """Run the CLI with stdout piped and stderr on a pseudo-terminal; return (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("AUDITOR_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done with it
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read() if proc.stdout else b""
    code = proc.wait(timeout=60)
    os.close(master)
    return code, out, seen


def test_bar_is_drawn_on_a_terminal_and_the_report_stays_clean() -> None:
    code, out, tty = _run_with_tty_stderr(*ARGS)
    assert code == 0
    assert b"reading records" in tty or b"writing the report" in tty  # a phase label drawn on the terminal
    assert out == run(*ARGS).stdout  # stdout is the report, byte for byte as when nothing is a terminal


def test_quiet_hides_the_bar_on_a_terminal() -> None:
    code, _, tty = _run_with_tty_stderr(*ARGS, "--quiet")
    assert code == 0 and tty == b""


def test_no_bar_when_stderr_is_piped() -> None:
    r = run(*ARGS)
    assert r.returncode == 0 and r.stderr == b""


def test_zh_labels_follow_lang() -> None:
    _, _, tty = _run_with_tty_stderr(*ARGS[:-1], "zh")
    assert "读取记录".encode() in tty or "生成报告".encode() in tty
