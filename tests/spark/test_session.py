"""Choosing and refusing the Spark engine, without starting a JVM."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from auditor import api
from auditor.engine.spark import session
from auditor.errors import UsageError
from tests.conftest import ROOT


def test_missing_pyspark_is_a_usage_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(UsageError) as err:
        api.audit([ROOT / "examples" / "data" / "parquet"], api.AuditOptions(policy="taobao", engine="spark"))
    assert "pip install 'auditor[spark]'" in str(err.value)


def test_master_from_flag_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDITOR_SPARK_MASTER", raising=False)
    assert session.resolve_master(None) == "local[2]"
    monkeypatch.setenv("AUDITOR_SPARK_MASTER", "spark://h:7077")
    assert session.resolve_master(None) == "spark://h:7077"
    assert session.resolve_master("local[1]") == "local[1]"  # the flag wins
    with pytest.raises(UsageError):
        session.resolve_master("local[2]\nspark.x=y")


def test_memory_limit_becomes_a_jvm_size() -> None:
    # 4GB = 4e9 bytes = 3814.7 MiB -> 3814m; 512MiB -> 512m; below 64 MiB the JVM gets 64m
    assert session._jvm_size("4GB") == "3814m"
    assert session._jvm_size("512MIB") == "512m"
    assert session._jvm_size("1MB") == "64m"
    assert session._jvm_size("2 gib") == "2048m"
    with pytest.raises(UsageError):
        session._jvm_size("lots")


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValidationError):  # refused before any engine opens
        api.AuditOptions(policy="taobao", engine="sqlite")  # type: ignore[arg-type]
