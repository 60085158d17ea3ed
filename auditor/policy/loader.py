"""Finding, reading and checking policy packs.

A pack is a directory holding ``pack.yaml`` and a ``sources/`` folder with the
articles its citations quote. Loading fails closed: the YAML is read with the
safe loader and no anchors or aliases, checked against the published JSON
Schema and then semantically (``validate.py``); every problem names the file,
the line and the fix, and all problems are reported together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from pydantic import ValidationError as PydanticValidationError

from auditor.errors import PolicyError, PolicyProblem
from auditor.policy.model import Pack
from auditor.policy.schema import pack_schema

PACK_FILE = "pack.yaml"
SOURCES_DIR = "sources"
MAX_PACK_BYTES = 1 << 20  # a pack is a page of settings; anything larger is a mistake or an attack
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "policies"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack with where it came from and what it weighs."""

    pack: Pack
    root: Path
    file: Path
    digest: str
    lines: dict[tuple[Any, ...], int]

    def source_text(self, name: str) -> str:
        return (self.root / SOURCES_DIR / name).read_text(encoding="utf-8")


def builtin_packs() -> list[str]:
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / PACK_FILE).is_file())


def resolve_pack(spec: str | Path) -> Path:
    """Turn a built-in name or a path into the pack's root directory."""
    text = str(spec)
    candidate = Path(text)
    if _NAME.match(text) and not candidate.exists():
        root = BUILTIN_DIR / text
        if (root / PACK_FILE).is_file():
            return root
        known = ", ".join(builtin_packs()) or "none installed"
        raise PolicyError(
            f"no built-in policy pack named `{text}`",
            hint=f"use one of: {known}; or give the path to a pack directory",
        )
    if candidate.is_file() and candidate.name == PACK_FILE:
        candidate = candidate.parent
    if not candidate.is_dir():
        raise PolicyError(
            f"policy pack `{text}` not found",
            hint="give a built-in pack name or a directory that contains pack.yaml",
        )
    if not (candidate / PACK_FILE).is_file():
        raise PolicyError(f"`{text}` has no {PACK_FILE}", file=text, hint=f"a pack directory holds {PACK_FILE}")
    return candidate


def load_pack(spec: str | Path) -> LoadedPack:
    """Find, parse, schema-check and semantically check a pack; raise PolicyError with every problem."""
    from auditor.policy.validate import (
        semantic_problems,  # validate imports this module's types
    )

    root = resolve_pack(spec)
    file = root / PACK_FILE
    shown = _shown(file)
    data, lines = read_yaml(file, shown)
    problems = schema_problems(data, lines, shown)
    if problems:
        raise _problems_error(shown, problems)
    try:
        pack = Pack.model_validate(data)
    except PydanticValidationError as exc:  # the schema should have caught it; keep the message useful anyway
        probs = [
            PolicyProblem(shown, _line_for(lines, tuple(e["loc"])), _dotted(e["loc"]), e["msg"], "see `auditor schema`")
            for e in exc.errors()
        ]
        raise _problems_error(shown, probs) from None
    loaded = LoadedPack(pack=pack, root=root, file=file, digest=pack_digest(root), lines=lines)
    problems = semantic_problems(loaded, shown)
    if problems:
        raise _problems_error(shown, problems)
    return loaded


def _shown(file: Path) -> str:
    """The pack file as a user would name it: relative to the cwd where possible, `/` separators."""
    try:
        return file.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def _problems_error(shown: str, problems: list[PolicyProblem]) -> PolicyError:
    first = problems[0]
    n = len(problems)
    return PolicyError(
        f"invalid policy pack ({n} problem{'s' if n != 1 else ''}): {first.message}",
        file=shown,
        line=first.line,
        hint=first.hint,
        problems=problems,
    )


