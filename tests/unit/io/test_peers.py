"""The --peers side input: a CSV of peer levels per (date, category); bad rows and cells are noted and left out,
a file that cannot be read at all stops the audit with an InputError."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.io.peers import read_peers

D1 = date(2026, 3, 1)


def _write(tmp_path: Path, text: str | bytes, name: str = "peers.csv") -> Path:
    f = tmp_path / name
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text, encoding="utf-8", newline="")
    return f


def test_plain_file(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate\n2026-03-01,女装,0.8\n2026-03-02,女装,0.75\n2026-03-01,数码,1\n")
    got = read_peers(f)
    assert got.file == f.as_posix()
    assert got.columns == ("reply_rate",)
    assert got.levels == {(D1, "女装", "reply_rate"): 0.8, (date(2026, 3, 2), "女装", "reply_rate"): 0.75, (D1, "数码", "reply_rate"): 1.0}
    assert got.level(D1, "女装", "reply_rate") == 0.8
    assert got.level(D1, "鞋", "reply_rate") is None
    assert got.problems == []


@pytest.mark.parametrize(
    "header",
    ["category,reply_rate", "date,reply_rate", "date,category", "day,category,reply_rate", ""],
    ids=["no_date", "no_category", "no_figure_column", "misnamed", "empty_file"],
)
def test_header_missing_columns_is_an_input_error(tmp_path: Path, header: str) -> None:
    f = _write(tmp_path, header + ("\n2026-03-01,x,0.5\n" if header else ""))
    with pytest.raises(InputError, match="needs a header with date, category and at least one figure column") as info:
        read_peers(f)
    assert "date,category,reply_rate" in (info.value.hint or "")


def test_header_cells_are_trimmed(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, " date , category , reply_rate \n2026-03-01, 女装 , 0.5 \n"))
    assert got.levels == {(D1, "女装", "reply_rate"): 0.5}


def test_percent_is_read_as_a_fraction(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, "date,category,reply_rate\n2026-03-01,a,45%\n2026-03-01,b,100%\n2026-03-01,c,0.5%\n"))
    assert got.levels == {(D1, "a", "reply_rate"): 0.45, (D1, "b", "reply_rate"): 1.0, (D1, "c", "reply_rate"): 0.005}
    assert got.problems == []


@pytest.mark.parametrize("cell", ["45", "1.01", "-0.1", "120%", "abc", "nan", "inf"])
def test_a_rate_out_of_range_is_noted_and_left_out(tmp_path: Path, cell: str) -> None:
    f = _write(tmp_path, f"date,category,reply_rate\n2026-03-01,a,{cell}\n2026-03-02,a,0.5\n")
    got = read_peers(f)
    assert got.levels == {(date(2026, 3, 2), "a", "reply_rate"): 0.5}  # the rest of the file still counts
    assert got.problems == [f"{f.as_posix()}:2: reply_rate `{cell}` is not a rate in [0, 1] (write 0.45 or 45%); cell left out"]


def test_a_column_not_named_rate_takes_any_non_negative_number(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate,inquiries\n2026-03-01,a,0.5,45\n2026-03-02,a,0.5,-3\n")
    got = read_peers(f)
    assert got.columns == ("reply_rate", "inquiries")
    assert got.level(D1, "a", "inquiries") == 45.0
    assert got.level(date(2026, 3, 2), "a", "inquiries") is None
    assert got.level(date(2026, 3, 2), "a", "reply_rate") == 0.5  # one bad cell does not take the row's other cells
    assert got.problems == [f"{f.as_posix()}:3: inquiries `-3` is not a non-negative number; cell left out"]


@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2026-02-30", "is not a calendar day"),
        ("2026-13-01", "is not a calendar day"),
        ("2026-3-1", "is not YYYY-MM-DD"),
        ("2026/03/01", "is not YYYY-MM-DD"),
        ("2026-03-01T00:00:00", "is not YYYY-MM-DD"),
        ("", "is not YYYY-MM-DD"),
    ],
)
def test_a_bad_date_is_noted_and_the_row_left_out(tmp_path: Path, day: str, why: str) -> None:
    f = _write(tmp_path, f"date,category,reply_rate\n2026-03-02,a,0.5\n{day},a,0.5\n")
    got = read_peers(f)
    assert list(got.levels) == [(date(2026, 3, 2), "a", "reply_rate")]
    assert got.problems == [f"{f.as_posix()}:3: date `{day}` {why}; row left out"]


def test_a_row_without_category_is_noted(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate\n2026-03-01, ,0.5\n")
    got = read_peers(f)
    assert got.levels == {}
    assert got.problems == [f"{f.as_posix()}:2: no category; row left out"]


def test_duplicate_date_and_category_first_stands(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate\n2026-03-01,a,0.5\n2026-03-01,b,0.7\n2026-03-01,a,0.9\n")
    got = read_peers(f)
    assert got.levels == {(D1, "a", "reply_rate"): 0.5, (D1, "b", "reply_rate"): 0.7}
    assert got.problems == [f"{f.as_posix()}:4: reply_rate for a on 2026-03-01 given again; the first one stands"]


def test_empty_cell_is_no_level_and_no_problem(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, "date,category,reply_rate\n2026-03-01,a,\n2026-03-01,b,  \n2026-03-02,a,0.5\n"))
    assert got.level(D1, "a", "reply_rate") is None
    assert got.level(D1, "b", "reply_rate") is None
    assert got.problems == []


def test_an_empty_cell_then_a_value_for_the_same_day_is_not_a_duplicate(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, "date,category,reply_rate\n2026-03-01,a,\n2026-03-01,a,0.6\n"))
    assert got.level(D1, "a", "reply_rate") == 0.6
    assert got.problems == []


def test_bom_and_crlf(tmp_path: Path) -> None:
    f = _write(tmp_path, "\ufeffdate,category,reply_rate\r\n2026-03-01,a,0.5\r\n2026-03-02,a,bad\r\n")
    got = read_peers(f)
    assert got.columns == ("reply_rate",)
    assert got.levels == {(D1, "a", "reply_rate"): 0.5}
    assert got.problems == [f"{f.as_posix()}:3: reply_rate `bad` is not a rate in [0, 1] (write 0.45 or 45%); cell left out"]


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, "date,category,reply_rate\n\n2026-03-01,a,0.5\n\n"))
    assert got.levels == {(D1, "a", "reply_rate"): 0.5}
    assert got.problems == []


def test_non_utf8_is_an_input_error(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate\n2026-03-01,数码,0.5\n".encode("gbk"))  # 0xCA 0xFD is no UTF-8
    with pytest.raises(InputError, match="cannot read peers file") as info:
        read_peers(f)
    assert "UTF-8" in (info.value.hint or "")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as info:
        read_peers(tmp_path / "nope.csv")
    assert "--peers" in (info.value.hint or "")


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read peers file"):
        read_peers(tmp_path)


def test_extra_cells_are_noted_and_the_row_left_out(tmp_path: Path) -> None:
    f = _write(tmp_path, "date,category,reply_rate\n2026-03-01,a,0.5,0.6\n2026-03-02,a,0.5\n")
    got = read_peers(f)
    assert got.levels == {(date(2026, 3, 2), "a", "reply_rate"): 0.5}
    assert got.problems == [f"{f.as_posix()}:2: more cells than header columns; row left out"]


def test_fewer_cells_are_no_level(tmp_path: Path) -> None:
    got = read_peers(_write(tmp_path, "date,category,reply_rate,inquiries\n2026-03-01,a,0.5\n"))
    assert got.level(D1, "a", "reply_rate") == 0.5
    assert got.level(D1, "a", "inquiries") is None
    assert got.problems == []


def test_problems_name_the_line_where_a_multiline_record_starts(tmp_path: Path) -> None:
    # CONTRACT §7.1: CSV line numbers are where the record starts.
    f = _write(tmp_path, 'date,category,reply_rate\n2026-03-01,"a\nb",oops\n2026-03-01,c,0.5\n')
    got = read_peers(f)
    assert got.levels == {(D1, "c", "reply_rate"): 0.5}
    assert got.problems == [f"{f.as_posix()}:2: reply_rate `oops` is not a rate in [0, 1] (write 0.45 or 45%); cell left out"]


def test_problems_reach_the_report_and_the_audit_goes_on(tmp_path: Path) -> None:
    from auditor import AuditOptions, audit

    peers = _write(tmp_path, "date,category,reply_rate\n2026-03-01,a,45\n")
    data = tmp_path / "d.jsonl"
    data.write_text('{"shop_id":"s1","buyer_id":"b","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n', encoding="utf-8")
    r = audit([data], AuditOptions(policy="pinduoduo", peers=peers, as_of=D1))
    assert r.inputs.notes == [f"{peers.as_posix()}:2: reply_rate `45` is not a rate in [0, 1] (write 0.45 or 45%); cell left out"]
