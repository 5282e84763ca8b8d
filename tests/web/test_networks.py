"""The network pages: list (order, filters), one network (accounts removed and recreated, routes,
prices, timeline, identifiers, templates, posts), its graph JSON, exports, links from item pages,
and hostile handles and texts that stay inert. The bank is built for real (`link.bank.rebuild`).
Phone numbers and handles are fictional."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from console_helpers import add_role_users, login, make_app
from html_checks import inert_problems, tags
from tidewatch.console.permissions import PERMISSIONS, allowed
from tidewatch.ingest.schema import post_from_dict
from tidewatch.link.bank import memberships, rebuild
from tidewatch.records import Detection, Entity
from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.refer_models import ReferralItemRow, ReferralRow

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # a Monday
RLO = "\u202e"
PHONE_UK = "+447700900123"
PHONE_FR = "+33639980001"
KURDISH = "گەشت لە دنکرک بۆ بەریتانیا بە بەلەم، {price} یۆرۆ، شوێن ماوە. پەیوەندی: +44 7700 900123 واتساپ"
HOSTILE_HANDLE = '"><img src=x onerror=alert(2)>'
HOSTILE_TEXT = ("Crossing tonight from Calais to Dover </script><script>alert('xss')</script> "
                f"\"quoted\" 'single' {RLO}gnp.exe call +33 6 39 98 00 01 — 900 EUR")

# name: record, entities [(surface, kind, value, amount, currency)], categories
POSTS: dict[str, tuple[dict, list, tuple]] = {}


def _post(name, rec, ents, cats=("smuggling_service",)):
    POSTS[name] = (rec, ents, cats)


for i, (day, acc, handle) in enumerate([(0, "a1", "@rega_uk"), (9, "a1", "@rega_uk"), (16, "a1", "@rega_uk"),
                                         (40, "a7", "@rega_uk_new"), (47, "a7", "@rega_uk_new"),
                                         (12, "t1", "rega.tiktok"), (45, "t1", "rega.tiktok")]):
    price = 1500 + 100 * i
    text = KURDISH.format(price=price)
    _post(f"kurd{i}", {"id": f"k{i}", "platform": "tiktok" if acc == "t1" else "facebook",
                       "url": f"https://facebook.example/posts/k{i}", "author": {"id": acc, "handle": handle},
                       "text": text, "created_at": (T0 + timedelta(days=day)).isoformat(),
                       "metrics": {"views": 1000 * (i + 1)}},
          [("+44 7700 900123", "phone", PHONE_UK, None, None), ("دنکرک", "place", "Dunkirk", None, None),
           ("بەریتانیا", "place", "United Kingdom", None, None), (f"{price} یۆرۆ", "price", f"{price} EUR", price, "EUR")])
for i in range(2):
    _post(f"hostile{i}", {"id": f"h{i}", "platform": "telegram", "url": "javascript:alert(document.cookie)",
                          "author": {"id": f"<script>alert({i})</script>", "handle": HOSTILE_HANDLE if i == 0 else f"@gnp{RLO}exe.doc",
                                     "name": "<b>boss</b>"},
                          "text": HOSTILE_TEXT + f" #{i}", "created_at": (T0 + timedelta(days=60 + i)).isoformat(),
                          "metrics": {"followers": "12,5oo"}},
          [("+33 6 39 98 00 01", "phone", PHONE_FR, None, None), ("Calais", "place", "Calais", None, None),
           ("Dover", "place", "Dover", None, None), ("900 EUR", "price", "900 EUR", 900.0, "EUR")],
          ("false_documents",))
_post("lonely", {"id": "z1", "platform": "x", "author": {"id": "solo"}, "text": "Boat to Lampedusa, ask me",
                 "created_at": T0.isoformat()}, [])


def _entity(text: str, surface: str, kind: str, value: str, amount, currency) -> Entity:
    i = text.index(surface)
    return Entity(kind, value, i, i + len(surface), amount=amount, currency=currency)


def _referral(conn, ref: str, post_ids: list[str], at: datetime) -> None:
    rid = conn.execute(ReferralRow.__table__.insert().values(
        reference=ref, platform="facebook", status="actioned", priority=1, language="en",
        category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", legal_ground="test", explanation="test",
        notice={}, created_at=at, deadline=at + timedelta(days=2), sent_at=at, updated_at=at, version=1)
    ).inserted_primary_key[0]
    conn.execute(ReferralItemRow.__table__.insert(), [{
        "referral_id": rid, "post_id": pid, "position": n, "url": f"https://facebook.example/{pid}",
        "url_kind": "post", "category": "smuggling_service", "categories": ["smuggling_service"],
        "outcome": "DECISION_VISIBILITY_CONTENT_REMOVED", "outcome_at": at + timedelta(hours=20),
        "removed_at": at + timedelta(hours=20)} for n, pid in enumerate(post_ids)])


def seed_networks(repo: ConsoleRepo) -> dict[str, str]:
    """Store the posts above with detections and entities, refer the first account's posts (all
    removed), build the bank for real and sync the queue. Returns network ids by name and item ids."""
    store = repo.store
    posts, dets, ents = [], [], {}
    for name, (rec, entities, cats) in POSTS.items():
        p = post_from_dict(rec)
        posts.append(p)
        dets.append(Detection(p.id, 0.9, 1, cats, (), "ckb" if name.startswith("kurd") else "en", "test-1"))
        ents[p.id] = [_entity(p.text, *e) for e in entities]
    store.add_posts(posts)
    store.save_results(dets, ents)
    with store.engine.begin() as conn:
        _referral(conn, "TW-TEST-1", ["facebook:k0", "facebook:k1", "facebook:k2"], T0 + timedelta(days=20))
    rebuild(store)
    repo.sync_queue(full=True)
    nets = dict(memberships(store))
    return {"kurdish": nets["k0"], "hostile": nets["h0"], **{f"item_{r[0]['id']}": repo.item_id_for_post(
        post_from_dict(r[0]).id) for r in POSTS.values()}}


@pytest.fixture
def world(repo):
    ids = seed_networks(repo)
    add_role_users(repo)
    return make_app(repo), repo, ids


@pytest.fixture
def ana(world):
    return login(world[0], "ana")


# -- the list -----------------------------------------------------------------------------------------
def test_list_shows_networks_with_counts_ordered_by_reach_and_activity(world, ana):
    app, repo, ids = world
    html = ana.get("/networks").text
    assert "<strong>2</strong> networks match" in html
    hrefs = [a["href"] for t, a in tags(html) if t == "a" and a.get("href", "").startswith("/networks/N-")]
    assert hrefs == [f"/networks/{ids['kurdish']}", f"/networks/{ids['hostile']}"]  # nothing recent: reach decides
    row = html.split(f'href="/networks/{ids["kurdish"]}"', 1)[1].split("</tr>", 1)[0]
    assert "28,000" in row  # reach: 1,000 + ... + 7,000 views
    assert "3 referred · 3 removed" in row and "1 removed · 1 recreated" in row
    assert "<bdi>Dunkirk</bdi> → <bdi>United Kingdom</bdi>" in row
    # most recent first
    html = ana.get("/networks?sort=newest").text
    hrefs = [a["href"] for t, a in tags(html) if t == "a" and a.get("href", "").startswith("/networks/N-")]
    assert hrefs[0] == f"/networks/{ids['hostile']}"


def test_activity_counts_posts_of_the_last_30_days(world, ana):
    app, repo, ids = world
    repo.clock.t = T0 + timedelta(days=80)  # only the hostile network posted in the last 30 days
    html = ana.get("/networks").text
    hrefs = [a["href"] for t, a in tags(html) if t == "a" and a.get("href", "").startswith("/networks/N-")]
    assert hrefs[0] == f"/networks/{ids['hostile']}"


@pytest.mark.parametrize("query, expected", [
    ("lang=ckb", {"kurdish"}),
    ("lang=en", {"hostile"}),
    ("platform=tiktok", {"kurdish"}),
    ("platform=telegram", {"hostile"}),
    ("category=false_documents", {"hostile"}),
    ("category=smuggling_service&platform=facebook", {"kurdish"}),
    ("platform=x", set()),  # the lone post is in no network
    ("category=not_a_category", {"kurdish", "hostile"}),  # ignored, and said so
    ("sort=%3Cscript%3E&lang=%00", {"kurdish", "hostile"}),
])
def test_list_filters(world, ana, query, expected):
    app, repo, ids = world
    r = ana.get(f"/networks?{query}")
    assert r.status_code == 200
    found = {name for name in ("kurdish", "hostile") if f'href="/networks/{ids[name]}"' in r.text}
    assert found == expected
    if "not_a_category" in query:
        assert "Ignored: unknown category" in r.text
    assert inert_problems(r.text) == []


def test_list_pages(world, ana, monkeypatch):
    from tidewatch.web.routes import networks as routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    app, repo, ids = world
    first = ana.get("/networks").text
    assert "Page 1 of 2" in first and 'href="/networks?page=2"' in first
    second = ana.get("/networks?page=2").text
    assert f'href="/networks/{ids["hostile"]}"' in second and f'href="/networks/{ids["kurdish"]}"' not in second
    assert ana.get("/networks?page=-3").status_code == 200


# -- one network ---------------------------------------------------------------------------------------
def test_network_page_profile(world, ana):
    app, repo, ids = world
    repo.clock.t = T0 + timedelta(days=120)
    html = ana.get(f"/networks/{ids['kurdish']}").text
    assert "<dt>Accounts</dt><dd>3: 1 active, 1 removed, 1 recreated after removal</dd>" in html
    assert "3 posts referred: 3 removed, 0 restricted, 0 declined, 0 open" in html
    accounts = html.split('id="acc-h"', 1)[1].split("</section>", 1)[0]
    rega = accounts.split("<tr>")[2:]
    by_handle = {re.search(r"<bdi>([^<]+)</bdi>", r).group(1): r for r in rega}
    assert "Removed" in by_handle["@rega_uk"] and "platform&#39;s answer" in by_handle["@rega_uk"]
    assert "Recreated after removal" in by_handle["@rega_uk_new"] and "facebook:a1" in by_handle["@rega_uk_new"]
    assert "Active" in by_handle["rega.tiktok"]  # posting alongside the recreated account, not after a removal
    routes = html.split('id="routes-h"', 1)[1].split("</section>", 1)[0]
    assert "<bdi>Dunkirk</bdi>" in routes and "<bdi>United Kingdom</bdi>" in routes
    prices = html.split('id="prices-h"', 1)[1].split("</section>", 1)[0]
    assert "<td>EUR</td><td class=\"num\">1,500.00</td><td class=\"num\">1,800.00</td><td class=\"num\">2,100.00</td><td class=\"num\">7</td>" in prices
    idents = html.split('id="ids-h"', 1)[1].split("</section>", 1)[0]
    assert f"<bdi>{PHONE_UK}</bdi></td><td class=\"num\">7</td><td class=\"num\">3</td>" in idents
    tpl = html.split('id="tpl-h"', 1)[1].split("</section>", 1)[0]
    assert "Template 1: 7 posts from 3 accounts" in tpl and '<span class="slot"' in tpl
    assert "شوێن ماوە" in tpl  # the shared words stay; the price varies
    timeline = html.split('id="time-h"', 1)[1].split("</section>", 1)[0]
    bars = [a for t, a in tags(timeline) if t == "rect"]
    assert len(bars) == 7 and "Week of 2026-01-05: 1 post" in timeline  # weeks 5 Jan .. 16 Feb, empty ones kept
    assert "Week of 2026-01-26: 0 posts" in timeline
    posts = html.split('id="posts-h"', 1)[1].split("</section>", 1)[0]
    assert f'href="/items/{ids["item_k0"]}"' in posts and posts.count("Removed") >= 3
    assert inert_problems(html) == []
    scripts = [a.get("src") for t, a in tags(html) if t == "script"]
    assert scripts == ["/static/vendor/htmx.min.js", "/static/app.js", "/static/vendor/cytoscape.min.js",
                       "/static/networks.js"]


def test_network_page_unknown_and_oversized_ids(world, ana):
    assert ana.get("/networks/N-0000000000").status_code == 404
    assert ana.get("/networks/N-0000000000/graph.json").status_code == 404
    assert ana.get("/networks/" + "N" * 300).status_code == 422
    assert ana.get("/networks/N-0000000000/export/graphml").status_code == 404


def test_graph_json(world, ana):
    app, repo, ids = world
    r = ana.get(f"/networks/{ids['kurdish']}/graph.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    g = r.json()
    kinds = sorted(n["data"]["kind"] for n in g["nodes"])
    assert kinds.count("post") == 7 and kinds.count("account") == 3 and "phone" in kinds and "template" in kinds
    assert all(re.fullmatch(r"n\d+", n["data"]["id"]) for n in g["nodes"])
    node_ids = {n["data"]["id"] for n in g["nodes"]}
    assert all(e["data"]["source"] in node_ids and e["data"]["target"] in node_ids for e in g["edges"])
    status = {n["data"]["label"]: n["data"]["status"] for n in g["nodes"] if n["data"]["kind"] == "account"}
    assert status == {"@rega_uk": "removed", "@rega_uk_new": "recreated", "rega.tiktok": "active"}
    posts = [n["data"] for n in g["nodes"] if n["data"]["kind"] == "post"]
    assert {p["item"] for p in posts} == {ids[f"item_k{i}"] for i in range(7)}
    assert not g["truncated"]


def test_graph_json_of_hostile_network_is_escaped(world, ana):
    app, repo, ids = world
    r = ana.get(f"/networks/{ids['hostile']}/graph.json")
    raw = r.content.decode()
    assert "<" not in raw and ">" not in raw and "&" not in raw and RLO not in raw
    g = r.json()
    labels = [n["data"]["label"] for n in g["nodes"]] + [n["data"]["title"] for n in g["nodes"]]
    assert any("<img src=x onerror=alert(2)>" in s for s in labels)  # shown as written, as text on a canvas
    assert any("[RLO]" in s for s in labels)
    assert all(len(n["data"]["label"]) <= 36 for n in g["nodes"])


def test_network_page_with_hostile_content_is_inert(world, ana):
    app, repo, ids = world
    html = ana.get(f"/networks/{ids['hostile']}").text
    assert inert_problems(html) == []
    assert "<script>alert" not in html and "<img src=x" not in html and RLO not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "[RLO]" in html
    assert "javascript:" not in "".join(a.get("href") or "" for t, a in tags(html) if t == "a")
    listing = ana.get("/networks").text
    assert inert_problems(listing) == [] and RLO not in listing


def test_graph_is_cut_to_the_most_recent_posts(world, ana, monkeypatch):
    from tidewatch.web.routes import networks as routes

    monkeypatch.setattr(routes, "GRAPH_POSTS", 2)
    app, repo, ids = world
    monkeypatch.setattr(routes.graph_elements, "__defaults__", (2,))
    g = ana.get(f"/networks/{ids['kurdish']}/graph.json").json()
    assert g["truncated"] and g["shown_posts"] == 2 and g["n_posts"] == 7
    assert sum(n["data"]["kind"] == "post" for n in g["nodes"]) == 2


# -- exports -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ["all", "one"])
def test_exports(world, ana, scope):
    app, repo, ids = world
    base = "/networks/export" if scope == "all" else f"/networks/{ids['hostile']}/export"
    r = ana.get(f"{base}/graphml")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.headers["content-disposition"].endswith('.graphml"')
    g = ET.fromstring(r.content)
    nets = {d.text for d in g.iter("{http://graphml.graphdrawing.org/xmlns}data") if d.get("key") == "network"}
    assert ids["hostile"] in nets and (ids["kurdish"] in nets) == (scope == "all")
    ET.fromstring(ana.get(f"{base}/gexf").content)
    z = zipfile.ZipFile(io.BytesIO(ana.get(f"{base}/i2").content))
    assert sorted(z.namelist()) == ["entities.csv", "links.csv"]
    cells = [c for name in z.namelist() for row in csv.reader(io.StringIO(z.read(name).decode("utf-8-sig")))
             for c in row]
    assert not any(c[:1] in ("=", "+", "-", "@") for c in cells)  # neutralised for spreadsheets
    stix = json.loads(ana.get(f"{base}/stix").content)
    assert stix["type"] == "bundle" and any(o["type"] == "intrusion-set" for o in stix["objects"])
    sets = [o for o in stix["objects"] if o["type"] == "intrusion-set"]
    assert len(sets) == (2 if scope == "all" else 1)
    assert ana.get(f"{base}/pdf").status_code == 404
    events = repo.audit_events(action="network.export")
    assert len(events) == 4 and events[0]["actor"] == "ana"


def test_export_filenames_are_plain(world, ana):
    app, repo, ids = world
    r = ana.get(f"/networks/{ids['kurdish']}/export/stix")
    assert r.headers["content-disposition"] == f'attachment; filename="tidewatch-{ids["kurdish"]}.stix.json"'
    assert r.headers["content-security-policy"] == "default-src 'none'; sandbox"


# -- item pages link to networks, and back ----------------------------------------------------------
def test_item_page_links_to_its_network_with_counts(world, ana):
    app, repo, ids = world
    html = ana.get(f"/items/{ids['item_k3']}").text
    assert f"Same phone <bdi>{PHONE_UK}</bdi>: 6 other posts from 3 accounts · network " \
           f'<a href="/networks/{ids["kurdish"]}">' in html
    assert f'Part of network <a href="/networks/{ids["kurdish"]}">{ids["kurdish"]}</a>' in html
    back = ana.get(f"/networks/{ids['kurdish']}").text
    assert f'href="/items/{ids["item_k3"]}"' in back
    lonely = ana.get(f"/items/{ids['item_z1']}").text
    assert "/networks/N-" not in lonely


# -- who may see networks ----------------------------------------------------------------------------
@pytest.mark.parametrize("role, user", [("analyst", "ana"), ("supervisor", "sam"), ("admin", "ada"),
                                        ("auditor", "aud")])
def test_every_console_role_reads_networks_and_sees_the_nav_link(world, role, user):
    app, repo, ids = world
    c = login(app, user)
    html = c.get("/networks").text
    assert 'href="/networks" aria-current="page"' in html
    assert c.get(f"/networks/{ids['kurdish']}").status_code == 200


def test_partner_role_never_holds_a_network_permission():
    for perm in ("network.view", "network_export.view"):
        assert not allowed("partner", perm)
        assert "partner" not in PERMISSIONS[perm]
    assert all(not p.startswith("network") or "partner" not in roles for p, roles in PERMISSIONS.items())


def test_partner_account_is_refused(world):
    """When the partner role exists, a partner logged in gets 403 on every network route."""
    from tidewatch.console import permissions

    if not hasattr(permissions, "PARTNER_ROLE"):
        pytest.skip("no partner role in this build")
    app, repo, ids = world
    try:
        from tidewatch.store.console_models import UserRow
        from console_helpers import PASSWORD

        repo.add_user("plat", PASSWORD, "analyst", "test")
        with repo.store.engine.begin() as conn:
            conn.execute(UserRow.__table__.update().where(UserRow.username == "plat")
                         .values(role=permissions.PARTNER_ROLE))
        c = login(app, "plat")
    except Exception as e:  # noqa: BLE001 - the partner login flow belongs to the partner pages
        pytest.skip(f"cannot log a partner into the console here: {e}")
    for url in ("/networks", f"/networks/{ids['kurdish']}", f"/networks/{ids['kurdish']}/graph.json",
                "/networks/export/graphml", f"/networks/{ids['kurdish']}/export/stix"):
        r = c.get(url)
        assert r.status_code == 403 or (r.status_code == 303 and "/login" in r.headers["location"]), url
        assert ids["kurdish"] not in r.text


def test_static_assets_are_served_and_vendored():
    root = Path(__file__).resolve().parents[2] / "src" / "tidewatch" / "web" / "static"
    assert (root / "vendor" / "cytoscape.min.js").stat().st_size > 100_000
    assert "MIT" in (root / "vendor" / "cytoscape.LICENSE").read_text() or \
        "Permission is hereby granted" in (root / "vendor" / "cytoscape.LICENSE").read_text()
    js = (root / "networks.js").read_text()
    assert "innerHTML" not in js and "eval(" not in js and "insertAdjacentHTML" not in js
