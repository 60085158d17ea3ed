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
    text = json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2, allow_nan=False)
    out.write(text.encode("utf-8") + b"\n")


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
