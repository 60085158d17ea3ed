"""A rule change mid-period, judged day by day, end to end through the real commands.

tests/fixtures/packs/pdd_rule_change is the pinduoduo pack with its daily fine
in two versions: "more than 100 inquiring buyers" before 2026-10-11 and "more
than 80" from 2026-10-11 on (a fictional announcement, marked as a fixture in
the pack's sources/). It audits examples/pdd as the demo does
(tests/cli/test_pinduoduo_demo.py), over 2026-10-02..2026-10-31.

The plain audit's daily figures for pdd_orchard, the only shop whose reply rate
falls below 50 % (read off the built-in pack's JSON report, `metrics`):

    day         inquiries  reply_rate        v1: > 100 and < 0.5   v2: > 80 and < 0.5   in force   fined
    2026-10-08    128      45/128 = 0.351562   yes                   (yes)                v1         yes, v1
    2026-10-13    100      45/100 = 0.45       no: 100 is not > 100   yes                  v2         yes, v2
    2026-10-20    156      47/156 = 0.301282   (yes)                 yes                  v2         yes, v2
    2026-10-31     40      16/40  = 0.4        no                    no: 40 is not > 80   v2         no

Every other shop-day has a reply rate of 0.5 or more, so neither version
fines it. The built-in pack fines 10-08 and 10-20 (2000 CNY); the fixture adds
10-13, judged by the new line: 3000 CNY.
"""

from __future__ import annotations

import json

from tests.cli.test_pinduoduo_demo import DATA, PEERS, SHOPS, run

PACK = "tests/fixtures/packs/pdd_rule_change"
V1 = {"effective_from": None, "effective_until": "2026-10-11"}
V2 = {"effective_from": "2026-10-11", "effective_until": None}


def report(*extra: str) -> dict:
    r = run("audit", DATA, "--policy", PACK, "--shops", SHOPS, "--peers", PEERS, "--format", "json", *extra)
    assert r.returncode == 1, r.stderr.decode()  # errors found
    return json.loads(r.stdout)


def test_the_fixture_pack_is_valid() -> None:
    r = run("validate", PACK)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()


def test_each_day_is_fined_under_the_version_in_force_that_day() -> None:
    rep = report()
    fines = [(v["shop_id"], v["period"]["start"], v["period"]["end"], v["value"], v["rule_version"])
             for v in rep["violations"] if v["rule_id"] == "pinduoduo.daily_fine"]  # fmt: skip
    assert fines == [
        ("pdd_orchard", "2026-10-08", "2026-10-08", 0.351562, V1),
        ("pdd_orchard", "2026-10-13", "2026-10-13", 0.45, V2),
        ("pdd_orchard", "2026-10-20", "2026-10-20", 0.301282, V2),
    ]
    # each finding carries its version's title and cited clause: the fictional announcement for v2
    titles = {v["period"]["start"]: (v["title"]["en"], v["citation"]["source"]) for v in rep["violations"] if v["rule_id"] == "pinduoduo.daily_fine"}
    assert titles["2026-10-08"] == ("More than 100 inquiring buyers and a reply rate under 50% in a day — ¥1000 fine", "003_793285162bd82131.txt")
    assert titles["2026-10-13"] == ("More than 80 inquiring buyers and a reply rate under 50% in a day — ¥1000 fine", "fixture_announcement_2026-10-11.txt")
    # undated rules say so with null
    assert {v["rule_version"] for v in rep["violations"] if v["rule_id"] != "pinduoduo.daily_fine"} == {None}
    # three fines of 1000 CNY: 3000 (the built-in pack: 2000)
    orchard = next(s for s in rep["summary"] if s["shop_id"] == "pdd_orchard")
    assert orchard["fines"] == [{"currency": "CNY", "total": 3000.0, "findings": 3}]
    # the report lists both versions of the rule, in pack order, with their dates
    assert [(r["id"], r["rule_version"]) for r in rep["rules"] if r["type"] == "rule"] == [
        ("pinduoduo.activity_floor", None),
        ("pinduoduo.daily_fine", V1),
        ("pinduoduo.daily_fine", V2),
        ("pinduoduo.below_peers", None),
    ]


