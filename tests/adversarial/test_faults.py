"""Faults (BAD-INPUT.md rows 19, 20, 22, and the spill case of 23): the run ends with a sentence and the right exit
status, the report is all or nothing, and nothing is left behind.

Row  What is tried here (the CLI in a subprocess, as a user runs it)
19   disk full: `> /dev/full` (stdout), a full tmpfs under --output (when mounting is allowed), a file-size limit
     (RLIMIT_FSIZE, everywhere); the write itself patched to fail: tests/unit/io/test_atomic.py
20   SIGINT and SIGTERM while the input is read, while DuckDB cuts rounds on two threads and spills, and while
     the report is being printed; a rerun gives the same bytes
22   temp dir a file, missing, read-only; memory limit far below need; bad --threads/--memory-limit values
23   (spill) a 64MB limit on one thread spills and gives the same bytes as the default run

The --output cases (a directory, a read-only directory, permissions kept, parents created) are here too.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import random
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

import auditor
from auditor.engine.connection import EngineSettings, connect, session
from auditor.engine.prepare import working_set
from auditor.errors import EngineError
from auditor.io.base import InputFile
from auditor.io.jsonl import JsonlReader
from tests.conftest import ROOT

GOLDEN_INPUT = str(ROOT / "tests/golden/input")
AUDIT = ("audit", "--policy", "taobao", "--format", "json", "--fail-on", "never", "--lang", "en")
BIG_ROWS = 100_000


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 180, **kw: object) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("AUDITOR_DEBUG", None)
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, env=full_env, timeout=timeout, **streams)  # type: ignore[call-overload]


def clean_stderr(err: bytes) -> str:
    """The sentence a person reads: one line, no traceback, not an 'internal error'."""
    text = err.decode()
    assert "Traceback" not in text and "internal error" not in text and "Exception ignored" not in text, text
    return text


def write_big_input(path: Path, rows: int) -> None:
    """Taobao chats over 30 days of 2026-03: 20 shops, 50 000 buyers, 4 replies in 5 within 400 s (seeded, so always the same bytes)."""
    rnd = random.Random(7)
    start = datetime(2026, 3, 1, tzinfo=timezone(timedelta(hours=8)))
    with path.open("w") as fh:
        i = 0
        while i < rows:
            shop, buyer = f"s{rnd.randrange(20)}", f"b{rnd.randrange(50_000)}"
            t = start + timedelta(seconds=rnd.randrange(30 * 86_400))
            fh.write(json.dumps({"shop_id": shop, "buyer_id": buyer, "role": "buyer", "ts": t.isoformat(), "msg_id": f"m{i}", "text": "hi"}) + "\n")
            i += 1
            if rnd.random() < 0.8 and i < rows:
                t2 = t + timedelta(seconds=rnd.randrange(1, 400))
                rec = {"shop_id": shop, "buyer_id": buyer, "role": "agent", "sender_id": f"{shop}:a{rnd.randrange(5)}", "ts": t2.isoformat(), "msg_id": f"m{i}"}
                fh.write(json.dumps(rec) + "\n")
                i += 1


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "chats.jsonl"
    write_big_input(path, BIG_ROWS)
    return path


@pytest.fixture(scope="module")
def big_report(big: Path) -> bytes:
    """The JSON report of the big input with the default engine settings: what every other run of it must equal."""
    r = run(*AUDIT, str(big))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["inputs"]["read"] == BIG_ROWS
    return r.stdout


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A tmpfs at ``path`` (root in a container or CI); the test is skipped where mounting is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@contextlib.contextmanager
def read_only_dir(path: Path) -> Iterator[Path]:
    """A directory this process cannot write to: chmod 555 for a normal user; for root (who ignores modes) a read-only tmpfs."""
    if os.geteuid() != 0:
        path.mkdir(parents=True)
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
    else:
        with mounted_tmpfs(path, "ro,size=64k") as p:
            yield p


# --- row 19: disk full on the report ----------------------------------------------------------------------


def test_row19_stdout_on_dev_full_exit_2_with_a_sentence() -> None:
    with open("/dev/full", "wb") as full:
        r = run(*AUDIT, GOLDEN_INPUT, stdout=full)
    assert r.returncode == 2
    err = clean_stderr(r.stderr)
    assert err == "error: cannot write the report to standard output: No space left on device (free some space, or write it to a file with --output)\n"


def test_row19_output_on_a_full_disk_keeps_the_old_report(tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "disk", "size=64k") as disk:
        target = disk / "report.json"
        target.write_bytes(b"old report")
        # fill the disk, leaving less than a report (the golden report is ~40 KB)
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as fh:
            fh.write(b"x" * (60 * 1024))
        r = run(*AUDIT, GOLDEN_INPUT, "--output", str(target))
        assert r.returncode == 2
        err = clean_stderr(r.stderr)
        assert f"cannot write `{target}`: No space left on device" in err and "free some space" in err
        assert target.read_bytes() == b"old report"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "report.json"]  # no temp file left


def _small_file_limit() -> None:
    # a file-size limit any process can set: writes past it fail with EFBIG instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_row19_file_size_limit_keeps_the_old_report(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    target.write_bytes(b"old report")
    r = run(*AUDIT, GOLDEN_INPUT, "--output", str(target), preexec_fn=_small_file_limit)
    assert r.returncode == 2
    err = clean_stderr(r.stderr)
    assert f"cannot write `{target}`: File too large" in err and "free some space" in err
    assert target.read_bytes() == b"old report"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


# --- --output: a directory, read-only, permissions, parents -----------------------------------------------


def test_output_that_is_a_directory_exit_2(tmp_path: Path) -> None:
    r = run(*AUDIT, GOLDEN_INPUT, "--output", str(tmp_path))
    assert r.returncode == 2
    assert clean_stderr(r.stderr) == f"error: cannot write `{tmp_path}`: it is a directory (give a file path, e.g. {tmp_path}/report.json)\n"
    assert list(tmp_path.iterdir()) == []


def test_output_in_a_read_only_directory_exit_2(tmp_path: Path) -> None:
    with read_only_dir(tmp_path / "ro") as ro:
        r = run(*AUDIT, GOLDEN_INPUT, "--output", str(ro / "report.json"))
        assert r.returncode == 2
        err = clean_stderr(r.stderr)
        assert f"cannot write `{ro / 'report.json'}`:" in err and "choose a directory you can write to for --output" in err
        assert list(ro.iterdir()) == []


def test_output_keeps_an_existing_files_permissions(tmp_path: Path) -> None:
    # test_cli.py::test_json_to_output_matches_stdout covers missing parents (created) and no temp file left
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    r = run(*AUDIT, GOLDEN_INPUT, "--output", str(target))
    assert r.returncode == 0, r.stderr
    assert target.stat().st_mode & 0o777 == 0o640
    assert json.loads(target.read_bytes())["policy"]["name"] == "taobao"


# --- row 22: a bad engine environment ---------------------------------------------------------------------


def test_row22_temp_dir_that_is_a_file_exit_2_naming_the_setting(tmp_path: Path) -> None:
    afile = tmp_path / "spill"
    afile.write_text("not a directory")
    target = tmp_path / "report.json"
    for args, env in (((f"--temp-dir={afile}",), {}), ((), {"AUDITOR_TEMP_DIR": str(afile)})):
        r = run(*AUDIT, GOLDEN_INPUT, "--output", str(target), *args, env=env)
        assert r.returncode == 2
        assert clean_stderr(r.stderr) == (
            f"error: the temp directory `{afile}` is not a directory (set --temp-dir / AUDITOR_TEMP_DIR to a writable directory)\n"
        )
        assert not target.exists()


def test_row22_temp_dir_not_writable_or_missing_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    r = run(*AUDIT, GOLDEN_INPUT, "--temp-dir", str(missing))
    assert r.returncode == 2
    assert "the temp directory" in clean_stderr(r.stderr) and "does not exist and cannot be created there" in r.stderr.decode()
    with read_only_dir(tmp_path / "ro") as ro:
        r = run(*AUDIT, GOLDEN_INPUT, env={"AUDITOR_TEMP_DIR": str(ro)})
        assert r.returncode == 2
        assert clean_stderr(r.stderr) == f"error: the temp directory `{ro}` is not writable (set --temp-dir / AUDITOR_TEMP_DIR to a writable directory)\n"
        assert r.stdout == b""


def test_row22_memory_limit_far_below_need_exit_2_naming_the_setting(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old report")
    r = run(*AUDIT, GOLDEN_INPUT, "--output", str(target), env={"AUDITOR_MEMORY_LIMIT": "1MB"})
    assert r.returncode == 2
    err = clean_stderr(r.stderr)
    assert err.startswith("error: the audit needs more memory than the limit of 1MB allows")
    assert "raise --memory-limit / AUDITOR_MEMORY_LIMIT" in err
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_row22_flags_win_over_the_environment() -> None:
    base = run(*AUDIT, GOLDEN_INPUT)
    r = run(*AUDIT, GOLDEN_INPUT, "--memory-limit", "512MB", "--threads", "1", env={"AUDITOR_MEMORY_LIMIT": "1MB", "AUDITOR_THREADS": "x"})
    assert r.returncode == base.returncode == 0, r.stderr
    assert r.stdout == base.stdout


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (("--memory-limit", "lots"), {}, "error: memory limit `lots` is not a size (set --memory-limit / AUDITOR_MEMORY_LIMIT to a size such as 4GB or 512MB)"),
        ((), {"AUDITOR_MEMORY_LIMIT": "4 gigs"}, "error: memory limit `4 gigs` is not a size"),
        ((), {"AUDITOR_THREADS": "two"}, "error: threads `two` is not a positive whole number (set --threads / AUDITOR_THREADS to 1 or more)"),
        ((), {"AUDITOR_THREADS": "0"}, "error: threads `0` is not a positive whole number"),
        (("--threads", "0"), {}, "Invalid value for '--threads'"),
    ],
)
def test_row22_bad_engine_values_exit_2(args: tuple[str, ...], env: dict[str, str], needle: str) -> None:
    r = run(*AUDIT, GOLDEN_INPUT, *args, env=env)
    assert r.returncode == 2
    assert needle in clean_stderr(r.stderr)
    assert r.stdout == b""


@pytest.mark.parametrize("command", ["precheck", "explain", "diff"])
def test_engine_flags_on_every_command_that_audits(command: str) -> None:
    tail = {"precheck": ("--shop", "g1"), "explain": ("--shop", "g1", "--metric", "response_rate_3min"), "diff": ()}[command]
    head = ("diff", "taobao", "taobao", GOLDEN_INPUT) if command == "diff" else (command, GOLDEN_INPUT, "--policy", "taobao")
    r = run(*head, *tail, "--memory-limit", "1MB")
    assert r.returncode == 2
    assert "raise --memory-limit / AUDITOR_MEMORY_LIMIT" in clean_stderr(r.stderr)
    ok = run(*head, *tail, "--memory-limit", "256MB", "--threads", "1")
    assert ok.returncode in (0, 1), ok.stderr


def test_temp_dir_path_reaches_duckdb_as_data_not_sql(tmp_path: Path) -> None:
    odd = tmp_path / "it's'; SET memory_limit='1MB'; --"
    odd.mkdir()
    base = run(*AUDIT, GOLDEN_INPUT)
    r = run(*AUDIT, GOLDEN_INPUT, "--temp-dir", str(odd))
    assert r.returncode == 0, r.stderr
    assert r.stdout == base.stdout
    con = connect(EngineSettings(temp_directory=str(odd)))
    try:
        assert con.execute("SELECT current_setting('temp_directory')").fetchall() == [(str(odd),)]
    finally:
        con.close()


def test_duckdb_never_draws_its_progress_bar_into_the_report() -> None:
    # DuckDB prints its own bar on stdout once a query runs 2 s; on a big audit it landed inside the JSON report
    con = connect(EngineSettings())
    try:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]
    finally:
        con.close()


@pytest.mark.parametrize("fault", [duckdb.OutOfMemoryException, duckdb.InterruptException])
def test_a_session_fault_while_reading_is_not_an_unreadable_file(fault: type[Exception], monkeypatch: pytest.MonkeyPatch) -> None:
    # regression: the readers recorded any duckdb.Error as "cannot read the file", so running out of memory while
    # staging a file dropped that file from the audit and the run went on to a smaller, wrong report
    def fails(self: object, con: object, file: object) -> object:
        raise fault("the session's fault, not the file's")

    monkeypatch.setattr(JsonlReader, "_stage", fails)
    with pytest.raises(EngineError if fault is duckdb.OutOfMemoryException else duckdb.InterruptException):
        auditor.audit([GOLDEN_INPUT + "/chats.jsonl"], auditor.AuditOptions(policy="taobao"))


def test_interrupt_stops_a_long_query_on_several_threads_at_once() -> None:
    # Python's signal handlers wait while DuckDB runs one query on several threads; the CLI's signal watcher
    # calls api.interrupt, which must stop it from another thread
    con = connect(EngineSettings(threads=2))
    timer = threading.Timer(0.5, auditor.api.interrupt)
    try:
        started = time.monotonic()
        timer.start()
        with pytest.raises(duckdb.InterruptException):
            con.execute("SELECT count(*) FROM range(20000000000) t(i) WHERE md5(i::VARCHAR) = 'x'").fetchall()  # hours if not stopped
        assert time.monotonic() - started < 20
    finally:
        timer.cancel()
        con.close()


# --- the spill directory ----------------------------------------------------------------------------------


def test_user_temp_dir_keeps_its_own_files(tmp_path: Path) -> None:
    given = tmp_path / "spill"
    given.mkdir()
    (given / "mine.txt").write_text("keep me")
    r = run(*AUDIT, GOLDEN_INPUT, "--temp-dir", str(given), "--memory-limit", "64MB")
    assert r.returncode == 0, r.stderr
    assert [p.name for p in given.iterdir()] == ["mine.txt"]


@pytest.mark.slow
def test_tiny_memory_limit_spills_and_gives_the_same_bytes(big: Path, big_report: bytes, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "AUDITOR_MEMORY_LIMIT": "64MB", "AUDITOR_THREADS": "1"}
    env.pop("AUDITOR_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", *AUDIT, str(big)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    spilled: set[str] = set()

    def watch() -> None:
        for d in tmp.glob("auditor-spill-*"):
            with contextlib.suppress(OSError):
                spilled.update(p.name for p in d.iterdir())

    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else b""), daemon=True)
    reader.start()
    deadline = time.monotonic() + 180
    while proc.poll() is None and time.monotonic() < deadline:
        watch()
        time.sleep(0.02)
    reader.join(timeout=60)
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.wait(timeout=10) == 0, err
    assert out[0] == big_report  # the same bytes as with the default 2.5GB and all threads
    assert any(name.startswith("duckdb_temp") for name in spilled), spilled  # it did spill
    assert list(tmp.iterdir()) == []  # and the spill directory is gone


# --- where the working tables live (AUDITOR_STORAGE) ------------------------------------------------------


def _database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row else None


def test_auto_storage_puts_records_larger_than_the_limit_in_a_file(tmp_path: Path) -> None:
    # the 200M bench audit ran out of memory with its records in memory (uncompressed, 23 GB of spill) and
    # completed with them in a file; small audits stay in memory, where they are fastest
    settings = EngineSettings(memory_limit="64MB", temp_directory=str(tmp_path))
    with session(settings, working_set=63 * 10**6) as con:  # below the limit
        assert _database_path(con) is None
    with session(settings, working_set=65 * 10**6) as con:  # above it
        path = _database_path(con)
        assert path is not None and Path(path).parent == tmp_path and Path(path).name.startswith("auditor-work-")
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)").fetchall()
        assert Path(path).exists()
    assert list(tmp_path.iterdir()) == []  # the file (and its WAL) went with the session


def test_working_set_weighs_each_format_by_its_reader(tmp_path: Path) -> None:
    # 1000 bytes of Parquet hold about 25 times as much in memory as 1000 bytes of JSON Lines (1.2) or CSV (2.0)
    files = []
    for i, name in enumerate(["a.parquet", "b.jsonl", "c.csv"]):
        (tmp_path / name).write_bytes(b"x" * 1000)
        files.append(InputFile(idx=i, path=tmp_path / name, shown=name))
    assert working_set(files[:1]) == 25_000
    assert working_set(files[1:2]) == 1_200
    assert working_set(files) == 25_000 + 1_200 + 2_000


def test_disk_storage_gives_the_same_bytes_and_leaves_nothing(tmp_path: Path) -> None:
    base = run(*AUDIT, GOLDEN_INPUT)
    ours = tmp_path / "tmp"
    ours.mkdir()
    r = run(*AUDIT, GOLDEN_INPUT, env={"AUDITOR_STORAGE": "disk", "TMPDIR": str(ours)})
    assert r.returncode == 0, r.stderr
    assert r.stdout == base.stdout
    assert list(ours.iterdir()) == []
    given = tmp_path / "spill"
    given.mkdir()
    (given / "mine.txt").write_text("keep me")
    r = run(*AUDIT, GOLDEN_INPUT, "--temp-dir", str(given), env={"AUDITOR_STORAGE": "disk"})
    assert r.stdout == base.stdout
    assert [p.name for p in given.iterdir()] == ["mine.txt"]
    made = tmp_path / "made"  # a --temp-dir that does not exist yet is made for the file, and removed again
    r = run(*AUDIT, GOLDEN_INPUT, "--temp-dir", str(made), env={"AUDITOR_STORAGE": "disk"})
    assert r.stdout == base.stdout
    assert not made.exists()


def test_a_failed_connect_on_disk_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the file's directory is made before DuckDB opens it; if opening fails, the directory goes again
    import auditor.engine.connection as connection

    def fails(*args: object, **kwargs: object) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB (1.0 MiB/1.0 MiB used)")

    monkeypatch.setattr(connection.duckdb, "connect", fails)
    made = tmp_path / "made"
    with pytest.raises(EngineError, match="1.0 MiB/1.0 MiB used"):
        connect(EngineSettings(temp_directory=str(made), storage="disk"))
    assert not made.exists()


def test_storage_setting_is_checked() -> None:
    r = run(*AUDIT, GOLDEN_INPUT, env={"AUDITOR_STORAGE": "ssd"})
    assert r.returncode == 2
    err = clean_stderr(r.stderr)
    assert "storage `ssd` is not one of auto, memory, disk" in err and "AUDITOR_STORAGE" in err


# --- row 20: interrupted runs -----------------------------------------------------------------------------


def _default_sigint() -> None:
    # a shell running the tests in the background ignores SIGINT for its children, and the auditor keeps a
    # signal its parent ignores (nohup) ignored; a person at a terminal has it on
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(
    args: tuple[str, ...], sig: signal.Signals, when: bytes, env: dict[str, str], also: Path | None = None
) -> tuple[int, str, float, list[str]]:
    """Run the CLI with stderr on a terminal (so the progress bar names the phase) and send ``sig`` once ``when`` shows,
    and, if ``also`` is given, once the engine has spilled there. Return the exit status, what the terminal showed
    after the signal, the seconds from the signal to the exit, and the spill files present when the signal went."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm", "COLUMNS": "100", **env}
    full_env.pop("AUDITOR_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor.cli", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave, env=full_env, preexec_fn=_default_sigint
    )
    os.close(slave)
    seen, after, sent_at, spill = b"", b"", 0.0, []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process is done with it
                    break
                if not chunk:
                    break
                if sent_at:
                    after += chunk
                seen += chunk
            if not sent_at and when in seen:
                spill = sorted(p.name for d in also.glob("auditor-spill-*") for p in d.iterdir()) if also else []
                if also is None or spill:
                    proc.send_signal(sig)
                    sent_at = time.monotonic()
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert sent_at, f"the run ended before {when!r} showed (or before it spilled): {seen[-500:]!r}"
    return code, after.decode(errors="replace"), time.monotonic() - sent_at, spill


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "when", "engine"),
    [
        (signal.SIGINT, b"reading records", ()),
        (signal.SIGTERM, b"reading records", ()),
        # DuckDB on two threads does not look at Python's signals while a query runs: the watcher stops it
        (signal.SIGTERM, b"checking records", ("--threads", "2")),
    ],
    ids=["SIGINT-read", "SIGTERM-read", "SIGTERM-rounds-2-threads"],
)
def test_row20_signal_during_the_scan(big: Path, tmp_path: Path, sig: signal.Signals, when: bytes, engine: tuple[str, ...]) -> None:
    tmp, target = tmp_path / "tmp", tmp_path / "out" / "report.json"
    tmp.mkdir()
    target.parent.mkdir()
    target.write_bytes(b"old report")
    code, said, took, _ = interrupt((*AUDIT, str(big), "--output", str(target), *engine), sig, when, {"TMPDIR": str(tmp)})
    assert code == 128 + sig.value  # 130 SIGINT, 143 SIGTERM
    assert f"interrupted by {sig.name} before the report was written: nothing was written" in said
    assert "Traceback" not in said and "internal error" not in said
    assert took < 30  # it stopped: the rest of the audit takes longer than that on any machine this runs on
    assert target.read_bytes() == b"old report"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
    assert list(tmp.iterdir()) == []


