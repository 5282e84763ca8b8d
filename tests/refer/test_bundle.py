"""Downloadable bundles: CSV cells neutralised against formula injection, JSON views."""
from __future__ import annotations

import csv
import io
import json

import pytest

from tidewatch.refer.bundle import CSV_COLUMNS, neutralise, to_csv, to_json


@pytest.mark.parametrize("cell,expected", [
    ("=HYPERLINK(\"http://fict.example\",\"click\")", "'=HYPERLINK(\"http://fict.example\",\"click\")"),
    ("+44 7700 900123", "'+44 7700 900123"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),  # leading spaces do not hide a formula
    ("\u00a0=1+1", "'\u00a0=1+1"),
    ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
    ("https://t.me/fictional_crossings/501", "https://t.me/fictional_crossings/501"),
    ("بەلەم بۆ بەریتانیا", "بەلەم بۆ بەریتانیا"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (42, "42"),
])
def test_neutralise_table(cell, expected):
    assert neutralise(cell) == expected


def referral(url="https://t.me/fictional_crossings/501", explanation="The content offers a crossing."):
    return {
        "id": 1, "reference": "TW-TG-20261128-ABCDEFGH", "platform": "telegram", "status": "sent", "priority": "urgent",
        "created_at": "2026-11-28T09:00:00Z", "deadline": "2026-11-28T21:00:00Z", "sent_at": "2026-11-28T09:01:00Z",
        "acknowledged_at": None, "answered_at": None, "closed_at": None, "updated_at": "2026-11-28T09:01:00Z",
        "language": "en", "legal_ground": "=cmd|' /C calc'!A0", "explanation": explanation, "notifier": {},
        "good_faith_statement": "We confirm.", "decision_id": "d-1", "version": 1,
        "dsa": {"category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
                "category_specification": ["KEYWORD_ILLEGAL_ORGANIZATIONS", "KEYWORD_OTHER"]},
        "items": [{"id": 1, "post_id": "telegram:501", "position": 1, "url": url, "url_kind": "content",
                   "category": "crossing_logistics", "categories": ["crossing_logistics"], "lang": "ckb",
                   "evidence_digest": "sha256:00", "outcome": None, "outcome_at": None, "removed_at": None,
                   "decline_reason": None, "liveness": "online", "last_checked_at": None, "first_seen_offline_at": None}],
        "history": [], "answers": [], "deliveries": [], "notice": {},
    }


def test_csv_has_one_row_per_item_and_no_live_formulas():
    text = to_csv([referral(url="=HYPERLINK(\"https://fict.example\")")])
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2
    for value in rows[1]:
        assert not value or value[0] not in "=+-@\t\r"
    rec = dict(zip(rows[0], rows[1]))
    assert rec["url"].startswith("'=") and rec["legal_ground"].startswith("'=")
    assert rec["dsa_category_specification"] == "KEYWORD_ILLEGAL_ORGANIZATIONS;KEYWORD_OTHER"


def test_json_bundle_and_partner_view():
    full = json.loads(to_json([referral()]))
    assert full["schema"] == "tidewatch.referrals/1" and full["referrals"][0]["decision_id"] == "d-1"
    part = json.loads(to_json([referral()], partner=True))["referrals"][0]
    assert "decision_id" not in part and "post_id" not in part["items"][0] and "liveness" not in part["items"][0]
    assert part["items"][0]["evidence_digest"] == "sha256:00"
