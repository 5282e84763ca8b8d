"""Downloadable bundles: referrals as CSV (one row per item) or JSON (one object per referral).

Why it exists: some platforms (and auditors) want a file, not an API. The bundle is built from the
same referral dicts as every other view (`tidewatch.refer.repo.load_referrals`).

CSV cells carry text written by criminals (URLs, explanations quoting posts). A cell that starts with
`=`, `+`, `-`, `@`, TAB or CR is run as a formula by Excel/LibreOffice (CSV injection: `=HYPERLINK(...)`,
`=cmd|...`); every such cell is prefixed with `'` so it is shown as text. Leading spaces and control
characters don't hide a formula: they are looked through, and full-width lookalikes are treated
the same, since some spreadsheet locales accept them.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping

import orjson

from tidewatch.csvsafe import FORMULA_START, neutralise  # noqa: F401 (re-exported)
from tidewatch.refer.repo import partner_view

CSV_COLUMNS = (
    "reference", "platform", "status", "priority", "created_at", "deadline", "sent_at", "acknowledged_at",
    "answered_at", "closed_at", "item_position", "url", "url_kind", "category", "categories", "lang",
    "evidence_digest", "outcome", "outcome_at", "removed_at", "decline_reason", "liveness",
    "first_seen_offline_at", "dsa_category", "dsa_category_specification", "legal_ground",
)


def bundle_rows(referrals: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per referred item."""
    rows = []
    for r in referrals:
        dsa = r.get("dsa") or {}
        for it in r.get("items", []):
            rows.append({
                "reference": r["reference"], "platform": r["platform"], "status": r["status"],
                "priority": r.get("priority"), "created_at": r.get("created_at"), "deadline": r.get("deadline"),
                "sent_at": r.get("sent_at"), "acknowledged_at": r.get("acknowledged_at"),
                "answered_at": r.get("answered_at"), "closed_at": r.get("closed_at"),
                "item_position": it.get("position"), "url": it["url"], "url_kind": it.get("url_kind"),
                "category": it.get("category"), "categories": ";".join(it.get("categories") or []),
                "lang": it.get("lang"), "evidence_digest": it.get("evidence_digest"), "outcome": it.get("outcome"),
                "outcome_at": it.get("outcome_at"), "removed_at": it.get("removed_at"),
                "decline_reason": it.get("decline_reason"), "liveness": it.get("liveness"),
                "first_seen_offline_at": it.get("first_seen_offline_at"), "dsa_category": dsa.get("category"),
                "dsa_category_specification": ";".join(dsa.get("category_specification") or []),
                "legal_ground": r.get("legal_ground"),
            })
    return rows


def to_csv(referrals: Iterable[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(CSV_COLUMNS)
    for row in bundle_rows(referrals):
        w.writerow([neutralise(row.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def to_json(referrals: Iterable[Mapping[str, Any]], *, partner: bool = False) -> bytes:
    """The referrals as a JSON document; `partner=True` keeps only what the platform may see."""
    refs = [partner_view(dict(r)) if partner else dict(r) for r in referrals]
    return orjson.dumps({"schema": "tidewatch.referrals/1", "referrals": refs},
                        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
