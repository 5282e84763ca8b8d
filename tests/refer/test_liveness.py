"""Liveness re-checks against a real page server on 127.0.0.1, through the netguard transport."""
from __future__ import annotations

from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

from tidewatch.ingest.schema import post_from_dict
from tidewatch.refer.channels import ChannelSet
from tidewatch.refer.dispatch import Dispatcher
from tidewatch.refer.liveness import (OFFLINE, ONLINE, UNKNOWN, HostRateLimiter, classify_response, is_login_wall,
                                      recheck)
from tidewatch.refer.notice import ConfirmedItem, build_notices
from tidewatch.refer.outbox import create_referrals
from tidewatch.refer.registry import load_registry
from tidewatch.store.refer_models import LivenessCheckRow, ReferralItemRow

from .conftest import NOW, make_settings, serve

REG = load_registry()
FB, TG, YT, X = (REG.get(k) for k in ("facebook", "telegram", "youtube", "x"))


@pytest.mark.parametrize("platform,status,body,state", [
    (TG, 200, "<div class='tgme_widget_message'>Leaving tonight</div>", ONLINE),
    (TG, 404, "", OFFLINE),
    (TG, 410, "", OFFLINE),
    (YT, 451, "", OFFLINE),
    (FB, 200, "<h2>This content isn&#039;t available right now</h2>", OFFLINE),  # HTML-escaped marker
    (FB, 200, "<h2>THIS CONTENT ISN'T AVAILABLE RIGHT NOW</h2>", OFFLINE),
    (YT, 200, "<title>Video unavailable</title>", OFFLINE),
    (X, 200, "<span>Hmm...this page doesn’t exist. Try searching for something else.</span>", OFFLINE),
    (FB, 200, "<p>Boat to UK, calm sea tonight</p>", ONLINE),
    (FB, 403, "", UNKNOWN),
    (FB, 429, "", UNKNOWN),
    (FB, 500, "", UNKNOWN),
    (None, 404, "", OFFLINE),
    (None, 200, "Video unavailable", ONLINE),  # no platform: no markers to trust
])
def test_classify_response_table(platform, status, body, state):
    assert classify_response(platform, status, body).state == state


def test_login_walls_are_recognised():
    assert is_login_wall(FB, "https://www.facebook.com/login.php?next=x")
    assert is_login_wall(YT, "https://accounts.google.com/ServiceLogin")
    assert not is_login_wall(FB, "https://www.facebook.com/groups/x/posts/1")
    assert not is_login_wall(None, "https://www.facebook.com/login.php")


def test_rate_limiter_spaces_requests_per_host():
    t = [100.0]
    slept = []

    def sleep(s):
        slept.append(round(s, 3))
        t[0] += s

    lim = HostRateLimiter(2.0, clock=lambda: t[0], sleep=sleep)
    lim.wait("t.me")
    lim.wait("www.facebook.com")  # another host: no wait
    t[0] += 0.5
    lim.wait("t.me")  # 1.5 s still to wait
    lim.wait("t.me")  # a full interval
    t[0] += 5
    lim.wait("t.me")
    assert slept == [1.5, 2.0]


class Pages:
    def __init__(self) -> None:
        self.routes = {
            "/tg/501": (200, {}, "<div class='tgme_widget_message'>Leaving tonight</div>"),
            "/tg/502": (404, {}, "Not found"),
            "/fb/1": (200, {}, "<h2>This content isn&#039;t available right now</h2>"),
            "/fb/2": (302, {"Location": "/login.php?next=%2Ffb%2F2"}, ""),
            "/x/1": (503, {}, "over capacity"),
            "/yt/1": (301, {"Location": "/yt/gone"}, ""),
            "/yt/gone": (410, {}, ""),
            "/loop": (302, {"Location": "/loop"}, ""),
        }
        self.hits: list[str] = []

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        self.hits.append(h.path)
        code, headers, body = self.routes.get(h.path, (404, {}, ""))
        data = body.encode()
        h.send_response(code)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


@pytest.fixture
def pages():
    p = Pages()
    srv = serve(p.handle)
    p.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield p
    srv.shutdown()
    srv.server_close()


EXPECTED = {"/tg/501": ONLINE, "/tg/502": OFFLINE, "/fb/1": OFFLINE, "/fb/2": UNKNOWN, "/x/1": UNKNOWN,
            "/yt/1": OFFLINE, "/loop": UNKNOWN}
PLATFORM = {"tg": "telegram", "fb": "facebook", "x": "x", "yt": "youtube", "loop": "telegram"}


