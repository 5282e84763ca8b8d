"""The keyword-list baseline: flags a post when cue terms of two or more advert concepts occur.

It is what a team without a model would run, and the yardstick `tidewatch eval` compares
the model against. It is also the detector used when no trained model is present.
"""
from __future__ import annotations

from typing import Sequence

from tidewatch.detect.base import Doc
from tidewatch.detect.lexicon import SIGNAL_CONCEPTS, Lexicon, default_lexicon
from tidewatch.records import Detection


class KeywordBaseline:
    version = "keywords-1"

    def __init__(self, lexicon: Lexicon | None = None, min_concepts: int = 2):
        self.lexicon = lexicon or default_lexicon()
        self.min_concepts = min_concepts

    def detect_batch(self, docs: Sequence[Doc]) -> list[Detection]:
        out = []
        for d in docs:
            hits = [h for h in self.lexicon.match(d.norm.text) if h.entry.concept in SIGNAL_CONCEPTS]
            concepts = {h.entry.concept for h in hits}
            n = len(concepts)
            score = 1.0 - 0.5 ** n if n else 0.0
            cues = self.lexicon.cues(d.norm, hits, {c: 1.0 for c in concepts})
            out.append(Detection(post_id=d.post_id, score=round(score, 4), label=int(n >= self.min_concepts),
                                 categories=(), cues=tuple(cues), lang=d.lang.lang, model_version=self.version))
        return out
