"""Every route × every role gets the right answer: the page (200, or 303 after a change), 403 for a
role without the permission, a redirect to the login page without a session. The table below must
list every route the app serves, with the permission the route itself declares."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from console_helpers import PASSWORD, ROLE_USERS, Clock, TestClient, add_role_users, login, make_app, make_repo, post
from console_factory import seed
from tidewatch.console.permissions import allowed
from tidewatch.store.console_repo import QueueFilter
from tidewatch.store.repo import Store
from tidewatch.web.app import api_routes
from tidewatch.web.background import refer_settings
from tidewatch.web.deps import permission_of

ROUTES = [  # (method, path as the app declares it, permission; None = any logged-in user)
    ("GET", "/", None),
    ("POST", "/logout", None),
    ("GET", "/queue", "queue.view"),
    ("GET", "/escalations", "escalation.view"),
    ("POST", "/queue/bulk", "queue.bulk"),
    ("GET", "/items/{item_id}", "item.view"),
    ("GET", "/items/{item_id}/media/{index}", "item.view"),
    ("POST", "/items/{item_id}/claim", "item.claim"),
    ("POST", "/items/{item_id}/release", "item.claim"),
    ("POST", "/items/{item_id}/decision", "item.decide"),
    ("POST", "/items/{item_id}/notes", "item.note"),
    ("POST", "/items/{item_id}/reopen", "item.reopen"),
    ("GET", "/evidence/{evidence_id}", "evidence.view"),
    ("GET", "/evidence/{evidence_id}/files/{file_id}", "evidence.view"),
    ("GET", "/evidence/{evidence_id}/bundle.zip", "evidence.view"),
    ("POST", "/evidence/{evidence_id}/screenshot", "evidence.capture"),
    ("GET", "/audit", "audit.view"),
    ("GET", "/audit/verify", "audit.view"),
    ("GET", "/users", "users.manage"),
    ("POST", "/users", "users.manage"),
    ("POST", "/users/{username}/disable", "users.manage"),
    ("POST", "/users/{username}/enable", "users.manage"),
    ("POST", "/users/{username}/role", "users.manage"),
    # networks (issue 7)
    ("GET", "/networks", "network.view"),
    ("GET", "/networks/{network_id}", "network.view"),
    ("GET", "/networks/{network_id}/graph.json", "network.view"),
    ("GET", "/networks/export/{fmt}", "network_export.view"),
    ("GET", "/networks/{network_id}/export/{fmt}", "network_export.view"),
    # referrals (issue 6)
    ("GET", "/items/{item_id}/referral", "referral.view"),
    ("POST", "/items/{item_id}/refer", "referral.create"),
    ("GET", "/referrals", "referral.view"),
    ("GET", "/referrals/ready", "referral.view"),
    ("POST", "/referrals/ready", "referral.create"),
    ("GET", "/referrals/metrics", "referral_metrics.view"),
    ("GET", "/referrals/dead-letters", "dead_letters.view"),
    ("POST", "/referrals/dead-letters/{outbox_id}/requeue", "referral.requeue"),
    ("GET", "/referrals/{reference}", "referral.view"),
    ("GET", "/platforms", "platforms.view"),
    ("GET", "/portal", "portal.use"),
    ("GET", "/portal/referrals/{reference}", "portal.use"),
    ("GET", "/portal/referrals/{reference}/bundle.zip", "portal.use"),
    ("POST", "/portal/referrals/{reference}/acknowledge", "portal.use"),
    ("POST", "/portal/referrals/{reference}/answer", "portal.use"),
]
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz")}
FORMS = {
    "/queue/bulk": lambda ctx: {"action": "claim", "item": [str(ctx["item_id"])]},
    "/items/{item_id}/decision": lambda ctx: {"action": "escalate", "note": "route test"},
    "/items/{item_id}/notes": lambda ctx: {"note": "route test"},
    "/users": lambda ctx: {"username": f"new{ctx['n']}", "role": "analyst"},
    "/users/{username}/role": lambda ctx: {"role": "auditor"},
}
ROLES = ["anonymous", *ROLE_USERS]


@pytest.fixture(scope="module")
def world(module_db_url, tmp_path_factory):
    store = Store.open(module_db_url)
    repo = make_repo(store, Clock(datetime.now(timezone.utc)))
    ids = seed(repo, tmp_path_factory.mktemp("data"), extra=150)
    add_role_users(repo)
    sam = repo.get_user("sam")
    evidence_id = repo.decide(ids["sorani_same_phone"], sam, "confirm", ["smuggling_service"]).evidence_id
    file_id = repo.evidence_view(evidence_id)["files"][0]["id"]
    app = make_app(repo)
    repo.decide(ids["arabic_tonight"], sam, "confirm", ["smuggling_service"])
    reference = repo.refer([ids["arabic_tonight"]], sam, refer_settings(app.state)).references[0]
    spare = sorted({r.id for r in repo.queue_page(QueueFilter(status="new"), limit=1000).rows} - set(ids.values()))
    w = {"repo": repo, "app": app, "ids": ids, "evidence_id": evidence_id, "file_id": file_id,
         "spare": iter(spare), "n": itertools.count(), "clients": {}, "reference": reference}
    yield w
    for c in w["clients"].values():
        c.close()
    store.close()


def _client(world, role):
    if role not in world["clients"]:
        world["clients"][role] = login(world["app"], ROLE_USERS[role]) if role != "anonymous" else None
    return world["clients"][role]


def test_the_table_lists_every_route_with_its_declared_permission(world):
    app_routes = {}
    for r in api_routes(world["app"]):
        for m in r.methods - {"HEAD"}:
            app_routes[(m, r.path)] = permission_of(r)
    table = {(m, p): perm for m, p, perm in ROUTES}
    assert set(app_routes) == set(table) | PUBLIC
    for key, perm in table.items():
        assert app_routes[key] == perm, key
    for key in PUBLIC:
        assert app_routes[key] is False, key


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, permission", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_answers_each_role(world, method, path, permission, role):
    repo = world["repo"]
    n = next(world["n"])
    ctx = {"network_id": "N-test000001", "fmt": "graphml",  # networks (issue 7)
           "item_id": next(world["spare"]) if "{item_id}" in path else None,  # only item routes take one
           "index": 0, "evidence_id": world["evidence_id"],
           "file_id": world["file_id"], "username": f"target{n}", "n": n, "reference": world["reference"],
           "outbox_id": 10**6 + n}
    if path == "/items/{item_id}/media/{index}":
        ctx["item_id"] = world["ids"]["sorani"]  # the post with a local image
    if "{username}" in path:
        repo.add_user(ctx["username"], PASSWORD, "analyst", "test")
    url = path.format(**ctx)
    data = FORMS.get(path, lambda c: {})(ctx)
    if role == "anonymous":
        with TestClient(world["app"], follow_redirects=False) as anon:
            r = anon.get(url) if method == "GET" else anon.post(url, data=data)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (r.status_code, r.text[:200])
        return
    client = login(world["app"], ROLE_USERS[role]) if path == "/logout" else _client(world, role)
    r = client.get(url) if method == "GET" else post(client, url, data)
    if permission is None or allowed(role, permission):
        if path == "/logout":  # the answer is the login page, and the session is over
            assert r.status_code == 303 and r.headers["location"] == "/login"
            assert client.get("/queue").headers["location"].startswith("/login")
            return
        assert r.status_code in ((200,) if method == "GET" and path != "/" else (200, 303)), (r.status_code, r.text[:300])
        assert not r.headers.get("location", "").startswith("/login")
    else:
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert "No access" in r.text


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_a_post_without_the_csrf_token_is_refused_for_every_role(world, role):
    client = _client(world, role)
    item = next(world["spare"])
    r = client.post(f"/items/{item}/notes", data={"note": "no token"})
    assert r.status_code == 403
    assert world["repo"].item_view(item)["decisions"] == []
