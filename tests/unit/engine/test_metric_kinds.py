"""Every registered metric kind says how its figures are shown, so reports need no per-kind code."""

from __future__ import annotations

from auditor.engine.metrics import KINDS


def test_every_kind_declares_a_known_unit() -> None:
    assert KINDS, "no metric kind registered"
    assert {name: cls.unit for name, cls in KINDS.items()} == {
        "round_rate": "ratio",
        "round_latency": "seconds",
        "buyer_count": "count",
        "buyer_rate": "ratio",
    }
