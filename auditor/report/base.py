"""The reporter seam: one Reporter per (document, format), registered by name, rendering report models to bytes.

Reporters see only ``auditor.models``; they never query the engine, so every
format shows the same figures. A document is one of the library's results
(the audit report, a validation report, a pack-test run, a diff, an
explanation). Adding a format is one new module here; a module may render
several documents in its format (``sarif`` renders audits, validations and
diffs), one Reporter class each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, BinaryIO, ClassVar

from pydantic import BaseModel

from auditor.models import AuditReport


class Reporter(ABC):
    name: ClassVar[str]
    suffix: ClassVar[str]
    document: ClassVar[type[BaseModel]] = AuditReport

    def __init__(self, *, color: bool = False, width: int = 120, lang: str = "en") -> None:
        self.color = color
        self.width = width
        self.lang = lang

    @abstractmethod
    def render(self, report: Any, out: BinaryIO) -> None:
        """Write the whole document to ``out``."""


REPORTERS: dict[tuple[type[BaseModel], str], type[Reporter]] = {}


def register(cls: type[Reporter]) -> type[Reporter]:
    REPORTERS[(cls.document, cls.name)] = cls
    return cls


def formats_for(document: type[BaseModel]) -> list[str]:
    """The format names registered for one kind of document, sorted."""
    return sorted(name for doc, name in REPORTERS if doc is document)
