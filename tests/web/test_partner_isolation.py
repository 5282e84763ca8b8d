"""Isolation, over every partner route: platform A's API key and A's portal account cannot read,
list or answer platform B's referrals or evidence. B's reference is answered exactly like one that
does not exist, and nothing changes. A partner account reaches no console page either.

The tables below must list every partner API route and every portal route the app serves."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from console_helpers import TestClient, login, post
from referral_helpers import confirm, make_available, partners, referral_world, table_counts
from test_routes_roles import ROUTES
from tidewatch.web.app import api_routes
from tidewatch.web.deps import permission_of
from tidewatch.web.routes.partner_api import PREFIX

# (method, path): the request body for writes
API_ROUTES = {
    ("GET", "/referrals"): None,
    ("GET", "/referrals/{reference}"): None,
    ("GET", "/referrals/{reference}/bundle.zip"): None,
    ("POST", "/referrals/{reference}/acknowledge"): {},
    ("POST", "/referrals/{reference}/answer"): {"action": "DECISION_VISIBILITY_CONTENT_REMOVED"},
}
PORTAL_ROUTES = {
    ("GET", "/portal"): None,
    ("GET", "/portal/referrals/{reference}"): None,
    ("GET", "/portal/referrals/{reference}/bundle.zip"): None,
    ("POST", "/portal/referrals/{reference}/acknowledge"): {},
    ("POST", "/portal/referrals/{reference}/answer"): {"action": "DECISION_VISIBILITY_CONTENT_REMOVED"},
}
UNKNOWN = "TW-FB-20990101-AAAAAAAA"


@pytest.fixture
def w(repo, tmp_path):
    w = referral_world(repo, tmp_path / "data")
    confirm(repo, w.ids["arabic_tonight"])
    confirm(repo, w.ids["sorani"])
    (w.a,) = repo.refer([w.ids["arabic_tonight"]], repo.get_user("ana"), w.settings).references  # Telegram
    (w.b,) = repo.refer([w.ids["sorani"]], repo.get_user("ana"), w.settings).references  # Facebook
    for ref in (w.a, w.b):
        make_available(repo, ref)
    w.keys = partners(repo, w.settings)
    return w


def _partner_api(app):
    (mount,) = [r for r in app.routes if isinstance(r, Mount) and r.path == PREFIX]
    return mount.app


def test_the_tables_list_every_partner_route(w):
    served = {(m, r.path) for r in _partner_api(w.app).routes if isinstance(r, APIRoute) for m in r.methods}
    assert served == set(API_ROUTES)
    portal = {(m, r.path) for r in api_routes(w.app) for m in r.methods - {"HEAD"} if permission_of(r) == "portal.use"}
    assert portal == set(PORTAL_ROUTES)
    assert {(m, p) for m, p, perm in ROUTES if perm == "portal.use"} == set(PORTAL_ROUTES)


def _api(w, platform, method, path, body):
    c = TestClient(w.app)
    headers = {"Authorization": f"Bearer {w.keys[platform]['key']}"}
    return c.request(method, PREFIX + path, headers=headers, json=body) if method == "POST" else \
        c.request(method, PREFIX + path, headers=headers)


@pytest.mark.parametrize("method, path", list(API_ROUTES), ids=[f"{m} {p}" for m, p in API_ROUTES])
def test_api_key_of_a_cannot_reach_b(w, method, path):
    body = API_ROUTES[(method, path)]
    before = table_counts(w.repo.engine)
    if "{reference}" not in path:  # the list: A's own only
        seen = _api(w, "telegram", method, path, body).json()
        assert [r["reference"] for r in seen["referrals"]] == [w.a]
        assert w.b not in str(seen)
        seen = _api(w, "telegram", method, path + "?since=2000-01-01T00:00:00Z", body).json()
        assert [r["reference"] for r in seen["referrals"]] == [w.a]
        return
    other = _api(w, "telegram", method, path.format(reference=w.b), body)
    unknown = _api(w, "telegram", method, path.format(reference=UNKNOWN), body)
    assert other.status_code == unknown.status_code == 404
    assert other.text.replace(w.b, "REF") == unknown.text.replace(UNKNOWN, "REF")
    assert "facebook" not in other.text.lower() and "sha256" not in other.text
    assert table_counts(w.repo.engine) == before
    # and B's own key does reach it (the route works; only the platform differs)
    own = _api(w, "facebook", method, path.format(reference=w.b), body)
    assert own.status_code == 200, own.text


@pytest.mark.parametrize("method, path", list(PORTAL_ROUTES), ids=[f"{m} {p}" for m, p in PORTAL_ROUTES])
def test_portal_account_of_a_cannot_reach_b(w, method, path):
    body = PORTAL_ROUTES[(method, path)]
    staff_a = login(w.app, w.keys["telegram"]["username"])
    before = table_counts(w.repo.engine)

    def go(reference):
        url = path.format(reference=reference)
        return staff_a.get(url) if method == "GET" else post(staff_a, url, body)

    if "{reference}" not in path:
        page = go(None)
        assert page.status_code == 200 and w.a in page.text and w.b not in page.text
        assert "Referrals for Telegram" in page.text
        return
    other, unknown = go(w.b), go(UNKNOWN)
    assert other.status_code == unknown.status_code == 404
    assert re.sub(r"value=\"[^\"]+\"|X-CSRF-Token\": \"[^\"]+\"", "", other.text) == \
        re.sub(r"value=\"[^\"]+\"|X-CSRF-Token\": \"[^\"]+\"", "", unknown.text)
    assert "There is no such referral for your platform." in other.text
    assert table_counts(w.repo.engine) == before
    staff_b = login(w.app, w.keys["facebook"]["username"])
    url = path.format(reference=w.b)
    own = staff_b.get(url) if method == "GET" else post(staff_b, url, body)
    assert own.status_code in (200, 303), own.text[:300]


def test_a_referral_not_yet_sent_is_invisible_even_to_its_platform(w):
    """Still in the outbox (never delivered, not made available): its own platform gets 404 too."""
    from sqlalchemy import update

    from tidewatch.store.refer_models import ReferralRow

    with w.repo.engine.begin() as conn:
        conn.execute(update(ReferralRow).where(ReferralRow.reference == w.b).values(available_at=None))
    assert _api(w, "facebook", "GET", "/referrals", None).json()["referrals"] == []
    assert _api(w, "facebook", "GET", f"/referrals/{w.b}", None).status_code == 404
    assert _api(w, "facebook", "POST", f"/referrals/{w.b}/answer",
                {"action": "DECISION_VISIBILITY_CONTENT_REMOVED"}).status_code == 404


def test_a_partner_account_reaches_no_console_page(w):
    staff = login(w.app, w.keys["telegram"]["username"])
    assert staff.get("/").headers["location"] == "/portal"
    for method, path, perm in ROUTES:
        if perm in (None, "portal.use"):
            continue
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        r = staff.get(url) if method == "GET" else post(staff, url, {})
        assert r.status_code == 403, (method, path, r.status_code)
    nav = staff.get("/portal").text
    assert 'href="/queue"' not in nav and 'href="/referrals"' not in nav and 'href="/portal"' in nav


def test_an_unbound_partner_account_sees_nothing(w):
    """A `partner` role without a platform binding (should never happen) is refused, not shown all."""
    from sqlalchemy import delete

    from tidewatch.store.partner_models import PartnerAccountRow

    with w.repo.engine.begin() as conn:
        conn.execute(delete(PartnerAccountRow))
    staff = login(w.app, w.keys["telegram"]["username"])
    r = staff.get("/portal")
    assert r.status_code == 403 and "not linked to a platform" in r.text
