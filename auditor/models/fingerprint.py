"""A finding's stable identity: what it is about (kind, rule or detector, shop, agent, period), never where its records sit.

SARIF results, diff matching, waivers and baselines all name a finding by this
value, so it must not change between releases: the parts are JSON-encoded in
a fixed order and hashed with SHA-256, and the first 32 hex digits are kept.
"""

from __future__ import annotations

import hashlib
import json


def fingerprint(*parts: str | None) -> str:
    """The identity of anything given as its parts (never line numbers), so it survives reruns and moved records."""
    return hashlib.sha256(json.dumps(list(parts), ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def finding_fingerprint(kind: str, rule_id: str, shop_id: str, agent_id: str | None, start: str, end: str) -> str:
    """A violation's (``kind`` = violation, agent None) or a flag's (``kind`` = flag, ``rule_id`` = the detector) identity."""
    return fingerprint(kind, rule_id, shop_id, agent_id, start, end)