def test_an_as_of_day_before_the_change_judges_by_the_old_version_only() -> None:
    # as of 2026-10-12 the period is 09-13..10-12: 10-08 is fined (v1); 10-13 and 10-20 are outside it
    rep = report("--as-of", "2026-10-12")
    assert [(v["period"]["start"], v["rule_version"]) for v in rep["violations"] if v["rule_id"] == "pinduoduo.daily_fine"] == [("2026-10-08", V1)]


def test_human_formats_say_which_version_applied() -> None:
    table = run("audit", DATA, "--policy", PACK, "--shops", SHOPS, "--peers", PEERS, "--lang", "en").stdout.decode()
    assert table.count("version in force before 2026-10-11") == 1 and table.count("version in force from 2026-10-11") == 2
    md = run("audit", DATA, "--policy", PACK, "--shops", SHOPS, "--peers", PEERS, "--format", "markdown", "--lang", "zh").stdout.decode()
    assert md.count("_2026-10-11 之前施行的版本_") == 1 and md.count("_2026-10-11 起施行的版本_") == 2
    page = run("audit", DATA, "--policy", PACK, "--shops", SHOPS, "--peers", PEERS, "--format", "html", "--lang", "en").stdout.decode()
    assert page.count("<code>pinduoduo.daily_fine</code> · version in force from 2026-10-11 ·") == 2
    sarif = json.loads(run("audit", DATA, "--policy", PACK, "--shops", SHOPS, "--peers", PEERS, "--format", "sarif").stdout)
    driver_rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    fine = [r for r in driver_rules if r["id"] == "pinduoduo.daily_fine"]
    assert len(fine) == 1  # one descriptor per rule id, its versions listed
    assert [(v["effective_from"], v["effective_until"]) for v in fine[0]["properties"]["versions"]] == [(None, "2026-10-11"), ("2026-10-11", None)]
    results = [r["properties"].get("rule_version") for r in sarif["runs"][0]["results"] if r["ruleId"] == "pinduoduo.daily_fine"]
    assert results == [V1, V2, V2]


def test_explain_takes_the_version_in_force_on_the_day() -> None:
    def rule(day: str, code: int) -> dict:
        r = run("explain", DATA, "--policy", PACK, "--shops", SHOPS, "--shop", "pdd_orchard", "--rule", "pinduoduo.daily_fine", "--day", day, "--format", "json")
        assert (r.returncode, r.stderr) == (code, b""), r.stderr.decode()  # exit 1: the rule asked about is broken that day
        return json.loads(r.stdout)["rule"]

    # 10-08 falls under v1 (the inquiries condition is > 100), 10-13 under v2 (> 80): both fined, as in the audit
    before, after = rule("2026-10-08", 1), rule("2026-10-13", 1)
    assert (before["rule_version"], before["conditions"][1]["threshold"], before["verdict"]) == (V1, 100.0, "violated")
    assert (after["rule_version"], after["conditions"][1]["threshold"], after["verdict"]) == (V2, 80.0, "violated")
    assert after["reason"].endswith("(the version in force from 2026-10-11)")


def test_diff_shows_the_split_rule_and_what_it_moves() -> None:
    r = run("diff", "pinduoduo", PACK, DATA, "--shops", SHOPS, "--peers", PEERS, "--format", "json")
    d = json.loads(r.stdout)
    rules = [(c["id"], c["change"], [(k["key"], k["old"], k["new"]) for k in c["keys"]]) for c in d["pack_changes"] if c["section"] == "rules"]
    # the old, undated rule is the first version (it gains an end); the second version is an item of its own
    assert rules == [
        ("pinduoduo.daily_fine", "changed", [("effective_until", None, "2026-10-11")]),
        ("pinduoduo.daily_fine@2026-10-11", "added", []),
    ]
    (orchard,) = d["shops"]
    assert [(f["period"]["start"], f["rule_version"]) for f in orchard["added"]] == [("2026-10-13", V2)]
    # the same fines, now judged by a version of the rule: shown as changed, with the version
    assert [(c["after"]["period"]["start"], c["before"]["rule_version"], c["after"]["rule_version"]) for c in orchard["changed"]] == [
        ("2026-10-08", None, V1),
        ("2026-10-20", None, V2),
    ]
