"""How well the extractors read labelled posts: precision, recall and F1 per entity kind, overall
and per language, and the posts where they went wrong.

A labelled post is a JSON object with `id`, `text`, optional `lang`, and `entities` holding the
true `phones` (E.164), `handles` (lower case, as `extract` writes them: "@name", "t.me/name",
"wa.me/447700900123"), `prices` (`{"amount", "currency"}`) and `places` (canonical English
names) — the shape of the labelled sets under data/labelled. Kinds a post does not list are not
scored for it. Matching is exact per post: a phone is right when its E.164 form is, a price when
both its amount and its currency are.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import orjson

KINDS = ("phones", "handles", "prices", "places")
_MAX_MISSES = 12  # posts shown per kind


class EntityLabelError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LabelledPost:
    id: str
    text: str
    lang: str | None
    truth: dict[str, frozenset]  # only the kinds the label gives


def _price_key(p) -> tuple[float, str]:
    if not isinstance(p, dict) or "amount" not in p or "currency" not in p:
        raise EntityLabelError("a price must be an object with 'amount' and 'currency'")
    try:
        amount = round(float(p["amount"]), 2)
    except (TypeError, ValueError):
        raise EntityLabelError(f"price amount is not a number: {p['amount']!r}") from None
    return amount, str(p["currency"]).upper()


def _keys(kind: str, values) -> frozenset:
    if not isinstance(values, list):
        raise EntityLabelError(f"entities.{kind} must be a list")
    if kind == "prices":
        return frozenset(_price_key(p) for p in values)
    if not all(isinstance(v, str) for v in values):
        raise EntityLabelError(f"entities.{kind} must be a list of strings")
    return frozenset(v.lower() if kind == "handles" else v for v in values)


def post_from_dict(d) -> LabelledPost:
    if not isinstance(d, dict):
        raise EntityLabelError("record must be a JSON object")
    text = d.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EntityLabelError("missing or empty 'text'")
    ents = d.get("entities")
    if not isinstance(ents, dict):
        raise EntityLabelError("missing 'entities' object")
    truth = {kind: _keys(kind, ents[kind]) for kind in KINDS if kind in ents}
    lang = d.get("lang") if isinstance(d.get("lang"), str) else None
    return LabelledPost(str(d.get("id", "")), text, lang, truth)


def read_posts(path: Path) -> tuple[list[LabelledPost], list[tuple[int, str]]]:
    """The labelled posts of a JSON Lines file, and (line, reason) for each line that could not be read."""
    posts, bad = [], []
    with open(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    posts.append(post_from_dict(orjson.loads(line)))
                except (orjson.JSONDecodeError, EntityLabelError) as e:
                    bad.append((n, str(e)))
    return posts, bad


def found_keys(entities_json: dict) -> dict[str, frozenset]:
    """The extractor's answer (`entities_json` of its entities) in the keys that are compared."""
    return {kind: _keys(kind, entities_json.get(kind, [])) for kind in KINDS}


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"true": tp + fn, "found": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score(posts: Sequence[LabelledPost], found: Sequence[dict[str, frozenset]],
          langs: Sequence[str | None] | None = None) -> dict:
    """Per kind: counts and P/R/F1 overall and per language (the label's, else `langs`), and
    the posts with misses or extras."""
    if len(posts) != len(found):
        raise ValueError("one answer per labelled post")
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    misses: dict[str, list[dict]] = defaultdict(list)
    for i, (post, got) in enumerate(zip(posts, found)):
        lang = post.lang or (langs[i] if langs else None) or "und"
        for kind, true in post.truth.items():
            have = got.get(kind, frozenset())
            tp, fp, fn = len(true & have), len(have - true), len(true - have)
            for key in ((kind, "*"), (kind, lang)):
                c = counts[key]
                c[0] += tp
                c[1] += fp
                c[2] += fn
            if (fp or fn) and len(misses[kind]) < _MAX_MISSES:
                misses[kind].append({"id": post.id, "lang": lang, "missed": _show(true - have),
                                     "extra": _show(have - true), "text": post.text[:200]})
    report: dict = {"posts": len(posts), "kinds": {}, "per_language": {}, "misses": dict(misses)}
    for (kind, lang), (tp, fp, fn) in sorted(counts.items()):
        if lang == "*":
            report["kinds"][kind] = _prf(tp, fp, fn)
        else:
            report["per_language"].setdefault(lang, {})[kind] = _prf(tp, fp, fn)
    return report


def _show(keys: Iterable) -> list[str]:
    return sorted(f"{_number(k[0])} {k[1]}" if isinstance(k, tuple) else k for k in keys)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def evaluate_posts(posts: Sequence[LabelledPost]) -> dict:
    """Run the pipeline's normalise + language id + extract on each post and score it."""
    from tidewatch.extract import entities_json
    from tidewatch.pipeline import prepare_many

    docs = prepare_many([(p.id, p.text, p.lang) for p in posts])
    found = [found_keys(entities_json(d.entities)) for d in docs]
    return score(posts, found, [d.lang.lang for d in docs])
