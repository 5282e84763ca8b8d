"""Network profiles: accounts removed and recreated, routes, prices, activity, referral outcomes.
Fictional numbers and handles only."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tidewatch.link.profile import (PostFacts, Referral, account_counts, classify_accounts, post_referral,
                                    price_ranges, referral_counts, route_of, routes, summarise, weekly_activity)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
NOW = T0 + timedelta(days=120)
PHONE = ("phone", "+447700900123")
REMOVED = Referral("removed", T0 + timedelta(days=12), basis="platform")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def p(pid, account, n, *ids, referral=None, handle=None, places=(), prices=(), reach=0):
    return PostFacts(pid, account, day(n), tuple(ids), tuple(places), tuple(prices), reach, handle, referral)


# -- one post's referrals ---------------------------------------------------------------------------
@pytest.mark.parametrize("items, outcome, basis", [
    ([], None, None),
    ([{"status": "drafted"}], None, None),  # never sent
    ([{"status": "sent"}], "open", None),
    ([{"status": "acknowledged", "outcome": "NEEDS_INFORMATION"}], "open", None),
    ([{"status": "declined", "outcome": "DECLINED"}], "declined", None),
    ([{"status": "actioned", "outcome": "DECISION_VISIBILITY_CONTENT_REMOVED", "removed_at": day(3)}],
     "removed", "platform"),
    ([{"status": "actioned", "outcome": "GEO_RESTRICTED", "outcome_at": day(3)}], "restricted", None),
    ([{"status": "sent", "first_seen_offline_at": day(4)}], "removed", "offline"),  # our liveness check saw it gone
    ([{"status": "declined", "outcome": "DECLINED"},  # declined, re-referred, then removed
      {"status": "actioned", "outcome": "DECISION_VISIBILITY_CONTENT_REMOVED", "outcome_at": day(9)}],
     "removed", "platform"),
])
def test_post_referral_outcome(items, outcome, basis):
    r = post_referral(items)
    assert (r.outcome if r else None, r.basis if r else None) == (outcome, basis)


def test_removal_time_is_the_earliest_evidence_and_account_actions_are_kept():
    r = post_referral([{"status": "actioned", "outcome": "DECISION_ACCOUNT_SUSPENDED", "removed_at": day(9),
                        "first_seen_offline_at": day(7)}])
    assert r.removed_at == day(7) and r.account_removed


def test_referral_counts():
    posts = [p("1", "fb:a", 0, referral=REMOVED), p("2", "fb:a", 1, referral=Referral("declined")),
             p("3", "fb:b", 2, referral=Referral("open")), p("4", "fb:b", 3)]
    assert referral_counts(posts) == {"referred": 3, "removed": 1, "restricted": 0, "declined": 1, "open": 1}


# -- accounts -------------------------------------------------------------------------------------------
def status(accounts):
    return {a.account: a.status for a in accounts}


def test_an_account_taken_down_and_its_successor_with_the_same_phone():
    posts = [p("s1", "facebook:a1", 0, PHONE, referral=REMOVED), p("s2", "facebook:a1", 10, PHONE, referral=REMOVED),
             p("s3", "facebook:a7", 20, PHONE), p("s4", "facebook:a7", 25, PHONE)]
    accounts = classify_accounts(posts, NOW)
    assert status(accounts) == {"facebook:a1": "removed", "facebook:a7": "recreated"}
    a1 = next(a for a in accounts if a.account == "facebook:a1")
    assert a1.basis == "platform" and a1.removed_at == REMOVED.removed_at
    a7 = next(a for a in accounts if a.account == "facebook:a7")
    assert a7.recreates == ("facebook:a1",) and a7.first_seen == day(20)
    assert account_counts(accounts) == {"active": 0, "removed": 1, "recreated": 1}


def test_a_parallel_account_is_not_a_recreation():
    """Sharing the phone is not enough: the other account was posting before this one stopped."""
    posts = [p("s1", "facebook:a1", 0, PHONE, referral=REMOVED), p("s2", "tiktok:b1", 5, PHONE),
             p("s3", "facebook:a1", 10, PHONE, referral=REMOVED)]
    assert status(classify_accounts(posts, NOW)) == {"facebook:a1": "removed", "tiktok:b1": "active"}


def test_removed_content_but_the_account_kept_posting():
    posts = [p("s1", "facebook:a1", 0, PHONE, referral=REMOVED), p("s2", "facebook:a1", 30, PHONE),
             p("s3", "telegram:c", 40, PHONE)]
    assert status(classify_accounts(posts, NOW)) == {"facebook:a1": "active", "telegram:c": "active"}


def test_a_declined_or_open_referral_leaves_the_account_active():
    posts = [p("s1", "x:a", 0, PHONE, referral=REMOVED), p("s2", "x:a", 1, PHONE, referral=Referral("declined")),
             p("s3", "x:b", 40, PHONE)]
    assert status(classify_accounts(posts, NOW)) == {"x:a": "active", "x:b": "active"}


def test_a_suspended_account_is_removed_even_with_posts_not_referred():
    posts = [p("s1", "instagram:a", 0, PHONE, referral=Referral("removed", day(2), True, "platform")),
             p("s2", "instagram:a", 1, PHONE), p("s3", "instagram:b", 3, PHONE)]
    accounts = classify_accounts(posts, NOW)
    assert status(accounts) == {"instagram:a": "removed", "instagram:b": "recreated"}


def test_seen_offline_only():
    posts = [p("s1", "tiktok:a", 0, referral=Referral("removed", day(3), basis="offline"))]
    [a] = classify_accounts(posts, NOW)
    assert (a.status, a.basis) == ("removed", "offline")


@pytest.mark.parametrize("now_days, later_ids, expected", [
    # no referral data: gone quiet for 60+ days and the old handle reappears in a new account's advert
    (90, [("handle", "@rega_uk")], {"facebook:a1": "removed", "facebook:a9": "recreated"}),
    # the old account's own handle, written with different case and without "@" in the new advert's entity
    (90, [("handle", "@REGA_UK".lower())], {"facebook:a1": "removed", "facebook:a9": "recreated"}),
    # quiet for only 12 days: too soon to call it removed
    (22, [("handle", "@rega_uk")], {"facebook:a1": "active", "facebook:a9": "active"}),
    # nothing shared: no recreation
    (90, [("phone", "+447700900999")], {"facebook:a1": "active", "facebook:a9": "active"}),
])
def test_without_referral_data_a_silent_account_whose_identifiers_reappear(now_days, later_ids, expected):
    posts = [p("k1", "facebook:a1", 0, handle="@Rega_UK"), p("k2", "facebook:a1", 10, handle="rega_uk"),
             p("k3", "facebook:a9", 15, *later_ids)]
    accounts = classify_accounts(posts, T0 + timedelta(days=now_days))
    assert status(accounts) == expected
    if expected["facebook:a1"] == "removed":
        assert next(a for a in accounts if a.account == "facebook:a1").basis == "inferred"


def test_posts_without_account_or_dates_do_not_break_classification():
    posts = [PostFacts("w1", None, None, (PHONE,)), PostFacts("w2", "web:x", None, (PHONE,))]
    assert status(classify_accounts(posts, NOW)) == {"web:x": "active"}


# -- routes, prices, activity --------------------------------------------------------------------------
@pytest.mark.parametrize("places, route", [
    (["Zuwara", "Lampedusa"], ("Zuwara", "Lampedusa")),
    (["Erbil", "Istanbul", "Italy"], ("Erbil", "Istanbul", "Italy")),
    (["Dunkirk", "Dunkirk", "United Kingdom", "Dunkirk"], ("Dunkirk", "United Kingdom")),
    (["United Kingdom"], ()),  # one place is a destination mention, not a route
    ([], ()),
    # with countries: one country's places in a row are one stop
    ([("Tobruk", "LY"), ("Libya", "LY"), ("Italy", "IT")], ("Tobruk", "Italy")),
    ([("Tobruk", "LY"), ("Libya", "LY")], ()),  # a departure point, not a route
    ([("Kabul", "AF"), ("Tehran", "IR"), ("Van", "TR"), ("Istanbul", "TR")], ("Kabul", "Tehran", "Istanbul")),
    ([("Dunkirk", "FR"), ("Calais", "FR"), ("UK", "GB")], ("Dunkirk", "UK")),
    ([("Erbil", "IQ"), ("Istanbul", "TR"), ("Italy", "IT")], ("Erbil", "Istanbul", "Italy")),
    ([("هەولێر", None), ("Europe", "EU")], ("هەولێر", "Europe")),  # no country known: its own stop
])
def test_route_of(places, route):
    assert route_of(places) == route


def test_routes_are_counted_most_frequent_first():
    posts = [p("1", "a", 0, places=["Izmir", "Greece"]), p("2", "b", 1, places=["Izmir", "Greece"]),
             p("3", "c", 2, places=["Kabul", "Tehran", "Van", "Istanbul"]), p("4", "c", 2, places=["Italy"])]
    assert routes(posts) == [
        {"origin": "Izmir", "destination": "Greece", "via": [], "posts": 2},
        {"origin": "Kabul", "destination": "Istanbul", "via": ["Tehran", "Van"], "posts": 1}]


def test_price_ranges_per_currency():
    posts = [p("1", "a", 0, prices=[(1500.0, "EUR"), (1500.0, "EUR")]), p("2", "a", 1, prices=[(2500.0, "EUR")]),
             p("3", "b", 2, prices=[(1800.0, "GBP"), (None, "GBP")]), p("4", "b", 3, prices=[(2000.0, "EUR")])]
    assert price_ranges(posts) == [
        {"currency": "EUR", "min": 1500.0, "median": 1750.0, "max": 2500.0, "posts": 3},
        {"currency": "GBP", "min": 1800.0, "median": 1800.0, "max": 1800.0, "posts": 1}]


def test_weekly_activity_fills_empty_weeks_and_starts_on_monday():
    times = [day(0), day(1), day(6.5), day(21), None, datetime(2026, 3, 25, 23, 59)]  # naive = UTC
    assert weekly_activity(times) == [(date(2026, 3, 2), 3), (date(2026, 3, 9), 0), (date(2026, 3, 16), 0),
                                      (date(2026, 3, 23), 2)]
    assert weekly_activity([]) == []
    long = weekly_activity([day(0), day(7 * 300)], max_weeks=10)
    assert len(long) == 10 and long[-1] == (date(2026, 3, 2) + timedelta(weeks=300), 1)


def test_summary_as_json():
    posts = [p("s1", "facebook:a1", 0, PHONE, referral=REMOVED, reach=1000, places=["Dunkirk", "Dover"]),
             p("s2", "facebook:a7", 20, PHONE, reach=50)]
    out = summarise(posts, NOW).as_json()
    assert out["accounts"] == {"active": 0, "removed": 1, "recreated": 1}
    assert out["referrals"]["removed"] == 1 and out["reach"] == 1050
    assert out["routes"][0]["origin"] == "Dunkirk"


# -- the bank stores the profile -------------------------------------------------------------------------
def test_rebuild_stores_accounts_routes_prices_and_referral_outcomes(store):
    from sqlalchemy import select

    from tidewatch.ingest.schema import post_from_dict
    from tidewatch.link.bank import rebuild
    from tidewatch.records import Detection, Entity
    from tidewatch.store.models import NetworkRow
    from tidewatch.store.refer_models import ReferralItemRow, ReferralRow

    text = "Qarib min Zuwara ila Lampedusa {p} euro, wa {p} li-l-atfal, +44 7700 900123"
    rows = [("a1", 0), ("a1", 3), ("a7", 30), ("a7", 31)]
    posts = [post_from_dict({"id": f"p{i}", "platform": "facebook", "author": {"id": acc},
                             "text": text.format(p=1000 + i), "created_at": day(d).isoformat(),
                             "metrics": {"views": 10}}) for i, (acc, d) in enumerate(rows)]
    store.add_posts(posts)

    def ents(p):
        t = p.text
        return [Entity("phone", "+447700900123", t.index("+44"), len(t)),
                Entity("place", "Zuwara", t.index("Zuwara"), t.index("Zuwara") + 6),
                Entity("place", "Lampedusa", t.index("Lampedusa"), t.index("Lampedusa") + 9),
                Entity("price", "EUR", t.index("euro") - 5, t.index("euro") + 4,
                       amount=float(t[t.index("euro") - 5:t.index("euro") - 1]), currency="EUR")]

    store.save_results([Detection(p.id, 0.9, 1, ("smuggling_service",), (), "ar", "t") for p in posts],
                       {p.id: ents(p) for p in posts})
    with store.engine.begin() as conn:
        rid = conn.execute(ReferralRow.__table__.insert().values(
            reference="TW-1", platform="facebook", status="actioned", priority=1, language="en", category="x",
            legal_ground="x", explanation="x", notice={}, created_at=day(5), deadline=day(7), sent_at=day(5),
            updated_at=day(6), version=1)).inserted_primary_key[0]
        conn.execute(ReferralItemRow.__table__.insert(), [
            {"referral_id": rid, "post_id": f"facebook:p{i}", "position": i, "url": "https://facebook.example/p",
             "url_kind": "post", "category": "smuggling_service", "categories": [], "outcome": None,
             "first_seen_offline_at": day(6)} for i in (0, 1)])
    [net] = rebuild(store)
    with store.engine.connect() as conn:
        prof = conn.scalar(select(NetworkRow.profile))
    assert prof["accounts"] == {"active": 0, "removed": 1, "recreated": 1}
    assert prof["referrals"] == {"referred": 2, "removed": 2, "restricted": 0, "declined": 0, "open": 0}
    assert prof["routes"] == [{"origin": "Zuwara", "destination": "Lampedusa", "via": [], "posts": 4}]
    assert prof["price_ranges"][0]["currency"] == "EUR" and prof["price_ranges"][0]["min"] == 1000.0
    assert prof["reach"] == 40 and prof["languages"] == {"ar": 4}
