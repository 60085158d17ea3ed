"""The engine knows no platform: every platform's rules live in its pack (policies/<name>/).

No Python file under auditor/ may name one, in code, comments or docstrings.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

PLATFORM = re.compile(r"pinduoduo|taobao|拼多多|淘宝", re.IGNORECASE)


def test_no_python_file_under_auditor_names_a_platform() -> None:
    files = sorted((ROOT / "auditor").rglob("*.py"))
    assert files, "no Python files found under auditor/"
    hits = [
        f"{path.relative_to(ROOT).as_posix()}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PLATFORM.search(line)
    ]
    assert not hits, "platform names in auditor/ (move them into the packs):\n" + "\n".join(hits)
