"""Metric kinds; importing this package registers every kind."""

from auditor.engine.metrics import buyer_count, buyer_rate, round_latency, round_rate  # noqa: F401
from auditor.engine.metrics.base import KINDS, MetricKind, MetricValue, kind_for

__all__ = ["KINDS", "MetricKind", "MetricValue", "kind_for"]
