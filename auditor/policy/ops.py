"""What a pack's comparison `op` means: the one table every rule kind and detector judges with."""

from __future__ import annotations

import operator
from collections.abc import Callable

OPS: dict[str, Callable[[float, float], bool]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
