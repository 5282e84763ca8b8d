"""Referral channels: the registry of `Channel` implementations and the resolver the dispatcher uses.

Every channel is registered in CHANNELS under its `name` (the value in platforms.toml / settings
`channels`); the conformance tests run over this registry.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

import httpx
from sqlalchemy import Engine

from tidewatch.refer.channels.base import Channel, ChannelUnavailable, Delivery, DeliveryError, Receipt
from tidewatch.refer.channels.email import EmailChannel
from tidewatch.refer.channels.pull import PullChannel
from tidewatch.refer.channels.webhook import WebhookChannel
from tidewatch.refer.settings import ReferSettings

CHANNELS: dict[str, type] = {cls.name: cls for cls in (PullChannel, EmailChannel, WebhookChannel)}


class ChannelSet:
    """Builds (once) and returns the channel for a platform, from the settings' endpoints.

    A platform whose endpoint is missing gets `ChannelUnavailable` at delivery time: retried, and
    dead-lettered after the attempts run out, so a supervisor sees it.
    """

    def __init__(self, settings: ReferSettings, engine: Engine, *, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self._transport = transport
        self._clock = clock
        self._cache: dict[tuple[str, str], Channel] = {}

    def __call__(self, platform: str, channel: str) -> Channel:
        key = (platform, channel)
        if key not in self._cache:
            self._cache[key] = self._build(platform, channel)
        return self._cache[key]

    def _build(self, platform: str, channel: str) -> Channel:
        ep = self.settings.endpoints_for(platform)
        if channel == "pull":
            return PullChannel(self.engine, clock=self._clock)
        if channel == "email":
            if not ep.email_to:
                raise ChannelUnavailable(f"no email address configured for {platform} "
                                         f"(settings [platforms.{platform}] email_to)")
            return EmailChannel(self.settings.smtp, ep.email_to)
        if channel == "webhook":
            if not ep.webhook_url or not ep.webhook_secret:
                raise ChannelUnavailable(f"no webhook URL and secret configured for {platform} (settings "
                                         f"[platforms.{platform}] webhook_url, $TIDEWATCH_WEBHOOK_SECRET_"
                                         f"{platform.upper()})")
            return WebhookChannel(ep.webhook_url, ep.webhook_secret, timeout=ep.webhook_timeout,
                                  transport=self._transport)
        raise ChannelUnavailable(f"unknown channel {channel!r}")

    def close(self) -> None:
        for ch in self._cache.values():
            close = getattr(ch, "close", None)
            if close:
                close()
        self._cache.clear()


__all__ = ["CHANNELS", "Channel", "ChannelSet", "ChannelUnavailable", "Delivery", "DeliveryError", "EmailChannel",
           "PullChannel", "Receipt", "WebhookChannel"]
