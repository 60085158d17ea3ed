"""Rule kinds; importing this package registers every kind."""

from auditor.rules import threshold  # noqa: F401
from auditor.rules.base import RULE_KINDS, Finding, RuleContext, RuleKind, Unevaluated

__all__ = ["RULE_KINDS", "Finding", "RuleContext", "RuleKind", "Unevaluated"]
