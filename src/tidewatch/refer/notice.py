"""The referral builder: confirmed items in, one notice per platform (and urgency) out. Pure.

Why it exists: a platform acts fast on a notice it can act on. Article 16(2) of the Digital Services
Act lists what makes a notice actionable, and each element has a field here:
(a) a substantiated explanation of why the content is illegal -> `explanation`, generated from the
    categories and the cues the analyst confirmed, and editable before sending (`edit_explanation`);
(b) the exact electronic location -> the item URLs, with what each points at (`url_kind`);
(c) the notifier's name and email -> `notifier`;
(d) a statement of good faith -> `good_faith`.
On top: the legal ground, the category in the vocabulary platforms use for their statements of
reasons (DSA Transparency Database `category`, `category_specification` keywords), digests of the
evidence we captured, a priority (imminent departures first) and a deadline from the platform's SLA.

Everything here is a function of its arguments (`now` included), so the console can preview a notice,
the analyst can edit it, and the same input always yields the same reference number.

Text copied from posts (cue terms) is hostile: control, bidi-override and zero-width characters are
removed and length is capped before it enters a notice.
"""
from __future__ import annotations

import base64
import hashlib
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import regex

from tidewatch.records import CATEGORIES, Cue
from tidewatch.refer.registry import PlatformInfo, url_host
from tidewatch.refer.settings import ReferSettings

DATA_FILE = Path(__file__).parent / "data" / "notice.toml"
SCHEMA = "tidewatch.notice/1"

PRIORITY_URGENT, PRIORITY_HIGH, PRIORITY_NORMAL = 1, 2, 3
PRIORITY_LABELS = {PRIORITY_URGENT: "urgent", PRIORITY_HIGH: "high", PRIORITY_NORMAL: "normal"}
MAX_URL = 2048
MAX_CUES_PER_ITEM = 6
MAX_EXPLANATION = 20_000

_UNSAFE = regex.compile(r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+")  # controls, bidi/zero-width formats, line seps
_SPACES = regex.compile(r"\s+")


class NoticeError(ValueError):
    """A notice cannot be built or edited as asked; the message says why."""


def safe_text(value: object, limit: int = 80) -> str:
    """Hostile text made inert for a notice: no control/format characters, one line, at most `limit`."""
    s = _SPACES.sub(" ", _UNSAFE.sub(" ", str(value))).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


# -- data ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeData:
    dsa_categories: frozenset[str]
    dsa_keywords: tuple[str, ...]
    source_types: frozenset[str]
    dsa_map: Mapping[str, Mapping[str, Any]]
    dsa_other: Mapping[str, str]
    urgent_categories: frozenset[str]
    urgent_concepts: frozenset[str]
    high_categories: frozenset[str]
    category_order: tuple[str, ...]
    explain: Mapping[str, Mapping[str, Any]]
    languages: Mapping[str, str]


def parse_notice_data(d: Mapping[str, Any]) -> NoticeData:
    dsa = d["dsa"]
    cats, kws = frozenset(dsa["categories"]), tuple(dsa["keywords"])
    for name, m in dsa["map"].items():
        if name not in CATEGORIES:
            raise NoticeError(f"notice.toml: dsa.map names unknown category {name!r}")
        bad = ([m["category"]] if m["category"] not in cats else []) + \
              [c for c in m.get("category_addition", []) if c not in cats] + \
              [k for k in m.get("category_specification", []) if k not in kws]
        if bad:
            raise NoticeError(f"notice.toml: dsa.map.{name} uses values outside the DSA vocabulary: {bad}")
    missing = set(CATEGORIES) - set(dsa["map"])
    if missing:
        raise NoticeError(f"notice.toml: no DSA mapping for {sorted(missing)}")
    pr = d["priority"]
    order = tuple(pr["category_order"])
    if set(order) != set(CATEGORIES):
        raise NoticeError("notice.toml: priority.category_order must list every category once")
    return NoticeData(
        dsa_categories=cats, dsa_keywords=kws, source_types=frozenset(dsa["source_types"]),
        dsa_map=dsa["map"], dsa_other=dsa.get("other", {}),
        urgent_categories=frozenset(pr["urgent_categories"]), urgent_concepts=frozenset(pr["urgent_concepts"]),
        high_categories=frozenset(pr["high_categories"]), category_order=order,
        explain=d["explain"], languages=d.get("languages", {}),
    )


@lru_cache(maxsize=1)
def notice_data() -> NoticeData:
    with open(DATA_FILE, "rb") as f:
        return parse_notice_data(tomllib.load(f))


# -- records --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CueNote:
    """The part of a detection cue a notice shows: the matched words and what they mean."""

    term: str
    concept: str
    gloss: str = ""
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class ConfirmedItem:
    """One item an analyst confirmed for referral (until the console exists: given explicitly)."""

    post_id: str
    categories: tuple[str, ...]
    url: str | None = None
    platform: str | None = None  # the post's platform field, used when the URL is not a platform's
    cues: tuple[CueNote, ...] = ()
    lang: str | None = None
    text: str | None = None  # the captured content, digested when `evidence_digest` is not given
    evidence_digest: str | None = None
    decision_id: str | None = None
    explanation: str | None = None  # an analyst's own wording for this item


@dataclass(frozen=True, slots=True)
class NoticeItem:
    post_id: str
    url: str
    url_kind: str
    categories: tuple[str, ...]
    category: str  # primary category
    lang: str | None
    cues: tuple[CueNote, ...]
    evidence_digest: str | None
    explanation: str
    priority: int
    decision_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id, "url": self.url, "url_kind": self.url_kind,
            "categories": list(self.categories), "category": self.category, "lang": self.lang,
            "cues": [{"term": c.term, "concept": c.concept, "gloss": c.gloss} for c in self.cues],
            "evidence_digest": self.evidence_digest, "explanation": self.explanation,
            "priority": PRIORITY_LABELS[self.priority], "decision_id": self.decision_id,
        }


