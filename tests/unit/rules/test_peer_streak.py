"""The peer_streak rule on hand-built daily figures (CONTRACT §5 below_peers, §7.11-7.12).

The figures are given as MetricValue rows, so every case is read off the test
itself; the engine behind it is real but empty (no rounds), which only leaves
the findings' round evidence empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import duckdb
import pytest

from auditor.duck import run
from auditor.engine.connection import connect
from auditor.engine.exclusions import apply_exclusions, load_accounts, materialize_records
from auditor.engine.metrics import kind_for
from auditor.engine.metrics.base import MetricValue
from auditor.engine.rounds import build_rounds
from auditor.io.base import STAGED_DDL
from auditor.policy.loader import load_pack
from auditor.rules import RULE_KINDS, Finding, RuleContext, Unevaluated
from auditor.rules.peer_streak import PeerStreak

PACK = load_pack("pinduoduo").pack
RULE = PACK.rule("pinduoduo.below_peers")  # reply_rate < peer reply_rate on 3 or more consecutive days with figures
START, END = 20_500, 20_529  # 30 local days
CAT = "女装"
R = "pinduoduo.below_peers"


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An engine with the real tables and no records: evidence queries run and find nothing."""
    c = connect()
    run(c, STAGED_DDL)
    load_accounts(c, [])
    materialize_records(c, PACK)
    apply_exclusions(c, PACK, START, END)
    build_rounds(c, PACK)
    yield c
    c.close()


def rates(shop: str, by_day: Mapping[int, float], metric: str = "reply_rate", agent: str | None = None) -> list[MetricValue]:
    """Daily reply rates as figures out of 100 inquiries (day offsets from START)."""
    return [MetricValue(metric, shop, agent, START + d, START + d, v, round(v * 100), 100) for d, v in by_day.items()]


def peers(by_day: Mapping[int, float], category: str = CAT) -> dict[tuple[int, str, str], float]:
    return {(START + d, category, "reply_rate"): v for d, v in by_day.items()}


def evaluate(
    con: duckdb.DuckDBPyConnection,
    values: list[MetricValue],
    peer_levels: Mapping[tuple[int, str, str], float] | None,
    categories: Mapping[str, str | None] | None = None,
    rule=RULE,  # type: ignore[no-untyped-def]
) -> tuple[list[Finding], list[Unevaluated]]:
    ctx = RuleContext(
        con=con, pack=PACK, kinds={m.id: kind_for(m) for m in PACK.metrics}, values=values, start_day=START, end_day=END,
        categories={"s1": CAT} if categories is None else categories, peer_levels=peer_levels,
    )  # fmt: skip
    return PeerStreak(rule).evaluate(ctx)


def spans(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.shop_id, f.start_day - START, f.end_day - START) for f in findings]


def test_is_the_registered_kind() -> None:
    assert RULE_KINDS["peer_streak"] is PeerStreak
    assert (RULE.op, RULE.min_days, RULE.peer_key) == ("<", 3, "reply_rate")


def test_a_run_of_exactly_min_days_ended_by_a_day_not_below(con) -> None:  # type: ignore[no-untyped-def]
    got, missed = evaluate(con, rates("s1", {0: 0.9, 1: 0.5, 2: 0.6, 3: 0.7, 4: 0.95}), peers({d: 0.8 for d in range(5)}))
    assert missed == []
    (f,) = got
    assert spans(got) == [("s1", 1, 3)]
    assert (f.rule_id, f.metric, f.op) == (R, "reply_rate", "<")
    assert f.value == pytest.approx(0.6) and f.threshold == pytest.approx(0.8)  # means over the run
    assert (f.numerator, f.denominator) == (None, None)  # a mean of days has no single fraction
    assert [(d.day - START, d.in_streak, d.peer) for d in f.days] == [(1, True, 0.8), (2, True, 0.8), (3, True, 0.8), (4, False, 0.8)]
    assert [(d.value, d.numerator, d.denominator) for d in f.days[:3]] == [(0.5, 50, 100), (0.6, 60, 100), (0.7, 70, 100)]
    assert [d.note for d in f.days[:3]] == [None, None, None]
    assert f.days[3].note == "reply_rate is not < the peer level this day: the streak ends here"
    assert (f.evidence_total, f.evidence) == (0, [])


