"""Sessions, CSRF, login throttling, headers, redirects and file responses, over HTTP."""
from __future__ import annotations

import re

import pytest


from console_helpers import PASSWORD, TestClient, add_role_users, csrf, login, make_app, post


@pytest.fixture
def app(repo, seeded):
    add_role_users(repo)
    return make_app(repo)


def _login_form(client):
    r = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


def test_session_cookie_is_httponly_samesite_and_secure_over_https(app, repo):
    c = login(app, "ana")
    cookie = [h for h in c.cookies.jar if h.name == "tw_session"][0]
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    raw = login(app, "ana").get("/queue")  # any page: the set-cookie came with the login redirect
    assert raw.status_code == 200
    s = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = _login_form(s)
    r = s.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    header = r.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header and "path=/" in header
    forced = make_app(repo, secure_cookies=True)
    t = TestClient(forced, follow_redirects=False)
    r = t.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": _login_form(t)})
    assert "secure" in r.headers["set-cookie"].lower()


def test_login_needs_its_form_token(app):
    c = TestClient(app, follow_redirects=False)
    assert c.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 403
    _login_form(c)
    other = TestClient(app, follow_redirects=False)
    foreign = _login_form(other)  # a token bound to someone else's pre-login cookie
    assert c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": foreign}).status_code == 403


def test_wrong_passwords_are_throttled_and_audited(app, repo):
    c = TestClient(app, follow_redirects=False)
    for _ in range(5):
        r = c.post("/login", data={"username": "ana", "password": "not the password", "csrf_token": _login_form(c)})
        assert r.status_code == 401 and "wrong" in r.text
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": _login_form(c)})
    assert r.status_code == 429 and "Too many failed attempts" in r.text
    assert len(repo.audit_events(action="auth.login_failed")) == 5


@pytest.mark.parametrize("headers", [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                                     {"origin": "null"}])
def test_cross_site_posts_are_refused_even_with_a_token(app, repo, seeded, headers):
    c = login(app, "ana")
    r = post(c, f"/items/{seeded['sorani']}/notes", {"note": "forged"}, headers=headers)
    assert r.status_code == 403 and "Form expired" in r.text
    assert repo.item_view(seeded["sorani"])["decisions"] == []
    r = post(c, f"/items/{seeded['sorani']}/notes", {"note": "fine"}, headers={"origin": "http://testserver",
                                                                             "sec-fetch-site": "same-origin"})
    assert r.status_code == 303


def test_csrf_token_of_another_session_is_refused(app, seeded):
    ana, sam = login(app, "ana"), login(app, "sam")
    r = ana.post(f"/items/{seeded['sorani']}/notes", data={"note": "x", "csrf_token": csrf(sam)})
    assert r.status_code == 403
    r = ana.post(f"/items/{seeded['sorani']}/notes", data={"note": "x"}, headers={"x-csrf-token": csrf(ana)})
    assert r.status_code == 303  # the HTMX header form of the token works too


@pytest.mark.parametrize("next_url, location", [
    ("/items/3", "/items/3"), ("//evil.example/", "/queue"), ("https://evil.example/", "/queue"),
])
def test_login_redirects_only_inside_the_console(app, next_url, location):
    c = TestClient(app, follow_redirects=False)
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": _login_form(c), "next": next_url})
    assert r.headers["location"] == location


def test_logout_and_disable_end_sessions_on_the_server(app, repo):
    c = login(app, "ana")
    stolen = c.cookies["tw_session"]
    post(c, "/logout")
    replay = TestClient(app, follow_redirects=False, cookies={"tw_session": stolen})
    assert replay.get("/queue").headers["location"].startswith("/login")
    c = login(app, "ana")
    repo.set_active("ana", False, "ada")
    assert c.get("/queue").status_code == 303


def test_a_new_login_gets_a_new_session(app):
    assert login(app, "ana").cookies["tw_session"] != login(app, "ana").cookies["tw_session"]


def test_security_headers_on_pages_and_static(app):
    c = login(app, "ana")
    r = c.get("/queue")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin" and r.headers["cache-control"] == "no-store"
    s = c.get("/static/vendor/htmx.min.js")
    assert s.status_code == 200 and "htmx" in s.text[:200] and "no-store" not in s.headers.get("cache-control", "")


def test_htmx_requests_without_a_session_are_told_to_log_in(app):
    r = TestClient(app, follow_redirects=False).get("/queue", headers={"hx-request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/login"


def test_media_is_served_only_as_sniffed_images_in_a_sandbox(app, seeded):
    c = login(app, "ana")
    r = c.get(f"/items/{seeded['sorani']}/media/0")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG")
    assert "sandbox" in r.headers["content-security-policy"]
    for url in (f"/items/{seeded['sorani']}/media/1", f"/items/{seeded['script']}/media/0",
                f"/items/{seeded['sorani']}/media/-1", "/items/999999/media/0"):
        assert c.get(url).status_code == 404, url
    assert c.get(f"/items/{seeded['sorani']}/media/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)


def test_evidence_files_download_and_never_render(app, repo, seeded):
    c = login(app, "ana")
    post(c, f"/items/{seeded['script']}/decision", {"action": "confirm", "category": ["smuggling_service"]})
    ev = repo.item_view(seeded["script"])["evidence"][0]["id"]
    files = repo.evidence_view(ev)["files"]
    text_file = [f for f in files if f["name"] == "text.txt"][0]
    r = c.get(f"/evidence/{ev}/files/{text_file['id']}")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;") and "sandbox" in r.headers["content-security-policy"]
    assert b"<script>alert('xss')</script>" in r.content  # the evidence is the original, byte for byte
    assert c.get(f"/evidence/{ev}/files/999999").status_code == 404


def test_no_asset_comes_from_another_site():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "tidewatch" / "web"
    for path in list((root / "templates").glob("*.html")) + [root / "static" / "app.css", root / "static" / "app.js"]:
        text = path.read_text()
        assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text), path
        assert "@import" not in text and "url(http" not in text, path
    assert (root / "static" / "vendor" / "htmx.LICENSE").exists()
