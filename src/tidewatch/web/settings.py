"""The console's settings: one object, read from the environment (TIDEWATCH_*) or passed in."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None  # None: TIDEWATCH_DATABASE_URL or sqlite:///tidewatch.db
    secure_cookies: bool | None = None  # None: Secure when the request came over https
    claim_minutes: int = 30
    session_hours: int = 12
    idle_minutes: int = 120
    page_size: int = 50
    login_max_failures: int = 5  # per user name in the window
    login_max_failures_ip: int = 20  # per client address in the window
    login_window_minutes: int = 15
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    media_roots: tuple[Path, ...] = ()
    screenshots: bool = False  # offer "Capture screenshot" (headless Chromium through netguard)
    screenshot_allow_private: bool = False  # let screenshots reach loopback/private addresses (tests, intranet)
    chromium_path: str = "/usr/bin/chromium"
    sync_on_start: bool = True
    refer_config: str | None = None  # referral settings TOML (None: $TIDEWATCH_REFER_CONFIG, else defaults)
    dispatcher: bool = False  # run the referral dispatcher in a background thread of the app (serve turns it on)
    dispatch_interval: float = 5.0  # seconds the dispatcher waits when nothing is due
    recheck: bool = False  # re-check referred URLs on a schedule in a background thread (serve turns it on)
    recheck_interval: float = 900.0  # seconds between two rounds (each URL is re-fetched only when due)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        e = os.environ if env is None else env
        secure = e.get("TIDEWATCH_SECURE_COOKIES")
        values = dict(
            database_url=e.get("TIDEWATCH_DATABASE_URL") or None,
            secure_cookies=None if not secure else _bool(secure, False),
            claim_minutes=int(e.get("TIDEWATCH_CLAIM_MINUTES", 30)),
            session_hours=int(e.get("TIDEWATCH_SESSION_HOURS", 12)),
            media_roots=tuple(Path(p) for p in e.get("TIDEWATCH_MEDIA_ROOTS", "").split(os.pathsep) if p),
            screenshots=_bool(e.get("TIDEWATCH_SCREENSHOTS"), False),
            chromium_path=e.get("TIDEWATCH_CHROMIUM", "/usr/bin/chromium"),
            refer_config=e.get("TIDEWATCH_REFER_CONFIG") or None,
            dispatcher=_bool(e.get("TIDEWATCH_DISPATCHER"), False),
            dispatch_interval=float(e.get("TIDEWATCH_DISPATCH_INTERVAL", 5.0)),
            recheck=_bool(e.get("TIDEWATCH_RECHECK"), False),
            recheck_interval=float(e.get("TIDEWATCH_RECHECK_INTERVAL", 900.0)),
        )
        values.update(overrides)
        return cls(**values)
