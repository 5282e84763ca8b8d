"""Referral settings: who we are, what law we rely on, and where each platform receives notices.

Why a separate file from the registry: the registry describes platforms (public facts, shipped with
tidewatch); settings describe *this* deployment (our notifier identity, SMTP relay, webhook URLs and
secrets agreed with each platform). Secrets are never written in the file itself: it names the
environment variables that hold them.

The file is TOML, found at `--config`, else `$TIDEWATCH_REFER_CONFIG`, else defaults (pull only).
Example::

    [notifier]
    name = "Example Coastal Safety Unit"
    email = "referrals@example.org"
    trusted_flagger = false

    [notice]
    legal_ground = "..."          # default: facilitation of unauthorised entry (see DEFAULT_LEGAL_GROUND)

    [smtp]
    host = "smtp.example.org"
    port = 587
    starttls = true
    username = "tidewatch"
    password_env = "TIDEWATCH_SMTP_PASSWORD"
    sender = "referrals@example.org"

    [platforms.telegram]
    channels = ["webhook", "pull"]
    webhook_url = "https://partner.example.net/tidewatch"
    webhook_secret_env = "TIDEWATCH_WEBHOOK_SECRET_TELEGRAM"
    sla_hours = 24

Environment overrides (handy in containers): `TIDEWATCH_WEBHOOK_URL_<KEY>`, `TIDEWATCH_WEBHOOK_SECRET_<KEY>`,
`TIDEWATCH_EMAIL_TO_<KEY>` (comma-separated), `TIDEWATCH_SMTP_HOST`, `TIDEWATCH_SMTP_PORT`,
`TIDEWATCH_SMTP_PASSWORD`, where <KEY> is the platform key in capitals.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from tidewatch.refer.registry import Registry, RegistryError, load_registry

DEFAULT_LEGAL_GROUND = (
    "Facilitation of unauthorised entry, transit and residence (migrant smuggling): Council Directive "
    "2002/90/EC and Council Framework Decision 2002/946/JHA as transposed in national law, and, where the "
    "content targets the United Kingdom, section 25 of the Immigration Act 1971 (assisting unlawful immigration)."
)
DEFAULT_GOOD_FAITH = (
    "We confirm our bona fide belief that the information and allegations contained in this notice are "
    "accurate and complete (Article 16(2)(d) of Regulation (EU) 2022/2065, the Digital Services Act)."
)
ENV_CONFIG = "TIDEWATCH_REFER_CONFIG"
DEFAULT_NOTIFIER_NAME = "tidewatch operator (set [notifier] in the settings file)"
DEFAULT_NOTIFIER_EMAIL = "referrals@example.invalid"
DEFAULT_USER_AGENT = "tidewatch-liveness/0.1 (+referral follow-up)"


class SettingsError(ValueError):
    """The settings file is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class Notifier:
    """The notifier's identity (Article 16(2)(c) DSA: name and email address)."""

    name: str = DEFAULT_NOTIFIER_NAME
    email: str = DEFAULT_NOTIFIER_EMAIL
    organisation: str = ""
    address: str = ""
    trusted_flagger: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "organisation": self.organisation,
                "address": self.address, "trusted_flagger": self.trusted_flagger}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "referrals@example.invalid"
    timeout: float = 20.0


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where one platform receives notices; a channel without its endpoint cannot deliver."""

    email_to: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    max_attempts: int = 8
    base_delay: float = 30.0  # seconds before the first retry (doubles each attempt, jittered)
    max_delay: float = 3600.0
    lease: float = 300.0  # seconds a claimed outbox row stays reserved to one dispatcher


@dataclass(frozen=True, slots=True)
class LivenessSettings:
    per_host_interval: float = 2.0  # seconds between two requests to the same host
    min_interval_hours: float = 6.0  # re-check a URL at most this often
    timeout: float = 15.0
    max_bytes: int = 512 * 1024
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class ReferSettings:
    notifier: Notifier = field(default_factory=Notifier)
    legal_ground: str = DEFAULT_LEGAL_GROUND
    good_faith: str = DEFAULT_GOOD_FAITH
    notice_language: str = "en"
    source_type: str | None = None  # DSA source type; None: from notifier.trusted_flagger
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    endpoints: Mapping[str, Endpoints] = field(default_factory=dict)
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)
    liveness: LivenessSettings = field(default_factory=LivenessSettings)
    registry: Registry = field(default_factory=load_registry)

    def endpoints_for(self, platform: str) -> Endpoints:
        return self.endpoints.get(platform, Endpoints())


def _section(d: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    v = d.get(name, {})
    if not isinstance(v, Mapping):
        raise SettingsError(f"[{name}] must be a table")
    return v


def _typed(section: str, d: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    if key not in d:
        return default
    v = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise SettingsError(f"[{section}] {key} must be {names}, not {type(v).__name__}")
    if isinstance(v, list) and not all(isinstance(x, str) for x in v):
        raise SettingsError(f"[{section}] {key} must be a list of strings")
    return v


def parse_settings(data: Mapping[str, Any], env: Mapping[str, str] | None = None,
                   registry: Registry | None = None) -> ReferSettings:
    """Settings from parsed TOML plus environment overrides. Pure: `env` is passed in."""
    env = env or {}
    n = _section(data, "notifier")
    notifier = Notifier(
        name=_typed("notifier", n, "name", str, DEFAULT_NOTIFIER_NAME),
        email=_typed("notifier", n, "email", str, DEFAULT_NOTIFIER_EMAIL),
        organisation=_typed("notifier", n, "organisation", str, ""),
        address=_typed("notifier", n, "address", str, ""),
        trusted_flagger=_typed("notifier", n, "trusted_flagger", bool, False),
    )
    nt = _section(data, "notice")
    s = _section(data, "smtp")
    pw_env = _typed("smtp", s, "password_env", str, "TIDEWATCH_SMTP_PASSWORD")
    smtp = SmtpSettings(
        host=env.get("TIDEWATCH_SMTP_HOST") or _typed("smtp", s, "host", str, "127.0.0.1"),
        port=int(env.get("TIDEWATCH_SMTP_PORT") or _typed("smtp", s, "port", int, 25)),
        starttls=_typed("smtp", s, "starttls", bool, False),
        ssl=_typed("smtp", s, "ssl", bool, False),
        username=_typed("smtp", s, "username", str, None),
        password=env.get(pw_env),
        sender=_typed("smtp", s, "sender", str, notifier.email),
        timeout=float(_typed("smtp", s, "timeout", (int, float), 20.0)),
    )
    registry = registry or load_registry()
    plat = _section(data, "platforms")
    overrides: dict[str, dict[str, Any]] = {}
    endpoints: dict[str, Endpoints] = {}
    for key in registry.platforms:
        p = plat.get(key, {})
        if not isinstance(p, Mapping):
            raise SettingsError(f"[platforms.{key}] must be a table")
        overrides[key] = {k: p[k] for k in ("channels", "sla_hours", "urgent_sla_hours", "languages") if k in p}
        up = key.upper()
        secret_env = _typed(f"platforms.{key}", p, "webhook_secret_env", str, f"TIDEWATCH_WEBHOOK_SECRET_{up}")
        email_to = env.get(f"TIDEWATCH_EMAIL_TO_{up}")
        to = (tuple(x.strip() for x in email_to.split(",") if x.strip()) if email_to
              else tuple(_typed(f"platforms.{key}", p, "email_to", list, [])))
        endpoints[key] = Endpoints(
            email_to=to,
            webhook_url=env.get(f"TIDEWATCH_WEBHOOK_URL_{up}") or _typed(f"platforms.{key}", p, "webhook_url", str, None),
            webhook_secret=env.get(secret_env),
            webhook_timeout=float(_typed(f"platforms.{key}", p, "webhook_timeout", (int, float), 10.0)),
        )
    unknown = set(plat) - set(registry.platforms)
    if unknown:
        raise SettingsError(f"[platforms] names unknown platform(s): {', '.join(sorted(unknown))}")
    try:
        registry = registry.configured({k: v for k, v in overrides.items() if v})
    except RegistryError as e:
        raise SettingsError(str(e)) from None
    d = _section(data, "dispatch")
    lv = _section(data, "liveness")
    return ReferSettings(
        notifier=notifier,
        legal_ground=_typed("notice", nt, "legal_ground", str, DEFAULT_LEGAL_GROUND),
        good_faith=_typed("notice", nt, "good_faith", str, DEFAULT_GOOD_FAITH),
        notice_language=_typed("notice", nt, "language", str, "en"),
        source_type=_typed("notice", nt, "source_type", str, None),
        smtp=smtp, endpoints=endpoints, registry=registry,
        dispatch=DispatchSettings(
            max_attempts=_typed("dispatch", d, "max_attempts", int, 8),
            base_delay=float(_typed("dispatch", d, "base_delay", (int, float), 30.0)),
            max_delay=float(_typed("dispatch", d, "max_delay", (int, float), 3600.0)),
            lease=float(_typed("dispatch", d, "lease", (int, float), 300.0)),
        ),
        liveness=LivenessSettings(
            per_host_interval=float(_typed("liveness", lv, "per_host_interval", (int, float), 2.0)),
            min_interval_hours=float(_typed("liveness", lv, "min_interval_hours", (int, float), 6.0)),
            timeout=float(_typed("liveness", lv, "timeout", (int, float), 15.0)),
            max_bytes=_typed("liveness", lv, "max_bytes", int, 512 * 1024),
            user_agent=_typed("liveness", lv, "user_agent", str, DEFAULT_USER_AGENT),
        ),
    )


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ReferSettings:
    """Read the settings file (`path`, else `$TIDEWATCH_REFER_CONFIG`, else none) with `env` overrides."""
    env = env or {}
    path = path or env.get(ENV_CONFIG)
    data: dict[str, Any] = {}
    if path:
        p = Path(path)
        if not p.is_file():
            raise SettingsError(f"settings file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise SettingsError(f"settings file {p} is not valid TOML: {e}") from None
    return parse_settings(data, env)
