"""Rule kinds; importing this package registers every kind."""

from auditor.rules import peer_streak, threshold  # noqa: F401
from auditor.rules.base import RULE_KINDS, DayRow, Finding, RuleContext, RuleKind, Unevaluated

__all__ = ["RULE_KINDS", "DayRow", "Finding", "RuleContext", "RuleKind", "Unevaluated"]
