"""The Channel seam: one way of putting a notice in front of a platform.

Why it exists: platforms differ (one reads an abuse mailbox, one runs a webhook, one fetches from our
partner API), but the dispatcher treats them alike: it hands a channel a `Delivery` and learns whether
it arrived (`Receipt`), failed for now (`DeliveryError(retryable=True)`: try again later) or can never
arrive as configured (`retryable=False`: dead-letter it for a supervisor). A channel does no
bookkeeping: retries, attempts and status belong to the dispatcher, so every channel gets them alike.

Each delivery carries its idempotency key; a channel must pass it to the platform in a form the
platform can deduplicate on (a header, a Message-ID), because a delivery may be sent more than once
(a crash after sending and before recording it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Delivery:
    outbox_id: int
    referral_id: int
    reference: str
    platform: str
    channel: str
    idempotency_key: str
    attempt: int  # 1 for the first try
    notice: Mapping[str, Any] = field(default_factory=dict)  # the notice JSON (schema tidewatch.notice/1)


@dataclass(frozen=True, slots=True)
class Receipt:
    status_code: int | None = None
    detail: str = ""


class DeliveryError(Exception):
    """The delivery did not arrive. `retryable` says whether trying again later can help."""

    def __init__(self, message: str, *, retryable: bool = True, status_code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after


class ChannelUnavailable(DeliveryError):
    """No endpoint is configured for this platform and channel (retryable: fix the settings)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


@runtime_checkable
class Channel(Protocol):
    name: ClassVar[str]

    def send(self, delivery: Delivery) -> Receipt:
        """Deliver once; raise DeliveryError when it did not arrive."""
        ...