def read_yaml(file: Path, shown: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Safe-load one YAML document and map every key path to its 1-based line."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read the pack: {exc.strerror}", file=shown, hint="check the path and permissions") from None
    if len(raw) > MAX_PACK_BYTES:
        raise PolicyError(
            f"pack file is {len(raw)} bytes, over the {MAX_PACK_BYTES} byte limit", file=shown, hint="a pack is settings, not data"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError("pack file is not UTF-8", file=shown, hint="save it as UTF-8") from exc
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise PolicyError(
                    "YAML anchors and aliases are not allowed in packs",
                    file=shown,
                    line=event.start_mark.line + 1,
                    hint="write the value out where it is needed",
                )
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(
            f"not valid YAML: {exc.problem or exc.context}",
            file=shown,
            line=mark.line + 1 if mark else None,
            hint="packs use plain YAML; custom tags such as !!python/… are refused",
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}", file=shown, hint="check the YAML syntax") from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = path + (key.value,)
            lines[sub] = key.start_mark.line + 1
            _walk(value, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines)


def _line_for(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_problems(data: Any, lines: dict[tuple[Any, ...], int], shown: str) -> list[PolicyProblem]:
    """Every JSON Schema violation, each located and phrased with its fix."""
    validator = Draft202012Validator(pack_schema())
    problems: list[PolicyProblem] = []
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        problems.extend(_explain(err, lines, shown))
    problems.sort(key=lambda p: (p.line or 0, p.path, p.message))
    return problems


def _explain(err: ValidationError, lines: dict[tuple[Any, ...], int], shown: str) -> list[PolicyProblem]:
    path = tuple(err.absolute_path)
    if err.validator == "oneOf" and err.context:
        kind = err.instance.get("kind") if isinstance(err.instance, dict) else None
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        for subs in branches.values():
            if not any(tuple(s.relative_path) == ("kind",) for s in subs):
                out: list[PolicyProblem] = []
                for s in subs:
                    out.extend(_explain(s, lines, shown))
                return out
        return [
            PolicyProblem(
                shown,
                _line_for(lines, path + ("kind",)),
                _dotted(path + ("kind",)),
                f"unknown kind `{kind}`" if kind is not None else "`kind` is missing",
                "set `kind` to one of the kinds in `auditor schema`",
            )
        ]
    line = _line_for(lines, path)
    where = _dotted(path)
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return [PolicyProblem(shown, line, where, f"missing key `{missing}`", f"add `{missing}:` here")]
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        return [
            PolicyProblem(
                shown,
                _line_for(lines, path + (k,)),
                _dotted(path + (k,)),
                f"unknown key `{k}`",
                f"remove it or fix its spelling; allowed here: {', '.join(allowed)}",
            )
            for k in extra
        ]
    if v == "type":
        want = err.validator_value
        got = type(err.instance).__name__
        hint = f"write a {want}"
        if want == "string" and isinstance(err.instance, int) and where.endswith(("start", "end")):
            hint = 'quote times, e.g. "08:00" (unquoted YAML reads 08:00 as a number)'
        return [PolicyProblem(shown, line, where, f"expected {want}, got {got} `{err.instance!r}`", hint)]
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return [
            PolicyProblem(shown, line, where, f"`{err.instance}` is not allowed", f"use one of: {', '.join(map(str, allowed))}")
        ]
    if v == "pattern":
        return [PolicyProblem(shown, line, where, f"`{err.instance}` has the wrong form", f"it must match {err.validator_value}")]
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [PolicyProblem(shown, line, where, err.message, f"use a value within the {v} {err.validator_value}")]
    if v in ("minItems", "minLength"):
        return [PolicyProblem(shown, line, where, "must not be empty", "give at least one value")]
    return [PolicyProblem(shown, line, where, err.message, "see `auditor schema` for the allowed form")]


def pack_digest(root: Path) -> str:
    """sha256 over pack.yaml and its sources, line endings normalised, so any edit changes it."""
    h = hashlib.sha256()
    files = [root / PACK_FILE] + sorted((root / SOURCES_DIR).glob("*")) if (root / SOURCES_DIR).is_dir() else [root / PACK_FILE]
    for f in files:
        if not f.is_file():
            continue
        rel = f.relative_to(root).as_posix()
        body = f.read_bytes().replace(b"\r\n", b"\n")
        h.update(rel.encode() + b"\0" + str(len(body)).encode() + b"\0" + body)
    return "sha256:" + h.hexdigest()
