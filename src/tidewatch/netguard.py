"""Refuse to fetch URLs that point inside our own network (SSRF guard).

Why it exists: tidewatch fetches URLs that criminals wrote (web ingest, evidence screenshots,
liveness re-checks). A post can link to `http://169.254.169.254/` (cloud credentials),
`http://localhost:8080/admin` or a name that resolves to 10.0.0.5; fetching those from our server
would let the poster read or poke our internal services. So every fetch goes through two steps:

1. `vet_url` / `check_url`: only http(s), no credentials in the URL, host normalised (legacy
   numeric forms such as `2130706433`, `0x7f.1`, `017700000001` are parsed the way the C resolver
   would, instead of being handed to DNS), resolved, and refused if ANY resolved address is not
   public (loopback, RFC 1918, fc00::/7, link-local, metadata, CGNAT, multicast, reserved, ...).
2. `GuardedTransport` (httpx): to defeat DNS rebinding (a name that answers a public address to the
   check and 127.0.0.1 to the connection a moment later), the transport resolves and checks the host
   itself for every request and then connects *to the checked IP address*, keeping the original
   `Host` header and TLS SNI/certificate check on the host name. We chose pinning over checking the
   peer address after connecting because by then the request may already have been sent.
   Connection keep-alive is off so a pooled connection can never be reused for another host name.
   Redirects must be followed by the caller (httpx `follow_redirects=False`), and each hop goes
   through the transport again, so every hop is re-checked.

`allow_private=True` lifts the rule for loopback, private, link-local and CGNAT addresses (tests,
an intranet deployment), but cloud metadata endpoints, unspecified, multicast and reserved addresses
stay blocked: no page we ingest lives there.

Callers that use another HTTP client (a browser for screenshots) should call `vet_url` and connect
only to the returned `addresses` (e.g. Chromium's `--host-resolver-rules`).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Callable, Sequence

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_SCHEMES = ("http", "https")

# Never fetched, even with allow_private: credentials services of the big clouds.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    "169.254.170.2",    # AWS ECS task metadata
    "fd00:ec2::254",    # AWS IPv6 metadata
    "100.100.100.200",  # Alibaba Cloud
))
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

_NUMERIC_PART = r"(?:0x[0-9a-f]*|[0-9]+)"
_NUMERIC_HOST = re.compile(rf"^{_NUMERIC_PART}(?:\.{_NUMERIC_PART}){{0,3}}\.?$", re.IGNORECASE)
_HOST_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?$", re.IGNORECASE)


class BlockedAddress(ValueError):
    """The URL may not be fetched; the message says why (shown to the user, kept in rejects)."""


class Unresolvable(BlockedAddress):
    """The host name does not resolve (a dead site rather than a forbidden one)."""


@dataclass(frozen=True, slots=True)
class VettedURL:
    """A URL that passed the rules, with the addresses its host resolved to (all checked)."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or IP literal, as resolved
    port: int
    addresses: tuple[str, ...]


