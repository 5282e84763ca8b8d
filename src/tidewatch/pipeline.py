"""Wires the stages. Every function here maps a batch of records to a batch of records, with
no I/O and no state of its own, so the same code runs in the CLI, the web app, tests and
inside a distributed engine (one call per partition).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from tidewatch.detect.base import Doc, Detector
from tidewatch.extract import extract_all
from tidewatch.records import Detection, Entity, Post
from tidewatch.text.langid import LangGuess, identify
from tidewatch.text.normalise import normalise


@dataclass(frozen=True, slots=True)
class Analysed:
    post: Post
    doc: Doc
    detection: Detection

    @property
    def entities(self) -> tuple[Entity, ...]:
        return self.doc.entities


def prepare(post_id: str, text: str, declared_lang: str | None = None) -> Doc:
    """Normalise, identify the language and extract entities of one text."""
    norm = normalise(text)
    guess = identify(text, norm)
    if declared_lang and guess.lang in ("und", ""):
        guess = LangGuess(declared_lang, 0.0, ())
    lang = guess.lang
    return Doc(post_id=post_id, text=text, norm=norm, lang=guess, entities=tuple(extract_all(text, lang)))


def prepare_batch(posts: Sequence[Post]) -> list[Doc]:
    return [prepare(p.id, p.text, p.lang) for p in posts]


def analyse_batch(posts: Sequence[Post], detector: Detector) -> list[Analysed]:
    docs = prepare_batch(posts)
    detections = detector.detect_batch(docs)
    return [Analysed(p, d, det) for p, d, det in zip(posts, docs, detections)]
