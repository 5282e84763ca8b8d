"""The queue's order: flagged posts first, imminent departures first among them, then score × reach.

Pure functions over the detection's fields and the post's metrics (both hostile input: metrics
may be strings, negative, NaN or absurdly large)."""
from __future__ import annotations

import math
import re
from typing import Any, Iterable

MAX_REACH = 10**12

# Glosses of `departure` cues that announce a crossing soon (the lexicon's English glosses).
# "every week" or "meeting point" say how, not when, and do not count.
_IMMINENT_GLOSS = re.compile(
    r"\b(?:tonight|tomorrow|tmrw|today|this (?:week|weekend|night)|leaving|last (?:seats|places|spots|chance)"
    r"|(?:spots|places|seats) left|weather window|calm sea|sea (?:is )?calm|next departure|departing|now)\b",
    re.IGNORECASE)

TIER_IMMINENT, TIER_FLAGGED, TIER_OTHER = 2, 1, 0


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        v = float(value)
    elif isinstance(value, str):
        try:
            v = float(value.strip().replace(",", ""))
        except ValueError:
            return 0
    else:
        return 0
    if math.isnan(v) or v <= 0:
        return 0
    return int(min(v, MAX_REACH))


def reach(metrics: Any) -> int:
    """How many people a post reaches: its views, else its author's followers, else 0."""
    if not isinstance(metrics, dict):
        return 0
    return _count(metrics.get("views")) or _count(metrics.get("followers"))


def is_imminent(cues: Iterable[Any]) -> bool:
    """True when a departure cue says the crossing is soon (tonight, last places, weather window...)."""
    for c in cues or ():
        if isinstance(c, dict) and c.get("concept") == "departure":
            if _IMMINENT_GLOSS.search(f"{c.get('gloss') or ''} {c.get('term') or ''}"):
                return True
    return False


def rank(score: float, label: int, metrics: Any, cues: Iterable[Any]) -> tuple[int, float]:
    """(tier, priority): sort by tier, then priority, both descending.

    tier 2 = flagged with an imminent departure, 1 = flagged, 0 = not flagged;
    priority = score × max(reach, 1), so a post nobody sees still sorts by its score.
    """
    s = float(score) if isinstance(score, (int, float)) and not math.isnan(float(score)) else 0.0
    s = min(max(s, 0.0), 1.0)
    tier = (TIER_IMMINENT if is_imminent(cues) else TIER_FLAGGED) if label == 1 else TIER_OTHER
    return tier, s * max(reach(metrics), 1)
