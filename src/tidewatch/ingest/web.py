"""One web page as a post: fetched safely, main text extracted.

Why it is built this way: the URL comes from a hostile post, so the fetch goes through
`tidewatch.netguard` (address rules checked before the first byte is sent and again at every redirect
hop, which we follow ourselves, at most `MAX_REDIRECTS`; the default transport pins each connection
to the checked address). The body is streamed and cut at `max_bytes` (after decompression), the
whole fetch has one deadline, and only HTML is accepted. The main text comes from trafilatura (which
drops menus and boilerplate); when it finds nothing, a plain-text extraction of the whole page is
used. `raw` records the requested and final URL, every redirect, the HTTP status, content type, size,
title and which extractor produced the text.

A refused first URL raises `BlockedAddress` (nothing was sent); everything that goes wrong with the
page itself (HTTP errors, a redirect to a refused address, too big, too slow, not HTML, no text) is
one `Reject` with the reason.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any, ClassVar, Iterator

import httpx

from tidewatch.ingest.base import Checkpoint, Item, Reject, SourceError
from tidewatch.ingest.schema import BadRecord, parse_time
from tidewatch.netguard import BlockedAddress, GuardedTransport, Unresolvable, vet_url
from tidewatch.records import Author, Post, stable_post_id

MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "tidewatch/0.1 (trust and safety review; +https://github.com/tidewatch)"

# host suffix -> platform; the first match wins
PLATFORM_HOSTS = (
    ("facebook.com", "facebook"), ("fb.com", "facebook"), ("fb.watch", "facebook"),
    ("messenger.com", "facebook"),
    ("t.me", "telegram"), ("telegram.me", "telegram"), ("telegram.org", "telegram"),
    ("tiktok.com", "tiktok"),
    ("x.com", "x"), ("twitter.com", "x"),
    ("instagram.com", "instagram"),
    ("youtube.com", "youtube"), ("youtu.be", "youtube"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def platform_for_host(host: str) -> str:
    """'m.facebook.com' -> 'facebook', 'notfacebook.com' -> 'web'. Pure."""
    h = host.lower().rstrip(".")
    for suffix, platform in PLATFORM_HOSTS:
        if h == suffix or h.endswith("." + suffix):
            return platform
    return "web"


class _PlainText(HTMLParser):
    """All visible text of a page (the fallback when trafilatura finds no main content)."""

    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                       "article", "header", "footer", "blockquote", "pre", "td", "th", "dd", "dt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def plain_text(page: str) -> tuple[str, str | None]:
    """(visible text with one line per block, title) of an HTML page. Pure."""
    p = _PlainText()
    try:
        p.feed(page)
        p.close()
    except Exception:  # noqa: BLE001 - hostile markup: keep what was parsed
        pass
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(p.parts).split("\n"))
    title = _SPACES.sub(" ", "".join(p.title)).strip() or None
    return "\n".join(line for line in lines if line), title


def extract_main_text(page: str, url: str | None = None) -> tuple[str, str | None, dict[str, Any]]:
    """(main text, extractor name, metadata: title/author/date) of an HTML page."""
    meta: dict[str, Any] = {}
    text = ""
    try:
        import trafilatura

        doc = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False,
                                          include_tables=True)
    except Exception:  # noqa: BLE001 - an extractor crash on hostile markup must not stop ingest
        doc = None
    if doc is not None:
        text = (getattr(doc, "text", None) or "").strip()
        for key in ("title", "author", "date", "sitename"):
            value = getattr(doc, key, None)
            if isinstance(value, str) and value.strip():
                meta[key] = value.strip()
    fallback, title = plain_text(page)
    if title and "title" not in meta:
        meta["title"] = title
    if text:
        return text, "trafilatura", meta
    return fallback, "plain", meta


def decode_page(body: bytes, charset: str | None) -> str:
    """The page as text: the HTTP charset, else a <meta charset>, else UTF-8, else Windows-1252."""
    candidates = [charset]
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for c in candidates:
        if not c:
            continue
        try:
            return body.decode(c, errors="replace")
        except LookupError:
            continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class WebPageSource:
    """One URL -> at most one post (or one reject). See the module docstring."""

    url: str
    allow_private: bool = False
    max_bytes: int = 5_000_000
    timeout: float = 15.0
    transport: httpx.BaseTransport | None = None
    name: ClassVar[str] = "web"

    def describe(self) -> str:
        return "web:" + self.url

    def check(self) -> None:
        """Apply the address rules now (BlockedAddress up front); a host that does not resolve is
        left for `read`, where it becomes a reject."""
        if not isinstance(self.url, str) or not self.url.strip():
            raise SourceError("no URL given")
        try:
            vet_url(self.url.strip(), self.allow_private)
        except Unresolvable:
            pass

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        if start is not None and start.record >= 1:
            return
        if not isinstance(self.url, str) or not self.url.strip():
            raise SourceError("no URL given")
        # The first address check raises: a refused or malformed URL is the caller's mistake, and
        # nothing must be sent. Unresolvable hosts are a property of the page: a reject.
        try:
            vet_url(self.url.strip(), self.allow_private)
        except Unresolvable as e:
            yield self._reject(str(e))
            return
        try:
            post = self._fetch(self.url.strip())
        except _Refused as e:
            yield self._reject(e.reason)
            return
        yield Item(1, post, None, Checkpoint(1, 1))

    def _reject(self, reason: str) -> Item:
        return Item(1, None, Reject(1, reason, self.url[:200]), Checkpoint(1, 1))

    def _fetch(self, url: str) -> Post:
        deadline = time.monotonic() + self.timeout
        transport = self.transport or GuardedTransport(allow_private=self.allow_private)
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "identity",  # the size limit then bounds what we receive, not a zip bomb
        }
        client = httpx.Client(transport=transport, follow_redirects=False, trust_env=False, headers=headers)
        try:
            return self._follow(client, url, deadline)
        finally:
            if self.transport is None:  # a transport given to us stays open for its owner
                client.close()

    def _follow(self, client: httpx.Client, url: str, deadline: float) -> Post:
        redirects: list[str] = []
        current = httpx.URL(url)
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                try:  # the transport checks too; this gives the clear reason even with a test transport
                    vet_url(current, self.allow_private)
                except BlockedAddress as e:
                    raise _Refused(f"redirect to a refused address ({current}): {e}") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Refused(f"timed out after {self.timeout:g} s")
            request = client.build_request("GET", current, timeout=httpx.Timeout(remaining))
            try:
                response = client.send(request, stream=True)
            except BlockedAddress as e:
                if not hop:
                    raise
                raise _Refused(f"redirect to a refused address ({current}): {e}") from None
            except httpx.TimeoutException:
                raise _Refused(f"timed out after {self.timeout:g} s") from None
            except httpx.HTTPError as e:
                raise _Refused(f"could not fetch {current}: {type(e).__name__}: {e}") from None
            try:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise _Refused(f"HTTP {response.status_code} redirect without a Location header")
                    try:
                        current = response.url.join(location)
                    except httpx.InvalidURL as e:
                        raise _Refused(f"redirect to an invalid URL {location[:200]!r}: {e}") from None
                    redirects.append(str(current))
                    continue
                return self._page(response, url, redirects, deadline)
            finally:
                response.close()
        raise _Refused(f"more than {MAX_REDIRECTS} redirects")

    def _page(self, response: httpx.Response, requested: str, redirects: list[str], deadline: float) -> Post:
        status = response.status_code
        if status >= 400 or status < 200:
            raise _Refused(f"HTTP {status} {response.reason_phrase}".strip())
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        if mime and mime not in HTML_TYPES:
            raise _Refused(f"not an HTML page (content type {mime!r})")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _Refused(f"page larger than {self.max_bytes:,} bytes (Content-Length {int(declared):,})")
        body = bytearray()
        try:
            for chunk in response.iter_bytes():  # as received, so the deadline is checked often
                body += chunk
                if len(body) > self.max_bytes:
                    raise _Refused(f"page larger than {self.max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise _Refused(f"timed out after {self.timeout:g} s while reading the page")
        except httpx.TimeoutException:
            raise _Refused(f"timed out after {self.timeout:g} s while reading the page") from None
        except httpx.HTTPError as e:
            raise _Refused(f"could not read the page: {type(e).__name__}: {e}") from None
        if not mime and not bytes(body[:512]).lstrip().startswith(b"<"):
            raise _Refused("not an HTML page (no content type, and the body is not markup)")
        final = response.url.copy_with(fragment=None)
        page = decode_page(bytes(body), response.charset_encoding)
        text, extractor, meta = extract_main_text(page, str(final))
        if not text.strip():
            raise _Refused("no text found on the page")
        platform = platform_for_host(final.host)
        try:
            created = parse_time(meta.get("date"))
        except BadRecord:
            created = None
        raw = {
            "requested_url": requested,
            "final_url": str(final),
            "status": status,
            "content_type": content_type,
            "redirects": redirects,
            "bytes": len(body),
            "title": meta.get("title"),
            "extractor": extractor,
        }
        raw.update({k: meta[k] for k in ("author", "date", "sitename") if k in meta})
        return Post(
            id=stable_post_id(platform, None, str(final), None, text),
            text=text,
            platform=platform,
            url=str(final),
            author=Author(name=meta.get("author")),
            created_at=created,
            collected_at=datetime.now(timezone.utc),
            raw=raw,
        )

