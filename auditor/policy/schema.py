"""The published JSON Schema of policy packs, generated from the pack model.

The committed copy lives at ``schema/pack.schema.json`` (``make schema``
rewrites it; a test fails when it drifts from the model).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from auditor.policy.model import Pack

SCHEMA_ID = "https://auditor.dev/schema/pack.schema.json"


@lru_cache(maxsize=1)
def pack_schema() -> dict[str, Any]:
    schema = Pack.model_json_schema(mode="validation")
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
    }
    out.update(schema)
    return out


def schema_json() -> str:
    """The schema as stable text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(pack_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
