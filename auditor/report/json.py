"""`json`: the report of CONTRACT §3, byte-for-byte stable for the same input.

Keys keep the model's field order, lists are already sorted, floats are
already rounded; UTF-8 with Chinese left readable, two-space indent, final newline.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from auditor.models import AuditReport
from auditor.report.base import Reporter, register


@register
class JsonReporter(Reporter):
    name = "json"
    suffix = ".json"

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2, allow_nan=False)
        out.write(text.encode("utf-8") + b"\n")
