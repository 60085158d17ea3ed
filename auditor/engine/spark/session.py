"""The process's Spark context: started on first use, configured to compute what DuckDB computes, and silent.

One SparkContext per process (Spark allows no more), kept for the process's
life: starting the JVM costs seconds, and a test session or a ``diff`` runs
several audits. Each ``SparkConnection`` gets its own ``newSession()`` on it,
so tables of one run never meet another's. A different master asked for
later stops the old context and starts a new one.

Settings that make Spark's answers DuckDB's:

- ``spark.sql.session.timeZone=UTC``: casts of timestamps to text, as DuckDB's session;
- ``spark.sql.ansi.enabled=false`` (Spark 4 defaults it on): ``try(…)`` in
  DuckDB SQL means NULL where a cast or date fails, which is Spark's non-ANSI
  behaviour, and division by zero is NULL, not an error. Integer overflow then
  wraps instead of failing: the engine's integers are bounded (instants to
  year 2199 in nanoseconds, ~7.3e18 < 2**63), and parameters are bound as
  BIGINT (``dialect``), so no figure comes near it;
- a few shuffle partitions (the data of a local run is small per partition).

Quiet: Spark's own log4j profile prints a banner and warnings on stderr and a
progress bar; a log4j2 file of ours turns every logger off, and the console
progress bar is off, so the CLI's stdout and stderr carry only its own words.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

from auditor.errors import EngineError, UsageError

DEFAULT_MASTER = "local[2]"
MASTER_SETTING = "--spark-master / AUDITOR_SPARK_MASTER"
INSTALL_HINT = "install the Spark extra with pip install 'auditor[spark]' (it needs Java 17 or later), or use --engine duckdb"

SQL_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.shuffle.partitions": "2",  # a local run's data is small per partition; more only adds tasks (measured: 4 was ~25% slower)
    "spark.sql.caseSensitive": "false",
}

_LOG4J = """\
status = off
rootLogger.level = off
rootLogger.appenderRef.stderr.ref = null
appender.null.type = Null
appender.null.name = null
# pyspark counts as a shell: Spark prints "Setting default log level" unless the shell's logger says the same as the root
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = off
"""

_lock = threading.Lock()
_context: dict[str, Any] = {}  # "master" and "spark" of the running context


def resolve_master(master: str | None) -> str:
    """The master given, else AUDITOR_SPARK_MASTER, else local[2]."""
    m = (master or os.environ.get("AUDITOR_SPARK_MASTER") or DEFAULT_MASTER).strip()
    if not m or any(ch in m for ch in "\0\n\r"):
        raise UsageError(f"Spark master `{m}` is not a master URL", hint=f"set {MASTER_SETTING} to e.g. local[2] or spark://host:7077")
    return m


def require_pyspark() -> None:
    """Refuse early, with the fix, when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError("the Spark engine needs pyspark, which is not installed", hint=INSTALL_HINT) from None


def root_session(master: str, memory_limit: str | None = None, local_dir: str | None = None) -> Any:
    """The process's SparkSession for ``master``, started if needed (a new master restarts it)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    with _lock:
        running = _context.get("spark")
        if running is not None and _context.get("master") == master and not _stopped(running):
            return running
        if running is not None:
            running.stop()
            _context.clear()
        builder = SparkSession.builder.master(master).appName("auditor")
        for key, value in _conf(memory_limit, local_dir).items():
            builder = builder.config(key, value)
        try:
            with _jvm_output_discarded():
                spark = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start: no Java, a bad master URL, no cluster there
            raise EngineError(
                f"Spark did not start on master `{master}`: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}",
                hint=f"check that Java 17+ is installed and {MASTER_SETTING} names a reachable master",
            ) from None
        spark.sparkContext.setLogLevel("OFF")
        _context.update(master=master, spark=spark)
        return spark


@contextlib.contextmanager
def _jvm_output_discarded() -> Iterator[None]:
    """The JVM inherits the process's stdout and stderr: start it with both on /dev/null, so nothing it ever
    prints (log lines, JVM warnings such as the incubator-module notice) lands in a report or on the terminal."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def stop() -> None:
    """Stop the process's Spark context, if one runs."""
    with _lock:
        running = _context.pop("spark", None)
        _context.clear()
        if running is not None:
            running.stop()


def _stopped(spark: Any) -> bool:
    sc = spark.sparkContext
    return sc._jsc is None  # pyspark clears it when the context stops


def _conf(memory_limit: str | None, local_dir: str | None) -> dict[str, str]:
    conf = {
        **SQL_CONF,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{_log4j_file()}",
        "spark.executor.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{_log4j_file()}",
    }
    if memory_limit:
        conf["spark.driver.memory"] = _jvm_size(memory_limit)
    if local_dir:
        conf["spark.local.dir"] = local_dir
    return conf


def _log4j_file() -> str:
    path = os.path.join(tempfile.gettempdir(), "auditor-spark-log4j2.properties")
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == _LOG4J:
                return path
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix="auditor-spark-log4j2-", suffix=".properties")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(_LOG4J)
    os.replace(tmp, path)
    return path


def _jvm_size(text: str) -> str:
    """A size as DuckDB takes it (``4GB``, ``512MiB``) as a JVM size in MiB (``3814m``, ``512m``)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", text.strip().upper().replace(" ", ""))
    if not m:
        raise UsageError(f"memory limit `{text}` is not a size", hint="set --memory-limit / AUDITOR_MEMORY_LIMIT to a size such as 4GB or 512MB")
    scale = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}
    mib = max(64, int(float(m.group(1)) * scale[m.group(2)] // 1024**2))
    return f"{mib}m"
