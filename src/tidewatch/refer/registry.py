"""The platform registry: which platform a post's URL belongs to, and how to reach that platform.

Why it exists: a notice must go to the platform that hosts the content, name the *exact* item
(a post, not the profile it sits on) and meet that platform's deadline. The facts differ per
platform and change often (new short-link domains, new "content unavailable" wording), so they
live in a data file (`refer/data/platforms.toml`) that an administrator edits, not in code.

URLs come from criminals' posts: `https://facebook.com.example.net/`, `https://example.net/?u=facebook.com`
and `https://facebook.com@example.net/` must not map to Facebook. Hosts are matched on whole labels
after NFKC folding (so the full-width `ｆacebook.com` a browser would follow maps like `facebook.com`),
never by substring.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

DATA_FILE = Path(__file__).parent / "data" / "platforms.toml"

URL_KINDS = ("content", "account", "group", "channel", "contact", "short_link", "other")
CHANNEL_NAMES = ("pull", "email", "webhook")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE = re.compile(r"^[A-Z]{1,3}$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+\-]*):(?!\d)")  # a scheme, not "host:port" (no dots allowed)


class RegistryError(ValueError):
    """The platforms file is malformed; the message names the platform and field."""


@dataclass(frozen=True, slots=True)
class UrlPattern:
    kind: str
    regex: re.Pattern[str]
    hosts: frozenset[str] = frozenset()  # empty: any host of the platform


@dataclass(frozen=True, slots=True)
class PlatformInfo:
    key: str
    name: str
    code: str
    operator: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    url_patterns: tuple[UrlPattern, ...] = ()
    channels: tuple[str, ...] = ("pull",)
    languages: tuple[str, ...] = ("en",)
    sla_hours: float = 24.0
    urgent_sla_hours: float = 4.0
    offline_statuses: frozenset[int] = frozenset({404, 410})
    offline_markers: tuple[str, ...] = ()
    login_markers: tuple[str, ...] = ()

    def url_kind(self, host: str, path_query: str) -> str:
        for p in self.url_patterns:
            if p.hosts and host not in p.hosts:
                continue
            if p.regex.search(path_query):
                return p.kind
        return "other"


@dataclass(frozen=True, slots=True)
class UrlMatch:
    platform: PlatformInfo
    kind: str
    host: str


def url_host(url: str) -> tuple[str, str] | None:
    """(host, "path?query") of a URL as a browser would read it, or None when there is no host.

    Scheme-less links ("t.me/channel/12", common in posts) are read as https. Backslashes count as
    slashes (browsers do so), the host is NFKC-folded, lower-cased, stripped of a trailing dot and
    IDNA-encoded when that is possible.
    """
    u = url.strip().replace("\\", "/")
    if not u:
        return None
    m = _SCHEME.match(u)
    if m and not m.group(1).lower() in ("http", "https"):
        return None  # mailto:, javascript:, ftp://, ...
    if not m:
        u = "https://" + u.lstrip("/")
    try:
        parts = urlsplit(u)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    host = unicodedata.normalize("NFKC", host).lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # stays Unicode: it can match no (ASCII) domain, which is the point
    path = parts.path or "/"
    return host, path + (f"?{parts.query}" if parts.query else "")


def _host_in(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


@dataclass(frozen=True)
class Registry:
    platforms: Mapping[str, PlatformInfo]
    _aliases: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        aliases = {}
        for p in self.platforms.values():
            for name in (p.key, *p.aliases):
                aliases[name.lower()] = p.key
        object.__setattr__(self, "_aliases", aliases)

    def __contains__(self, key: str) -> bool:
        return key in self.platforms

    def get(self, key: str) -> PlatformInfo:
        try:
            return self.platforms[key]
        except KeyError:
            raise KeyError(f"unknown platform {key!r}; known: {', '.join(sorted(self.platforms))}") from None

    def by_name(self, name: str | None) -> PlatformInfo | None:
        """The platform a post's `platform` field names ("twitter" -> x), or None."""
        if not name:
            return None
        key = self._aliases.get(name.strip().lower())
        return self.platforms[key] if key else None

    def match_url(self, url: str | None) -> UrlMatch | None:
        """The platform hosting `url` and what the URL points at, or None for other sites."""
        if not url:
            return None
        hp = url_host(url)
        if hp is None:
            return None
        host, path_query = hp
        best: tuple[int, PlatformInfo] | None = None
        for p in self.platforms.values():
            for d in p.domains:
                if _host_in(host, d) and (best is None or len(d) > best[0]):
                    best = (len(d), p)
        if best is None:
            return None
        platform = best[1]
        return UrlMatch(platform, platform.url_kind(host, path_query), host)

    def resolve(self, url: str | None, platform_hint: str | None = None) -> UrlMatch | None:
        """The URL decides; the post's platform field is used only when the URL is not a platform's."""
        m = self.match_url(url)
        if m is not None:
            return m
        p = self.by_name(platform_hint)
        return UrlMatch(p, "other", "") if p else None

    def configured(self, overrides: Mapping[str, Mapping[str, Any]]) -> "Registry":
        """A copy with per-platform settings applied (channels, sla_hours, urgent_sla_hours, languages)."""
        out = dict(self.platforms)
        for key, ov in overrides.items():
            if key not in out:
                raise RegistryError(f"settings name an unknown platform {key!r}")
            changes: dict[str, Any] = {}
            if "channels" in ov:
                changes["channels"] = _channels(key, ov["channels"])
            for f in ("sla_hours", "urgent_sla_hours"):
                if f in ov:
                    changes[f] = _positive(key, f, ov[f])
            if "languages" in ov:
                changes["languages"] = tuple(str(x) for x in ov["languages"])
            out[key] = replace(out[key], **changes)
        return Registry(out)


