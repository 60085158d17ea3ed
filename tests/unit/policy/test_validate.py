"""Semantic pack checks for the second platform's pieces: buyer metrics are per shop, streaks walk daily figures,
eligibility names the pack's own rules; and the schema's limits on streaks and eligibility. Every problem names
the file, the line and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.errors import PolicyError
from auditor.policy.loader import load_pack
from tests.conftest import ROOT, edit_pack

PINDUODUO = ROOT / "policies" / "pinduoduo"


@pytest.fixture
def pdd_copy(tmp_path: Path) -> Path:
    """A private copy of the pinduoduo pack that a test may edit."""
    dest = tmp_path / "pdd"
    shutil.copytree(PINDUODUO, dest, ignore=shutil.ignore_patterns("tests"))
    return dest


def _problems(pack: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_pack(pack)
    return [str(p) for p in info.value.problems] or [str(info.value)]


def _line_of(pack: Path, needle: str, after: str | None = None) -> int:
    """The 1-based line of the first `needle` (after the first line holding `after`, when given)."""
    lines = (pack / "pack.yaml").read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(needle)


def test_builtin_pinduoduo_loads_clean(pdd_copy: Path) -> None:
    pack = load_pack(pdd_copy).pack
    assert [r.id for r in pack.rules] == ["pinduoduo.activity_floor", "pinduoduo.daily_fine", "pinduoduo.below_peers"]
    assert [e.id for e in pack.eligibility] == ["activities"]


@pytest.mark.parametrize(("metric", "kind", "index"), [("inquiries", "buyer_count", 0), ("reply_rate", "buyer_rate", 1)])
def test_buyer_metric_per_agent_is_refused_on_its_by_line(pdd_copy: Path, metric: str, kind: str, index: int) -> None:
    text = (pdd_copy / "pack.yaml").read_text(encoding="utf-8")
    block_start = text.index(f"  - id: {metric}\n")
    by_at = text.index("    by: [shop]\n", block_start)
    (pdd_copy / "pack.yaml").write_text(text[:by_at] + "    by: [shop, agent]\n" + text[by_at + len("    by: [shop]\n"):], encoding="utf-8")
    (msg,) = _problems(pdd_copy)
    line = _line_of(pdd_copy, "by: [shop, agent]")
    assert msg.startswith(f"{(pdd_copy / 'pack.yaml').as_posix()}:{line}: ")
    assert f"a `{kind}` metric counts buyers of the shop and has no per-agent figure" in msg
    assert f"at `metrics[{index}].by`" in msg
    assert msg.endswith("— use `by: [shop]`")


def test_round_metric_may_still_be_per_agent(pack_copy: Path) -> None:
    # the taobao pack's round metrics are per shop and per agent: the buyer-only check does not touch them
    assert any("agent" in m.by for m in load_pack(pack_copy).pack.metrics)


PER_PERIOD_METRIC = """  - id: reply_rate_30d
    kind: buyer_rate
    label:
      zh: 近30天客服回复率
      en: Reply rate over the period
    doc:
      zh: 整个期间的回复率。
      en: The reply rate over the whole period.
    by: [shop]
    per: period
    service_hours_only: false

