"""Webhook channel: the notice as a signed JSON POST to the platform's endpoint.

Why this shape (the conventions partners already verify for other senders):
- Body: the notice JSON, byte-identical on every retry of the same delivery.
- `Idempotency-Key`: the delivery's key; the receiver stores it and ignores a repeat.
- `X-Tidewatch-Timestamp` (Unix seconds) and `X-Tidewatch-Signature: sha256=<hex>`, the HMAC-SHA256
  with the shared secret over `"<timestamp>." + raw body`: the receiver can check who sent it, that it
  was not altered, and reject replays older than a few minutes (`verify_signature`).
- Timeouts on connect/read/write; redirects are not followed (a moved endpoint is a configuration
  change, not something a 3xx from the network should decide).
- 2xx is delivered; 409 means the receiver already holds this key (delivered); 408, 425, 429 and 5xx
  and network errors are retried (honouring Retry-After); other 4xx are permanent.

The transport is injectable (`httpx.BaseTransport`): tests run a real HTTP server on loopback, or
pass `httpx.MockTransport(handler)`.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from email.utils import parsedate_to_datetime
from typing import Callable, ClassVar

import httpx
import orjson

from tidewatch.refer.channels.base import Delivery, DeliveryError, Receipt

SIGNATURE_HEADER = "X-Tidewatch-Signature"
TIMESTAMP_HEADER = "X-Tidewatch-Timestamp"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "tidewatch-referrals/0.1"


def body_for(delivery: Delivery) -> bytes:
    """The request body: the same bytes for every attempt of a delivery."""
    return orjson.dumps({"event": "referral.notice", "idempotency_key": delivery.idempotency_key,
                         "reference": delivery.reference, "notice": dict(delivery.notice)},
                        option=orjson.OPT_SORT_KEYS)


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    mac = hmac.new(key, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(secret: str | bytes, body: bytes, timestamp: str | None, signature: str | None, *,
                     now: float | None = None, tolerance: float = 300.0) -> bool:
    """What a receiver runs: True when the signature matches and the timestamp is recent."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


class WebhookChannel:
    name: ClassVar[str] = "webhook"

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.time) -> None:
        if not url.lower().startswith(("https://", "http://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        if not secret:
            raise ValueError("a webhook needs a shared secret to sign with")
        self.url = url
        self._secret = secret
        self._clock = clock
        self._client = httpx.Client(transport=transport, timeout=httpx.Timeout(timeout),
                                    follow_redirects=False, trust_env=False,
                                    headers={"User-Agent": USER_AGENT})

    def send(self, delivery: Delivery) -> Receipt:
        body = body_for(delivery)
        ts = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.idempotency_key,
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(self._secret, ts, body),
            "X-Tidewatch-Reference": delivery.reference,
            "X-Tidewatch-Attempt": str(delivery.attempt),
        }
        try:
            r = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as e:
            raise DeliveryError(f"timed out ({type(e).__name__})") from None
        except httpx.TransportError as e:
            raise DeliveryError(f"network error: {type(e).__name__}: {e}") from None
        code = r.status_code
        if 200 <= code < 300:
            return Receipt(code, "delivered")
        if code == 409:
            return Receipt(code, "the receiver already holds this idempotency key")
        excerpt = r.text[:200].replace("\n", " ")
        if code in RETRYABLE_STATUS or code >= 500:
            raise DeliveryError(f"HTTP {code}: {excerpt}", status_code=code,
                                retry_after=_retry_after(r.headers.get("Retry-After")))
        if 300 <= code < 400:
            raise DeliveryError(f"HTTP {code} redirect to {r.headers.get('Location', '?')!r}: "
                                "configure the final webhook URL", retryable=False, status_code=code)
        raise DeliveryError(f"HTTP {code}: {excerpt}", retryable=False, status_code=code)

    def close(self) -> None:
        self._client.close()