def _channels(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise RegistryError(f"{key}: channels must be a non-empty list")
    bad = [c for c in value if c not in CHANNEL_NAMES]
    if bad:
        raise RegistryError(f"{key}: unknown channel(s) {bad}; known: {', '.join(CHANNEL_NAMES)}")
    return tuple(dict.fromkeys(value))


def _positive(key: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise RegistryError(f"{key}: {name} must be a positive number of hours")
    return float(value)


def _platform(key: str, d: Mapping[str, Any]) -> PlatformInfo:
    if not _KEY.match(key):
        raise RegistryError(f"bad platform key {key!r}: lower-case letters, digits and _")
    for req in ("name", "code", "domains"):
        if req not in d:
            raise RegistryError(f"{key}: missing {req}")
    if not _CODE.match(str(d["code"])):
        raise RegistryError(f"{key}: code must be 1-3 capital letters")
    patterns = []
    for i, p in enumerate(d.get("url_patterns", [])):
        if p.get("kind") not in URL_KINDS:
            raise RegistryError(f"{key}: url_patterns[{i}] has unknown kind {p.get('kind')!r}")
        try:
            rx = re.compile(p["regex"])
        except (KeyError, re.error) as e:
            raise RegistryError(f"{key}: url_patterns[{i}] bad regex: {e}") from None
        patterns.append(UrlPattern(p["kind"], rx, frozenset(h.lower() for h in p.get("hosts", []))))
    domains = tuple(str(x).lower().strip(".") for x in d["domains"])
    if not domains or any("/" in x or ":" in x for x in domains):
        raise RegistryError(f"{key}: domains must be bare host names")
    sla = _positive(key, "sla_hours", d.get("sla_hours", 24))
    return PlatformInfo(
        key=key, name=str(d["name"]), code=str(d["code"]), operator=str(d.get("operator", "")),
        aliases=tuple(str(a).lower() for a in d.get("aliases", [])), domains=domains,
        url_patterns=tuple(patterns), channels=_channels(key, d.get("channels", ["pull"])),
        languages=tuple(str(x) for x in d.get("languages", ["en"])), sla_hours=sla,
        urgent_sla_hours=min(sla, _positive(key, "urgent_sla_hours", d.get("urgent_sla_hours", sla))),
        offline_statuses=frozenset(int(s) for s in d.get("offline_statuses", [404, 410])),
        offline_markers=tuple(str(m) for m in d.get("offline_markers", [])),
        login_markers=tuple(str(m) for m in d.get("login_markers", [])),
    )


def parse_registry(data: Mapping[str, Any]) -> Registry:
    platforms = data.get("platforms")
    if not isinstance(platforms, Mapping) or not platforms:
        raise RegistryError("the platforms file has no [platforms.<key>] tables")
    reg = Registry({k: _platform(k, v) for k, v in platforms.items()})
    codes = [p.code for p in reg.platforms.values()]
    if len(set(codes)) != len(codes):
        raise RegistryError("platform codes must be unique")
    return reg


def load_registry(path: str | Path | None = None) -> Registry:
    """The registry from `path` (default: the packaged platforms.toml, read once)."""
    if path is None:
        return _default_registry()
    with open(path, "rb") as f:
        return parse_registry(tomllib.load(f))


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    with open(DATA_FILE, "rb") as f:
        return parse_registry(tomllib.load(f))
