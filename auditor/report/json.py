"""`json`: every document as JSON; for the audit report, CONTRACT §3, byte-for-byte stable for the same input.

Keys keep the model's field order, lists are already sorted, floats are
already rounded; UTF-8 with Chinese left readable, two-space indent, final newline.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from pydantic import BaseModel

from auditor.models import DiffReport, Explanation, PackTestReport, Precheck, ValidationReport, Verification
from auditor.report.base import Reporter, register


def dump(document: BaseModel, out: BinaryIO) -> None:
    """Write the JSON a megabyte at a time: the 200M bench report is 1.3 GB, and building it as one string, then
    its bytes, then those bytes plus a newline held three copies of it at once. The chunks join to exactly what
    ``json.dumps`` gives with the same options (with an indent both use the same pure-Python encoder)."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)
    chunks: list[str] = []
    size = 0
    for chunk in encoder.iterencode(document.model_dump(mode="json")):
        chunks.append(chunk)
        size += len(chunk)
        if size >= _CHUNK:
            out.write("".join(chunks).encode("utf-8"))
            chunks, size = [], 0
    chunks.append("\n")
    out.write("".join(chunks).encode("utf-8"))


_CHUNK = 1 << 20


@register
class JsonReporter(Reporter):
    name = "json"
    suffix = ".json"

    def render(self, report: Any, out: BinaryIO) -> None:
        dump(report, out)


@register
class JsonValidationReporter(JsonReporter):
    document = ValidationReport


@register
class JsonDiffReporter(JsonReporter):
    document = DiffReport


@register
class JsonExplanationReporter(JsonReporter):
    document = Explanation


@register
class JsonPackTestReporter(JsonReporter):
    document = PackTestReport


@register
class JsonPrecheckReporter(JsonReporter):
    document = Precheck


@register
class JsonVerificationReporter(JsonReporter):
    document = Verification
