"""The detector seam: one Detector per file, chosen by the pack's `detector`, finding gaming patterns in SQL.

A detector reads the engine's tables (``records``: every record with its
file, line, exclusion and parsed instant; ``rounds``: the rounds the figures
count) and returns leads: a score in [0, 1] per shop or agent, the measures
the score is computed from, a plain-words summary in zh and en, and evidence
that names records by ``rec_id``. The API turns rec_ids into file and line.
All heavy work is set-based SQL; Python only shapes the few rows that come
back (one per scored shop or agent, plus bounded evidence).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import duckdb

from auditor.policy.model import DetectorSpec, Pack

NS = 1_000_000_000

# Records a detector may look at: read, checked, not excluded, in the period.
USED = "code IS NULL AND exclusion IS NULL"


@dataclass(frozen=True)
class Lead:
    detector: str
    shop_id: str
    agent_id: str | None
    start_day: int
    end_day: int
    score: float
    summary_en: str
    summary_zh: str
    measures: dict[str, float | int] = field(default_factory=dict)
    # Evidence items are plain dicts with a `kind`; any value that is a RecRef is
    # turned into the record's file, line, msg_id and timestamp by the API.
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_total: int = 0


@dataclass(frozen=True)
class RecRef:
    """A pointer to one input record, resolved to file and line when the report is built."""

    rec_id: int


@dataclass
class DetectContext:
    con: duckdb.DuckDBPyConnection
    pack: Pack
    start_day: int
    end_day: int
    max_evidence: int


def who(agent_id: str | None) -> tuple[str, str]:
    """The subject of a flag's summary, (en, zh): an agent, or the shop as a whole."""
    return (f"Agent {agent_id}", f"客服 {agent_id} ") if agent_id else ("The shop", "店铺")


def clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else float(x)


class Detector(ABC):
    name: ClassVar[str]

    def __init__(self, spec: DetectorSpec) -> None:
        self.spec = spec

    @abstractmethod
    def detect(self, ctx: DetectContext) -> list[Lead]:
        """Leads for every shop or agent scoring at least the spec's `min_score`."""


DETECTORS: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    DETECTORS[cls.name] = cls
    return cls
