"""The reporter seam: one Reporter per format, registered by name, rendering the report models to bytes.

Reporters see only ``auditor.models``; they never query the engine, so every
format shows the same figures. Adding a format is one new module here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import BinaryIO, ClassVar

from auditor.models import AuditReport


class Reporter(ABC):
    name: ClassVar[str]
    suffix: ClassVar[str]

    def __init__(self, *, color: bool = False, width: int = 120) -> None:
        self.color = color
        self.width = width

    @abstractmethod
    def render(self, report: AuditReport, out: BinaryIO) -> None:
        """Write the whole report to ``out``."""


REPORTERS: dict[str, type[Reporter]] = {}


def register(cls: type[Reporter]) -> type[Reporter]:
    REPORTERS[cls.name] = cls
    return cls
