"""Which detector to run: the trained model shipped with the package, else the keyword baseline."""
from __future__ import annotations

import os
from pathlib import Path

from tidewatch.detect.base import Detector

MODEL_DIR = Path(__file__).parent / "model"


def load_detector(path: str | Path | None = None) -> Detector:
    path = Path(path or os.environ.get("TIDEWATCH_MODEL") or MODEL_DIR)
    if (path / "model.json").exists():
        from tidewatch.detect.model import SmugglingDetector

        return SmugglingDetector.load(path)
    from tidewatch.detect.baseline import KeywordBaseline

    return KeywordBaseline()
