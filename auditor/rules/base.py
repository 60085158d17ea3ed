"""The rule seam: one RuleKind per file, chosen by the pack's `kind`, turning figures into findings.

A rule judges shop figures (CONTRACT §7.9) and returns plain findings; the API
layer wraps them in report models. Evidence comes from the engine, so a
finding's rounds are exactly the ones its figure counted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import duckdb

from auditor.engine.evidence import RoundRow
from auditor.engine.metrics.base import MetricKind, MetricValue
from auditor.policy.model import Pack


@dataclass(frozen=True)
class DayRow:
    """One day of a streak finding: the shop's figure beside the peer level, or why the streak stopped there."""

    day: int
    value: float
    numerator: float | int
    denominator: int | None
    peer: float | None
    in_streak: bool
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    shop_id: str
    start_day: int
    end_day: int
    metric: str
    value: float
    threshold: float
    op: str
    numerator: float | int | None
    denominator: int | None
    evidence_total: int
    evidence: list[RoundRow] = field(default_factory=list)
    days: list[DayRow] = field(default_factory=list)
    version: tuple[str | None, str | None] | None = None  # (effective_from, effective_until) of the rule version that judged it; None: undated


@dataclass(frozen=True)
class Unevaluated:
    rule_id: str
    shop_id: str | None
    reason: str
    days: tuple[int, ...] = ()  # when only some days could not be judged


@dataclass
class RuleContext:
    con: duckdb.DuckDBPyConnection
    pack: Pack
    kinds: dict[str, MetricKind]
    values: list[MetricValue]
    start_day: int
    end_day: int
    categories: Mapping[str, str | None] | None = None  # shop -> category, from --shops; None: no --shops given
    peer_levels: Mapping[tuple[int, str, str], float] | None = None  # (local day, category, column) -> level; None: no --peers

    def shop_values(self, metric: str) -> list[MetricValue]:
        return [v for v in self.values if v.metric == metric and v.agent_id is None]


class RuleKind(ABC):
    kind: ClassVar[str]

    def __init__(self, spec: Any) -> None:
        self.spec = spec

    @abstractmethod
    def evaluate(self, ctx: RuleContext) -> tuple[list[Finding], list[Unevaluated]]:
        """Findings for every shop figure that breaks the rule, and what could not be judged."""


RULE_KINDS: dict[str, type[RuleKind]] = {}


def register(cls: type[RuleKind]) -> type[RuleKind]:
    RULE_KINDS[cls.kind] = cls
    return cls