rules:
"""


def test_peer_streak_over_a_per_period_metric_is_refused(pdd_copy: Path) -> None:
    edit_pack(pdd_copy, "\nrules:\n", "\n" + PER_PERIOD_METRIC)
    edit_pack(pdd_copy, "    metric: reply_rate\n    op: \"<\"\n    min_days: 3", "    metric: reply_rate_30d\n    op: \"<\"\n    min_days: 3")
    (msg,) = _problems(pdd_copy)
    assert f"pack.yaml:{_line_of(pdd_copy, 'metric: reply_rate_30d')}: " in msg
    assert "a streak walks daily figures, but `reply_rate_30d` is figured per period" in msg
    assert "at `rules[2].metric`" in msg
    assert msg.endswith("— use a metric with `per: day`")


def test_threshold_rule_over_a_per_period_metric_is_fine(pdd_copy: Path) -> None:
    edit_pack(pdd_copy, "\nrules:\n", "\n" + PER_PERIOD_METRIC)
    edit_pack(pdd_copy, "    metric: reply_rate\n    op: \"<\"\n    value: 0.5\n    consequence:\n      type: activity_ban",
              "    metric: reply_rate_30d\n    op: \"<\"\n    value: 0.5\n    consequence:\n      type: activity_ban")  # fmt: skip
    assert load_pack(pdd_copy).pack.rule("pinduoduo.activity_floor").metric == "reply_rate_30d"


def test_peer_streak_over_an_unknown_metric_says_only_that(pdd_copy: Path) -> None:
    edit_pack(pdd_copy, "    metric: reply_rate\n    op: \"<\"\n    min_days: 3", "    metric: reply_ratio\n    op: \"<\"\n    min_days: 3")
    (msg,) = _problems(pdd_copy)
    assert "rule uses metric `reply_ratio`, which the pack does not define" in msg
    assert f"pack.yaml:{_line_of(pdd_copy, 'metric: reply_ratio')}: " in msg


@pytest.mark.parametrize("unknown", ["pinduoduo.activity_flor", "taobao.avg_response_target"])
def test_eligibility_blocked_by_an_unknown_rule(pdd_copy: Path, unknown: str) -> None:
    edit_pack(pdd_copy, "    blocked_by: [pinduoduo.activity_floor]", f"    blocked_by:\n      - pinduoduo.daily_fine\n      - {unknown}")
    (msg,) = _problems(pdd_copy)
    assert f"pack.yaml:{_line_of(pdd_copy, f'- {unknown}')}: `{unknown}` is not a rule of this pack" in msg
    assert "at `eligibility[0].blocked_by[1]`" in msg
    assert "use one of: pinduoduo.activity_floor, pinduoduo.below_peers, pinduoduo.daily_fine" in msg


def test_eligibility_check_listed_twice(pdd_copy: Path) -> None:
    text = (pdd_copy / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: activities\n")
    end = text.index("\n\n", start) + 1  # the check's block ends at the first blank line
    block = text[start:end]
    edited = text[:end] + block + text[end:]
    (pdd_copy / "pack.yaml").write_text(edited, encoding="utf-8")
    (msg,) = _problems(pdd_copy)
    line = [i for i, s in enumerate(edited.splitlines(), 1) if s == "  - id: activities"][1]
    assert f"pack.yaml:{line}: eligibility check `activities` is listed twice" in msg


@pytest.mark.parametrize(("days", "why"), [("0", "less than the minimum of 1"), ("-1", "less than the minimum of 1"), ("367", "greater than the maximum of 366")])
def test_schema_refuses_min_days_out_of_range(pdd_copy: Path, days: str, why: str) -> None:
    edit_pack(pdd_copy, "    min_days: 3", f"    min_days: {days}")
    (msg,) = _problems(pdd_copy)
    assert f"pack.yaml:{_line_of(pdd_copy, f'min_days: {days}')}: {days} is {why} at `rules[2].min_days` — use a value within" in msg


def test_schema_refuses_an_unknown_key_in_eligibility(pdd_copy: Path) -> None:
    edit_pack(pdd_copy, "    blocked_by: [pinduoduo.activity_floor]", "    blocked_by: [pinduoduo.activity_floor]\n    blocked_when: always")
    (msg,) = _problems(pdd_copy)
    assert f"pack.yaml:{_line_of(pdd_copy, 'blocked_when')}: unknown key `blocked_when`" in msg
    assert "blocked_by" in msg  # the allowed keys are named


def test_schema_refuses_an_unknown_key_in_a_peer_streak_rule(pdd_copy: Path) -> None:
    edit_pack(pdd_copy, "    min_days: 3", "    min_days: 3\n    value: 0.5")
    (msg,) = _problems(pdd_copy)
    assert f"pack.yaml:{_line_of(pdd_copy, 'value: 0.5', after='min_days: 3')}: unknown key `value` at `rules[2].value`" in msg
    assert "min_days" in msg  # the keys a streak rule takes are named
