"""Liveness checks: re-fetch referred URLs and record whether the content is still up.

Why it exists: many platforms never answer a notice; the only way to know whether (and when) the
content came down is to look. The first check that finds an item offline gives its *observed removal
time* (`first_seen_offline_at`), the fallback for "time to removal" when no answer comes.

Rules:
- Same address rules as ingest: every request (and every redirect hop) goes through
  `tidewatch.netguard.GuardedTransport`, so a referred URL that points (or redirects) inside our network
  is refused, not fetched. `allow_private` lifts this for tests and intranet deployments only.
- Polite: at most one request per host every `per_host_interval` seconds (`HostRateLimiter`), a small
  bounded read of the body, no cookies kept, redirects followed by hand (at most 5).
- Honest states: `offline` only on evidence (HTTP 404/410/451 or a platform's "content unavailable"
  marker on the page); a login wall, 403, 429, 5xx or a network error is `unknown`, never `offline`.
  If an item is seen online again after being offline (a restored post), its observed removal is cleared.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import httpx
from sqlalchemy import Connection, Engine, or_, select, update

from tidewatch.netguard import BlockedAddress, GuardedTransport, Resolver, Unresolvable
from tidewatch.refer.registry import PlatformInfo, url_host
from tidewatch.refer.settings import LivenessSettings, ReferSettings
from tidewatch.store.refer_models import LivenessCheckRow, ReferralItemRow, ReferralRow

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"
MAX_HOPS = 5
LEGAL_BLOCK = 451


@dataclass(frozen=True, slots=True)
class Observation:
    state: str
    http_status: int | None = None
    detail: str = ""


def classify_response(platform: PlatformInfo | None, status: int, body: str = "") -> Observation:
    """The state a final (non-redirect) response shows. Pure."""
    offline_statuses = platform.offline_statuses if platform else frozenset({404, 410})
    if status in offline_statuses:
        return Observation(OFFLINE, status, f"HTTP {status}")
    if status == LEGAL_BLOCK:
        return Observation(OFFLINE, status, "HTTP 451: unavailable for legal reasons")
    if 200 <= status < 300:
        if platform and body:
            text = html.unescape(body).casefold()
            for marker in platform.offline_markers:
                if marker.casefold() in text:
                    return Observation(OFFLINE, status, f"page says {marker!r}")
        return Observation(ONLINE, status, "")
    return Observation(UNKNOWN, status, f"HTTP {status}")


def is_login_wall(platform: PlatformInfo | None, location: str) -> bool:
    """A redirect to the platform's login page: the content may exist, we cannot tell."""
    return bool(platform) and any(m.lower() in location.lower() for m in platform.login_markers)


