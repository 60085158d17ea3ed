"""`auditor validate`'s checks on packs broken on purpose: each problem at its exact line, column and code, all in one run.

The fixtures in tests/fixtures/broken_packs/ are copies of 00-control-valid, each
broken one way (one several ways); each says in its header, as
`# expect: LINE:COLUMN code`, the problems worked out by hand. The problem codes
no fixture can hold (a file too big, a link, an unreadable file, the second
platform's pieces) are made here on a private copy, each with its place worked
out beside it. Every code docs/validate.md lists is produced by one of these
tests, and every code they demand is listed there.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.engine.metrics import KINDS
from auditor.errors import PolicyError
from auditor.policy.loader import MAX_PACK_BYTES, check_pack, load_pack, pack_digest
from auditor.policy.validate import MAX_SOURCE_BYTES, UNITS
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "broken_packs"
CONTROL = FIXTURES / "00-control-valid"
PACKS = sorted(p for p in FIXTURES.iterdir() if (p / "pack.yaml").is_file())
_EXPECT = re.compile(r"^# expect: (\d+):(\d+) ([a-z-]+)\b", re.MULTILINE)

Found = set[tuple[int | None, int | None, str]]


def expected(pack: Path) -> Found:
    return {(int(a), int(b), code) for a, b, code in _EXPECT.findall((pack / "pack.yaml").read_text(encoding="utf-8"))}


def found(pack: Path | str) -> Found:
    return {(p.line, p.column, p.code) for p in check_pack(pack).problems}


def test_there_are_a_dozen_broken_packs_and_each_says_what_it_expects() -> None:
    broken = [p for p in PACKS if p != CONTROL]
    assert len(broken) >= 12
    assert all(expected(p) for p in broken), [p.name for p in broken if not expected(p)]
    assert expected(CONTROL) == set()


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_each_problem_at_its_line_column_and_code(pack: Path) -> None:
    assert found(pack) == expected(pack)


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_load_pack_refuses_the_same_problems(pack: Path) -> None:
    if pack == CONTROL:
        assert load_pack(pack).pack.name == "mini"
        return
    with pytest.raises(PolicyError) as info:
        load_pack(pack)
    assert {(p.line, p.column, p.code) for p in info.value.problems} == expected(pack)


@pytest.mark.parametrize("pack", [p for p in PACKS if p != CONTROL], ids=[p.name for p in PACKS if p != CONTROL])
def test_every_problem_names_the_file_and_a_one_sentence_fix(pack: Path) -> None:
    for p in check_pack(pack).problems:
        assert p.file.endswith(f"tests/fixtures/broken_packs/{pack.name}/pack.yaml")
        assert p.message and p.hint and "\n" not in p.hint and not re.search(r"[.;]\s+[A-Z]", p.hint)


def test_many_at_once_has_schema_and_semantic_problems_together() -> None:
    # the point of 20-many-at-once: a schema error does not hide the citation, duplicate id and unknown metric
    codes = {code for _, _, code in found(FIXTURES / "20-many-at-once")}
    assert {"schema", "wrong-type", "duplicate-key"} <= codes and {"citation-quote", "duplicate-id", "unknown-metric"} <= codes


def test_control_sources_are_verbatim_lines_of_the_taobao_article() -> None:
    article = (ROOT / "policies" / "taobao" / "sources" / "002_92962fdfafc03648.txt").read_text(encoding="utf-8").splitlines()
    excerpt = (CONTROL / "sources" / "002_92962fdfafc03648.txt").read_text(encoding="utf-8").splitlines()
    assert excerpt and all(line in article for line in excerpt)


def test_units_agree_with_the_engine() -> None:
    # the policy layer may not import the engine, so it keeps its own copy of each kind's unit
    assert UNITS == {kind: cls.unit for kind, cls in KINDS.items()}


# Problems no committed fixture can hold, made on a private copy of the control pack (line numbers are the control's).


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    dest = tmp_path / "mini"
    shutil.copytree(CONTROL, dest)
    return dest


def _edit(pack: Path, old: str, new: str) -> None:
    f = pack / "pack.yaml"
    text = f.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    f.write_text(text.replace(old, new), encoding="utf-8")


def test_a_source_linked_out_of_sources_is_refused_and_never_read(mini: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("首次响应时间为20秒,平均响应为30秒", encoding="utf-8")  # holds the quote: reading it would pass the check
    (mini / "sources" / "linked.txt").symlink_to(secret)
    _edit(mini, "      source: 002_92962fdfafc03648.txt\n      quote: 首次", "      source: linked.txt\n      quote: 首次")
    before = pack_digest(mini)
    secret.write_text("changed", encoding="utf-8")
    assert pack_digest(mini) == before  # the digest does not read through the link either
    assert found(mini) == {(60, 7, "citation-path")}  # rules[0].citation.source, control line 60, six spaces in


def test_a_sources_folder_that_is_a_link_out_of_the_pack_is_refused(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    shutil.move(mini / "sources", outside)
    (mini / "sources").symlink_to(outside, target_is_directory=True)
    # both citations (metrics[0] at control line 31, rules[0] at line 60) name a file reached through the link
    assert found(mini) == {(31, 7, "citation-path"), (60, 7, "citation-path")}


@pytest.mark.parametrize("name", ["/etc/passwd", "..", "C:\\Windows\\win.ini", "sub/002_92962fdfafc03648.txt"])
def test_a_source_named_as_a_path_is_refused(mini: Path, name: str) -> None:
    _edit(mini, "      source: 002_92962fdfafc03648.txt\n      quote: 首次", f"      source: '{name}'\n      quote: 首次")
    assert found(mini) == {(60, 7, "citation-path")}


def test_an_oversized_pack_is_refused_before_it_is_parsed(mini: Path) -> None:
    with (mini / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write("#" + "x" * MAX_PACK_BYTES + "\n")
    assert found(mini) == {(None, None, "pack-too-large")}


def test_an_oversized_source_is_not_read(mini: Path) -> None:
    (mini / "sources" / "002_92962fdfafc03648.txt").write_bytes(b"x" * (MAX_SOURCE_BYTES + 1))
    assert found(mini) == {(31, 7, "source-too-large"), (60, 7, "source-too-large")}


def test_a_pack_not_in_utf8(mini: Path) -> None:
    f = mini / "pack.yaml"
    f.write_bytes(f.read_text(encoding="utf-8").encode("gb18030"))
    assert found(mini) == {(None, None, "encoding")}


def _deny_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make reading one file fail as a permission error would (chmod does not bind when the tests run as root)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_an_unreadable_pack(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _deny_reading(monkeypatch, "pack.yaml")
    assert found(mini) == {(None, None, "unreadable")}


def test_an_unreadable_source(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _deny_reading(monkeypatch, "002_92962fdfafc03648.txt")
    assert found(mini) == {(31, 7, "citation-source"), (60, 7, "citation-source")}


@pytest.mark.parametrize(
    ("spec", "why"),
    [("nosuchpack", "no built-in pack of that name"), ("tests/fixtures", "a folder with no pack.yaml"), ("no/such/dir", "no such path")],
)
def test_a_pack_that_cannot_be_found_is_a_problem_not_an_error(spec: str, why: str) -> None:
    checked = check_pack(spec)
    assert not checked.found and found(spec) == {(None, None, "not-found")}, why


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("version: !!int abc\n", {(1, 10, "yaml-value")}),  # the tagged value starts after `version: `
        ("version: !!timestamp nope\n", {(1, 10, "yaml-value")}),
        ("version: 2026-02-30\n", {(1, 10, "yaml-value")}),  # no 30 February
        ("? [a, b]\n: 1\n", {(1, 3, "yaml-syntax")}),  # a list as a key: the key node starts at column 3
        ("a: 1\n---\nb: 2\n", {(2, 1, "yaml-syntax")}),  # a second document, at the `---` of line 2
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", {(1, 35, "yaml-too-deep")}),  # depth 33 = the mapping + the 32nd `[`, at column 3 + 32
    ],
)
def test_yaml_the_plain_safe_loader_would_crash_on_is_a_located_problem(tmp_path: Path, text: str, want: Found) -> None:
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    assert found(tmp_path) == want


def _pdd_like(pack: Path) -> None:
    """Turn the control's rate metric into the pinduoduo shape (a daily buyer_rate), keeping every line number."""
    _edit(pack, "    kind: round_rate\n", "    kind: buyer_rate\n")
    _edit(pack, "    within_seconds: 180\n", "    per: day\n")


