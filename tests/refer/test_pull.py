"""Partner functions at store level: listing, acknowledging, answering; isolation; strict answers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tidewatch.refer.channels import ChannelSet
from tidewatch.refer.channels.pull import (AnswerError, ReferralNotFound, acknowledge, answer, get_for_platform,
                                           list_for_platform, parse_answer)
from tidewatch.refer.dispatch import Dispatcher
from tidewatch.refer.notice import build_notices
from tidewatch.refer.outbox import create_referrals
from tidewatch.refer.repo import load_referrals
from tidewatch.refer.status import expire_overdue
from tidewatch.store.refer_models import (ReferralAnswerRow, ReferralEventRow, ReferralItemRow, ReferralRow)

from .conftest import NOW, confirmed, make_settings

PULL_ALL = {k: ["pull"] for k in ("telegram", "facebook", "instagram", "tiktok", "x")}
T1 = NOW + timedelta(hours=1)
T2 = NOW + timedelta(hours=2)


@pytest.fixture
def sent(seeded):
    """All fictional referrals created and delivered through the pull channel."""
    s = make_settings(PULL_ALL)
    res = build_notices(confirmed(), s, now=NOW)
    with seeded.engine.begin() as conn:
        create_referrals(conn, res.notices, s.registry, now=NOW)
    stats = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine, clock=lambda: NOW), clock=lambda: NOW).run_once()
    assert stats.delivered == len(res.notices)
    refs = {n.platform: [] for n in res.notices}
    for n in res.notices:
        refs[n.platform].append(n.reference)
    return seeded, refs


def snapshot(engine):
    """Everything an answer could change."""
    with engine.connect() as conn:
        return (conn.execute(select(ReferralRow.__table__).order_by(ReferralRow.id)).all(),
                conn.execute(select(ReferralItemRow.__table__).order_by(ReferralItemRow.id)).all(),
                conn.scalar(select(func.count()).select_from(ReferralEventRow)),
                conn.scalar(select(func.count()).select_from(ReferralAnswerRow)))


def test_platform_lists_only_its_own_referrals_and_pages_with_a_cursor(sent):
    store, refs = sent
    with store.engine.connect() as conn:
        batch = list_for_platform(conn, "telegram")
        assert sorted(r["reference"] for r in batch.referrals) == sorted(refs["telegram"])
        for r in batch.referrals:
            assert set(r) >= {"reference", "status", "deadline", "items", "explanation", "dsa", "notifier"}
            assert "post_id" not in r["items"][0] and "liveness" not in r["items"][0] and "id" not in r
        first = list_for_platform(conn, "telegram", limit=1)
        rest = list_for_platform(conn, "telegram", first.cursor, limit=10)
        assert [r["reference"] for r in first.referrals + rest.referrals] == [r["reference"] for r in batch.referrals]
        assert list_for_platform(conn, "telegram", batch.cursor).referrals == []
        assert list_for_platform(conn, "youtube").referrals == []
    with store.engine.begin() as conn:
        acknowledge(conn, "telegram", refs["telegram"][0], now=T1)
    with store.engine.connect() as conn:
        changed = list_for_platform(conn, "telegram", batch.cursor)
        assert [r["reference"] for r in changed.referrals] == [refs["telegram"][0]]
        assert changed.referrals[0]["status"] == "acknowledged"


def test_isolation_platform_a_cannot_read_ack_or_answer_platform_b(sent):
    store, refs = sent
    theirs = refs["facebook"][0]
    before = snapshot(store.engine)
    with store.engine.begin() as conn:
        with pytest.raises(ReferralNotFound) as e1:
            get_for_platform(conn, "telegram", theirs)
        with pytest.raises(ReferralNotFound) as e2:
            acknowledge(conn, "telegram", theirs, now=T1)
        with pytest.raises(ReferralNotFound) as e3:
            answer(conn, "telegram", theirs, "DECISION_VISIBILITY_CONTENT_REMOVED", now=T1)
        with pytest.raises(ReferralNotFound) as e4:
            get_for_platform(conn, "telegram", "TW-TG-20261128-NOSUCHXX")
        assert all(theirs not in [r["reference"] for r in list_for_platform(conn, p).referrals]
                   for p in ("telegram", "instagram", "tiktok", "x", "youtube"))
    # another platform's reference is indistinguishable from one that does not exist
    assert str(e1.value).replace(theirs, "R") == str(e4.value).replace("TW-TG-20261128-NOSUCHXX", "R")
    assert snapshot(store.engine) == before


def test_acknowledge_then_answer_moves_status_and_records_history(sent):
    store, refs = sent
    ref = next(r for r in refs["facebook"])
    with store.engine.begin() as conn:
        a = acknowledge(conn, "facebook", ref, now=T1)
        assert a["status"] == "acknowledged" and a["acknowledged_at"] == "2026-11-28T10:00:00Z"
        assert acknowledge(conn, "facebook", ref, now=T2)["acknowledged_at"] == a["acknowledged_at"]  # idempotent
        out = answer(conn, "facebook", ref, ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_SUSPENDED"],
                     reason_text="Removed under our policy on human smuggling.", now=T2,
                     at="2026-11-28T10:30:00+00:00")
    assert out["status"] == "actioned" and out["closed_at"] == "2026-11-28T10:30:00Z"
    assert all(i["outcome"] == "DECISION_VISIBILITY_CONTENT_REMOVED" for i in out["items"])
    with store.engine.connect() as conn:
        (full,) = load_referrals(conn, references=[ref])
    assert [h["status"] for h in full["history"]] == ["drafted", "sent", "acknowledged", "actioned"]
    assert all(i["removed_at"] == "2026-11-28T10:30:00Z" for i in full["items"])
    assert full["answers"][0]["actor"] == "partner:facebook"


def test_partial_answers_decline_and_geo_restriction(sent):
    store, refs = sent
    ref = refs["facebook"][0]
    with store.engine.connect() as conn:
        urls = [i["url"] for i in get_for_platform(conn, "facebook", ref)["items"]]
    with store.engine.begin() as conn:
        one = answer(conn, "facebook", ref, {"action": "DECLINED", "reason": "NOT_ILLEGAL", "urls": [urls[0]],
                                             "reason_text": "Travel agency advert."}, now=T1)
        assert one["status"] == "acknowledged"  # one of two items answered
        two = answer(conn, "facebook", ref, {"action": "DECISION_VISIBILITY_CONTENT_DISABLED",
                                             "territorial_scope": ["FR", "BE"], "urls": [urls[1]]}, now=T2)
    assert two["status"] == "actioned"
    outcomes = {i["url"]: (i["outcome"], i["decline_reason"]) for i in two["items"]}
    assert outcomes == {urls[0]: ("DECLINED", "NOT_ILLEGAL"), urls[1]: ("GEO_RESTRICTED", None)}
    with store.engine.connect() as conn:
        (full,) = load_referrals(conn, references=[ref])
    assert [i["removed_at"] for i in full["items"]] == [None, None]  # geo-restriction is not removal


def test_declined_referral_and_needs_information(sent):
    store, refs = sent
    with store.engine.begin() as conn:
        d = answer(conn, "instagram", refs["instagram"][0], "DECLINED", "OTHER",
                   reason_text="Account belongs to a licensed travel agent.", now=T1)
        assert d["status"] == "declined"
        ref = refs["tiktok"][0]
        n = answer(conn, "tiktok", ref, "NEEDS_INFORMATION", reason_text="Please send the video timestamp.", now=T1)
        assert n["status"] == "acknowledged" and all(i["outcome"] is None for i in n["items"])
    with store.engine.connect() as conn:
        (full,) = load_referrals(conn, references=[ref])
    assert "needs information: Please send the video timestamp." in full["history"][-1]["note"]
    # a month past their deadlines, unanswered referrals expire; a late answer still counts
    later = NOW + timedelta(days=40)
    with store.engine.begin() as conn:
        n = expire_overdue(conn, later, timedelta(days=30))
        statuses = {r["platform"]: r["status"] for r in load_referrals(conn)}
        assert n == 5  # telegram (2), facebook, tiktok (acknowledged, asked for information), x
        assert statuses["x"] == statuses["telegram"] == statuses["tiktok"] == statuses["facebook"] == "expired"
        assert statuses["instagram"] == "declined"  # answered: not expired
        late = answer(conn, "x", refs["x"][0], "DECISION_VISIBILITY_CONTENT_REMOVED", now=later)
    assert late["status"] == "actioned"


GOOD = {"action": "DECISION_VISIBILITY_CONTENT_REMOVED"}


@pytest.mark.parametrize("payload,field,message", [
    ({}, "action", "is required"),
    ({"action": ""}, "action", "unknown value"),
    ({"action": "REMOVED"}, "action", "unknown value"),
    ({"action": "decision_visibility_content_removed"}, "action", "unknown value"),
    ({"action": []}, "action", "at least one"),
    ({"action": 3}, "action", "list of strings"),
    ({"action": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_REMOVED"]}, "action", "duplicate"),
    ({"action": ["DECLINED", "DECISION_VISIBILITY_CONTENT_REMOVED"], "reason": "NOT_ILLEGAL"}, "action", "cannot be combined"),
    ({"action": ["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"]}, "action", "not both"),
    ({"action": "DECLINED"}, "reason", "needs a reason"),
    ({"action": "DECLINED", "reason": "BECAUSE"}, "reason", "needs a reason"),
    ({"action": "DECLINED", "reason": "OTHER"}, "reason_text", "say why"),
    ({**GOOD, "reason": "NOT_ILLEGAL"}, "reason", "only for DECLINED"),
    ({"action": "NEEDS_INFORMATION"}, "reason_text", "what information"),
    ({"action": "DECISION_VISIBILITY_OTHER"}, "visibility_other", "required"),
    ({**GOOD, "visibility_other": "shadow"}, "visibility_other", "only with"),
    ({**GOOD, "territorial_scope": ["FR"]}, "territorial_scope", "only to"),
    ({"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": ["France"]}, "territorial_scope", "alpha-2"),
    ({"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": "FR"}, "territorial_scope", "list"),
    ({**GOOD, "reason_text": "x" * 2001}, "reason_text", "at most"),
    ({**GOOD, "reason_text": "removed\u202e"}, "reason_text", "control"),
    ({**GOOD, "reason_text": 12}, "reason_text", "string"),
    ({**GOOD, "at": "yesterday"}, "at", "ISO 8601"),
    ({**GOOD, "at": "2026-11-28T10:00:00"}, "at", "time zone"),
    ({**GOOD, "at": 1764324000}, "at", "ISO 8601"),
    ({**GOOD, "urls": "https://t.me/x/1"}, "urls", "list"),
    ({**GOOD, "status": "actioned"}, "status", "unknown field"),
    ({**GOOD, "__proto__": {}}, "__proto__", "unknown field"),
])
def test_malformed_answers_are_refused_with_the_field_named(payload, field, message):
    with pytest.raises(AnswerError) as e:
        parse_answer(payload)
    assert e.value.field == field and message in str(e.value)


BAD_ON_STORE = [
    ({"action": {"action": "DECLINED"}}, "reason"),
    ({"action": "DECISION_VISIBILITY_CONTENT_REMOVED", "urls": ["https://t.me/someone_else/1"]}, "urls"),
    ({"action": "DECISION_VISIBILITY_CONTENT_REMOVED", "at": "2030-01-01T00:00:00Z"}, "at"),
    ({"action": "DECISION_VISIBILITY_CONTENT_REMOVED", "at": "2020-01-01T00:00:00Z"}, "at"),
    ({"action": "DECLINED", "reason": "NOT_ILLEGAL", "reason_text": "\x00"}, "reason_text"),
]


def test_bad_answers_change_nothing_in_the_database(sent):
    store, refs = sent
    before = snapshot(store.engine)
    for kwargs, field in BAD_ON_STORE:
        with store.engine.begin() as conn:
            with pytest.raises(AnswerError) as e:
                answer(conn, "telegram", refs["telegram"][0], now=T1, **kwargs)
        assert e.value.field == field
        assert snapshot(store.engine) == before


def test_parse_answer_accepts_the_documented_shapes():
    a = parse_answer({"action": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_TERMINATED"],
                      "reason_text": "Removed; account terminated for repeated smuggling offers.",
                      "at": "2026-11-28T10:00:00Z"})
    assert a.outcome() == "DECISION_VISIBILITY_CONTENT_REMOVED" and a.removes()
    assert parse_answer({"action": "DECISION_VISIBILITY_CONTENT_DEMOTED"}).removes() is False
    assert parse_answer({"action": "DECISION_VISIBILITY_OTHER", "visibility_other": "Hidden from search"}).kind == "ACTIONED"
    geo = parse_answer({"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": ["GB", "FR"]})
    assert geo.outcome() == "GEO_RESTRICTED" and not geo.removes()
    assert parse_answer({"action": "DECISION_VISIBILITY_CONTENT_DISABLED"}).removes()
