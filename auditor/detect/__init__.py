"""Gaming detectors; importing this package registers every detector."""

from auditor.detect import close_reopen  # noqa: F401
from auditor.detect.base import DETECTORS, DetectContext, Detector, Lead, RecRef

__all__ = ["DETECTORS", "DetectContext", "Detector", "Lead", "RecRef"]
