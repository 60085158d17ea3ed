"""Reading waiver files: findings a team accepts on purpose, each with a reason, an approver and an expiry day.

A waiver file is YAML read like a pack (``loader.parse_pack_file``: safe
loader, no tags, anchors or aliases, size-limited, every key's line and
column noted), checked against ``waiver.schema.json`` (published by
``auditor schema --waivers``) and then semantically: ids unique in the file,
each rule or detector one the pack has, real days, a period that does not end
before it starts, an expiry not before the period starts. Every problem is
reported at once with its file, line, column, code and fix, as a
``WaiverFileError``. Applying waivers to a report is ``auditor.governance``'s
job; this module only reads them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from auditor.errors import PolicyError, PolicyProblem
from auditor.policy.loader import Marks, _explain, parse_pack_file

SCHEMA_FILE = Path(__file__).with_name("waiver.schema.json")


@dataclass(frozen=True)
class Waiver:
    """One accepted exception: the findings of ``rule`` for ``shop`` (and ``agent``) within [start, end], until ``expires``."""

    id: str
    rule: str
    shop: str
    agent: str | None
    start: str | None
    end: str | None
    reason: str
    approved_by: str
    expires: str
    line: int | None


@dataclass(frozen=True)
class WaiverFile:
    file: str  # as the user gave it
    sha256: str
    waivers: list[Waiver]


class WaiverFileError(PolicyError):
    """A waiver file that cannot be read or has problems; ``problems`` lists every one, the first also as file:line:column."""

    def __init__(self, message: str, *, problems: list[PolicyProblem], file: str, line: int | None, column: int | None, hint: str) -> None:
        super().__init__(message, problems=problems, file=file, line=line, hint=hint)
        self.column = column

    def __str__(self) -> str:
        where = self.file or ""
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message} ({self.hint})" if self.hint else f"{where}: {self.message}"


@lru_cache(maxsize=1)
def waiver_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def waiver_schema_text() -> str:
    """The published schema as stable text (the committed file is already sorted and indented)."""
    return SCHEMA_FILE.read_text(encoding="utf-8")


def load_waivers(path: str | Path, known: Iterable[str]) -> WaiverFile:
    """Read and check a waiver file against the rule ids and detector names in ``known``; raise WaiverFileError with every problem."""
    shown = Path(path).as_posix()
    waivers, problems = check_waivers(path, known)
    if problems or waivers is None:
        first = problems[0]
        n = len(problems)
        raise WaiverFileError(
            first.message if first.code == "not-found" else f"invalid waiver file ({n} problem{'s' if n != 1 else ''}): {first.message}",
            problems=problems, file=shown, line=first.line, column=first.column, hint=first.hint,
        )  # fmt: skip
    return waivers


def check_waivers(path: str | Path, known: Iterable[str]) -> tuple[WaiverFile | None, list[PolicyProblem]]:
    """Every problem of a waiver file, without raising; the parsed file when there is none."""
    shown = Path(path).as_posix()
    file = Path(path)
    if not file.is_file():
        return None, [PolicyProblem(shown, None, "", f"waiver file `{shown}` not found", "give the path of a YAML file with a `waivers:` list", code="not-found")]
    try:
        parsed = parse_pack_file(file, shown)
    except PolicyError as exc:
        return None, exc.problems
    data = parsed.data  # the loader keeps unquoted days as the text they were written as
    marks = parsed.marks
    if data is None:
        return None, [PolicyProblem(shown, 1, "", "the waiver file is empty", "start it with `waivers:` and a list of waivers", code="missing-key", column=1)]
    problems = list(parsed.problems) + _schema_problems(data, marks, shown)
    if not problems:
        problems = _semantic_problems(data, marks, shown, set(known))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path, p.code, p.message))
    if problems:
        return None, problems
    waivers = [
        Waiver(
            id=w["id"], rule=w["rule"], shop=w["shop"], agent=w.get("agent"),
            start=(w.get("period") or {}).get("from"), end=(w.get("period") or {}).get("to"),
            reason=w["reason"], approved_by=w["approved_by"], expires=w["expires"], line=marks.at(("waivers", i))[0],
        )
        for i, w in enumerate(data["waivers"])
    ]  # fmt: skip
    return WaiverFile(file=shown, sha256="sha256:" + hashlib.sha256(file.read_bytes()).hexdigest(), waivers=waivers), []


def _schema_problems(data: Any, marks: Marks, shown: str) -> list[PolicyProblem]:
    out: list[PolicyProblem] = []
    for err in sorted(Draft202012Validator(waiver_schema()).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        path = tuple(err.absolute_path)
        if err.validator == "pattern" and err.validator_value == "\\S":
            out.append(marks.problem(shown, path, "schema", "must not be blank", "write it out: a waiver says why, who approved it and until when"))
        elif err.validator == "pattern":
            out.append(marks.problem(shown, path, "bad-day", f"`{err.instance}` is not a day", "write it as YYYY-MM-DD, e.g. 2026-12-31"))
        else:
            for p in _explain(err, marks, shown):
                if p.hint.startswith("see `auditor schema`"):  # the pack loader's fallback names the pack schema
                    p.hint = "see `auditor schema --waivers` for the allowed form"
                out.append(p)
    return out


def _semantic_problems(data: dict[str, Any], marks: Marks, shown: str, known: set[str]) -> list[PolicyProblem]:
    out: list[PolicyProblem] = []
    seen: dict[str, int | None] = {}
    for i, w in enumerate(data["waivers"]):
        at = ("waivers", i)
        if w["id"] in seen:
            out.append(
                marks.problem(shown, at + ("id",), "duplicate-id", f"waiver id `{w['id']}` is used twice (first on line {seen[w['id']]})", "give each waiver its own id")
            )
        else:
            seen[w["id"]] = marks.at(at + ("id",))[0]
        if w["rule"] not in known:
            close = difflib.get_close_matches(w["rule"], sorted(known), n=3, cutoff=0.5)
            hint = ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?") if close else "use one of: " + ", ".join(sorted(known))
            out.append(marks.problem(shown, at + ("rule",), "unknown-rule", f"the pack has no rule or detector `{w['rule']}`", hint))
        days: dict[str, dt.date] = {}
        for key, where in (("expires", at + ("expires",)), ("from", at + ("period", "from")), ("to", at + ("period", "to"))):
            text = w["expires"] if key == "expires" else (w.get("period") or {}).get(key)
            if text is None:
                continue
            try:
                days[key] = dt.date.fromisoformat(text)
            except ValueError:
                out.append(marks.problem(shown, where, "bad-day", f"`{text}` is not a real day", "write a day that exists, YYYY-MM-DD"))
        if "from" in days and "to" in days and days["to"] < days["from"]:
            out.append(marks.problem(shown, at + ("period", "to"), "period-inverted", "the period ends before it starts", "swap `from` and `to`"))
        if "from" in days and "expires" in days and days["expires"] < days["from"]:
            out.append(
                marks.problem(
                    shown, at + ("expires",), "expires-before-period", f"the waiver expires ({days['expires']}) before its period starts ({days['from']})",
                    "set `expires` on or after `period.from`, or correct the period",
                )
            )  # fmt: skip
    return out
