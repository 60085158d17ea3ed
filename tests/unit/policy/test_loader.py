"""Loading packs: built-ins resolve, and every broken pack names the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import PolicyError
from auditor.policy.loader import load_pack, pack_digest
from tests.conftest import edit_pack


def _problems(pack: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_pack(pack)
    return [str(p) for p in info.value.problems] or [str(info.value)]


def _line_of(pack: Path, needle: str) -> int:
    for i, line in enumerate((pack / "pack.yaml").read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_builtin_taobao_loads() -> None:
    loaded = load_pack("taobao")
    assert loaded.pack.name == "taobao"
    assert [m.id for m in loaded.pack.metrics] == ["response_rate_3min", "avg_response_time", "first_response_time"]
    assert loaded.digest.startswith("sha256:") and len(loaded.digest) == 71


def test_pack_by_path_and_by_pack_yaml(pack_copy: Path) -> None:
    assert load_pack(pack_copy).pack.name == "taobao"
    assert load_pack(pack_copy / "pack.yaml").pack.name == "taobao"


def test_unknown_builtin_names_the_known_ones() -> None:
    with pytest.raises(PolicyError, match="no built-in policy pack named `tmall`") as info:
        load_pack("tmall")
    assert "taobao" in (info.value.hint or "")


def test_unknown_key_is_located(pack_copy: Path) -> None:
    edit_pack(pack_copy, "  max_rounds: 20", "  max_rounds: 20\n  max_roundz: 3")
    (msg,) = _problems(pack_copy)
    assert f"pack.yaml:{_line_of(pack_copy, 'max_roundz')}: unknown key `max_roundz`" in msg
    assert "allowed here: max_rounds" in msg


def test_threshold_must_be_a_number_not_sql(pack_copy: Path) -> None:
    edit_pack(pack_copy, "    value: 20\n", '    value: "0; DROP TABLE records"\n')
    (msg,) = _problems(pack_copy)
    assert f":{_line_of(pack_copy, 'DROP TABLE')}:" in msg
    assert "expected number" in msg


def test_unquoted_time_gets_a_quoting_hint(pack_copy: Path) -> None:
    edit_pack(pack_copy, 'start: "08:00"', "start: 8:00")
    (msg,) = _problems(pack_copy)
    assert 'quote times, e.g. "08:00"' in msg


def test_every_problem_is_reported_at_once(pack_copy: Path) -> None:
    edit_pack(pack_copy, "  days: 30", "  days: 0")
    edit_pack(pack_copy, "    severity: warning", "    severity: fatal")
    msgs = _problems(pack_copy)
    assert len(msgs) == 2
    assert any("days" in m for m in msgs) and any("`fatal` is not allowed" in m for m in msgs)


def test_rule_on_unknown_metric(pack_copy: Path) -> None:
    edit_pack(pack_copy, "    metric: first_response_time\n    op:", "    metric: first_reply_time\n    op:")
    (msg,) = _problems(pack_copy)
    assert "metric `first_reply_time`, which the pack does not define" in msg
    assert f":{_line_of(pack_copy, 'first_reply_time')}:" in msg


def test_citation_must_quote_the_source_exactly(pack_copy: Path) -> None:
    edit_pack(pack_copy, "quote: 一般客户等待超过30分钟就不会计算进入响应时间", "quote: 一般客户等待超过40分钟就不会计算进入响应时间")
    (msg,) = _problems(pack_copy)
    assert "the quote is not found in `002_92962fdfafc03648.txt`" in msg


def test_citation_source_must_be_in_the_pack(pack_copy: Path) -> None:
    (pack_copy / "sources" / "002_92962fdfafc03648.txt").unlink()
    msgs = _problems(pack_copy)
    assert all("is not in the pack's sources/ folder" in m for m in msgs)


def test_overlapping_and_inverted_service_hours(pack_copy: Path) -> None:
    edit_pack(pack_copy, '  - start: "08:00"\n    end: "24:00"', '  - start: "08:00"\n    end: "12:00"\n  - start: "11:00"\n    end: "10:00"')
    msgs = _problems(pack_copy)
    assert any("ends before it starts" in m for m in msgs)


def test_unknown_time_zone(pack_copy: Path) -> None:
    edit_pack(pack_copy, "timezone: Asia/Shanghai", "timezone: Asia/Beijing")
    (msg,) = _problems(pack_copy)
    assert "unknown time zone `Asia/Beijing`" in msg


def test_python_tags_are_refused_and_run_nothing(pack_copy: Path, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    edit_pack(pack_copy, "schema_version: 1", f'schema_version: !!python/object/apply:os.system ["touch {canary}"]')
    (msg,) = _problems(pack_copy)
    assert "not valid YAML" in msg and "custom tags" in msg
    assert not canary.exists()


def test_aliases_are_refused(pack_copy: Path) -> None:
    edit_pack(pack_copy, "title:\n  zh: 淘宝客服响应指标", "title: &t\n  zh: 淘宝客服响应指标")
    (msg,) = _problems(pack_copy)
    assert "anchors and aliases are not allowed" in msg


def test_oversized_pack_is_refused(pack_copy: Path) -> None:
    with (pack_copy / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write("#" + "x" * (1 << 20) + "\n")
    (msg,) = _problems(pack_copy)
    assert "over the" in msg


def test_unknown_metric_kind(pack_copy: Path) -> None:
    edit_pack(pack_copy, "    kind: round_rate", "    kind: round_ratio")
    (msg,) = _problems(pack_copy)
    assert "unknown kind `round_ratio`" in msg


def test_digest_changes_with_any_edit(pack_copy: Path) -> None:
    before = pack_digest(pack_copy)
    edit_pack(pack_copy, 'version: "2026.11.0"', 'version: "2026.11.1"')
    assert pack_digest(pack_copy) != before


def test_digest_ignores_line_endings(pack_copy: Path) -> None:
    before = pack_digest(pack_copy)
    f = pack_copy / "pack.yaml"
    f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    assert pack_digest(pack_copy) == before