def referred(store, base):
    s = make_settings({k: ["pull"] for k in ("telegram", "facebook", "x", "youtube")})
    items, posts = [], []
    for i, path in enumerate(EXPECTED):
        platform = PLATFORM[path.split("/")[1]]
        posts.append(post_from_dict({"id": f"live{i}", "platform": platform, "url": base + path,
                                     "text": f"fictional advert {i}"}))
        items.append(ConfirmedItem(posts[-1].id, ("smuggling_service",), url=base + path, platform=platform))
    store.add_posts(posts)
    res = build_notices(items, s, now=NOW)
    assert not res.unroutable
    with store.engine.begin() as conn:
        create_referrals(conn, res.notices, s.registry, now=NOW)
    Dispatcher(store.engine, ChannelSet(s, store.engine), clock=lambda: NOW).run_once()
    return s


def item_states(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(ReferralItemRow.url, ReferralItemRow.liveness, ReferralItemRow.first_seen_offline_at,
                                   ReferralItemRow.last_checked_at)).all()
    return {u.split(":", 2)[2].split("/", 1)[1]: (state, off, checked) for u, state, off, checked in rows}


def no_wait():
    return HostRateLimiter(0.0, sleep=lambda s: None)


def test_recheck_records_online_offline_unknown_and_observed_removal(store, pages):
    s = referred(store, pages.base)
    t1 = NOW + timedelta(hours=3)
    stats = recheck(store.engine, s, allow_private=True, limiter=no_wait(), clock=lambda: t1)
    assert stats.checked == len(EXPECTED) and (stats.online, stats.offline, stats.unknown) == (1, 3, 3)
    assert stats.newly_offline == 3
    states = item_states(store.engine)
    for path, want in EXPECTED.items():
        state, off, checked = states[path.lstrip("/")]
        assert checked is not None
        assert state == (None if want == UNKNOWN else want), path
        assert (off is not None) == (want == OFFLINE), path
    details = {u.split("/", 3)[3]: d for u, st, d in stats.details}
    assert details["fb/2"] == "redirected to a login page" and details["loop"] == "too many redirects"
    assert "/login.php?next=%2Ffb%2F2" not in pages.hits  # a login wall is not fetched
    # not due again within the interval
    assert recheck(store.engine, s, allow_private=True, limiter=no_wait(), clock=lambda: t1).checked == 0
    # later: 502 is back online (restored), 501 was taken down; first-seen-offline times stay first
    pages.routes["/tg/502"] = (200, {}, "<div>back again</div>")
    pages.routes["/tg/501"] = (404, {}, "")
    pages.routes["/x/1"] = (404, {}, "")
    t2 = t1 + timedelta(hours=7)
    stats2 = recheck(store.engine, s, allow_private=True, limiter=no_wait(), clock=lambda: t2)
    assert stats2.checked == len(EXPECTED) and stats2.newly_offline == 2
    states = item_states(store.engine)
    assert states["tg/502"][:2] == (ONLINE, None)
    assert states["tg/501"][0] == OFFLINE and states["tg/501"][1].replace(tzinfo=None) == t2.replace(tzinfo=None)
    assert states["fb/1"][1].replace(tzinfo=None) == t1.replace(tzinfo=None)  # first seen offline, not last
    with store.engine.connect() as conn:
        checks = conn.execute(select(LivenessCheckRow.state, LivenessCheckRow.http_status)).all()
    assert len(checks) == 2 * len(EXPECTED) and (OFFLINE, 410) in checks and (UNKNOWN, 503) in checks


def test_recheck_refuses_private_addresses_by_default(store, pages):
    s = referred(store, pages.base)
    stats = recheck(store.engine, s, limiter=no_wait(), clock=lambda: NOW + timedelta(hours=1))
    assert stats.unknown == stats.checked == len(EXPECTED)
    assert all("loopback" in d for _, _, d in stats.details)
    assert pages.hits == []  # nothing was fetched


def test_scheduled_recheck_thread_records_liveness_and_stops(store, pages):
    """The console's background job: rounds of re-checks on a schedule, stopped with the app."""
    import time as _time

    from tidewatch.web.background import RecheckThread

    s = referred(store, pages.base)
    t1 = NOW + timedelta(hours=3)
    worker = RecheckThread(store.engine, s, interval=0.05, allow_private=True, clock=lambda: t1,
                           limiter=no_wait()).start()
    try:
        deadline = _time.monotonic() + 20
        while worker.runs < 2 and _time.monotonic() < deadline:
            _time.sleep(0.05)
    finally:
        worker.stop()
    assert worker.runs >= 2 and worker.errors == 0 and not worker.thread.is_alive()
    states = item_states(store.engine)
    assert states["tg/502"][0] == OFFLINE and states["tg/501"][0] == ONLINE
    with store.engine.connect() as conn:
        n_checks = len(conn.execute(select(LivenessCheckRow.id)).all())
    assert n_checks == len(EXPECTED)  # the second round found nothing due: URLs are not hammered
