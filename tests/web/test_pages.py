"""The console's pages over HTTP: queue filters and pages (HTMX), item decisions, evidence and its
bundle, escalations, the audit trail, accounts."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from console_helpers import PASSWORD, add_role_users, login, make_app, post
from console_factory import seed
from tidewatch.console.evidence import verify_bundle


@pytest.fixture
def app(repo, seeded):
    add_role_users(repo)
    return make_app(repo)


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/items/(\d+)"><bdi', html)]


def test_queue_filters_and_htmx_fragment(app, seeded):
    c = login(app, "ana")
    html = c.get("/queue?platform=telegram").text
    assert set(_rows(html)) == {seeded["arabic_tonight"], seeded["rtl"]}
    assert "2</strong> items match" in html
    frag = c.get("/queue?platform=telegram&partial=rows", headers={"hx-request": "true"}).text
    assert "<html" not in frag and set(_rows(frag)) == {seeded["arabic_tonight"], seeded["rtl"]}
    bad = c.get("/queue?score_min=abc&date_from=2026-99-01").text
    assert "Ignored: minimum score must be a number" in bad and "from must be a date" in bad


def test_pages_follow_the_cursor_and_counts_have_separators(repo, tmp_path):
    seed(repo, tmp_path / "d", extra=1100)
    add_role_users(repo)
    c = login(make_app(repo), "ana")
    html = c.get("/queue?status=all").text
    assert re.search(r"<strong>1,107</strong> items match", html)
    assert "Oldest waiting item:" in html and " UTC)" in html
    seen = _rows(html)
    nxt = re.search(r'hx-get="(/queue\?[^"]+partial=rows)"', html).group(1).replace("&amp;", "&")
    frag = c.get(nxt, headers={"hx-request": "true"}).text
    assert len(seen) == 50 and not set(seen) & set(_rows(frag)) and len(_rows(frag)) == 50


def test_confirm_flow_captures_evidence_and_audits(app, repo, seeded):
    ana = login(app, "ana")
    item = seeded["sorani"]
    assert "Claim item" in ana.get(f"/items/{item}").text
    r = post(ana, f"/items/{item}/claim")
    assert r.status_code == 303
    page = ana.get(f"/items/{item}").text
    assert "Claimed by <strong>ana</strong> until" in page and " UTC" in page
    r = post(ana, f"/items/{item}/decision", {"action": "confirm", "category": ["smuggling_service", "recruitment"],
                                             "note": "same number as last week"})
    assert r.headers["location"] == f"/items/{item}#evidence"
    page = ana.get(f"/items/{item}").text
    assert "Confirmed as smuggling. Evidence captured." in page and "Confirm as smuggling" not in page
    ev = int(re.search(r'<a href="/evidence/(\d+)">EV-\d{6}</a>', page).group(1))
    ev_page = ana.get(f"/evidence/{ev}").text
    assert "text.txt" in ev_page and "media/01.png" in ev_page and re.search(r"[0-9a-f]{64}", ev_page)
    z = ana.get(f"/evidence/{ev}/bundle.zip")
    assert z.headers["content-type"] == "application/zip"
    return_dir = repo.store  # noqa: F841 - keep the store open while we extract
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        zipfile.ZipFile(io.BytesIO(z.content)).extractall(d)
        folder = next(Path(d).iterdir())
        assert verify_bundle(folder).ok
    aud = login(app, "aud")
    audit = aud.get(f"/audit?subject=item:{item}").text
    assert "decision.confirm" in audit and "item.claim" in audit and "recruitment" in audit
    assert "The chain is intact" in aud.get("/audit/verify").text
    assert "Confirm as smuggling" not in aud.get(f"/items/{item}").text  # auditors read only


def test_refusals_are_explained(app, repo, seeded):
    ana, bea = login(app, "ana"), login(app, "sam")
    item = seeded["arabic_tonight"]
    r = post(ana, f"/items/{item}/decision", {"action": "not_smuggling"})
    assert "Choose a reason" in ana.get(r.headers["location"]).text
    post(ana, f"/items/{item}/claim")
    r = post(bea, f"/items/{item}/decision", {"action": "not_smuggling", "reason": "news"})
    assert "Claimed by ana until" in bea.get(r.headers["location"]).text
    assert repo.item_view(item)["item"]["status"] == "new"


def test_escalation_queue_and_supervisor_decision(app, repo, seeded):
    ana, sam = login(app, "ana"), login(app, "sam")
    item = seeded["rtl"]
    post(ana, f"/items/{item}/decision", {"action": "escalate", "note": "passport seller or travel agent?"})
    assert "a supervisor decides this item" in ana.get(f"/items/{item}").text
    esc = sam.get("/escalations").text
    assert _rows(esc) == [item]
    post(sam, f"/items/{item}/claim")
    assert "(no expiry)" in sam.get(f"/items/{item}").text
    post(sam, f"/items/{item}/decision", {"action": "not_smuggling", "reason": "legit_documents"})
    assert repo.item_view(item)["item"]["status"] == "not_smuggling"
    assert _rows(sam.get("/escalations").text) == []


def test_bulk_claim_and_supervisor_bulk_rejection(app, repo, seeded):
    ana, sam = login(app, "ana"), login(app, "sam")
    ids = [seeded["french_news"], seeded["huge"]]
    r = post(ana, "/queue/bulk", {"action": "claim", "item": [str(i) for i in ids], "back": "/queue?status=new"})
    assert r.headers["location"] == "/queue?status=new"
    assert "2 of 2 items done." in ana.get("/queue").text
    r = post(ana, "/queue/bulk", {"action": "not_smuggling", "reason": "news", "item": [str(ids[0])]})
    assert "Only supervisors" in ana.get("/queue").text
    post(sam, f"/items/{ids[0]}/release")
    post(sam, "/queue/bulk", {"action": "not_smuggling", "reason": "news", "item": [str(ids[0])]})
    assert repo.item_view(ids[0])["item"]["status"] == "not_smuggling"


def test_item_page_shows_bank_matches_author_posts_and_history(app, seeded):
    ana = login(app, "ana")
    html = ana.get(f"/items/{seeded['sorani']}").text
    assert "Same phone <bdi>+447700900123</bdi>: 1 other post" in html
    assert f'<a href="/items/{seeded["sorani_same_phone"]}">' in html
    assert "N-test000001" in html and "(this post)" in html
    assert 'class="hl cue" title="transport: boat"' in html and 'title="phone: +447700900123"' in html
    assert "blurred and grey until you reveal them" in html and "data-reveal" in html
    author = html.split("The author's other posts", 1)[1].split("</section>", 1)[0]
    assert f'<a href="/items/{seeded["sorani_same_phone"]}">' in author


def test_admin_adds_disables_and_changes_roles(app):
    ada = login(app, "ada")
    r = post(ada, "/users", {"username": "newbie", "role": "analyst"})
    password = re.search(r'<code class="secret">([^<]+)</code>', r.text).group(1)
    newbie = login(app, "newbie", password)
    assert newbie.get("/queue").status_code == 200
    post(ada, "/users/newbie/role", {"role": "auditor"})
    assert newbie.get("/queue").status_code == 303  # a role change ends the sessions
    post(ada, "/users/newbie/disable")
    assert "disabled" in ada.get("/users").text
    r = post(ada, "/users/ada/disable")
    assert "cannot disable your own account" in ada.get(r.headers["location"]).text
    r = post(ada, "/users", {"username": "ana", "role": "analyst"})
    assert "already exists" in ada.get(r.headers["location"]).text


def test_home_sends_each_role_to_its_page(app):
    assert login(app, "ana").get("/").headers["location"] == "/queue"
    assert login(app, "aud").get("/").headers["location"] == "/audit"
    assert login(app, "ana").get("/login").headers["location"] == "/queue"


def test_unknown_pages_and_items(app):
    ana = login(app, "ana")
    assert ana.get("/items/999999").status_code == 404
    assert ana.get("/evidence/999999").status_code == 404
    assert ana.get("/nope").status_code == 404
    assert ana.get("/items/abc").status_code == 422
    assert PASSWORD not in ana.get("/queue").text
