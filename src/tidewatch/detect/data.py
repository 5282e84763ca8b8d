"""Labelled examples for training and evaluation: JSON Lines with `id`, `text`, `label`, and
optionally `lang`, `categories`, `kind`, `entities` (the seed set's schema)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import orjson

from tidewatch.records import CATEGORIES


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    label: int
    lang: str | None = None
    categories: tuple[str, ...] = ()
    kind: str | None = None
    phones: tuple[str, ...] = ()
    source: str = ""
    weight: float = 1.0
    extra: dict = field(default_factory=dict)


class LabelError(ValueError):
    pass


def example_from_dict(d: dict, source: str = "", weight: float = 1.0) -> Example:
    if not isinstance(d, dict):
        raise LabelError("record must be a JSON object")
    text, label = d.get("text"), d.get("label")
    if not isinstance(text, str) or not text.strip():
        raise LabelError("missing or empty 'text'")
    if label not in (0, 1, True, False):
        raise LabelError("'label' must be 0 or 1")
    cats = tuple(c for c in (d.get("categories") or []) if c in CATEGORIES)
    ents = d.get("entities") or {}
    phones = tuple(ents.get("phones") or []) if isinstance(ents, dict) else ()
    return Example(id=str(d.get("id", "")), text=text, label=int(label), lang=d.get("lang"), categories=cats,
                   kind=d.get("kind") or ("advert" if label else None), phones=phones, source=source,
                   weight=weight)


def read_examples(path: Path, weight: float = 1.0) -> tuple[list[Example], list[tuple[int, str]]]:
    """Examples and (line, reason) for each line that could not be read."""
    out, bad = [], []
    with open(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                out.append(example_from_dict(orjson.loads(line), source=str(path), weight=weight))
            except (orjson.JSONDecodeError, LabelError) as e:
                bad.append((n, str(e)))
    return out, bad


def read_many(paths: Iterable[Path], weight: float = 1.0) -> list[Example]:
    out = []
    for p in paths:
        out += read_examples(p, weight)[0]
    return out
