"""Fuzzing the pack loader (BAD-INPUT rows 25-28; "packs are data"): mutated built-in packs go through
``load_pack``, ``check_pack`` and ``auditor validate``'s ``validate_packs``.

The mutations know the structure. On the parsed YAML of ``policies/taobao`` and
``policies/pinduoduo``: a key dropped, renamed or added; a list item dropped or repeated; a value
swapped for a string, number (huge, negative, NaN, infinity), boolean, null, date, list or
mapping, or for another value of the pack; a value nested deep in lists. The result is written
back as YAML, and then sometimes twisted as text: an anchor and an alias, a tag (``!!python/…``,
``!!binary``, ``!!set``, ``!!timestamp`` with a bad date, a local ``!tag``), a line repeated
(a duplicate key), a tab, a BOM, CRLF, random bytes, a cut. Everything stays small (a pack is at
most a few dozen kB here), so no case may take long.

Invariants: ``load_pack`` returns a pack or raises ``PolicyError`` carrying at least one problem,
each with the pack file and a line in it (no line only when the document has no content at all)
and a fix; never another exception. ``check_pack`` and ``validate_packs`` never raise and report
exactly the problems ``load_pack`` raised, with the same codes and lines; a pack is loaded exactly
when there is no problem. Each case must finish within ``HANG_SECONDS``.

Budget: ``examples(ci)`` from tests/conftest.py (60 packs, each loaded three ways, under the default
``ci`` profile, about 20 s) and thousands under ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``).
Every crash found becomes an ``@example`` below, with a comment on what it broke.
"""

from __future__ import annotations

import copy
import math
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditor import api
from auditor.errors import PolicyError
from auditor.policy.loader import check_pack, load_pack
from auditor.validation import validate_packs
from tests.conftest import ROOT, examples

PACKS = ("taobao", "pinduoduo")
TEXTS = {name: (ROOT / "policies" / name / "pack.yaml").read_text(encoding="utf-8") for name in PACKS}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}
HANG_SECONDS = 20  # generous for a loaded CI machine; a load takes well under a second

_WORK = Path(tempfile.mkdtemp(prefix="fuzz-packs-"))


def _pack_dir(name: str) -> Path:
    """A private copy of the built-in pack's sources, so the citation checks read real articles; pack.yaml is rewritten per case."""
    root = _WORK / name
    if not root.exists():
        shutil.copytree(ROOT / "policies" / name / "sources", root / "sources")
    return root


# ---- structure-aware mutations -----------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 100, 2**63, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 1.5, -0.0, 1e308]),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "24:00",
            "08:00",
            "25:61",
            "0; DROP TABLE x",
            "'); --",
            "../../etc/passwd",
            "/etc/passwd",
            "(a+)+$",
            "Asia/Shanghai",
            "Mars/Olympus",
            "Asia",
            "taobao.x",
        ]
    ),
    st.dates(date(1, 1, 1), date(9999, 12, 31)),
)
_values = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


@st.composite
def mutated_data(draw, name: str) -> Any:
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["drop", "retype", "retype", "rename", "add", "repeat", "swap", "nest"]))
        if not path:
            if op in ("retype", "nest"):
                data = draw(_values) if op == "retype" else [[data]]
            continue
        parent, key = _get(data, path[:-1]), path[-1]
        if op == "drop":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(_values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.one_of(st.text(max_size=8), st.sampled_from([str(key).upper(), f"{key}_", "id", "kind", "value"])))] = (
                parent.pop(key)
            )
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "version", "id", "kind", "doc", "value", "citation"]))] = draw(_values)
        elif op == "repeat" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "swap":
            parent[key] = copy.deepcopy(_get(data, draw(st.sampled_from(paths))))
        elif op == "nest":
            depth = draw(st.sampled_from([2, 31, 40]))
            value = parent[key]
            for _ in range(depth):
                value = [value]
            parent[key] = value
    return data


_TAGS = [
    '!!python/object/apply:os.system ["touch pwned"]',
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2026-13-45",
    "!!float abc",
    "!!int 0x",
    "!!str 5",
    "!local value",
    "!<tag:example.com,2000:x> 1",
    "2026-02-30",
    "0o17",
    "1_000",
    ".inf",
]