EDITS: list[tuple[str, Callable[[Path], None], Found]] = [
    # control line 22 `    kind: round_rate` → a buyer metric, with `by: [shop, agent]` inserted after it as line 23
    ("buyer-metric-per-agent", lambda p: (_edit(p, "    kind: round_rate\n", "    kind: buyer_rate\n    by: [shop, agent]\n")),
     {(23, 5, "buyer-metric-per-agent")}),
    # a streak over a per-period metric: rules[0] (line 46 kind, 56 value → min_days) becomes a peer_streak on
    # avg_response_time, whose `per` is the default, period; the rule's metric key is at 54:5
    ("streak-not-daily",
     lambda p: (_edit(p, "    kind: threshold\n", "    kind: peer_streak\n"), _edit(p, "    value: 30\n", "    min_days: 3\n")),
     {(54, 5, "streak-not-daily")}),
    # a rule on a metric grouped only per agent: `by: [agent]` added after line 42, so the rule's metric is line 55
    ("metric-not-per-shop", lambda p: _edit(p, "    max_latency_seconds: 1800\n", "    max_latency_seconds: 1800\n    by: [agent]\n"),
     {(55, 5, "metric-not-per-shop")}),
    # also_when on a daily metric under a per-period rule: three lines after 56, the condition's metric at 58:9
    ("metric-mismatch",
     lambda p: (_pdd_like(p), _edit(p, "    value: 30\n", "    value: 30\n    also_when:\n      - metric: response_rate_3min\n        op: \"<\"\n        value: 0.5\n")),
     {(58, 9, "metric-mismatch")}),
    # a condition's threshold out of range: 1.5 on a rate, the condition's value at line 60, column 9
    ("threshold-range (also_when)",
     lambda p: _edit(p, "    value: 30\n", "    value: 30\n    also_when:\n      - metric: response_rate_3min\n        op: \"<\"\n        value: 1.5\n"),
     {(60, 9, "threshold-range")}),
    # a negative count: a buyer_count metric (line 35) judged against -1 (line 56)
    ("threshold-range (count)",
     lambda p: (_edit(p, "    kind: round_latency\n", "    kind: buyer_count\n"), _edit(p, "    max_latency_seconds: 1800\n", "    per: period\n"),
                _edit(p, "    value: 30\n", "    value: -1\n")),
     {(56, 5, "threshold-range")}),
    # a fine with no amount: line 58 `      type: none` becomes `type: fine`; the consequence key is line 57, column 5
    ("fine-incomplete", lambda p: _edit(p, "      type: none\n", "      type: fine\n"), {(57, 5, "fine-incomplete")}),
    # a rule id not under the pack's name (line 45: `  - id: ` puts the id key at column 5)
    ("rule-id-prefix", lambda p: _edit(p, "  - id: mini.avg_response_target\n", "  - id: maxi.avg_response_target\n"), {(45, 5, "rule-id-prefix")}),
    # an unknown rule kind: line 46
    ("unknown-rule-kind", lambda p: _edit(p, "    kind: threshold\n", "    kind: thresold\n"), {(46, 5, "unknown-rule-kind")}),
]

