"""Gaming detectors; importing this package registers every detector."""

from auditor.detect import (
    bot_as_human,  # noqa: F401
    close_reopen,  # noqa: F401
    delayed_reply,  # noqa: F401
    fake_chat,  # noqa: F401
)
from auditor.detect.base import DETECTORS, DetectContext, Detector, Lead, RecRef

__all__ = ["DETECTORS", "DetectContext", "Detector", "Lead", "RecRef"]