@st.composite
def twisted_text(draw, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["tag", "alias", "repeat", "tab", "bytes", "cut", "bomb"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[i] if lines else ""
        if op == "tag" and ": " in line:
            lines[i] = line.split(": ", 1)[0] + ": " + draw(st.sampled_from(_TAGS))
        elif op == "alias" and ": " in line:
            head, value = line.split(": ", 1)
            lines[i] = f"{head}: &a {value}"
            j = draw(st.integers(i, len(lines) - 1))
            if ": " in lines[j] and j != i:
                lines[j] = lines[j].split(": ", 1)[0] + ": *a"
        elif op == "repeat":
            lines.insert(i, line)
        elif op == "tab":
            lines[i] = "\t" + line
        elif op == "bytes":
            pos = draw(st.integers(0, len(line)))
            lines[i] = (
                line[:pos]
                + draw(st.text(st.sampled_from(list(":-[]{}&*!|>'\"#%@`,? \t\\\x00\x85\u2028\ufeff")), min_size=1, max_size=3))
                + line[pos:]
            )
        elif op == "cut":
            lines = lines[: i + 1]
            lines[-1] = line[: draw(st.integers(0, len(line)))]
        elif op == "bomb":
            lines[i:i] = ['a: &a ["x", "x"]', "b: &b [*a, *a, *a]", "c: [*b, *b, *b, *b]"]
    out = "\n".join(lines)
    if draw(st.integers(0, 9)) == 0:
        out = out.replace("\n", "\r\n")
    if draw(st.integers(0, 9)) == 0:
        out = "\ufeff" + out
    return out


@st.composite
def pack_case(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(PACKS))
    if draw(st.integers(0, 3)) == 0:
        text = TEXTS[name]  # the original file, comments and all, twisted as text only
    else:
        data = draw(mutated_data(name))
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return name, draw(twisted_text(text)).encode("utf-8", errors="surrogatepass")


# ---- the invariants ----------------------------------------------------------------------------


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"a pack took more than {seconds} s to check")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _has_content(raw: bytes) -> bool:
    try:
        return yaml.safe_load(raw.decode("utf-8-sig")) is not None
    except Exception:  # noqa: BLE001 — any YAML (or decoding) error: the document is not empty
        return True


def check(name: str, raw: bytes) -> None:
    root = _pack_dir(name)
    (root / "pack.yaml").write_bytes(raw)
    with time_limit(HANG_SECONDS):
        try:
            load_pack(root)
            raised: list[Any] = []
        except PolicyError as exc:
            assert exc.problems, f"PolicyError without problems: {exc}"
            raised = exc.problems
        checked = check_pack(root)
        report = validate_packs([root])
        api.render(report, "json")
        api.render(report, "table")
    assert [(p.code, p.line, p.path) for p in checked.problems] == [(p.code, p.line, p.path) for p in raised]
    assert (checked.loaded is not None) == (not raised)
    (validated,) = report.packs
    assert [(p.code, p.line) for p in validated.problems] == [(p.code, p.line) for p in raised]
    content = _has_content(raw)
    n_lines = raw.count(b"\n") + 1
    for p in raised:
        assert p.file.endswith("pack.yaml"), p.file
        assert p.message and p.hint, p
        if content:
            assert p.line is not None, f"a problem without a line: {p}"
        if p.line is not None:
            assert 1 <= p.line <= n_lines, (p.line, n_lines, str(p))
        assert p.column is None or p.column >= 1
        assert not (isinstance(p.line, float) and math.isnan(p.line))


FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


def test_unmutated_packs_load():
    for name in PACKS:
        check(name, TEXTS[name].encode("utf-8"))
        assert not check_pack(_pack_dir(name)).problems


@settings(max_examples=examples(60), **FUZZ)
@given(case=pack_case())
# a NUL (any character YAML refuses) raised a ReaderError, which has a position but no mark: the problem had no line
@example(case=("taobao", b"\xef\xbb\xbf-\x00[schema_version: 1\r\nname: taobao\r\n"))
@example(case=("pinduoduo", TEXTS["pinduoduo"].replace("period:", "period:\x07", 1).encode()))
def test_mutated_packs_fail_closed_with_file_and_line(case):
    check(*case)
