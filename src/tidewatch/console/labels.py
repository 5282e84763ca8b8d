"""Analysts' decisions as training data, in the detector's labelled format
(`tidewatch.detect.data`: id, text, label, lang, categories, kind, entities)."""
from __future__ import annotations

from typing import Any, Sequence

from tidewatch.records import CATEGORIES, NEGATIVE_KINDS

LABEL_ACTIONS = ("confirm", "not_smuggling")


def label_record(post_id: str, native_id: str | None, platform: str, lang: str | None, text: str,
                 action: str, categories: Sequence[str], reason: str | None,
                 entities: Sequence[tuple[str, str]], decided_at: str) -> dict[str, Any]:
    """One labelled example from a final decision. `kind` is 'advert' for a confirmation, else the reason."""
    if action not in LABEL_ACTIONS:
        raise ValueError(f"not a labelling decision: {action!r}")
    positive = action == "confirm"
    ents: dict[str, list] = {"phones": [], "handles": []}
    for kind, value in entities:
        key = {"phone": "phones", "handle": "handles"}.get(kind)
        if key and value not in ents[key]:
            ents[key].append(value)
    return {
        "id": native_id if native_id is not None else post_id,
        "platform": platform,
        "lang": lang,
        "text": text,
        "label": 1 if positive else 0,
        "categories": [c for c in categories if c in CATEGORIES] if positive else [],
        "kind": "advert" if positive else (reason if reason in NEGATIVE_KINDS else "other"),
        "entities": ents,
        "source": "analyst",
        "decided_at": decided_at,
    }
