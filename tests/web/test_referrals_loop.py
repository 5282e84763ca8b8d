"""The whole loop on loopback, through the console: an analyst confirms an item and refers it (HTTP,
with CSRF) -> the outbox -> the dispatcher running inside the app delivers to a real webhook server
and a real SMTP server on 127.0.0.1 -> the platform answers through the partner API with its key ->
the console's referral page shows the answer -> the metrics change."""
from __future__ import annotations

import re
import time

import orjson
import pytest
from sqlalchemy import select

from console_helpers import TestClient, login, make_app, post
from referral_helpers import Webhook, confirm, referral_world, refer_settings, start_smtp
from tidewatch.refer.outbox import idempotency_key
from tidewatch.store.partner_repo import add_key
from tidewatch.store.refer_models import OutboxRow, ReferralRow


@pytest.fixture
def platform_servers():
    hook = Webhook().start()
    box, ctl = start_smtp()
    yield hook, box
    hook.stop()
    ctl.stop()


def _wait(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _overall(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'id="overall">(.*?)</p>', page, re.S).group(1))


def test_confirm_refer_deliver_answer_and_measure(repo, tmp_path, platform_servers):
    hook, box = platform_servers
    settings = refer_settings({"telegram": ["webhook", "email", "pull"]}, webhook_url=hook.url, smtp_port=box.port)
    w = referral_world(repo, tmp_path / "data", settings)
    app = make_app(repo, dispatcher=True, dispatch_interval=0.05)
    app.state.refer_settings = settings
    item = w.ids["arabic_tonight"]
    with TestClient(app) as running:  # the app's lifespan: the dispatcher thread starts here
        worker = app.state.dispatcher
        assert worker is not None and worker.alive()
        ana = login(app, "ana")
        assert post(ana, f"/items/{item}/claim").status_code == 303
        r = post(ana, f"/items/{item}/decision", {"action": "confirm", "category": ["smuggling_service",
                                                                                   "crossing_logistics"]})
        assert r.status_code == 303
        assert "No referrals yet." in ana.get("/referrals/metrics").text
        r = post(ana, f"/items/{item}/refer", {"explanation": ""})
        reference = r.headers["location"].rsplit("/", 1)[1]

        def delivered():
            with repo.engine.connect() as conn:
                return {s for (s,) in conn.execute(select(OutboxRow.state))} == {"delivered"}

        assert _wait(delivered), "the dispatcher did not deliver"
        # the platform's webhook got the signed notice once, under the delivery's idempotency key
        assert set(hook.bodies) == {idempotency_key(reference, "webhook")} and hook.bad_signatures == 0
        notice = hook.bodies[idempotency_key(reference, "webhook")]["notice"]
        digest = notice["items"][0]["evidence_digest"]
        assert notice["reference"] == reference and digest.startswith("sha256:")
        assert notice["items"][0]["url"] == "https://t.me/example_channel/2"
        # and its abuse desk got the email with the same notice attached
        assert _wait(lambda: len(box.messages) == 1)
        (mail,) = box.messages
        assert mail["X-Tidewatch-Reference"] == reference and reference in mail["Subject"]
        assert mail["Message-ID"] == f"<{idempotency_key(reference, 'email')}@tidewatch.invalid>"
        attached = [p for p in mail.iter_attachments() if p.get_content_type() == "application/json"]
        assert orjson.loads(attached[0].get_content())["items"][0]["evidence_digest"] == digest
        assert digest in mail.get_body(("plain",)).get_content()
        with repo.engine.connect() as conn:
            assert conn.scalar(select(ReferralRow.status).where(ReferralRow.reference == reference)) == "sent"
        page = ana.get("/referrals/metrics").text
        assert "<strong>1</strong> referred items, <strong>0</strong> removed (<strong>0.0%</strong>)" in _overall(page)

        # the platform answers 90 minutes later through the partner API, with its own key
        _k, key = add_key(repo, "telegram", "test", platforms=settings.registry.platforms)
        repo.clock.advance(minutes=90)  # (the analyst's session stays alive: idle timeout 2 h)
        r = running.post(f"/api/v1/partner/referrals/{reference}/answer", headers={"Authorization": f"Bearer {key}"},
                         json={"action": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_TERMINATED"],
                               "reason_text": "Removed under our dangerous organisations policy."})
        assert r.status_code == 200 and r.json()["status"] == "actioned"

        # the console shows it
        detail = ana.get(f"/referrals/{reference}").text
        assert "Content removed + Account terminated" in detail
        assert "Removed under our dangerous organisations policy." in detail and "partner:telegram" in detail
        listing = ana.get("/referrals").text
        assert re.search(rf"{reference}.*?Actioned.*?Content removed \+ Account terminated", listing, re.S)
        # and the metrics changed
        after = _overall(ana.get("/referrals/metrics").text)
        assert "<strong>1</strong> removed (<strong>100.0%</strong>)" in after
        assert "median time to removal 1.5 h reported" in after
    assert not worker.alive() and app.state.dispatcher is None  # stopped with the app


def test_the_dispatcher_is_off_unless_turned_on(repo, tmp_path):
    w = referral_world(repo, tmp_path / "data")
    with TestClient(w.app):
        assert w.app.state.dispatcher is None
    confirm(repo, w.ids["sorani"])
    repo.refer([w.ids["sorani"]], repo.get_user("ana"), w.settings)
    time.sleep(0.2)
    with repo.engine.connect() as conn:
        assert {s for (s,) in conn.execute(select(OutboxRow.state))} == {"pending"}
    page = login(w.app, "sam").get("/referrals/dead-letters").text
    assert "does not run in this console" in page
