"""Finding, reading and checking policy packs.

A pack is a directory holding ``pack.yaml`` and a ``sources/`` folder with the
articles its citations quote. Loading fails closed: the YAML is read with the
safe loader and no anchors or aliases, checked against the published JSON
Schema and then semantically (``validate.py``); every problem names the file,
the line (and column) and the fix, and all problems are reported together.
``load_pack`` raises them as one ``PolicyError``; ``check_pack`` returns them,
for ``auditor validate``, and never raises.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
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
MAX_DEPTH = 32  # a pack nests about six deep; building a much deeper document would exhaust the stack
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "policies"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


KeyPath = tuple[Any, ...]  # a key path inside the pack: mapping keys and sequence indexes


@dataclass(frozen=True)
class Marks:
    """Where each key path of the YAML document sits: 1-based line and column of its key (or of a list item)."""

    lines: dict[KeyPath, int]
    columns: dict[KeyPath, int]

    def at(self, path: KeyPath) -> tuple[int | None, int | None]:
        """The place of ``path``, or of its nearest ancestor when the path is not in the file (a missing key)."""
        while True:
            if path in self.lines:
                return self.lines[path], self.columns.get(path)
            if not path:
                return None, None
            path = path[:-1]

    def problem(self, shown: str, path: KeyPath, code: str, message: str, hint: str) -> PolicyProblem:
        line, column = self.at(path)
        return PolicyProblem(shown, line, _dotted(path), message, hint, code=code, column=column)


@dataclass(frozen=True)
class Parsed:
    """A pack file read safely: its data, where every key sits, and the duplicate keys YAML would have hidden."""

    data: Any
    marks: Marks
    problems: list[PolicyProblem]


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack with where it came from and what it weighs."""

    pack: Pack
    root: Path
    file: Path
    digest: str
    lines: dict[tuple[Any, ...], int]
    columns: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def source_text(self, name: str) -> str:
        return (self.root / SOURCES_DIR / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class PackCheck:
    """Everything `check_pack` learnt about one pack argument; ``problems`` is empty for a valid pack."""

    spec: str
    shown: str  # the pack file as the user would name it, or the argument itself when no pack file was found
    found: bool
    problems: list[PolicyProblem]
    data: Any = None
    loaded: LoadedPack | None = None
    digest: str | None = None


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
    root = resolve_pack(spec)
    file = root / PACK_FILE
    shown = _shown(file)
    parsed = parse_pack_file(file, shown)
    problems, pack = _check_parsed(root, parsed, shown)
    if problems or pack is None:
        raise _problems_error(shown, problems)
    return LoadedPack(pack=pack, root=root, file=file, digest=pack_digest(root), lines=parsed.marks.lines, columns=parsed.marks.columns)


def check_pack(spec: str | Path) -> PackCheck:
    """Every problem of one pack, without raising: a pack that cannot be found is a `not-found` problem."""
    text = str(spec)
    try:
        root = resolve_pack(spec)
    except PolicyError as exc:
        return PackCheck(spec=text, shown=text, found=False, problems=[PolicyProblem(text, None, "", exc.message, exc.hint or "", code="not-found")])
    file = root / PACK_FILE
    shown = _shown(file)
    try:
        digest: str | None = pack_digest(root)
    except OSError:
        digest = None
    try:
        parsed = parse_pack_file(file, shown)
    except PolicyError as exc:
        return PackCheck(spec=text, shown=shown, found=True, problems=exc.problems, digest=digest)
    problems, pack = _check_parsed(root, parsed, shown)
    loaded = None
    if pack is not None and not problems and digest is not None:
        loaded = LoadedPack(pack=pack, root=root, file=file, digest=digest, lines=parsed.marks.lines, columns=parsed.marks.columns)
    return PackCheck(spec=text, shown=shown, found=True, problems=problems, data=parsed.data, loaded=loaded, digest=digest)


def _check_parsed(root: Path, parsed: Parsed, shown: str) -> tuple[list[PolicyProblem], Pack | None]:
    """Schema and semantic problems together (the semantic checks read the raw data, so a schema error hides nothing else)."""
    from auditor.policy.validate import semantic_problems  # validate imports this module's types

    schema = schema_problems(parsed.data, parsed.marks.lines, shown, columns=parsed.marks.columns)
    pack: Pack | None = None
    if not schema:
        try:
            pack = Pack.model_validate(parsed.data)
        except PydanticValidationError as exc:  # the schema should have caught it; keep the message useful anyway
            schema = [
                parsed.marks.problem(shown, tuple(e["loc"]), "schema", e["msg"].removeprefix("Value error, "), "see `auditor schema`")
                for e in exc.errors()
            ]
    semantic = semantic_problems(parsed.data, root, parsed.marks, shown)
    # One place, one problem: a path the schema already faults needs no semantic echo, except that an escaping
    # citation path is named as such rather than as a bad file-name pattern.
    escapes = {p.path for p in semantic if p.code == "citation-path"}
    faulted = {p.path for p in schema}
    problems = (
        parsed.problems
        + [p for p in schema if p.path not in escapes]
        + [p for p in semantic if p.code == "citation-path" or p.path not in faulted]
    )
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path, p.code, p.message))
    return problems, pack if not problems else None


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