@dataclass(frozen=True, slots=True)
class Notice:
    reference: str
    platform: str
    platform_name: str
    created_at: datetime
    deadline: datetime
    priority: int
    language: str
    items: tuple[NoticeItem, ...]
    explanation: str
    legal_ground: str
    good_faith: str
    notifier: Mapping[str, Any]
    dsa: Mapping[str, Any]
    operator: str = ""

    @property
    def post_ids(self) -> tuple[str, ...]:
        return tuple(i.post_id for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "reference": self.reference,
            "platform": self.platform,
            "platform_name": self.platform_name,
            "operator": self.operator,
            "created_at": _iso(self.created_at),
            "deadline": _iso(self.deadline),
            "priority": PRIORITY_LABELS[self.priority],
            "language": self.language,
            "notifier": dict(self.notifier),
            "legal_ground": self.legal_ground,
            "explanation": self.explanation,
            "good_faith_statement": self.good_faith,
            "dsa": dict(self.dsa),
            "items": [i.to_json() for i in self.items],
        }


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _utc_str(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Unroutable:
    post_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class BuildResult:
    notices: tuple[Notice, ...] = ()
    unroutable: tuple[Unroutable, ...] = field(default_factory=tuple)


# -- pieces -----------------------------------------------------------------------------------------
def cue_notes(cues: Iterable[Cue | Mapping[str, Any] | CueNote]) -> tuple[CueNote, ...]:
    """Cues from a Detection or its stored JSON, as notice notes (strongest first, one per term)."""
    notes: list[CueNote] = []
    for c in cues:
        if isinstance(c, CueNote):
            notes.append(c)
        elif isinstance(c, Cue):
            notes.append(CueNote(c.term, c.concept, c.gloss, c.weight))
        elif isinstance(c, Mapping):
            notes.append(CueNote(str(c.get("term", "")), str(c.get("concept", "")), str(c.get("gloss", "") or ""),
                                 float(c.get("weight") or 0.0)))
    seen, out = set(), []
    for n in sorted(notes, key=lambda n: -n.weight):
        key = n.term.casefold()
        if n.term and key not in seen:
            seen.add(key)
            out.append(n)
    return tuple(out)


def item_priority(categories: Iterable[str], cues: Iterable[CueNote], data: NoticeData | None = None) -> int:
    data = data or notice_data()
    cats = set(categories)
    if cats & data.urgent_categories or any(c.concept in data.urgent_concepts for c in cues):
        return PRIORITY_URGENT
    if cats & data.high_categories:
        return PRIORITY_HIGH
    return PRIORITY_NORMAL


def evidence_digest(content: str | bytes) -> str:
    b = content.encode("utf-8") if isinstance(content, str) else content
    return "sha256:" + hashlib.sha256(b).hexdigest()


def reference_for(code: str, post_ids: Iterable[str], created_at: datetime) -> str:
    """TW-<code>-<yyyymmdd>-<8 chars>: deterministic for the same platform, items and time."""
    key = "\x1f".join([code, _iso(created_at), *sorted(post_ids)])
    h = base64.b32encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii")[:8]
    return f"TW-{code}-{created_at.astimezone(timezone.utc):%Y%m%d}-{h}"


def check_url(url: str | None) -> str | None:
    """Why `url` cannot name the exact location of an item, or None when it can."""
    if not url:
        return "no URL: a notice must name the exact location of each item"
    if len(url) > MAX_URL:
        return f"URL longer than {MAX_URL} characters"
    if _UNSAFE.search(url) or any(ch.isspace() for ch in url):
        return "URL contains spaces or control characters"
    if not url.lower().startswith(("http://", "https://")):
        return "URL is not http(s)"
    if url_host(url) is None:
        return "URL has no host"
    return None


def _language(settings: ReferSettings, platform: PlatformInfo, data: NoticeData) -> str:
    for lang in (settings.notice_language, "en"):
        if lang in data.explain and lang in platform.languages:
            return lang
    return "en"


def explain_item(i: int, item: NoticeItem, lang: str = "en", data: NoticeData | None = None) -> str:
    """The generated explanation of one item (numbered `i` in its notice)."""
    data = data or notice_data()
    t = data.explain.get(lang) or data.explain["en"]
    reasons = [t["categories"][c] for c in item.categories if c in t["categories"]]
    language = f" (language: {data.languages.get(item.lang, item.lang)})" if item.lang else ""
    text = t["item"].format(i=i, url=item.url, lang=language, reasons="; it ".join(reasons) or "is illegal")
    if item.cues:
        cues = "; ".join(f"\u201c{safe_text(c.term, 60)}\u201d ({safe_text(c.gloss or c.concept, 60)})"
                         for c in item.cues)
        text += " " + t["cues"].format(cues=cues)
    else:
        text += " " + t["no_cues"]
    return text


def explain_notice(platform_name: str, items: Sequence[NoticeItem], lang: str = "en",
                   data: NoticeData | None = None) -> str:
    data = data or notice_data()
    t = data.explain.get(lang) or data.explain["en"]
    parts = [t["opening"].format(n=len(items), platform=platform_name)]
    if any(i.priority == PRIORITY_URGENT for i in items):
        parts.append(t["urgent"])
    parts += [i.explanation for i in items]
    parts.append(t["closing"])
    return "\n\n".join(parts)


def dsa_fields(items: Sequence[NoticeItem], source_type: str, data: NoticeData | None = None) -> dict[str, Any]:
    """The DSA Transparency Database fields for a notice: main category from its first (most urgent) item."""
    data = data or notice_data()
    primary = data.dsa_map[items[0].category]
    additions: list[str] = []
    keywords: set[str] = set()
    others: list[str] = []
    for it in items:
        for cat in it.categories:
            m = data.dsa_map[cat]
            additions += [m["category"], *m.get("category_addition", [])]
            keywords.update(m.get("category_specification", []))
            if "KEYWORD_OTHER" in m.get("category_specification", []) and cat in data.dsa_other:
                others.append(data.dsa_other[cat])
    return {
        "category": primary["category"],
        "category_addition": [c for c in dict.fromkeys(additions) if c != primary["category"]],
        "category_specification": [k for k in data.dsa_keywords if k in keywords],
        "category_specification_other": "; ".join(dict.fromkeys(others)) if "KEYWORD_OTHER" in keywords else None,
        "source_type": source_type,
    }


# -- builder --------------------------------------------------------------------------------------------
def build_notices(items: Iterable[ConfirmedItem], settings: ReferSettings, *, now: datetime,
                  max_items: int = 50) -> BuildResult:
    """Group confirmed items into notices: one per platform and urgency, at most `max_items` each.

    Urgent items (imminent departures) get notices of their own so that a long list of ordinary
    adverts never delays them. Items that cannot be referred (no usable URL, no platform, no category)
    come back in `unroutable` with the reason. Notices are ordered most urgent first.
    """
    if now.tzinfo is None:
        raise NoticeError("`now` must be timezone-aware")
    data = notice_data()
    registry = settings.registry
    source_type = settings.source_type or ("SOURCE_TRUSTED_FLAGGER" if settings.notifier.trusted_flagger
                                           else "SOURCE_ARTICLE_16")
    if source_type not in data.source_types:
        raise NoticeError(f"unknown DSA source type {source_type!r}")
    merged: dict[str, ConfirmedItem] = {}
    for it in items:  # the same post confirmed twice: one item, categories and cues united
        prev = merged.get(it.post_id)
        if prev is not None:
            it = replace(prev, categories=tuple(dict.fromkeys(prev.categories + it.categories)),
                         cues=prev.cues + it.cues)
        merged[it.post_id] = it
    groups: dict[tuple[str, bool], list[NoticeItem]] = {}
    bad: list[Unroutable] = []
    for it in merged.values():
        cats = [c for c in data.category_order if c in set(it.categories)]
        if not cats:
            bad.append(Unroutable(it.post_id, "no smuggling category confirmed "
                                              f"(got {list(it.categories)[:5]!r})"))
            continue
        why = check_url(it.url)
        if why:
            bad.append(Unroutable(it.post_id, why))
            continue
        match = registry.resolve(it.url, it.platform)
        if match is None:
            bad.append(Unroutable(it.post_id, f"no known platform hosts {safe_text(it.url, 120)}"))
            continue
        cues = cue_notes(it.cues)[:MAX_CUES_PER_ITEM]
        prio = item_priority(cats, cues, data)
        digest = it.evidence_digest or (evidence_digest(it.text) if it.text is not None else None)
        ni = NoticeItem(post_id=it.post_id, url=it.url, url_kind=match.kind, categories=tuple(cats),
                        category=cats[0], lang=it.lang, cues=cues, evidence_digest=digest, explanation="",
                        priority=prio, decision_id=it.decision_id)
        groups.setdefault((match.platform.key, prio == PRIORITY_URGENT), []).append(ni)
    notices: list[Notice] = []
    for (key, urgent), group in groups.items():
        platform = registry.get(key)
        lang = _language(settings, platform, data)
        group.sort(key=lambda n: (n.priority, n.post_id))
        for start in range(0, len(group), max_items):
            chunk = group[start:start + max_items]
            chunk = [replace(n, explanation=(safe_text(merged[n.post_id].explanation, 4000)
                                             if merged[n.post_id].explanation
                                             else explain_item(k, n, lang, data)))
                     for k, n in enumerate(chunk, 1)]
            prio = min(n.priority for n in chunk)
            hours = platform.urgent_sla_hours if prio == PRIORITY_URGENT else platform.sla_hours
            notices.append(Notice(
                reference=reference_for(platform.code, [n.post_id for n in chunk], now),
                platform=key, platform_name=platform.name, operator=platform.operator, created_at=now,
                deadline=now + timedelta(hours=hours), priority=prio, language=lang, items=tuple(chunk),
                explanation=explain_notice(platform.name, chunk, lang, data),
                legal_ground=settings.legal_ground, good_faith=settings.good_faith,
                notifier=settings.notifier.to_json(), dsa=dsa_fields(chunk, source_type, data),
            ))
    notices.sort(key=lambda n: (n.priority, n.deadline, n.platform))  # stable: chunks keep their order
    return BuildResult(tuple(notices), tuple(bad))


def edit_explanation(notice: Notice, text: str) -> Notice:
    """The notice with an analyst's explanation instead of the generated one (before it is sent)."""
    cleaned = "\n".join(safe_text(line, MAX_EXPLANATION) for line in str(text).splitlines()).strip()
    if len(cleaned) < 20:
        raise NoticeError("the explanation must say why the content is illegal (at least 20 characters)")
    if len(cleaned) > MAX_EXPLANATION:
        raise NoticeError(f"the explanation is longer than {MAX_EXPLANATION:,} characters")
    return replace(notice, explanation=cleaned)


def notice_text(notice: Notice | Mapping[str, Any]) -> str:
    """The notice as plain text (the body of an email, a printable page)."""
    n = notice.to_json() if isinstance(notice, Notice) else notice
    data = notice_data()
    created = datetime.fromisoformat(n["created_at"].replace("Z", "+00:00"))
    deadline = datetime.fromisoformat(n["deadline"].replace("Z", "+00:00"))
    nf = n["notifier"]
    dsa = n["dsa"]
    lines = [
        f"Notice of illegal content - reference {n['reference']}",
        f"To: {n['platform_name']}" + (f" ({n['operator']})" if n.get("operator") else ""),
        f"Sent by: {nf['name']} <{nf['email']}>" + (f", {nf['organisation']}" if nf.get("organisation") else "")
        + (" (trusted flagger)" if nf.get("trusted_flagger") else ""),
        f"Date: {_utc_str(created)}",
        f"Priority: {n['priority']} - action requested by {_utc_str(deadline)}",
        "",
        "Legal ground",
        n["legal_ground"],
        "",
        "Category (DSA Transparency Database)",
        f"category: {dsa['category']}",
        f"category_specification: {', '.join(dsa['category_specification'])}",
    ]
    if dsa.get("category_addition"):
        lines.append(f"category_addition: {', '.join(dsa['category_addition'])}")
    if dsa.get("category_specification_other"):
        lines.append(f"category_specification_other: {dsa['category_specification_other']}")
    lines += ["", "Explanation", n["explanation"], "", f"Items ({len(n['items'])}): exact locations"]
    for k, it in enumerate(n["items"], 1):
        lang = data.languages.get(it["lang"], it["lang"]) if it.get("lang") else "unknown"
        lines.append(f"{k}. {it['url']}")
        lines.append(f"   points at: {it['url_kind']}; categories: {', '.join(it['categories'])}; "
                     f"language: {lang}; priority: {it['priority']}")
        lines.append(f"   evidence: {it['evidence_digest'] or 'not captured'}")
    lines += ["", "Good-faith statement", n["good_faith_statement"], "",
              "A machine-readable copy of this notice is attached (JSON). Please quote the reference in replies."]
    return "\n".join(lines) + "\n"


def count_by_platform(notices: Iterable[Notice]) -> dict[str, int]:
    return dict(Counter(n.platform for n in notices))
