"""Channels against real servers on 127.0.0.1: webhook (HTTP), email (aiosmtpd), pull (database)."""
from __future__ import annotations

import json
from dataclasses import replace
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tidewatch.refer.channels import (CHANNELS, ChannelSet, ChannelUnavailable, Delivery, DeliveryError, EmailChannel,
                                      Receipt)
from tidewatch.refer.channels.webhook import WebhookChannel, body_for, sign, verify_signature
from tidewatch.refer.notice import build_notices
from tidewatch.refer.settings import SmtpSettings

from .conftest import NOW, SECRET, confirmed, make_settings


def delivery(attempt: int = 1, key: str = "tw-key-0001") -> Delivery:
    n = next(n for n in build_notices(confirmed(), make_settings(), now=NOW).notices if n.platform == "facebook")
    return Delivery(outbox_id=1, referral_id=1, reference=n.reference, platform=n.platform, channel="webhook",
                    idempotency_key=key, attempt=attempt, notice=n.to_json())


# -- webhook ---------------------------------------------------------------------------------------------
def test_webhook_posts_signed_json_with_idempotency_key(receiver):
    ch = WebhookChannel(receiver.url, SECRET, timeout=2)
    r = ch.send(delivery())
    assert r.status_code == 201
    assert receiver.processed == {"tw-key-0001": 1}
    body = receiver.bodies["tw-key-0001"]
    assert body["reference"] == delivery().reference and body["notice"]["schema"] == "tidewatch.notice/1"
    # a resend with the same key is recognised by the receiver and still counts as delivered
    assert ch.send(delivery(attempt=2)).status_code == 200
    assert receiver.processed == {"tw-key-0001": 1} and len(receiver.requests) == 2
    assert [q["attempt"] for q in receiver.requests] == ["1", "2"]
    ch.close()


def test_webhook_body_is_identical_across_attempts_and_signature_covers_it():
    b1, b2 = body_for(delivery(1)), body_for(delivery(7))
    assert b1 == b2
    sig = sign(SECRET, 1764320400, b1)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify_signature(SECRET, b1, "1764320400", sig, now=1764320400 + 10)
    assert not verify_signature(SECRET, b1 + b" ", "1764320400", sig, now=1764320400)  # altered body
    assert not verify_signature("another-secret", b1, "1764320400", sig, now=1764320400)
    assert not verify_signature(SECRET, b1, "1764320400", sig, now=1764320400 + 3600)  # replayed later
    assert not verify_signature(SECRET, b1, None, sig) and not verify_signature(SECRET, b1, "12a", sig)


def test_webhook_signed_with_the_wrong_secret_is_refused_permanently(receiver):
    ch = WebhookChannel(receiver.url, "not-the-shared-secret", timeout=2)
    with pytest.raises(DeliveryError) as e:
        ch.send(delivery())
    assert e.value.status_code == 401 and not e.value.retryable
    assert receiver.processed == {}


@pytest.mark.parametrize("fate,retryable,code", [("fail", True, 503), ("reject", False, 400)])
def test_webhook_failures_are_classified(receiver, fate, retryable, code):
    receiver.plan = lambda n: fate
    with pytest.raises(DeliveryError) as e:
        WebhookChannel(receiver.url, SECRET, timeout=2).send(delivery())
    assert (e.value.retryable, e.value.status_code) == (retryable, code)


def test_webhook_timeout_is_retryable_and_the_receiver_still_dedupes(receiver):
    receiver.plan = lambda n: "slow" if n == 1 else "ok"
    receiver.slow_seconds = 0.6
    ch = WebhookChannel(receiver.url, SECRET, timeout=0.2)
    with pytest.raises(DeliveryError, match="timed out") as e:
        ch.send(delivery())
    assert e.value.retryable
    assert ch.send(delivery(attempt=2)).status_code == 200  # the first (late) request was processed
    assert receiver.processed == {"tw-key-0001": 1}


def _handler_transport(status: int, headers: dict | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, headers=headers or {}, text="x"))


@pytest.mark.parametrize("status,headers,retryable,retry_after", [
    (429, {"Retry-After": "120"}, True, 120.0),
    (503, {}, True, None),
    (408, {}, True, None),
    (302, {"Location": "https://fict-partner.example/new"}, False, None),
    (404, {}, False, None),
    (422, {}, False, None),
])
def test_webhook_status_table_with_a_handler_transport(status, headers, retryable, retry_after):
    ch = WebhookChannel("https://fict-partner.example/hook", SECRET, transport=_handler_transport(status, headers))
    with pytest.raises(DeliveryError) as e:
        ch.send(delivery())
    assert (e.value.retryable, e.value.retry_after) == (retryable, retry_after)


def test_webhook_409_means_the_partner_already_has_it():
    ch = WebhookChannel("https://fict-partner.example/hook", SECRET, transport=_handler_transport(409))
    assert ch.send(delivery()).status_code == 409


def test_webhook_connection_refused_is_retryable():
    from .conftest import free_port

    ch = WebhookChannel(f"http://127.0.0.1:{free_port()}/hook", SECRET, timeout=1)
    with pytest.raises(DeliveryError, match="network error") as e:
        ch.send(delivery())
    assert e.value.retryable