def _fatal(shown: str, code: str, message: str, hint: str, mark: Any = None) -> PolicyError:
    """A problem that stops the reading of the file; it is the error's only problem."""
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = PolicyProblem(shown, line, "", message, hint, code=code, column=column)
    return PolicyError(message, file=shown, line=line, hint=hint, problems=[problem])


class _ValueError(yaml.constructor.ConstructorError):
    """A scalar YAML reads as a typed value (a date, a number) that the value itself breaks, e.g. 2026-13-45."""


class _PackLoader(yaml.SafeLoader):
    """The safe loader, with a value it cannot build reported at the value's place instead of escaping as a bare error."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            kind = str(node.tag).rsplit(":", 1)[-1]
            value = f"`{node.value}`" if isinstance(node, yaml.ScalarNode) else "this value"
            why = f" ({exc})" if isinstance(exc, ValueError) else ""
            article = "an" if kind[:1] in "aeiou" else "a"
            raise _ValueError(None, None, f"cannot read {value} as {article} {kind}{why}", node.start_mark) from None

    def construct_day_text(self, node: yaml.ScalarNode) -> str:
        """An unquoted day (`effective_from: 2026-10-16`) is checked to be real, then kept as written: JSON Schema has no dates."""
        self.construct_yaml_timestamp(node)
        return str(node.value)


_PackLoader.add_constructor("tag:yaml.org,2002:timestamp", _PackLoader.construct_day_text)


def refuse_yaml_bombs(text: str, shown: str, what: str = "packs") -> None:
    """Refuse anchors and aliases (billion laughs) and deep nesting before any YAML is built.

    The event parser is iterative, so no input can exhaust the stack here; the composer that
    builds the document afterwards is recursive and would. Raises the YAML syntax errors it meets.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _fatal(
                shown, "yaml-alias", f"YAML anchors and aliases are not allowed in {what}", "write the value out where it is needed", event.start_mark
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _fatal(
                    shown, "yaml-too-deep", f"lists and mappings nested more than {MAX_DEPTH} deep", f"{what} are a few levels deep; flatten it", event.start_mark
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_pack_file(file: Path, shown: str) -> Parsed:
    """Safe-load one YAML document: size-limited, UTF-8, no tags, anchors or aliases; note where every key sits."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise _fatal(shown, "unreadable", f"cannot read the pack: {exc.strerror}", "check the path and permissions") from None
    if len(raw) > MAX_PACK_BYTES:
        raise _fatal(
            shown, "pack-too-large", f"pack file is {len(raw)} bytes, over the {MAX_PACK_BYTES} byte limit", "a pack is settings, not data"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _fatal(shown, "encoding", "pack file is not UTF-8", "save it as UTF-8") from None
    try:
        refuse_yaml_bombs(text, shown)
        loader = _PackLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if isinstance(exc, _ValueError):
            code, hint = "yaml-value", "quote the value to keep it as text, or correct it"
        elif isinstance(exc, yaml.constructor.ConstructorError) and str(exc.problem).startswith("could not determine a constructor"):
            code, hint = "yaml-tag", "packs use plain YAML; custom tags such as !!python/… are refused"
        else:
            code, hint = "yaml-syntax", "fix the YAML here: indent with spaces, not tabs, and quote values that hold `: ` or ` #`"
        raise _fatal(shown, code, f"not valid YAML: {exc.problem or exc.context}", hint, mark) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (NUL, other controls): the error has a position, no mark
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line0 = text.count("\n", 0, exc.position)
        at = yaml.Mark(shown, exc.position, line0, exc.position - (text.rfind("\n", 0, exc.position) + 1), None, None)
        raise _fatal(shown, "yaml-syntax", f"not valid YAML: character U+{char:04X} is not allowed in YAML", "delete the control character", at) from None
    except yaml.YAMLError as exc:
        raise _fatal(shown, "yaml-syntax", f"not valid YAML: {exc}", "check the YAML syntax") from None
    lines: dict[KeyPath, int] = {}
    columns: dict[KeyPath, int] = {}
    problems: list[PolicyProblem] = []
    if node is not None:
        _walk(node, (), lines, columns, problems, shown)
    return Parsed(data=data, marks=Marks(lines, columns), problems=problems)


def _walk(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], columns: dict[KeyPath, int], problems: list[PolicyProblem], shown: str) -> None:
    if path not in lines:
        lines[path] = node.start_mark.line + 1
        columns[path] = node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, Any], int] = {}
        for key, value in node.value:
            sub = path + (key.value,)
            line = key.start_mark.line + 1
            ident = (key.tag, key.value)
            if ident in first:
                # safe_load keeps the last value without a word; a pack must say one thing once
                problems.append(
                    PolicyProblem(
                        shown,
                        line,
                        _dotted(sub),
                        f"key `{key.value}` appears twice in this mapping (first on line {first[ident]}); YAML would keep only this one",
                        "delete one of the two entries",
                        code="duplicate-key",
                        column=key.start_mark.column + 1,
                    )
                )
            else:
                first[ident] = line
            lines[sub] = line
            columns[sub] = key.start_mark.column + 1
            _walk(value, sub, lines, columns, problems, shown)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, columns, problems, shown)


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_problems(
    data: Any, lines: dict[tuple[Any, ...], int], shown: str, *, columns: dict[tuple[Any, ...], int] | None = None
) -> list[PolicyProblem]:
    """Every JSON Schema violation, each located and phrased with its fix."""
    marks = Marks(lines, columns or {})
    validator = Draft202012Validator(pack_schema())
    problems: list[PolicyProblem] = []
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        problems.extend(_explain(err, marks, shown))
    problems.sort(key=lambda p: (p.line or 0, p.path, p.message))
    return problems


# The lists whose items are told apart by a discriminator key, and the problem code of an unknown value of it.
_UNKNOWN_KIND_CODE = {"metrics": "unknown-metric-kind", "rules": "unknown-rule-kind", "detectors": "unknown-detector"}


def _explain(err: ValidationError, marks: Marks, shown: str) -> list[PolicyProblem]:
    path = tuple(err.absolute_path)
    if err.validator == "oneOf" and err.context:
        key = (err.schema.get("discriminator") or {}).get("propertyName", "kind")
        kind = err.instance.get(key) if isinstance(err.instance, dict) else None
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        for subs in branches.values():
            if not any(tuple(s.relative_path) == (key,) for s in subs):
                out: list[PolicyProblem] = []
                for s in subs:
                    out.extend(_explain(s, marks, shown))
                return out
        allowed = sorted((err.schema.get("discriminator") or {}).get("mapping", {}))
        code = _UNKNOWN_KIND_CODE.get(path[0] if path else "", "schema")
        return [
            marks.problem(
                shown,
                path + (key,),
                code,
                f"unknown {key} `{kind}`" if kind is not None else f"`{key}` is missing",
                f"set `{key}` to one of: {', '.join(allowed)}" if allowed else f"set `{key}` to one of the kinds in `auditor schema`",
            )
        ]
    where = path
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return [marks.problem(shown, where, "missing-key", f"missing key `{missing}`", f"add `{missing}:` here")]
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = sorted(set(err.instance) - set(allowed), key=str) if isinstance(err.instance, dict) else []
        return [
            marks.problem(
                shown, path + (k,), "unknown-key", f"unknown key `{k}`", f"remove it or fix its spelling; allowed here: {', '.join(allowed)}"
            )
            for k in extra
        ]
    if v == "type":
        want = err.validator_value
        got = type(err.instance).__name__
        hint = f"write {'an' if str(want)[:1] in 'aeiou' else 'a'} {want}"
        if want == "string" and isinstance(err.instance, int) and _dotted(path).endswith(("start", "end")):
            hint = 'quote times, e.g. "08:00" (unquoted YAML reads 08:00 as a number)'
        return [marks.problem(shown, where, "wrong-type", f"expected {want}, got {got} `{err.instance!r}`", hint)]
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return [marks.problem(shown, where, "schema", f"`{err.instance}` is not allowed", f"use one of: {', '.join(map(str, allowed))}")]
    if v == "pattern":
        return [marks.problem(shown, where, "schema", f"`{err.instance}` has the wrong form", f"it must match {err.validator_value}")]
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [marks.problem(shown, where, "schema", err.message, f"use a value within the {v} {err.validator_value}")]
    if v in ("minItems", "minLength"):
        return [marks.problem(shown, where, "schema", "must not be empty", "give at least one value")]
    return [marks.problem(shown, where, "schema", err.message, "see `auditor schema` for the allowed form")]


def pack_digest(root: Path) -> str:
    """sha256 over pack.yaml and its sources, line endings normalised, so any edit changes it.

    Only files that really sit in ``sources/`` count: a link leading out of it is a problem
    (`citation-path`), never something to read.
    """
    h = hashlib.sha256()
    files = [root / PACK_FILE] + sorted((root / SOURCES_DIR).glob("*")) if (root / SOURCES_DIR).is_dir() else [root / PACK_FILE]
    for f in files:
        if not f.is_file() or (f.parent.name == SOURCES_DIR and not inside_sources(root, f)):
            continue
        rel = f.relative_to(root).as_posix()
        body = f.read_bytes().replace(b"\r\n", b"\n")
        h.update(rel.encode() + b"\0" + str(len(body)).encode() + b"\0" + body)
    return "sha256:" + h.hexdigest()


def inside_sources(root: Path, file: Path) -> bool:
    """Whether ``file``, links followed, is inside the pack's own ``sources/`` (itself not a link out of the pack)."""
    try:
        return file.resolve().is_relative_to(root.resolve() / SOURCES_DIR)
    except OSError:
        return False
