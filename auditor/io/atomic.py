"""All-or-nothing output files: a temp file beside the target, fsync, then rename.

Whatever stops the write (a full disk, a permission, an interrupt raised as an
exception) leaves the target as it was and removes the temp file; a reader
sees the old file or the whole new one, never a part.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from auditor.errors import OutputError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one, never a part.

    Missing parent directories are created. An existing file keeps its permissions.
    """
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise OutputError(f"cannot write `{target}`: it is a directory", hint=f"give a file path, e.g. {target / 'report.json'}")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _error(target, exc) from None
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise _error(target, exc) from None
    finally:
        if tmp is not None:  # anything stopped the write, an interrupt too: no temp file stays behind
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _sync_directory(parent)


def _error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno in _NO_SPACE:
        hint = "free some space or choose another --output; the old file, if any, is untouched"
    elif exc.errno in _NOT_ALLOWED:
        hint = "choose a directory you can write to for --output"
    elif exc.errno in (errno.ENOTDIR, errno.EISDIR):
        hint = "a part of the --output path is a file where a directory is needed, or the other way round"
    else:
        hint = "check that the directory exists and is writable"
    return OutputError(f"cannot write `{target}`: {reason}", hint=hint)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (a crash right after keeps the new file); best effort, not every system allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import, while only one thread runs: flipping the umask later would race with threads creating files.
_UMASK = _read_umask()


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (mkstemp's 0600 would hide it)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK
