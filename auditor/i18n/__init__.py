"""Message catalogues: every sentence a person reads in a human format, in Chinese and English.

Wording lives in ``messages/<domain>.<lang>.yaml`` (one file per domain and
language, e.g. ``precheck.zh.yaml``), never in the code that decides what to
say: code asks for a message id with named values, ``t("zh", "precheck.fine_ahead",
more=14, amount="¥1000")``. Both languages must hold the same ids with the
same placeholders (a test checks), so a seller reading Chinese never meets an
English fallback. Rule texts are not here: they stay in the pack, in the
original Chinese with the pack's English gloss.
"""

from __future__ import annotations

import os
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGS = ("zh", "en")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


class MessageMissing(KeyError):
    """A message id no catalogue defines: a bug in the caller, caught by the catalogue tests."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of one language, as ``domain.id`` → template."""
    if lang not in LANGS:
        raise ValueError(f"unknown language `{lang}`; use one of: {', '.join(LANGS)}")
    out: dict[str, str] = {}
    for f in sorted(MESSAGES_DIR.glob(f"*.{lang}.yaml")):
        domain = f.name[: -len(f".{lang}.yaml")]
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key, text in data.items():
            out[f"{domain}.{key}"] = str(text).rstrip("\n")
    return out


def t(lang: str, key: str, /, **values: Any) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in."""
    try:
        template = catalogue(lang)[key]
    except KeyError:
        raise MessageMissing(f"no message `{key}` in the {lang} catalogue") from None
    return template.format_map(values) if values else template


def placeholders(template: str) -> set[str]:
    """The named values a template asks for."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def default_lang(environ: dict[str, str] | None = None) -> str:
    """The language of the user's locale: Chinese when LC_ALL / LC_MESSAGES / LANG / LANGUAGE starts with zh, else English."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