@pytest.mark.slow
def test_row20_signal_while_spilling_removes_the_spill_directory_and_a_rerun_is_identical(big: Path, big_report: bytes, tmp_path: Path) -> None:
    tmp, target = tmp_path / "tmp", tmp_path / "report.json"
    tmp.mkdir()
    args = (*AUDIT, str(big), "--output", str(target), "--memory-limit", "64MB", "--threads", "1")
    code, said, _, spill = interrupt(args, signal.SIGTERM, b"checking records", {"TMPDIR": str(tmp)}, also=tmp)
    assert code == 143
    assert "interrupted by SIGTERM before the report was written" in said
    assert any(name.startswith("duckdb_temp") for name in spill)  # the engine had spilled when the signal came
    assert list(tmp.iterdir()) == []  # and its directory is gone
    assert not target.exists()
    rerun = run(*args, env={"TMPDIR": str(tmp)})
    assert rerun.returncode == 0, rerun.stderr
    assert target.read_bytes() == big_report
    assert list(tmp.iterdir()) == []


@pytest.mark.slow
def test_row20_signal_while_printing_the_report(big: Path) -> None:
    # stdout is a pipe nobody reads yet: the report (~0.7 MB) fills it and the write blocks, mid-report
    env = {**os.environ}
    env.pop("AUDITOR_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", *AUDIT, str(big)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    ready, _, _ = select.select([proc.stdout], [], [], 180)
    assert ready, "no report began within 180 s"
    first = os.read(proc.stdout.fileno(), 1024)
    assert first.startswith(b"{")
    time.sleep(0.5)  # the writer is blocked on a full pipe
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 143
    assert err == "interrupted by SIGTERM while printing the report: standard output holds only part of it\n"
    with pytest.raises(json.JSONDecodeError):
        json.loads(first + rest)  # the exit status is what tells a reader of stdout the report is not whole