def test_one_day_short_of_min_days_is_no_finding(con) -> None:  # type: ignore[no-untyped-def]
    assert evaluate(con, rates("s1", {0: 0.5, 1: 0.5, 2: 0.9}), peers({0: 0.8, 1: 0.8, 2: 0.8})) == ([], [])


def test_threshold_is_the_mean_of_the_days_peer_levels(con) -> None:  # type: ignore[no-untyped-def]
    (f,), _ = evaluate(con, rates("s1", {0: 0.1, 1: 0.2, 2: 0.3}), peers({0: 0.5, 1: 0.6, 2: 1.0}))
    assert f.value == pytest.approx(0.2) and f.threshold == pytest.approx(0.7)


def test_a_run_reaching_the_end_of_the_period(con) -> None:  # type: ignore[no-untyped-def]
    days = {26: 0.9, 27: 0.1, 28: 0.2, 29: 0.3}
    got, missed = evaluate(con, rates("s1", days), peers({d: 0.5 for d in days}))
    assert missed == []
    assert spans(got) == [("s1", 27, 29)]
    assert all(d.in_streak for d in got[0].days) and len(got[0].days) == 3  # nothing ended it


def test_two_separate_runs_are_two_findings(con) -> None:  # type: ignore[no-untyped-def]
    days = {0: 0.1, 1: 0.1, 2: 0.1, 3: 0.9, 4: 0.1, 5: 0.1, 6: 0.1, 7: 0.1, 8: 0.9}
    got, _ = evaluate(con, rates("s1", days), peers({d: 0.5 for d in days}))
    assert spans(got) == [("s1", 0, 2), ("s1", 4, 7)]
    assert [d.day - START for d in got[1].days] == [4, 5, 6, 7, 8]


def test_equal_to_the_peer_is_not_below(con) -> None:  # type: ignore[no-untyped-def]
    # op `<` is strict (CONTRACT §7.11): a day at the peer level breaks the run
    days = {0: 0.4, 1: 0.4, 2: 0.5, 3: 0.4, 4: 0.4}
    got, missed = evaluate(con, rates("s1", days), peers({d: 0.5 for d in days}))
    assert (got, missed) == ([], [])
    days[5] = 0.4
    got, _ = evaluate(con, rates("s1", days), peers({d: 0.5 for d in days}))
    assert spans(got) == [("s1", 3, 5)]


def test_a_day_without_a_figure_neither_breaks_nor_extends(con) -> None:  # type: ignore[no-untyped-def]
    # day 2 has no reply_rate (no inquiries): days 0, 1 and 3 are consecutive days with figures
    got, missed = evaluate(con, rates("s1", {0: 0.1, 1: 0.1, 3: 0.1}), peers({d: 0.5 for d in range(4)}))
    assert missed == []
    assert spans(got) == [("s1", 0, 3)]
    assert [d.day - START for d in got[0].days] == [0, 1, 3]


def test_a_missing_peer_level_breaks_the_run_and_is_not_evaluated(con) -> None:  # type: ignore[no-untyped-def]
    days = {0: 0.1, 1: 0.1, 2: 0.1, 3: 0.1, 4: 0.1}
    got, missed = evaluate(con, rates("s1", days), peers({0: 0.5, 1: 0.5, 3: 0.5, 4: 0.5}))
    assert got == []  # 2 days, a gap in the peers, 2 days: no run of 3
    (u,) = missed
    assert (u.rule_id, u.shop_id, u.days) == (R, "s1", (START + 2,))
    assert f"no peer reply_rate for category `{CAT}` on" in u.reason and "breaks any streak" in u.reason


def test_a_run_ended_by_a_missing_peer_level_says_why(con) -> None:  # type: ignore[no-untyped-def]
    days = {0: 0.1, 1: 0.1, 2: 0.1, 3: 0.1}
    got, missed = evaluate(con, rates("s1", days), peers({0: 0.5, 1: 0.5, 2: 0.5}))
    (f,) = got
    assert spans(got) == [("s1", 0, 2)]
    breaker = f.days[-1]
    assert (breaker.day - START, breaker.in_streak, breaker.peer) == (3, False, None)
    assert breaker.note is not None and "no peer reply_rate" in breaker.note and "broken" in breaker.note
    assert [u.days for u in missed] == [(START + 3,)]


