"""Reading a side input (--shops, --peers) whole: a missing or unreadable file stops the audit with the fix."""

from __future__ import annotations

from pathlib import Path

from auditor.errors import InputError


def read_side_text(p: Path, what: str, option: str, form: str) -> str:
    shown = p.as_posix()
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} file `{shown}` does not exist", hint=f"check the {option} path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} file `{shown}`: {exc}", hint=f"give a UTF-8 {form}") from None
