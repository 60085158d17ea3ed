"""Governance of findings: waivers (accepted exceptions with a reason and an expiry) and baselines (old findings that do not fail).

Both are read before any data (fail closed, like the pack) and applied to the
finished report as pure functions over its model, so every caller of
``api.audit`` — the CLI, a notebook, ``diff``, ``precheck`` — gets the same
result. docs/waivers-and-baselines.md has the formats and the semantics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.governance.baseline import Baseline, apply_baseline, baseline_bytes, read_baseline
from auditor.governance.waivers import apply_waivers
from auditor.models import AuditReport, Governance
from auditor.policy.model import Pack
from auditor.policy.waivers import WaiverFile, load_waivers


@dataclass(frozen=True)
class GovernanceFiles:
    """The --waivers and --baseline files of a run, read and checked."""

    waivers: WaiverFile | None = None
    baseline: Baseline | None = None

    def apply(self, report: AuditReport) -> AuditReport:
        """The report with waived and baselined findings marked and its `governance` block filled; unchanged when neither file was given."""
        if self.waivers is None and self.baseline is None:
            return report
        g = Governance()
        if self.waivers is not None:
            report, g.waivers = apply_waivers(report, self.waivers)
        if self.baseline is not None:
            report, g.baseline, notes = apply_baseline(report, self.baseline)
            g.notes.extend(notes)
        return report.model_copy(update={"governance": g})


def known_names(packs: Iterable[Pack]) -> set[str]:
    """The rule ids and detector names a waiver may name."""
    return {r.id for p in packs for r in p.rules} | {d.detector for p in packs for d in p.detectors}


def read_governance(waivers: str | Path | None, baseline: str | Path | None, packs: Iterable[Pack]) -> GovernanceFiles:
    """Read and check the waiver file (against the packs' rules and detectors) and the baseline file; raise on any problem."""
    return GovernanceFiles(
        waivers=load_waivers(waivers, known_names(packs)) if waivers is not None else None,
        baseline=read_baseline(baseline) if baseline is not None else None,
    )


__all__ = ["Baseline", "GovernanceFiles", "baseline_bytes", "known_names", "read_governance"]