DETECTOR = """
detectors:
  - detector: {name}
    title:
      zh: 压到30分钟后才回复
      en: Replies held until just past the 30-minute cut
    doc:
      zh: 测试用。
      en: For the test.
    citation:
      source: 002_92962fdfafc03648.txt
      quote: 首次响应时间为20秒,平均响应为30秒
"""


@pytest.mark.parametrize(("what", "edit", "want"), EDITS, ids=[e[0] for e in EDITS])
def test_semantic_problem_codes_at_their_place(mini: Path, what: str, edit: Callable[[Path], None], want: Found) -> None:
    edit(mini)
    assert found(mini) == want, what


def test_a_detector_configured_twice(mini: Path) -> None:
    # the block appended after line 61: blank 62, `detectors:` 63, first entry 64-73, the second entry at 74:5
    with (mini / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write(DETECTOR.format(name="delayed_reply") + DETECTOR.format(name="delayed_reply").replace("\ndetectors:\n", ""))
    assert found(mini) == {(74, 5, "duplicate-detector")}


def test_an_unknown_detector(mini: Path) -> None:
    with (mini / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write(DETECTOR.format(name="delayed_replies"))
    assert found(mini) == {(64, 5, "unknown-detector")}  # detectors[0].detector, line 64 after the blank 62 and `detectors:` 63


def test_overlap_inside_a_long_window_is_caught(mini: Path) -> None:
    # 08-24, then 09-10 and 11-12 both inside it: each is reported against the long window (lines 17 and 19)
    _edit(mini, '    end: "24:00"\n', '    end: "24:00"\n  - start: "09:00"\n    end: "10:00"\n  - start: "11:00"\n    end: "12:00"\n')
    assert found(mini) == {(17, 5, "service-hours-overlap"), (19, 5, "service-hours-overlap")}


# The codes the tests above demand, beyond those in the fixtures' headers and in EDITS.
RUNTIME_CODES = {
    "citation-path", "pack-too-large", "source-too-large", "encoding", "unreadable", "citation-source", "not-found",
    "duplicate-detector", "unknown-detector", "service-hours-overlap", "yaml-too-deep",
}  # fmt: skip


def test_every_code_is_documented_and_every_documented_code_is_tested() -> None:
    doc = (ROOT / "docs" / "validate.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", doc, re.MULTILINE))
    tested = {code for pack in PACKS for _, _, code in expected(pack)} | {code for _, _, want in EDITS for _, _, code in want} | RUNTIME_CODES
    assert documented == tested, f"documented only: {sorted(documented - tested)}; tested only: {sorted(tested - documented)}"
