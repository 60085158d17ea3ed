"""Pinned runs: a pack pinned by its digest, and the `run` block that lets a filed report be reproduced byte for byte.

The pack's digest is ``auditor.policy.loader.pack_digest`` (sha256 over
pack.yaml and its sources, line endings normalised), the one every report shows
as ``policy.digest``. A side file's digest is the sha256 of its bytes as they
are. Paths are recorded as the user gave them, never resolved, so a report
filed from one checkout reads the same in another.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from auditor.errors import DigestMismatch, InputError, UsageError
from auditor.models import RunInfo, SideFile
from auditor.policy.loader import LoadedPack, load_pack

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
SIDE_FILES = ("shops", "peers", "waivers", "baseline")


def parse_digest(text: str, option: str = "--policy-digest") -> str:
    """A pinned digest as written by reports: `sha256:` and 64 hex digits (upper case is read as lower)."""
    digest = text.strip().lower()
    if not DIGEST.fullmatch(digest):
        raise UsageError(
            f"{option} `{text}` is not a pack digest",
            hint="copy it from a report's `policy.digest`: `sha256:` followed by 64 hex digits",
        )
    return digest


def load_pinned(policy: str | Path, digest: str | None, *, option: str = "--policy-digest", hint: str | None = None) -> LoadedPack:
    """Load the pack and, when ``digest`` is given, refuse it unless its digest is that one (before any data is read).

    ``option`` names the flag the digest came from, for the messages; ``hint`` replaces the default fix.
    """
    expected = parse_digest(digest, option) if digest is not None else None
    loaded = load_pack(policy)
    if expected is not None and loaded.digest != expected:
        raise DigestMismatch(
            f"policy pack `{policy_as_given(policy)}` has digest {loaded.digest}, not the pinned {expected}",
            hint=hint or f"the pack changed since the report was filed; check out the pack at that version or drop {option}",
        )
    return loaded


def policy_as_given(policy: str | Path) -> str:
    """The --policy as the user wrote it: a built-in name as is, a path with `/` separators, relative staying relative."""
    return Path(policy).as_posix() if isinstance(policy, Path) else policy


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes, as `sha256:<hex>`."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read `{Path(path).as_posix()}`: {exc.strerror or exc}", file=Path(path).as_posix(), hint="check the path and its permissions") from exc
    return "sha256:" + h.hexdigest()


def side_file(path: str | Path | None) -> SideFile | None:
    if path is None:
        return None
    return SideFile(path=Path(path).as_posix(), digest=file_digest(path))


def run_info(policy: str | Path, as_of: str, max_record_bytes: int, files: dict[str, str | Path | None]) -> RunInfo:
    """The `run` block of a report: the pack as given, the settled as-of day, and each side file (by role) with its digest."""
    unknown = set(files) - set(SIDE_FILES)
    if unknown:  # a programming error, not a user's: the roles are the model's fields
        raise ValueError(f"unknown side-file roles: {sorted(unknown)}")
    return RunInfo(
        policy=policy_as_given(policy),
        as_of=as_of,
        max_record_bytes=max_record_bytes,
        **{role: side_file(files.get(role)) for role in SIDE_FILES},
    )