class HostRateLimiter:
    """At most one request per host every `interval` seconds (clock and sleep injectable)."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}

    def wait(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            delay = last + self.interval - self._clock()
            if delay > 0:
                self._sleep(delay)
        self._last[host] = self._clock()


def fetch_state(client: httpx.Client, url: str, platform: PlatformInfo | None, limiter: HostRateLimiter,
                max_bytes: int = 512 * 1024) -> Observation:
    """Fetch `url` (following redirects by hand) and classify what came back. Never raises for the URL."""
    current = url
    for _ in range(MAX_HOPS + 1):
        hp = url_host(current)
        if hp is None:
            return Observation(UNKNOWN, None, "not an http(s) URL")
        limiter.wait(hp[0])
        try:
            with client.stream("GET", current) as r:
                if r.is_redirect:
                    loc = r.headers.get("Location", "")
                    if not loc:
                        return Observation(UNKNOWN, r.status_code, "redirect without Location")
                    current = str(httpx.URL(current).join(loc))
                    if is_login_wall(platform, current):
                        return Observation(UNKNOWN, r.status_code, "redirected to a login page")
                    continue
                body = b""
                if 200 <= r.status_code < 300:
                    for chunk in r.iter_bytes():
                        body += chunk
                        if len(body) >= max_bytes:
                            break
                return classify_response(platform, r.status_code, body[:max_bytes].decode("utf-8", "replace"))
        except Unresolvable as e:
            return Observation(UNKNOWN, None, str(e)[:300])
        except BlockedAddress as e:
            return Observation(UNKNOWN, None, str(e)[:300])
        except httpx.TimeoutException:
            return Observation(UNKNOWN, None, "timed out")
        except httpx.HTTPError as e:
            return Observation(UNKNOWN, None, f"{type(e).__name__}: {e}"[:300])
    return Observation(UNKNOWN, None, "too many redirects")


@dataclass
class RecheckStats:
    checked: int = 0
    online: int = 0
    offline: int = 0
    unknown: int = 0
    newly_offline: int = 0
    details: list[tuple[str, str, str]] = field(default_factory=list)  # (url, state, detail)


def due_items(conn: Connection, now: datetime, min_interval: timedelta, limit: int | None = None) -> list:
    """Items of sent referrals not checked within `min_interval`, never-checked first."""
    q = (select(ReferralItemRow.id, ReferralItemRow.url, ReferralRow.platform)
         .join(ReferralRow, ReferralRow.id == ReferralItemRow.referral_id)
         .where(ReferralRow.sent_at.is_not(None),
                or_(ReferralItemRow.last_checked_at.is_(None), ReferralItemRow.last_checked_at < now - min_interval))
         .order_by(ReferralItemRow.last_checked_at.is_not(None), ReferralItemRow.last_checked_at, ReferralItemRow.id))
    if limit is not None:
        q = q.limit(limit)
    return conn.execute(q).all()


def record_check(conn: Connection, item_id: int, url: str, obs: Observation, at: datetime) -> bool:
    """Store one observation; returns True when it is the item's first observed removal."""
    conn.execute(LivenessCheckRow.__table__.insert(), [{
        "item_id": item_id, "url": url, "state": obs.state, "http_status": obs.http_status, "checked_at": at,
        "detail": obs.detail[:1000] or None}])
    values: dict = {"last_checked_at": at}
    if obs.state != UNKNOWN:
        values["liveness"] = obs.state
    if obs.state == ONLINE:
        values["first_seen_offline_at"] = None
    conn.execute(update(ReferralItemRow).where(ReferralItemRow.id == item_id).values(**values))
    if obs.state == OFFLINE:
        res = conn.execute(update(ReferralItemRow)
                           .where(ReferralItemRow.id == item_id, ReferralItemRow.first_seen_offline_at.is_(None))
                           .values(first_seen_offline_at=at))
        return bool(res.rowcount)
    return False


def recheck(engine: Engine, settings: ReferSettings, *, allow_private: bool = False,
            transport: httpx.BaseTransport | None = None, resolver: Resolver | None = None,
            limiter: HostRateLimiter | None = None, clock: Callable[[], datetime] | None = None,
            limit: int | None = None, min_interval: timedelta | None = None,
            liveness: LivenessSettings | None = None) -> RecheckStats:
    """Re-fetch the referred URLs that are due and record what each shows."""
    lv = liveness or settings.liveness
    clock = clock or (lambda: datetime.now(timezone.utc))
    limiter = limiter or HostRateLimiter(lv.per_host_interval)
    interval = min_interval if min_interval is not None else timedelta(hours=lv.min_interval_hours)
    with engine.connect() as conn:
        todo = due_items(conn, clock(), interval, limit)
    stats = RecheckStats()
    guard = GuardedTransport(allow_private, inner=transport, resolver=resolver)
    with httpx.Client(transport=guard, timeout=httpx.Timeout(lv.timeout), follow_redirects=False,
                      trust_env=False, headers={"User-Agent": lv.user_agent}) as client:
        for item_id, url, platform_key in todo:
            platform = settings.registry.platforms.get(platform_key)
            obs = fetch_state(client, url, platform, limiter, lv.max_bytes)
            with engine.begin() as conn:
                first = record_check(conn, item_id, url, obs, clock())
            stats.checked += 1
            setattr(stats, obs.state, getattr(stats, obs.state) + 1)
            stats.newly_offline += first
            stats.details.append((url, obs.state, obs.detail))
    return stats