def blocked_reason(ip: IPAddress, allow_private: bool = False) -> str | None:
    """Why `ip` may not be contacted, or None when it is a public address. Pure."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if inner is not None:  # an IPv4 address in IPv6 clothing is judged as that IPv4 address
            reason = blocked_reason(inner, allow_private)
            return f"{reason} (as {ip})" if reason else None
        for embedded in (ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if embedded is not None and (reason := blocked_reason(embedded, allow_private)):
                return f"{reason} (embedded in {ip})"
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_loopback:
        return None if allow_private else f"{ip} is a loopback address"
    if ip.is_reserved:
        return f"{ip} is a reserved address"
    private = (
        ("link-local", ip.is_link_local),
        ("carrier-grade NAT (100.64.0.0/10)", isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT),
        ("private", ip.is_private or getattr(ip, "is_site_local", False)),
    )
    for label, hit in private:
        if hit:
            return None if allow_private else f"{ip} is a {label} address"
    if not ip.is_global:
        return None if allow_private else f"{ip} is not a public address"
    return None


def check_ip(ip: str | IPAddress, allow_private: bool = False) -> None:
    """Raise BlockedAddress unless `ip` may be contacted."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    reason = blocked_reason(addr, allow_private)
    if reason:
        raise BlockedAddress(f"refused: {reason}")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes without DNS, or None for a host name.

    Accepts what the C resolver (inet_aton) accepts, so `2130706433`, `0x7f.1`, `017700000001`
    and `127.1` all come out as 127.0.0.1; numeric-looking garbage (`999.1.1.1`, `08.1`) raises
    BlockedAddress instead of being sent to DNS.
    """
    h = host.strip("[]")
    if ":" in h:  # IPv6, possibly with a zone id (fe80::1%25eth0 in a URL)
        try:
            return ipaddress.ip_address(h.replace("%25", "%"))
        except ValueError:
            raise BlockedAddress(f"refused: malformed IPv6 address {host!r}") from None
    if not _NUMERIC_HOST.match(h):
        return None
    parts = h.rstrip(".").split(".")
    values = []
    for p in parts:
        try:
            if p[:2].lower() == "0x":
                values.append(int(p[2:] or "0", 16))
            elif len(p) > 1 and p[0] == "0":
                values.append(int(p, 8))
            else:
                values.append(int(p))
        except ValueError:
            raise BlockedAddress(f"refused: malformed numeric host {host!r}") from None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise BlockedAddress(f"refused: malformed numeric host {host!r}")
    number = 0
    for v in head:
        number = number * 256 + v
    number = (number << (8 * (4 - len(head)))) | last
    return ipaddress.IPv4Address(number)


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the operating system resolves `host` to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vet_url(url: str | httpx.URL, allow_private: bool = False, *, resolver: Resolver | None = None
            ) -> VettedURL:
    """Apply every rule to `url` and return it with its checked addresses; raise BlockedAddress.

    IP literals (in any notation) are checked without touching the network.
    """
    try:
        u = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as e:
        raise BlockedAddress(f"refused: not a valid URL ({e})") from None
    if u.scheme not in ALLOWED_SCHEMES:
        raise BlockedAddress(f"refused: only http and https URLs may be fetched, not {u.scheme or 'none'!r}")
    if u.userinfo:
        raise BlockedAddress("refused: the URL carries credentials (user:password@)")
    try:
        host = u.raw_host.decode("ascii")
    except UnicodeDecodeError:
        raise BlockedAddress("refused: host name is not ASCII after IDNA encoding") from None
    if not host:
        raise BlockedAddress("refused: the URL has no host")
    port = u.port or (443 if u.scheme == "https" else 80)
    literal = parse_ip_literal(host)
    if literal is not None:
        check_ip(literal, allow_private)
        return VettedURL(u, str(literal), port, (str(literal),))
    if not _HOST_NAME.match(host):
        raise BlockedAddress(f"refused: invalid host name {host!r}")
    try:
        found = list((resolver or system_resolver)(host, port))
    except (OSError, UnicodeError) as e:
        raise Unresolvable(f"cannot resolve host {host!r}: {e}") from None
    if not found:
        raise Unresolvable(f"cannot resolve host {host!r}: no addresses")
    addresses = []
    for a in found:
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            raise BlockedAddress(f"refused: {host!r} resolved to a non-address {a!r}") from None
        reason = blocked_reason(ip, allow_private)
        if reason:
            raise BlockedAddress(f"refused: {host} resolves to {reason}")
        addresses.append(str(ip))
    return VettedURL(u, host, port, tuple(dict.fromkeys(addresses)))


def check_url(url: str | httpx.URL, allow_private: bool = False, *, resolver: Resolver | None = None) -> None:
    """Raise BlockedAddress (with the reason) unless `url` may be fetched. See the module docstring."""
    vet_url(url, allow_private, resolver=resolver)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks every request's host and connects to the checked address.

    The request URL is rewritten to the vetted IP; the `Host` header (set by httpx from the original
    URL) is kept and, for https, the `sni_hostname` extension makes TLS send and verify the original
    name. `inner` is the transport that really connects (default: httpx.HTTPTransport without
    keep-alive); `resolver` is injectable for tests.
    """

    def __init__(self, allow_private: bool = False, *, inner: httpx.BaseTransport | None = None,
                 resolver: Resolver | None = None, verify: bool = True) -> None:
        self.allow_private = allow_private
        self._resolver = resolver
        self._inner = inner or httpx.HTTPTransport(
            verify=verify, trust_env=False, retries=0,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=0),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        vetted = vet_url(request.url, self.allow_private, resolver=self._resolver)
        ip = vetted.addresses[0]
        extensions = dict(request.extensions)
        if request.url.scheme == "https" and ip != vetted.host:
            extensions["sni_hostname"] = vetted.host
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=ip),
            headers=request.headers,  # includes Host: <original name>
            stream=request.stream,
            extensions=extensions,
        )
        return self._inner.handle_request(pinned)

    def close(self) -> None:
        self._inner.close()
