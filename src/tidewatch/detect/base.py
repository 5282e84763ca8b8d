"""The Detector seam: analysed posts in, calibrated detections out.

Why it exists: the keyword baseline, the character n-gram baseline and the full model
must be interchangeable for `classify`, `scan` and `eval`, so each is a `Detector`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

from tidewatch.records import Detection, Entity
from tidewatch.text.langid import LangGuess
from tidewatch.text.normalise import Normalised


@dataclass(frozen=True, slots=True)
class Doc:
    """A post after normalise, language id and extraction: what a detector reads."""

    post_id: str
    text: str
    norm: Normalised
    lang: LangGuess
    entities: tuple[Entity, ...]


@runtime_checkable
class Detector(Protocol):
    version: str

    def detect_batch(self, docs: Sequence[Doc]) -> list[Detection]:
        ...
