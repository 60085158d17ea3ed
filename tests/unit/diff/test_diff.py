"""`diff` on hand-made data and pack copies: pack changes, matched findings, fines, eligibility and figures, each worked by hand."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from auditor import api, render
from auditor.diff import _walk, pack_changes, shop_changes
from auditor.errors import PolicyError
from auditor.models import Fine, KeyChange
from tests.conftest import ROOT, edit_pack

PINDUODUO = ROOT / "policies" / "pinduoduo"


def _rec(shop: str, buyer: str, role: str, hhmm: str, day: str, **extra: str) -> dict[str, str]:
    return {"shop_id": shop, "buyer_id": buyer, "role": role, "ts": f"{day}T{hhmm}:00+08:00", **extra}


# Three shops, local days 2026-03-01 and 03-02 (Asia/Shanghai, the pack's zone); as-of = 03-02 (the latest day),
# period 2026-02-01..03-02 (03-02 minus 29 days; February 2026 has 28). Every buyer id is used by one shop only, so no fake_chat ring can form.
#   s1 03-01: a1 answered by an agent, a2 by a bot, a3 and a4 not: 4 inquiries;
#             reply rate with agent+bot replies 2/4 = 0.5, with agent replies only 1/4 = 0.25.
#   s1 03-02: a5, a6 unanswered: 2 inquiries, rate 0/2 = 0 under both.
#   s2 03-02: b1, b2 answered by an agent, b3 not: 3 inquiries, 2/3 under both.
#   s3 03-02: c1 answered by an agent, c2 by a bot: 2 inquiries, 2/2 = 1.0 with bots, 1/2 = 0.5 without.
# Records: s1 4 + 2 replies + 2 = 8, s2 3 + 2 = 5, s3 2 + 2 = 4: 17 read.
RECORDS = [
    _rec("s1", "a1", "buyer", "10:00", "2026-03-01"), _rec("s1", "a1", "agent", "10:01", "2026-03-01", sender_id="k1"),
    _rec("s1", "a2", "buyer", "10:00", "2026-03-01"), _rec("s1", "a2", "bot", "10:01", "2026-03-01"),
    _rec("s1", "a3", "buyer", "10:00", "2026-03-01"), _rec("s1", "a4", "buyer", "10:00", "2026-03-01"),
    _rec("s1", "a5", "buyer", "10:00", "2026-03-02"), _rec("s1", "a6", "buyer", "10:00", "2026-03-02"),
    _rec("s2", "b1", "buyer", "11:00", "2026-03-02"), _rec("s2", "b1", "agent", "11:02", "2026-03-02", sender_id="k2"),
    _rec("s2", "b2", "buyer", "11:00", "2026-03-02"), _rec("s2", "b2", "agent", "11:03", "2026-03-02", sender_id="k2"),
    _rec("s2", "b3", "buyer", "11:00", "2026-03-02"),
    _rec("s3", "c1", "buyer", "12:00", "2026-03-02"), _rec("s3", "c1", "agent", "12:01", "2026-03-02", sender_id="k3"),
    _rec("s3", "c2", "buyer", "12:00", "2026-03-02"), _rec("s3", "c2", "bot", "12:01", "2026-03-02"),
]  # fmt: skip

FLOOR_VALUE = '    op: "<"\n    value: 0.5\n    consequence:\n      type: activity_ban'
FINE_LINE = "      - metric: inquiries\n        op: \">\"\n        value: 100"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    f = tmp_path / "data" / "chats.jsonl"
    f.parent.mkdir()
    f.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return f


def _copy(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(PINDUODUO, dest, ignore=shutil.ignore_patterns("tests"))
    return dest


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """Bot replies no longer count, the activity floor rises to 0.6, and the fine line drops from 100 inquiries to 1."""
    pack = _copy(tmp_path, "edited")
    edit_pack(pack, "valid_roles: [agent, bot]", "valid_roles: [agent]")
    edit_pack(pack, FLOOR_VALUE, FLOOR_VALUE.replace("0.5", "0.6"))
    edit_pack(pack, FINE_LINE, FINE_LINE.replace("100", "1"))
    return pack


def _dumps(old: Path, new: Path) -> tuple[dict, dict]:  # type: ignore[type-arg]
    return api.load_pack(old).pack.model_dump(mode="json"), api.load_pack(new).pack.model_dump(mode="json")


def test_the_whole_diff_worked_by_hand(data: Path, edited: Path) -> None:
    r = api.diff(PINDUODUO, edited, [data])
    assert (r.as_of, r.period.start, r.period.end, r.inputs.read) == ("2026-03-02", "2026-02-01", "2026-03-02", 17)
    assert [(c.section, c.id, c.change, [(k.key, k.old, k.new) for k in c.keys]) for c in r.pack_changes] == [
        ("pack", "replies", "changed", [("replies.valid_roles", ["agent", "bot"], ["agent"])]),
        ("rules", "pinduoduo.activity_floor", "changed", [("value", 0.5, 0.6)]),
        ("rules", "pinduoduo.daily_fine", "changed", [("also_when[0].value", 100.0, 1.0)]),
    ]
    floor = r.pack_changes[1]
    assert floor.citation is not None and floor.citation.text == "如果商家的客服回复率低于50%,将无法报名参加任何平台活动"
    assert floor.title is not None and floor.title["en"].startswith("Reply rate below 50%")

    # Old findings (rate < 0.5; fine also needs inquiries > 100): activity_floor s1 03-02 (0/2) only.
    # New findings (rate < 0.6; fine needs inquiries > 1): activity_floor s1 03-01 (0.25), s1 03-02 (0), s3 03-02 (0.5);
    # daily_fine s1 03-01 (4 > 1, 0.25) and s1 03-02 (2 > 1, 0); not s3 (0.5 is not < 0.5), not s2 (2/3).
    # s1 03-02's activity_floor is the same finding with a new threshold: changed. s2 changes nothing and is not listed.
    assert [s.shop_id for s in r.shops] == ["s1", "s3"]
    s1, s3 = r.shops
    assert [(f.rule_id, f.period.start, f.value, f.threshold) for f in s1.added] == [
        ("pinduoduo.activity_floor", "2026-03-01", 0.25, 0.6),
        ("pinduoduo.daily_fine", "2026-03-01", 0.25, 0.5),
        ("pinduoduo.daily_fine", "2026-03-02", 0.0, 0.5),
    ]
    assert s1.resolved == []
    assert [(c.before.rule_id, c.before.period.start, c.before.threshold, c.after.threshold) for c in s1.changed] == [
        ("pinduoduo.activity_floor", "2026-03-02", 0.5, 0.6),
    ]
    assert (s1.fines_before, s1.fines_after) == ([], [Fine(currency="CNY", total=2000.0, findings=2)])
    assert s1.eligibility == []  # 0/2 on 03-02 bars s1 under both packs
    assert [(f.rule_id, f.period.start, f.value) for f in s3.added] == [("pinduoduo.activity_floor", "2026-03-02", 0.5)]
    assert [(e.check, e.day, e.before, e.after) for e in s3.eligibility] == [("activities", "2026-03-02", True, False)]
    assert (s3.fines_before, s3.fines_after) == ([], [])

    # The first evidence record of s3's new finding: c2's question (the unanswered inquiry is the worst), line 16.
    loc = s3.added[0].location
    assert loc is not None and (loc.file.endswith("chats.jsonl"), loc.line) == (True, 16)

    # Figures: only the reply rates that bot replies lifted move; inquiries are the same under both.
    assert [(m.metric, m.shop_id, m.period.start, m.before, m.after) for m in r.metrics] == [
        ("reply_rate", "s1", "2026-03-01", 0.5, 0.25),
        ("reply_rate", "s3", "2026-03-02", 1.0, 0.5),
    ]
    assert r.units == {"inquiries": "count", "reply_rate": "ratio"}
    # 4 added errors (3 for s1, 1 for s3); none is a warning or below.
    assert (r.added_at_or_above("error"), r.added_at_or_above("warning"), r.added_at_or_above("never")) == (4, 4, 0)


def test_the_same_pack_gives_an_empty_diff(data: Path, tmp_path: Path) -> None:
    r = api.diff("pinduoduo", _copy(tmp_path, "same"), [data])
    assert (r.pack_changes, r.shops, r.metrics) == ([], [], [])
    assert r.old.digest == r.new.digest
    assert r.added_at_or_above("warning") == 0


def test_findings_are_matched_by_identity_not_by_line(data: Path, tmp_path: Path) -> None:
    # The same records in reverse order, after two blank lines: every finding sits on other lines, none changes.
    moved = tmp_path / "moved.jsonl"
    moved.write_text("\n\n" + "".join(json.dumps(r) + "\n" for r in reversed(RECORDS)), encoding="utf-8")
    before = api.audit([data], api.AuditOptions(policy="pinduoduo"))
    after = api.audit([moved], api.AuditOptions(policy="pinduoduo"))
    assert [v.evidence[0].first_message.line for v in before.violations] != [v.evidence[0].first_message.line for v in after.violations]  # type: ignore[union-attr]
    assert shop_changes(before, after) == []


def test_the_as_of_day_is_shared_and_the_period_is_the_union(data: Path, tmp_path: Path) -> None:
    short = _copy(tmp_path, "short")
    edit_pack(short, "period:\n  days: 30", "period:\n  days: 1")
    r = api.diff(PINDUODUO, short, [data], as_of=date(2026, 3, 2))
    assert (r.as_of, r.period.start, r.period.end) == ("2026-03-02", "2026-02-01", "2026-03-02")
    assert [(c.section, c.id, [(k.key, k.old, k.new) for k in c.keys]) for c in r.pack_changes] == [("pack", "period", [("period.days", 30, 1)])]
    # Old: inquiries for each of 3 shops on each of 30 days, reply rates s1 03-01, s1 03-02, s2 03-02, s3 03-02.
    # New (03-02 only): inquiries for 3 shops on 03-02 and the three 03-02 rates. Gone: 29 * 3 inquiries + s1 03-01's rate.
    assert len(r.metrics) == 29 * 3 + 1
    assert all(m.after is None and m.before is not None for m in r.metrics)
    assert ("reply_rate", "s1", "2026-03-01", 0.5) in [(m.metric, m.shop_id, m.period.start, m.before) for m in r.metrics]
    assert r.shops == []  # the one finding (s1 03-02) is on the as-of day, judged alike by both


def test_a_bad_pack_fails_before_any_data_is_read(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no built-in policy pack named `pdd`"):
        api.diff("pinduoduo", "pdd", [tmp_path / "no-such-data"])


def test_same_input_same_bytes(data: Path, edited: Path) -> None:
    a = api.diff(PINDUODUO, edited, [data])
    b = api.diff(PINDUODUO, edited, [data])
    for fmt in api.formats(api.DiffReport):
        assert render(a, fmt) == render(b, fmt), fmt


# ---------------------------------------------------------------- pack changes alone


def test_comments_and_defaults_written_out_are_no_change(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "noisy")
    # `enabled: true` and `min_score: 0.5` are the detector's defaults; `service_hours_only: false` is already written.
    edit_pack(pack, "  - detector: fake_chat\n", "  - detector: fake_chat   # the only detector here\n    enabled: true\n    min_score: 0.5\n")
    edit_pack(pack, "  days: 30\n", "  days: 30        # a month\n")
    assert pack_changes(*_dumps(PINDUODUO, pack)) == []


def test_items_added_removed_and_changed_by_section(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "many")
    edit_pack(pack, "timezone: Asia/Shanghai", "timezone: Asia/Hong_Kong")
    edit_pack(pack, "      en: Inquiring buyers", "      en: Buyers who asked")
    edit_pack(pack, "    blocked_by: [pinduoduo.activity_floor]", "    blocked_by: [pinduoduo.activity_floor, pinduoduo.daily_fine]")
    edit_pack(pack, "    weights: {share: 0.6, bunching: 0.4}", "    weights: {share: 0.5, bunching: 0.5}")
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: pinduoduo.below_peers")
    end = text.index("eligibility:")
    (pack / "pack.yaml").write_text(text[:start] + text[end:], encoding="utf-8")  # drop the below_peers rule
    changes = pack_changes(*_dumps(PINDUODUO, pack))
    assert [(c.section, c.id, c.change, [(k.key, k.old, k.new) for k in c.keys]) for c in changes] == [
        ("pack", "timezone", "changed", [("timezone", "Asia/Shanghai", "Asia/Hong_Kong")]),
        ("metrics", "inquiries", "changed", [("label.en", "Inquiring buyers", "Buyers who asked")]),
        ("rules", "pinduoduo.below_peers", "removed", []),
        ("detectors", "fake_chat", "changed", [("weights.share", 0.6, 0.5), ("weights.bunching", 0.4, 0.5)]),
        ("eligibility", "activities", "changed", [
            ("blocked_by", ["pinduoduo.activity_floor"], ["pinduoduo.activity_floor", "pinduoduo.daily_fine"]),
        ]),
    ]  # fmt: skip
    removed = changes[2]
    assert removed.citation is not None and removed.citation.text == "如果客服回复率持续低于同行水平,全店商品将被降权"  # the old pack's clause


def test_an_added_rule_is_listed_with_its_title(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "plus")
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: pinduoduo.activity_floor")
    end = text.index("  - id: pinduoduo.daily_fine")
    clone = text[start:end].replace("pinduoduo.activity_floor", "pinduoduo.activity_floor_strict").replace("value: 0.5", "value: 0.8")
    (pack / "pack.yaml").write_text(text[:end] + clone + text[end:], encoding="utf-8")
    changes = pack_changes(*_dumps(PINDUODUO, pack))
    assert [(c.section, c.id, c.change, c.keys) for c in changes] == [("rules", "pinduoduo.activity_floor_strict", "added", [])]
    assert changes[0].title is not None and changes[0].title["zh"] == "客服回复率低于50%，无法报名平台活动"


def test_lists_of_items_with_ids_are_matched_by_id() -> None:
    old = {"xs": [{"id": "a", "v": 1}, {"id": "b", "v": 2}]}
    # b's value changes and the items swap places: one change, named by id, not two by position
    assert _walk(old, {"xs": [{"id": "b", "v": 3}, {"id": "a", "v": 1}]}, "") == [KeyChange(key="xs[b].v", old=2, new=3)]
    # the same items in another order: the order is the change
    assert _walk(old, {"xs": [{"id": "b", "v": 2}, {"id": "a", "v": 1}]}, "") == [KeyChange(key="xs", old=["a", "b"], new=["b", "a"])]
    # an item added by id
    assert _walk(old, {"xs": [*old["xs"], {"id": "c", "v": 0}]}, "") == [KeyChange(key="xs[c]", old=None, new={"id": "c", "v": 0})]
    # lists without ids: compared position by position when the lengths agree, else as values
    assert _walk({"w": [{"s": 1}]}, {"w": [{"s": 2}]}, "") == [KeyChange(key="w[0].s", old=1, new=2)]
    assert _walk({"w": [1, 2]}, {"w": [2, 1]}, "") == [KeyChange(key="w", old=[1, 2], new=[2, 1])]


def test_dating_a_rule_is_a_change_and_a_later_version_an_item_of_its_own() -> None:
    # docs/rule-versions.md: the earliest version keeps the plain id, later ones are `id@effective_from`
    rule = {"id": "p.r", "kind": "threshold", "value": 0.5}
    old = {"rules": [rule]}
    new = {"rules": [{**rule, "effective_until": "2026-10-11"}, {**rule, "value": 0.6, "effective_from": "2026-10-11"}]}
    got = [(c.id, c.change, [k.key for k in c.keys]) for c in pack_changes(old, new)]
    # the old rule is the first version, now ending on 10-11 (a change); the 10-11 version is added
    assert got == [("p.r", "changed", ["effective_until"]), ("p.r@2026-10-11", "added", [])]
    # a single rule given a start day stays the same item
    dated = {"rules": [{**rule, "effective_from": "2026-01-01"}]}
    assert [(c.id, c.change) for c in pack_changes(old, dated)] == [("p.r", "changed")]
