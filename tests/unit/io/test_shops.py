"""The --shops side input: three formats, and bad entries reported without stopping the audit."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from auditor import AuditOptions, audit
from auditor.errors import InputError
from auditor.io.shops import ShopInfo, read_shops


def test_yaml_list(tmp_path: Path) -> None:
    f = tmp_path / "shops.yaml"
    f.write_text('- {shop_id: s1, platform: taobao, category: 女装, accounts: ["s1", "s1:kf"]}\n- {shop_id: 7}\n', encoding="utf-8")
    got = read_shops(f)
    assert got.shops == [ShopInfo("s1", "taobao", "女装", ("s1", "s1:kf")), ShopInfo("7", None, None, ())]
    assert got.problems == []


def test_json_object_with_shops_key(tmp_path: Path) -> None:
    f = tmp_path / "shops.json"
    f.write_text(json.dumps({"shops": [{"shop_id": "s1", "accounts": "a;b|c"}]}), encoding="utf-8")
    assert read_shops(f).accounts() == [("s1", "a"), ("s1", "b"), ("s1", "c")]


def test_csv_with_separated_accounts_and_bad_rows(tmp_path: Path) -> None:
    f = tmp_path / "shops.csv"
    f.write_text("shop_id,platform,category,accounts\ns1,taobao,鞋,s1;s1:kf\n,taobao,x,y\ns1,taobao,x,z\n", encoding="utf-8")
    got = read_shops(f)
    assert got.shops == [ShopInfo("s1", "taobao", "鞋", ("s1", "s1:kf"))]
    # the blank shop_id (line 3) and the repeated s1 (line 4) are reported with their lines
    assert got.problems == [f"{f.as_posix()}:3: no shop_id; entry left out", f"{f.as_posix()}:4: shop `s1` listed again; later entry left out"]


def test_unparseable_shops_file_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "shops.json"
    f.write_text("{nope", encoding="utf-8")
    with pytest.raises(InputError, match="does not parse"):
        read_shops(f)


def test_missing_shops_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_shops(tmp_path / "none.yaml")


def test_problems_reach_the_report_and_same_shop_is_excluded(tmp_path: Path) -> None:
    shops = tmp_path / "shops.yaml"
    shops.write_text('- {shop_id: s1, accounts: ["s1:kf"]}\n- {platform: taobao}\n', encoding="utf-8")
    data = tmp_path / "d.jsonl"
    data.write_text(
        '{"shop_id":"s1","buyer_id":"s1:kf","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n'
        '{"shop_id":"s1","buyer_id":"b","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n',
        encoding="utf-8",
    )
    r = audit([data], AuditOptions(policy="taobao", shops=shops, as_of=date(2026, 3, 1)))
    assert r.inputs.excluded == {"same_shop": 1}
    assert r.inputs.notes == [f"{shops.as_posix()} entry 2: no shop_id; entry left out"]
