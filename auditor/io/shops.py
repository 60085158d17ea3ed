"""The --shops side input: each shop's platform, category and own accounts (CONTRACT §1).

Accepted as YAML or JSON (a list of shops, or `{shops: [...]}`) or CSV with a
header; in CSV, `accounts` are separated by `;` or `|`. A malformed entry is
reported with its file and line and left out; the audit goes on.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import InputError
from auditor.io.sidefile import read_side_text


@dataclass(frozen=True)
class ShopInfo:
    shop_id: str
    platform: str | None = None
    category: str | None = None
    accounts: tuple[str, ...] = ()


@dataclass
class ShopsFile:
    shops: list[ShopInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def accounts(self) -> list[tuple[str, str]]:
        return [(s.shop_id, a) for s in self.shops for a in s.accounts]


def _id(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and v.strip():
        return v.strip()
    return None


def read_shops(path: str | Path) -> ShopsFile:
    p = Path(path)
    shown = p.as_posix()
    text = read_side_text(p, "shops", "--shops", "YAML, JSON or CSV file")
    out = ShopsFile()
    entries: list[tuple[int | None, Any]]
    if p.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        entries = []
        for row in reader:
            acc = row.get("accounts") or ""
            row = dict(row)
            row["accounts"] = [a.strip() for a in acc.replace("|", ";").split(";") if a.strip()]
            entries.append((reader.line_num, row))
    else:
        try:
            data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise InputError(f"shops file `{shown}` does not parse: {exc}", hint="a list of {shop_id, platform, category, accounts}") from None
        if isinstance(data, dict) and "shops" in data:
            data = data["shops"]
        if not isinstance(data, list):
            raise InputError(f"shops file `{shown}` is not a list of shops", hint="write a list of {shop_id, platform, category, accounts}")
        entries = [(None, e) for e in data]
    seen: set[str] = set()
    for i, (line, e) in enumerate(entries):
        where = f"{shown}:{line}" if line else f"{shown} entry {i + 1}"
        if not isinstance(e, dict) or _id(e.get("shop_id")) is None:
            out.problems.append(f"{where}: no shop_id; entry left out")
            continue
        sid = _id(e["shop_id"])
        assert sid is not None
        if sid in seen:
            out.problems.append(f"{where}: shop `{sid}` listed again; later entry left out")
            continue
        seen.add(sid)
        accounts = e.get("accounts") or []
        if isinstance(accounts, str):
            accounts = [a.strip() for a in accounts.replace("|", ";").split(";") if a.strip()]
        if not isinstance(accounts, list):
            out.problems.append(f"{where}: `accounts` is not a list; accounts left out")
            accounts = []
        ids = tuple(sorted({a for a in (_id(x) for x in accounts) if a}))
        out.shops.append(ShopInfo(sid, _id(e.get("platform")), _id(e.get("category")), ids))
    return out
