"""Making data safe to show: control characters never reach a terminal raw."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str | None) -> str:
    """Control characters (ANSI escapes, NUL, …) shown as \\xNN; newlines and tabs as spaces."""
    if text is None:
        return ""
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