def test_peer_levels_of_another_category_do_not_count(con) -> None:  # type: ignore[no-untyped-def]
    got, missed = evaluate(con, rates("s1", {0: 0.1, 1: 0.1, 2: 0.1}), peers({0: 0.5, 1: 0.5, 2: 0.5}, category="数码"))
    assert got == []
    assert [u.days for u in missed] == [(START, START + 1, START + 2)]


def test_no_peers_file_is_one_unevaluated_per_shop(con) -> None:  # type: ignore[no-untyped-def]
    values = rates("s1", {0: 0.1, 1: 0.1, 2: 0.1}) + rates("s2", {0: 0.9})
    got, missed = evaluate(con, values, None, categories={"s1": CAT, "s2": CAT})
    assert got == []
    assert [(u.rule_id, u.shop_id, u.days) for u in missed] == [(R, "s1", ()), (R, "s2", ())]
    assert all(u.reason.startswith("no --peers file given") for u in missed)


@pytest.mark.parametrize(
    ("categories", "why"),
    [
        ({"s1": None}, "shop `s1` has no category in the --shops file"),
        ({"other": CAT}, "shop `s1` is not in the --shops file"),
        ({}, "shop `s1` is not in the --shops file"),
    ],
)
def test_shop_without_a_category_is_not_evaluated(con, categories, why: str) -> None:  # type: ignore[no-untyped-def]
    got, missed = evaluate(con, rates("s1", {0: 0.1, 1: 0.1, 2: 0.1}), peers({0: 0.5, 1: 0.5, 2: 0.5}), categories=categories)
    assert got == []
    assert [(u.shop_id, u.reason, u.days) for u in missed] == [("s1", f"{why}: its peers are those of its category", ())]


def test_no_shops_file_is_not_evaluated(con) -> None:  # type: ignore[no-untyped-def]
    ctx = RuleContext(
        con=con, pack=PACK, kinds={m.id: kind_for(m) for m in PACK.metrics}, values=rates("s1", {0: 0.1}), start_day=START, end_day=END,
        categories=None, peer_levels=peers({0: 0.5}),
    )  # fmt: skip
    got, missed = PeerStreak(RULE).evaluate(ctx)
    assert got == []
    assert [u.reason for u in missed] == ["no --shops file given: its peers are those of its category"]


def test_only_the_shops_own_figures_of_the_rule_metric_count(con) -> None:  # type: ignore[no-untyped-def]
    values = rates("s1", {0: 0.1, 1: 0.1, 2: 0.1}, agent="s1:kf") + rates("s1", {0: 0.1, 1: 0.1, 2: 0.1}, metric="inquiries")
    assert evaluate(con, values, peers({0: 0.5, 1: 0.5, 2: 0.5})) == ([], [])


def test_shops_are_walked_each_on_their_own(con) -> None:  # type: ignore[no-untyped-def]
    values = rates("s2", {0: 0.1, 1: 0.1, 2: 0.1}) + rates("s1", {0: 0.1, 1: 0.9, 2: 0.1, 3: 0.1, 4: 0.1})
    lv = peers({d: 0.5 for d in range(5)}) | peers({d: 0.5 for d in range(5)}, category="数码")
    got, missed = evaluate(con, values, lv, categories={"s1": CAT, "s2": "数码"})
    assert missed == []
    assert spans(got) == [("s1", 2, 4), ("s2", 0, 2)]


def test_figures_out_of_day_order_are_walked_in_day_order(con) -> None:  # type: ignore[no-untyped-def]
    values = list(reversed(rates("s1", {0: 0.1, 1: 0.1, 2: 0.1, 3: 0.9})))
    got, _ = evaluate(con, values, peers({d: 0.5 for d in range(4)}))
    assert spans(got) == [("s1", 0, 2)]


def test_min_days_and_op_come_from_the_pack(con) -> None:  # type: ignore[no-untyped-def]
    rule = RULE.model_copy(update={"min_days": 1, "op": ">="})
    got, _ = evaluate(con, rates("s1", {0: 0.5, 1: 0.4, 2: 0.6}), peers({0: 0.5, 1: 0.5, 2: 0.5}), rule=rule)
    assert spans(got) == [("s1", 0, 0), ("s1", 2, 2)]
