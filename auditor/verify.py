"""`verify`: run a filed audit report again from its own `run` block and say whether the bytes are the same.

The report names what it was made from: the pack (pinned by ``policy.digest``),
the as-of day, the side files (each with the sha256 of its bytes) and the
record-size limit. The data paths are given again by the caller, as they were
given to ``audit``. A pack whose digest differs is refused (the run cannot be
the same run); a side file whose bytes differ is reported as changed and the
comparison still made, so the reader sees what the change moves.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from auditor import __version__
from auditor.api import AuditOptions, RunOverrides, audit, render
from auditor.errors import InputError
from auditor.governance.pinning import SIDE_FILES, file_digest, load_pinned, policy_as_given
from auditor.models import AuditReport, Difference, FileCheck, RunInfo, Verification

MAX_DIFFERENCES = 10
MAX_VALUE_CHARS = 80
JSON_ONLY = "only a report written with `--format json` can be verified; write one with `auditor audit … --format json --output FILE`"


def verify(report_path: str | Path, paths: list[str | Path], overrides: RunOverrides | None = None) -> Verification:
    """Re-run the audit behind ``report_path`` on ``paths`` and compare the JSON bytes with the file's."""
    overrides = overrides or RunOverrides()
    shown = Path(report_path).as_posix()
    raw = _read(report_path, shown)
    filed, filed_doc = _parse(raw, shown)
    run = filed.run
    if run is None:
        raise InputError(
            "the report has no `run` block, so it does not say how it was made",
            file=shown,
            hint="reports written by auditor 0.1.0 and later with `audit --format json` carry one; re-run the audit to file a verifiable report",
        )
    policy = overrides.policy if overrides.policy is not None else run.policy
    loaded = load_pinned(
        policy,
        filed.policy.digest,
        hint="the pack changed since the report was filed; check out the pack at that version, or point --policy at a copy of it",
    )
    checks = [FileCheck(role="policy", path=policy_as_given(policy), recorded=filed.policy.digest, actual=loaded.digest, status="same")]
    used: dict[str, Path] = {}
    for role in SIDE_FILES:
        recorded = getattr(run, role)
        given = getattr(overrides, role)
        path = Path(given) if given is not None else Path(recorded.path) if recorded is not None else None
        if path is None:
            continue
        actual = file_digest(path)
        status = "added" if recorded is None else "same" if recorded.digest == actual else "changed"
        checks.append(FileCheck(role=role, path=path.as_posix(), recorded=recorded.digest if recorded else None, actual=actual, status=status))
        used[role] = path

    fresh = audit(paths, _options(policy, run, filed.policy.digest, used))
    assert fresh.run is not None  # audit() always records its run
    fresh.run = _as_recorded(fresh.run, run)
    rerun = render(fresh, "json")

    differences: list[Difference] = []
    same_content = False
    if rerun != raw:
        _walk(filed_doc, json.loads(rerun), "", differences)
        same_content = not differences
    return Verification(
        report=shown,
        verified=rerun == raw,
        report_sha256=_sha256(raw),
        rerun_sha256=_sha256(rerun),
        policy=policy_as_given(policy),
        policy_digest=loaded.digest,
        as_of=run.as_of,
        auditor_version=__version__,
        report_auditor_version=filed.auditor_version,
        files=checks,
        differences=differences[:MAX_DIFFERENCES],
        differences_total=len(differences),
        same_content=same_content,
    )


def _read(path: str | Path, shown: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the report: {exc.strerror or exc}", file=shown, hint="give the path of a JSON report written by `auditor audit`") from exc


def _parse(raw: bytes, shown: str) -> tuple[AuditReport, Any]:
    """The filed report as a model (for its settings) and as plain JSON (for the comparison); InputError when it is not one."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc.__class__.__name__}: {exc})", file=shown, hint=JSON_ONLY) from exc
    if isinstance(doc, dict) and "runs" in doc and "auditor_version" not in doc:
        raise InputError("a SARIF log, not an audit report", file=shown, hint=JSON_ONLY)
    if not isinstance(doc, dict) or "auditor_version" not in doc or "policy" not in doc:
        raise InputError("not an auditor audit report (no `auditor_version` and `policy`)", file=shown, hint=JSON_ONLY)
    try:
        report = AuditReport.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        version = doc.get("auditor_version")
        made_by = f"; it was written by auditor {version} and this is {__version__}" if version != __version__ else ""
        raise InputError(
            f"not an audit report this auditor can read: `{where}`: {first['msg']}{made_by}",
            file=shown,
            hint="verify it with the auditor version that wrote it, or give a report written by `auditor audit --format json`",
        ) from exc
    return report, doc


def _options(policy: str, run: RunInfo, digest: str, used: dict[str, Path]) -> AuditOptions:
    return AuditOptions(
        policy=policy,
        as_of=date.fromisoformat(run.as_of),
        shops=used.get("shops"),
        peers=used.get("peers"),
        waivers=used.get("waivers"),
        baseline=used.get("baseline"),
        max_record_bytes=run.max_record_bytes,
        policy_digest=digest,
    )


def _as_recorded(fresh: RunInfo, filed: RunInfo) -> RunInfo:
    """The re-run's `run` block naming the pack and side files as the report did where their bytes are the same.

    An override says where a file is found now (another checkout, another
    directory); the file is the same file when its digest is, so it must not
    make the bytes differ. A file whose bytes changed keeps the path used now.
    """
    update: dict[str, Any] = {"policy": filed.policy}  # the pack's digest was already checked equal
    for role in SIDE_FILES:
        was, now = getattr(filed, role), getattr(fresh, role)
        if was is not None and now is not None and was.digest == now.digest:
            update[role] = was
    return fresh.model_copy(update=update)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _walk(filed: Any, rerun: Any, path: str, out: list[Difference]) -> None:
    """Every place where two JSON documents differ, in the filed document's order; lists are compared item by item."""
    if isinstance(filed, dict) and isinstance(rerun, dict):
        for key in list(filed) + [k for k in rerun if k not in filed]:
            sub = f"{path}.{key}" if path else key
            if key not in rerun:
                out.append(Difference(path=sub, filed=_short(filed[key]), rerun=None))
            elif key not in filed:
                out.append(Difference(path=sub, filed=None, rerun=_short(rerun[key])))
            else:
                _walk(filed[key], rerun[key], sub, out)
        return
    if isinstance(filed, list) and isinstance(rerun, list):
        if len(filed) != len(rerun):
            out.append(Difference(path=path, filed=_short(filed), rerun=_short(rerun)))
        for i, (a, b) in enumerate(zip(filed, rerun, strict=False)):
            _walk(a, b, f"{path}[{i}]", out)
        for i in range(len(rerun), len(filed)):
            out.append(Difference(path=f"{path}[{i}]", filed=_short(filed[i]), rerun=None))
        for i in range(len(filed), len(rerun)):
            out.append(Difference(path=f"{path}[{i}]", filed=None, rerun=_short(rerun[i])))
        return
    # type() too: JSON's 1 and 1.0 and true are different bytes, though Python calls them equal
    if type(filed) is not type(rerun) or filed != rerun:
        out.append(Difference(path=path, filed=_short(filed), rerun=_short(rerun)))


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
