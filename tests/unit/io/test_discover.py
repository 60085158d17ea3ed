"""auditor.io.discover: the walk, its order, skipped files, symlinks (BAD-INPUT rows 14-15, CONTRACT §7.1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.io.discover import Skipped, discover

GOOD = '{"shop_id":"s1","buyer_id":"b1","role":"buyer","ts":"2026-03-01T10:00:00+08:00"}\n'


def _touch(p: Path, text: str = GOOD) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _shown(files) -> list[str]:
    return [f.shown for f in files]


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    """A mixed directory, entered so that paths are relative."""
    root = tmp_path / "data"
    _touch(root / "b.jsonl")
    _touch(root / "a.csv", "shop_id,buyer_id,role,ts\n")
    _touch(root / "sub" / "deeper" / "z.parquet", "")
    _touch(root / "sub" / "c.ndjson")
    _touch(root / "sub" / "D.JSONL")
    _touch(root / "notes.txt", "hello")
    _touch(root / ".DS_Store", "\0\0")
    _touch(root / "README", "x")
    _touch(root / "sub" / "x.json", "{}")
    (root / "empty_dir").mkdir()
    monkeypatch.chdir(tmp_path)
    return root


def test_recursive_sorted_walk_and_skips(tree):
    files, skipped = discover(["data"])
    assert _shown(files) == ["data/a.csv", "data/b.jsonl", "data/sub/D.JSONL", "data/sub/c.ndjson", "data/sub/deeper/z.parquet"]
    assert [f.idx for f in files] == [0, 1, 2, 3, 4]
    assert all(f.path.exists() for f in files)
    assert skipped == [
        Skipped("data/.DS_Store", "unsupported file type `(none)`"),
        Skipped("data/README", "unsupported file type `(none)`"),
        Skipped("data/notes.txt", "unsupported file type `.txt`"),
        Skipped("data/sub/x.json", "unsupported file type `.json`"),
    ]


def test_order_independent_of_argument_order(tree):
    args = ["data/sub", "data/b.jsonl", "data/a.csv", "data/notes.txt"]
    one = discover(args)
    two = discover(list(reversed(args)))
    assert one == two
    assert _shown(one[0]) == ["data/a.csv", "data/b.jsonl", "data/sub/D.JSONL", "data/sub/c.ndjson", "data/sub/deeper/z.parquet"]
    assert one[1] == [
        Skipped("data/notes.txt", "unsupported file type `.txt`"),
        Skipped("data/sub/x.json", "unsupported file type `.json`"),
    ]


def test_shown_names_are_normalised(tree):
    files, _ = discover(["./data/sub/../b.jsonl", "data//a.csv"])
    assert _shown(files) == ["data/a.csv", "data/b.jsonl"]


def test_absolute_root_shows_absolute_names(tree):
    files, _ = discover([tree / "sub" / "deeper"])
    assert _shown(files) == [(tree / "sub" / "deeper" / "z.parquet").as_posix()]


def test_same_file_given_twice_read_once(tree):
    files, skipped = discover(["data/b.jsonl", "data/b.jsonl", "./data/b.jsonl"])
    assert _shown(files) == ["data/b.jsonl"]
    assert skipped == [Skipped("data/b.jsonl", "same file as `data/b.jsonl`, read once")] * 2


def test_file_inside_a_given_directory_read_once(tree):
    files, skipped = discover(["data/sub/c.ndjson", "data/sub"])
    assert _shown(files) == ["data/sub/D.JSONL", "data/sub/c.ndjson", "data/sub/deeper/z.parquet"]
    assert Skipped("data/sub/c.ndjson", "same file as `data/sub/c.ndjson`, read once") in skipped


def test_same_file_by_two_names_kept_copy_is_the_first_sorted(tree):
    # a symlink given on the command line is followed; it names the same file as data/b.jsonl
    Path("alias.jsonl").symlink_to(tree / "b.jsonl")
    one = discover(["data/b.jsonl", "alias.jsonl"])
    two = discover(["alias.jsonl", "data/b.jsonl"])
    assert one == two
    assert _shown(one[0]) == ["alias.jsonl"]
    assert one[1] == [Skipped("data/b.jsonl", "same file as `alias.jsonl`, read once")]


def test_symlinked_directory_not_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    _touch(outside / "o.jsonl")
    (tree / "link_out").symlink_to(outside, target_is_directory=True)
    (tree / "sub" / "loop").symlink_to(tree, target_is_directory=True)  # a loop
    files, skipped = discover(["data"])
    assert not any("o.jsonl" in s or "loop" in s for s in _shown(files))
    assert Skipped("data/link_out", "symlinked directory, not followed") in skipped
    assert Skipped("data/sub/loop", "symlinked directory, not followed") in skipped
    assert len(files) == 5


def test_symlink_to_file_outside_root_skipped_inside_root_read_once(tree, tmp_path):
    _touch(tmp_path / "secret.jsonl")
    (tree / "escape.jsonl").symlink_to(tmp_path / "secret.jsonl")
    (tree / "sub" / "alias.jsonl").symlink_to(tree / "b.jsonl")
    (tree / "sub" / "rel.jsonl").symlink_to(Path("..") / ".." / "secret.jsonl")
    files, skipped = discover(["data"])
    shown = _shown(files)
    assert "data/escape.jsonl" not in shown and "data/sub/rel.jsonl" not in shown
    assert Skipped("data/escape.jsonl", "symlink to a file outside the directory, not followed") in skipped
    assert Skipped("data/sub/rel.jsonl", "symlink to a file outside the directory, not followed") in skipped
    # the alias stays inside the root; it is the same file as b.jsonl, so read once
    assert "data/b.jsonl" in shown and "data/sub/alias.jsonl" not in shown
    assert Skipped("data/sub/alias.jsonl", "same file as `data/b.jsonl`, read once") in skipped


def test_symlink_given_directly_is_followed(tree, tmp_path):
    _touch(tmp_path / "secret.jsonl")
    (tmp_path / "direct.jsonl").symlink_to(tmp_path / "secret.jsonl")
    files, skipped = discover(["direct.jsonl"])
    assert _shown(files) == ["direct.jsonl"] and skipped == []


def test_nonexistent_path_is_input_error(tree):
    with pytest.raises(InputError, match="input path `data/nope.jsonl` does not exist"):
        discover(["data/b.jsonl", "data/nope.jsonl"])


def test_unsupported_file_given_directly_is_skipped(tree):
    files, skipped = discover(["data/notes.txt", "data/b.jsonl"])
    assert _shown(files) == ["data/b.jsonl"]
    assert skipped == [Skipped("data/notes.txt", "unsupported file type `.txt`")]


def test_empty_directory_gives_nothing(tree):
    assert discover(["data/empty_dir"]) == ([], [])


def test_audit_lists_skipped_and_unreadable(tree, run_audit, ledger):
    report = run_audit("data")
    assert [(s.file, s.reason) for s in report.inputs.skipped] == [
        ("data/.DS_Store", "unsupported file type `(none)`"),
        ("data/README", "unsupported file type `(none)`"),
        ("data/notes.txt", "unsupported file type `.txt`"),
        ("data/sub/x.json", "unsupported file type `.json`"),
    ]
    got = [(f.file, f.format, f.status, f.read) for f in report.inputs.files]
    assert got == [
        ("data/a.csv", "csv", "empty", 0),
        ("data/b.jsonl", "jsonl", "ok", 1),
        ("data/sub/D.JSONL", "jsonl", "ok", 1),
        ("data/sub/c.ndjson", "jsonl", "ok", 1),
        ("data/sub/deeper/z.parquet", "parquet", "unreadable", 0),
    ]
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}


def test_dangling_symlinks_skipped(tree):
    (tree / "dangling.csv").symlink_to(tree / "gone.csv")  # inside the root, target missing
    (tree / "sub" / "dangling.jsonl").symlink_to(tree / "gone.jsonl")
    Path("direct.jsonl").symlink_to(tree / "nothing.jsonl")
    files, skipped = discover(["data", "direct.jsonl"])
    assert len(files) == 5
    assert Skipped("data/dangling.csv", "symlink to nothing, not followed") in skipped
    assert Skipped("data/sub/dangling.jsonl", "symlink to nothing, not followed") in skipped
    assert Skipped("direct.jsonl", "symlink to nothing, not followed") in skipped


@pytest.mark.parametrize("name", ["gone.jsonl", "gone.csv", "gone.parquet"])
def test_file_deleted_between_discovery_and_read(tree, run_audit, ledger, monkeypatch, name):
    """BAD-INPUT #21: recorded unreadable with its path, the others audited, no traceback."""
    import auditor.engine.prepare

    _touch(tree / name)
    real = auditor.engine.prepare.discover

    def discover_then_delete(paths):
        found = real(paths)
        (tree / name).unlink()
        return found

    monkeypatch.setattr(auditor.engine.prepare, "discover", discover_then_delete)
    report = run_audit("data")
    got = {f.file: (f.status, f.read, f.reason) for f in report.inputs.files}
    status, read, reason = got[f"data/{name}"]
    assert (status, read) == ("unreadable", 0)
    assert "No such file or directory" in reason
    assert ledger(report) == {"read": 3, "used": 3, "excluded": {}, "rejected": 0, "rejections": []}


def test_audit_of_only_unsupported_files_is_input_error(tmp_path, run_audit):
    _touch(tmp_path / "a.txt", "x")
    with pytest.raises(InputError, match=r"no readable input: no \.jsonl, \.csv or \.parquet files found \(1 skipped\)"):
        run_audit(tmp_path)


def test_audit_of_empty_directory_is_input_error(tmp_path, run_audit):
    with pytest.raises(InputError, match="no readable input"):
        run_audit(tmp_path)


def test_fifo_is_skipped(tmp_path, run_audit, ledger):
    # a named pipe would block the read forever
    _touch(tmp_path / "a.jsonl")
    os.mkfifo(tmp_path / "pipe.jsonl")
    files, skipped = discover([tmp_path])
    assert [f.path.name for f in files] == ["a.jsonl"]
    assert [(Path(s.file).name, s.reason) for s in skipped] == [("pipe.jsonl", "not a regular file (a pipe, device or socket), not read")]
    fifo_direct = discover([tmp_path / "pipe.jsonl"])
    assert fifo_direct[0] == [] and fifo_direct[1][0].reason == "not a regular file (a pipe, device or socket), not read"
    assert ledger(run_audit(tmp_path))["read"] == 1
