"""Email channel: the notice as plain text with the same notice attached as JSON, over SMTP.

Why both forms: a platform's abuse desk reads the text; its tooling parses the attachment. The
Message-ID is derived from the delivery's idempotency key (and repeated in `X-Tidewatch-Idempotency-Key`),
so a notice resent after a crash is recognisably the same message.

SMTP replies decide retries: 4xx (greylisting, mailbox busy) and dropped connections are retried;
5xx (unknown recipient, rejected content) are permanent. `connect` is injectable for tests, which
run a real SMTP server (aiosmtpd) on loopback.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Callable, ClassVar, Sequence

import orjson

from tidewatch.refer.channels.base import Delivery, DeliveryError, Receipt
from tidewatch.refer.notice import notice_text
from tidewatch.refer.settings import SmtpSettings


def build_message(delivery: Delivery, sender: str, to: Sequence[str]) -> EmailMessage:
    n = delivery.notice
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = (f"[{str(n.get('priority', 'normal')).upper()}] Notice of illegal content "
                      f"{delivery.reference} ({len(n.get('items', []))} item(s))")
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = f"<{delivery.idempotency_key}@tidewatch.invalid>"
    msg["X-Tidewatch-Reference"] = delivery.reference
    msg["X-Tidewatch-Idempotency-Key"] = delivery.idempotency_key
    msg.set_content(notice_text(n))
    msg.add_attachment(orjson.dumps(dict(n), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS),
                       maintype="application", subtype="json", filename=f"{delivery.reference}.json")
    return msg


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    if s.ssl:
        return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    if s.starttls:
        smtp.starttls(context=ssl.create_default_context())
    return smtp


class EmailChannel:
    name: ClassVar[str] = "email"

    def __init__(self, smtp: SmtpSettings, to: Sequence[str], *,
                 connect: Callable[[SmtpSettings], smtplib.SMTP] = _connect) -> None:
        if not to:
            raise ValueError("an email channel needs at least one recipient")
        self.smtp = smtp
        self.to = tuple(to)
        self._connect = connect

    def send(self, delivery: Delivery) -> Receipt:
        msg = build_message(delivery, self.smtp.sender, self.to)
        try:
            with self._connect(self.smtp) as client:
                if self.smtp.username:
                    client.login(self.smtp.username, self.smtp.password or "")
                refused = client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [c for c, _ in e.recipients.values()]
            raise DeliveryError(f"all recipients refused: {codes}", retryable=all(400 <= c < 500 for c in codes),
                                status_code=codes[0] if codes else None) from None
        except smtplib.SMTPResponseException as e:
            text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
            raise DeliveryError(f"SMTP {e.smtp_code}: {text[:200]}", retryable=e.smtp_code < 500,
                                status_code=e.smtp_code) from None
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"SMTP connection failed: {type(e).__name__}: {e}") from None
        if refused:  # some recipients took it: the platform has the notice; note who did not
            return Receipt(250, f"delivered; refused by {sorted(refused)}")
        return Receipt(250, f"delivered to {len(self.to)} recipient(s)")
