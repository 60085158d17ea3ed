"""The one rich Console set-up every text format uses: our width, colour only when asked, data never read as markup."""

from __future__ import annotations

import io

from rich.console import Console


def text_console(buf: io.StringIO, *, width: int, color: bool) -> Console:
    """A Console writing into ``buf``: ANSI colours only when ``color``, no emoji/markup/highlighting, long lines wrapped softly."""
    return Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=True,
    )
