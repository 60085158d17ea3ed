"""Expanding the paths a user gave into the files to read, in an order that does not depend on theirs.

Directories are walked recursively; files are read in sorted order of the name
a report shows for them, so giving the same inputs in another order gives the
same bytes. Files with no reader, directories that cannot be listed, symlinked
directories and symlinks that leave the directory given are skipped and listed
with the reason; a file reached twice is read once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError
from auditor.io.base import InputFile, reader_for


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


def discover(paths: list[str | Path]) -> tuple[list[InputFile], list[Skipped]]:
    found: list[tuple[str, Path]] = []
    skipped: list[Skipped] = []
    for given in paths:
        p = Path(given)
        shown = Path(os.path.normpath(str(given))).as_posix()
        if not p.exists() and not p.is_symlink():
            raise InputError(f"input path `{shown}` does not exist", hint="check the path; give files or directories of .jsonl, .csv or .parquet")
        if p.is_dir():
            found.extend(_walk(p, shown, skipped))
        elif reader_for(p) is None:
            skipped.append(Skipped(shown, f"unsupported file type `{p.suffix or '(none)'}`"))
        elif not p.is_file():
            skipped.append(Skipped(shown, _not_regular(p)))
        else:
            found.append((shown, p))
    found.sort(key=lambda item: item[0])
    files: list[InputFile] = []
    seen: dict[str, str] = {}
    for shown, p in found:
        real = os.path.realpath(p)
        if real in seen:
            skipped.append(Skipped(shown, f"same file as `{seen[real]}`, read once"))
            continue
        seen[real] = shown
        files.append(InputFile(idx=len(files), path=p, shown=shown))
    skipped.sort(key=lambda s: (s.file, s.reason))
    return files, skipped


def _walk(root: Path, shown_root: str, skipped: list[Skipped]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    real_root = os.path.realpath(root)

    def unreadable(exc: OSError) -> None:
        # os.walk would otherwise pass over a directory it cannot list without a word
        where = Path(os.path.relpath(exc.filename, root)) if exc.filename else Path()
        skipped.append(Skipped(_join(shown_root, where), "cannot read the directory: " + (exc.strerror or type(exc).__name__)))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        rel_dir = Path(dirpath).relative_to(root)
        for d in sorted(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                skipped.append(Skipped(_join(shown_root, rel_dir / d), "symlinked directory, not followed"))
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            full = Path(dirpath) / name
            shown = _join(shown_root, rel_dir / name)
            if reader_for(full) is None:
                skipped.append(Skipped(shown, f"unsupported file type `{full.suffix or '(none)'}`"))
                continue
            if not full.is_file():
                skipped.append(Skipped(shown, _not_regular(full)))
                continue
            if full.is_symlink():
                target = os.path.realpath(full)
                if os.path.commonpath([real_root, target]) != real_root:
                    skipped.append(Skipped(shown, "symlink to a file outside the directory, not followed"))
                    continue
            out.append((shown, full))
    return out


def _not_regular(p: Path) -> str:
    if p.is_symlink() and not p.exists():
        return "symlink to nothing, not followed"
    return "not a regular file (a pipe, device or socket), not read"


def _join(shown_root: str, rel: Path) -> str:
    return (Path(shown_root) / rel).as_posix() if shown_root not in ("", ".") else rel.as_posix()
