"""The shared vocabulary of tidewatch: plain, frozen records passed between stages.

Every stage is a function over these records; nothing here does I/O. Records are
frozen so a stage can never change what an earlier stage produced, and they are
built from plain values (str, int, float, tuples, dicts of those) so they map
one-to-one onto JSON, database rows and Arrow/Parquet columns.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

ENTITY_KINDS = ("phone", "handle", "url", "price", "place", "payment", "document_type", "transport")

CATEGORIES = (
    "smuggling_service",
    "group_discount",
    "free_child_places",
    "false_documents",
    "safe_passage_claim",
    "crossing_logistics",
    "recruitment",
)

NEGATIVE_KINDS = (
    "news",
    "ngo_humanitarian",
    "legit_travel",
    "legit_documents",
    "legit_jobs",
    "personal",
    "research",
    "other",
)

REFERRAL_STATUSES = ("drafted", "sent", "acknowledged", "actioned", "declined", "expired")


@dataclass(frozen=True, slots=True)
class Author:
    id: str | None = None
    handle: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An image or video attached to a post: a local path or a remote URL."""

    path: str | None = None
    url: str | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    id: str  # stable tidewatch id: see stable_post_id
    text: str
    platform: str = "unknown"
    native_id: str | None = None  # the id as given by the source (what output contracts echo)
    url: str | None = None
    author: Author = field(default_factory=Author)
    lang: str | None = None
    created_at: datetime | None = None
    collected_at: datetime | None = None
    media: tuple[MediaRef, ...] = ()
    metrics: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        """The id the user gave us (native id), falling back to the stable id."""
        return self.native_id if self.native_id is not None else self.id


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Cue:
    """One reason a detection fired (or was held back): a matched term in the original text."""

    start: int
    end: int
    term: str
    concept: str
    gloss: str
    weight: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "span": [self.start, self.end],
            "term": self.term,
            "concept": self.concept,
            "gloss": self.gloss,
            "weight": round(self.weight, 4),
        }


@dataclass(frozen=True, slots=True)
class Detection:
    post_id: str
    score: float
    label: int
    categories: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = ()
    lang: str | None = None
    model_version: str = "none"


@dataclass(frozen=True, slots=True)
class Entity:
    """Something extracted from a post. `value` is normalised (E.164, lower-case handle, ...).

    For prices `value` is "<amount> <ISO currency>" and `amount`/`currency` are set.
    `start`/`end` index into the original text.
    """

    kind: str
    value: str
    start: int = -1
    end: int = -1
    amount: float | None = None
    currency: str | None = None
    detail: str | None = None  # e.g. platform of a handle, country of a place, "per_person"


@dataclass(frozen=True, slots=True)
class Tie:
    """Evidence that two nodes belong together: shared phone, same template, same image..."""

    a: str
    b: str
    kind: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    post_ids: tuple[str, ...]
    account_ids: tuple[str, ...] = ()
    ties: tuple[Tie, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: Literal["drafted", "sent", "acknowledged", "actioned", "declined", "expired"]
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LivenessCheck:
    url: str
    state: Literal["online", "offline", "unknown"]
    at: datetime
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class Referral:
    reference: str
    platform: str
    post_ids: tuple[str, ...]
    reasons: str
    category: str
    legal_ground: str
    evidence_hashes: tuple[str, ...] = ()
    channel: str = "email"
    history: tuple[StatusChange, ...] = ()
    liveness: tuple[LivenessCheck, ...] = ()


def stable_post_id(platform: str | None, native_id: str | None, url: str | None,
                   author_key: str | None, text: str) -> str:
    """The stable id of a post: platform + native id, else a hash of the URL, else of platform+author+text.

    The same post seen twice (re-ingest, another export of the same channel) gets the same id,
    which is what makes ingest idempotent.
    """
    platform = (platform or "unknown").strip().lower() or "unknown"
    if native_id not in (None, ""):
        return f"{platform}:{native_id}"
    if url:
        return f"{platform}:u:" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:24]
    key = "\x1f".join([platform, author_key or "", text])
    return f"{platform}:h:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def to_plain(record: Any) -> Any:
    """A record as plain JSON-able values (datetimes as ISO 8601)."""
    def conv(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.isoformat()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v
    return conv(asdict(record))
