"""The --peers side input: each category's peer level per local day (CONTRACT §1).

A CSV with a header holding `date` and `category` and one column per figure
(`reply_rate` for the built-in packs). Levels are non-negative numbers; a
column whose name ends in `rate` holds fractions in [0, 1], and `45%` is read
as 0.45. A bad row or cell is reported with its file and line and
left out, and the audit goes on: a missing peer level is never invented, it
makes the rule that needs it say so.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from auditor.errors import InputError
from auditor.io.sidefile import read_side_text

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEYS = ("date", "category")


@dataclass
class PeersFile:
    file: str = ""
    columns: tuple[str, ...] = ()
    levels: dict[tuple[date, str, str], float] = field(default_factory=dict)  # (day, category, column) -> level
    problems: list[str] = field(default_factory=list)

    def level(self, day: date, category: str, column: str) -> float | None:
        return self.levels.get((day, category, column))


def _number(text: str) -> float | None:
    t = text.strip()
    pct = t.endswith("%")
    try:
        v = float(t[:-1] if pct else t)
    except ValueError:
        return None
    if not math.isfinite(v):
        return None
    return v / 100 if pct else v


def read_peers(path: str | Path) -> PeersFile:
    p = Path(path)
    shown = p.as_posix()
    text = read_side_text(p, "peers", "--peers", "CSV file: date,category,reply_rate")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [k for k in _KEYS if k not in header]
    columns = tuple(h for h in header if h and h not in _KEYS)
    if missing or not columns:
        raise InputError(
            f"peers file `{shown}` needs a header with date, category and at least one figure column (has: {', '.join(header) or 'nothing'})",
            hint="write the first line as: date,category,reply_rate",
        )
    reader.fieldnames = header
    out = PeersFile(file=shown, columns=columns)
    lines = re.split(r"\r\n|\r|\n", text)
    ended = reader.line_num
    for row in reader:
        start, ended = ended + 1, reader.line_num
        while start < ended and not lines[start - 1].strip():
            start += 1  # blank lines before a record are skipped by the reader; the record starts after them
        where = f"{shown}:{start}"
        if None in row:
            out.problems.append(f"{where}: more cells than header columns; row left out")
            continue
        day_text = (row.get("date") or "").strip()
        category = (row.get("category") or "").strip()
        if not _DAY.match(day_text):
            out.problems.append(f"{where}: date `{day_text}` is not YYYY-MM-DD; row left out")
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            out.problems.append(f"{where}: date `{day_text}` is not a calendar day; row left out")
            continue
        if not category:
            out.problems.append(f"{where}: no category; row left out")
            continue
        for col in columns:
            cell = (row.get(col) or "").strip()
            if not cell:
                continue  # no level that day: the rule says so where it matters
            v = _number(cell)
            if col.endswith("rate") and (v is None or not 0 <= v <= 1):
                out.problems.append(f"{where}: {col} `{cell}` is not a rate in [0, 1] (write 0.45 or 45%); cell left out")
                continue
            if v is None or v < 0:
                out.problems.append(f"{where}: {col} `{cell}` is not a non-negative number; cell left out")
                continue
            key = (day, category, col)
            if key in out.levels:
                out.problems.append(f"{where}: {col} for {category} on {day_text} given again; the first one stands")
                continue
            out.levels[key] = v
    return out
