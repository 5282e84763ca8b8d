"""Entity extraction: one small module per kind, each `text -> list[Entity]` with spans into the original.

`extract_all` runs them all; `entities_json` shapes the result as the `tidewatch extract` contract.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from tidewatch.records import Entity

if TYPE_CHECKING:
    from tidewatch.text.normalise import Normalised


_DISGUISED = frozenset({"spaced_letters", "homoglyph", "leet"})


def extract_all(text: str, lang: str | None = None, norm: "Normalised | None" = None) -> list[Entity]:
    """Every entity in `text`, in order of position.

    With `norm` (the post's `normalise` result), prices and places that only read once disguised
    letters are joined or folded ("ق ا ی ق ... ۲ ۹ ۰ ۰  پ و ن د", "Lоndër" with a Cyrillic о) are
    added too, with their spans in the original text."""
    from tidewatch.extract.documents import extract_documents, extract_transport
    from tidewatch.extract.handles import extract_handles, extract_urls
    from tidewatch.extract.payments import extract_payments
    from tidewatch.extract.phones import extract_phones
    from tidewatch.extract.places import extract_places
    from tidewatch.extract.prices import extract_prices

    places = extract_places(text, lang=lang)
    out: list[Entity] = []
    out += extract_phones(text, lang=lang)  # guesses regions itself, only when a national number needs it
    out += extract_handles(text)
    out += extract_urls(text)
    out += extract_prices(text, lang=lang)
    out += places
    out += extract_payments(text, lang=lang)
    out += extract_documents(text, lang=lang)
    out += extract_transport(text, lang=lang)
    if norm is not None and norm.flags & _DISGUISED:
        out += _from_normalised(text, norm, lang, out)
    out.sort(key=lambda e: (e.start, e.end, e.kind))
    return out


def _key(e: Entity) -> tuple:
    return (e.kind, e.amount, e.currency) if e.kind == "price" else (e.kind, e.value)


def _from_normalised(text: str, norm, lang: str | None, found: list[Entity]) -> list[Entity]:
    """Prices and places read in the normalised text that the original text hid."""
    from dataclasses import replace

    from tidewatch.extract.places import extract_places
    from tidewatch.extract.prices import extract_prices

    have = {_key(e) for e in found}
    extra = []
    for e in extract_prices(norm.text, lang=lang) + extract_places(norm.text, lang=lang):
        start, end = norm.span_to_original(e.start, e.end)
        if _key(e) in have or not any(ch.isalnum() for ch in text[start:end]):
            continue  # already found, or only an emoji's word ("greece" for a flag)
        have.add(_key(e))
        extra.append(replace(e, start=start, end=end))
    return extra


def _unique(values: Iterable) -> list:
    seen, out = set(), []
    for v in values:
        key = repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _amount(x: float | None):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def entities_json(entities: Iterable[Entity]) -> dict:
    """The `entities` object of the extract contract (DESIGN.md), values de-duplicated in text order."""
    ents = list(entities)
    by = lambda kind: [e for e in ents if e.kind == kind]  # noqa: E731
    return {
        "phones": _unique(e.value for e in by("phone")),
        "handles": _unique(e.value for e in by("handle")),
        "urls": _unique(e.value for e in by("url")),
        "prices": _unique({"amount": _amount(e.amount), "currency": e.currency} for e in by("price")),
        "places": _unique(e.value for e in by("place")),
        "payments": _unique(e.value for e in by("payment")),
        "documents": _unique(e.value for e in by("document_type")),
        "transport": _unique(e.value for e in by("transport")),
    }