def test_webhook_requires_a_secret_and_an_http_url():
    with pytest.raises(ValueError):
        WebhookChannel("https://fict-partner.example/hook", "")
    with pytest.raises(ValueError):
        WebhookChannel("file:///etc/passwd", SECRET)


# -- email ---------------------------------------------------------------------------------------------
def smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="referrals@example.org", timeout=5)


def test_email_sends_text_and_json_attachment(smtp_server):
    ch = EmailChannel(smtp(smtp_server.port), ["abuse-desk@example.net", "legal@example.net"])
    d = delivery()
    r = ch.send(d)
    assert r.status_code == 250
    (msg,) = smtp_server.messages
    assert msg["To"] == "abuse-desk@example.net, legal@example.net"
    assert d.reference in msg["Subject"] and msg["Subject"].startswith("[HIGH]")
    assert msg["Message-ID"] == f"<{d.idempotency_key}@tidewatch.invalid>"
    assert msg["X-Tidewatch-Idempotency-Key"] == d.idempotency_key
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Notice of illegal content" in text and "https://www.facebook.com/groups/fict.travel.group/posts/10001" in text
    assert "تهريب" not in text  # the post text itself is not copied into the notice, only cue terms
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == f"{d.reference}.json" and att.get_content_type() == "application/json"
    assert json.loads(att.get_content())["reference"] == d.reference


def test_email_temporary_and_permanent_smtp_failures(smtp_server):
    smtp_server.data_replies = ["451 4.3.0 Mailbox busy, try later"]
    ch = EmailChannel(smtp(smtp_server.port), ["abuse-desk@example.net"])
    with pytest.raises(DeliveryError) as e:
        ch.send(delivery())
    assert e.value.retryable and e.value.status_code == 451
    assert ch.send(delivery()).status_code == 250  # next try goes through
    smtp_server.refuse["gone@example.net"] = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as e:
        EmailChannel(smtp(smtp_server.port), ["gone@example.net"]).send(delivery())
    assert not e.value.retryable and e.value.status_code == 550


def test_email_partial_refusal_still_delivers(smtp_server):
    smtp_server.refuse["gone@example.net"] = "550 5.1.1 No such user"
    r = EmailChannel(smtp(smtp_server.port), ["abuse-desk@example.net", "gone@example.net"]).send(delivery())
    assert "gone@example.net" in r.detail and len(smtp_server.messages) == 1


def test_email_server_down_is_retryable():
    from .conftest import free_port

    with pytest.raises(DeliveryError) as e:
        EmailChannel(smtp(free_port()), ["abuse-desk@example.net"]).send(delivery())
    assert e.value.retryable


# -- registry of channels and the resolver ------------------------------------------------------------------
def test_every_registered_channel_names_itself_and_sends():
    assert set(CHANNELS) == {"pull", "email", "webhook"}
    for name, cls in CHANNELS.items():
        assert cls.name == name and callable(getattr(cls, "send"))


def test_channel_set_reports_missing_endpoints():
    from sqlalchemy import create_engine

    from tidewatch.refer.settings import parse_settings

    s = parse_settings({"platforms": {"telegram": {"channels": ["email", "webhook"]}}})
    cs = ChannelSet(s, create_engine("sqlite://"))
    for ch in ("email", "webhook", "carrier-pigeon"):
        with pytest.raises(ChannelUnavailable):
            cs("telegram", ch)
    assert cs("telegram", "pull").name == "pull"


def test_conformance_every_channel_delivers_twice_with_the_same_key(seeded, receiver, smtp_server):
    """Every registered channel, against its real backend: a delivery arrives, a resend carries the
    same key in a form the platform can deduplicate on, and both sends report success."""
    from sqlalchemy import select

    from tidewatch.refer.outbox import create_referrals
    from tidewatch.store.refer_models import ReferralRow

    s = make_settings({"facebook": ["pull", "email", "webhook"]}, webhook_url=receiver.url,
                      smtp_port=smtp_server.port)
    n = next(n for n in build_notices(confirmed(), s, now=NOW).notices if n.platform == "facebook")
    (created,) = create_referrals(seeded.engine, [n], s.registry, now=NOW)
    cs = ChannelSet(s, seeded.engine, clock=lambda: NOW)
    seen_keys = {
        "webhook": lambda: [q["key"] for q in receiver.requests],
        "email": lambda: [m["X-Tidewatch-Idempotency-Key"] for m in smtp_server.messages],
    }
    for name in CHANNELS:
        ch = cs("facebook", name)
        assert ch.name == name
        d = Delivery(outbox_id=1, referral_id=created.referral_id, reference=n.reference, platform="facebook",
                     channel=name, idempotency_key=f"tw-conformance-{name}", attempt=1, notice=n.to_json())
        first, second = ch.send(d), ch.send(replace(d, attempt=2))
        assert isinstance(first, Receipt) and isinstance(second, Receipt)
        if name != "pull":
            assert seen_keys[name]() == [d.idempotency_key] * 2, name
    with seeded.engine.connect() as conn:
        assert conn.scalar(select(ReferralRow.available_at).where(ReferralRow.id == created.referral_id)) is not None
    assert receiver.processed == {"tw-conformance-webhook": 1}
    cs.close()
