"""WebPageSource against a real threaded http.server on 127.0.0.1 (and a few transport handlers)."""
from __future__ import annotations

import httpx
import pytest

from tidewatch.ingest import Checkpoint, WebPageSource
from tidewatch.ingest.web import decode_page, extract_main_text, plain_text, platform_for_host
from tidewatch.netguard import BlockedAddress

PARAGRAPHS = [
    "The crossing leaves from the beach near Calais on Thursday night when the weather is calm.",
    "Places cost 1500 euros per person and children travel free, the advert said.",
    "Call +44 7700 900123 on WhatsApp and ask for the captain; places are limited.",
    "Investigators said the same number appeared in dozens of adverts in Kurdish and Arabic.",
]


def one(source, start=None):
    items = list(source.read(start))
    assert len(items) == 1
    return items[0]


def test_refused_by_default_and_nothing_is_fetched(server, helpers):
    server.routes["/story"] = helpers.Route(body=helpers.article("Story", PARAGRAPHS))
    with pytest.raises(BlockedAddress, match="loopback"):
        list(WebPageSource(server.url("/story")).read())
    with pytest.raises(BlockedAddress, match="loopback"):
        list(WebPageSource(f"http://localhost:{server.port}/story").read())
    assert server.requests == []


def test_page_text_title_and_status(server, helpers):
    server.routes["/story"] = helpers.Route(body=helpers.article("Boats from Calais", PARAGRAPHS))
    item = one(WebPageSource(server.url("/story"), allow_private=True))
    p = item.post
    assert "Call +44 7700 900123 on WhatsApp" in p.text and "Home | About" not in p.text
    assert p.platform == "web" and p.url == server.url("/story")
    assert p.raw["status"] == 200 and p.raw["title"] == "Boats from Calais"
    assert p.raw["final_url"] == server.url("/story") and p.raw["redirects"] == []
    assert p.raw["extractor"] == "trafilatura"
    assert p.id.startswith("web:u:") and item.after == Checkpoint(1, 1)
    assert server.requests[0][1]["User-Agent"].startswith("tidewatch/")


def test_redirects_are_followed_and_the_final_url_recorded(server, helpers):
    server.routes["/story"] = helpers.Route(body=helpers.article("Story", PARAGRAPHS))
    server.routes["/short"] = helpers.Route(302, b"", headers={"Location": "/mid"})
    server.routes["/mid"] = helpers.Route(301, b"", headers={"Location": server.url("/story") + "#frag"})
    p = one(WebPageSource(server.url("/short"), allow_private=True)).post
    assert p.url == server.url("/story")
    assert p.raw["requested_url"] == server.url("/short")
    assert p.raw["redirects"] == [server.url("/mid"), server.url("/story") + "#frag"]
    assert [path for path, _ in server.requests] == ["/short", "/mid", "/story"]
    # the id is stable: the same page reached directly gets the same id
    assert one(WebPageSource(server.url("/story"), allow_private=True)).post.id == p.id


@pytest.fixture
def chain(server, helpers):
    for i in range(10):
        server.routes[f"/r{i}"] = helpers.Route(302, b"", headers={"Location": f"/r{i + 1}"})
    server.routes["/r10"] = helpers.Route(body=helpers.article("End", PARAGRAPHS))
    return server


def test_redirect_limit(chain):
    item = one(WebPageSource(chain.url("/r5"), allow_private=True))
    assert item.post is not None and len(item.post.raw["redirects"]) == 5
    item = one(WebPageSource(chain.url("/r4"), allow_private=True))
    assert item.reject.reason == "more than 5 redirects"
    assert len(chain.requests) == 6 + 6  # r5..r10, then r4..r9 and no further


def test_redirect_to_a_refused_address_is_checked_at_the_hop(server, helpers):
    server.routes["/to-metadata"] = helpers.Route(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    server.routes["/to-file"] = helpers.Route(302, b"", headers={"Location": "file:///etc/passwd"})
    item = one(WebPageSource(server.url("/to-metadata"), allow_private=True))
    assert "redirect to a refused address" in item.reject.reason and "metadata" in item.reject.reason
    item = one(WebPageSource(server.url("/to-file"), allow_private=True))
    assert "only http and https" in item.reject.reason


def test_redirect_from_public_to_loopback_is_refused():
    # A public page (served by a handler) redirecting into our network.
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/admin"})

    item = one(WebPageSource("http://93.184.216.34/offer", transport=httpx.MockTransport(handler)))
    assert "redirect to a refused address" in item.reject.reason and "loopback" in item.reject.reason
    assert seen == ["http://93.184.216.34/offer"]


@pytest.mark.parametrize("send_length", [True, False])
def test_size_limit(server, helpers, send_length):
    big = helpers.article("Big", ["Boat adverts " * 40] * 500)  # ~270 KB
    server.routes["/big"] = helpers.Route(body=big, send_length=send_length)
    item = one(WebPageSource(server.url("/big"), allow_private=True, max_bytes=50_000))
    assert item.reject.reason.startswith("page larger than 50,000 bytes")


@pytest.mark.parametrize("content_type,body", [
    ("application/pdf", b"%PDF-1.7 fake"),
    ("application/json", b'{"text": "boat"}'),
    ("image/jpeg", b"\xff\xd8\xff\xe0 fake"),
    ("text/plain; charset=utf-8", b"Boat to UK +44 7700 900123"),
])
def test_non_html_is_rejected(server, helpers, content_type, body):
    server.routes["/f"] = helpers.Route(body=body, content_type=content_type)
    item = one(WebPageSource(server.url("/f"), allow_private=True))
    assert item.reject.reason == f"not an HTML page (content type {content_type.split(';')[0]!r})"


def test_missing_content_type_is_sniffed(server, helpers):
    server.routes["/html"] = helpers.Route(body=helpers.article("No type", PARAGRAPHS), content_type=None)
    server.routes["/bin"] = helpers.Route(body=b"\x00\x01\x02binary", content_type=None)
    assert one(WebPageSource(server.url("/html"), allow_private=True)).post is not None
    assert "not an HTML page" in one(WebPageSource(server.url("/bin"), allow_private=True)).reject.reason


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_http_errors_are_rejects_with_the_status(server, helpers, status):
    server.routes["/gone"] = helpers.Route(status, b"<html><body>error</body></html>")
    item = one(WebPageSource(server.url("/gone"), allow_private=True))
    assert item.reject.reason.startswith(f"HTTP {status}")


def test_timeout(server, helpers):
    server.routes["/slow"] = helpers.Route(body=helpers.article("Slow", PARAGRAPHS), delay=1.0)
    item = one(WebPageSource(server.url("/slow"), allow_private=True, timeout=0.2))
    assert item.reject.reason.startswith("timed out after 0.2 s")


def test_total_deadline_holds_against_a_trickling_server(server, helpers):
    body = helpers.article("Slow drip", PARAGRAPHS * 20)
    server.routes["/drip"] = helpers.Route(body=body, chunk=512, trickle=0.05)
    item = one(WebPageSource(server.url("/drip"), allow_private=True, timeout=0.3))
    assert item.reject.reason == "timed out after 0.3 s while reading the page"


def test_connection_refused_is_a_reject(server):
    port = server.port
    server.__exit__()
    item = one(WebPageSource(f"http://127.0.0.1:{port}/", allow_private=True, timeout=2))
    assert item.reject.reason.startswith("could not fetch")


def test_plain_fallback_and_charset_from_the_server(server, helpers):
    footer_only = ("<html><head><title>Côte</title></head>"
                   "<body><footer>Départ à 3h, 1500 €</footer></body></html>")
    server.routes["/latin"] = helpers.Route(body=footer_only.encode("cp1252"),
                                            content_type="text/html; charset=windows-1252")
    p = one(WebPageSource(server.url("/latin"), allow_private=True)).post
    assert p.text == "Départ à 3h, 1500 €" and p.raw["title"] == "Côte"
    assert p.raw["extractor"] == "plain"


def test_empty_page_is_a_reject(server, helpers):
    page = b"<html><head><script>var x=1;</script></head><body></body></html>"
    server.routes["/empty"] = helpers.Route(body=page)
    item = one(WebPageSource(server.url("/empty"), allow_private=True))
    assert item.reject.reason == "no text found on the page"


def test_resume_after_the_page_yields_nothing(server, helpers):
    server.routes["/story"] = helpers.Route(body=helpers.article("Story", PARAGRAPHS))
    src = WebPageSource(server.url("/story"), allow_private=True)
    item = one(src)
    assert list(src.read(item.after)) == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("host,platform", [
    ("www.facebook.com", "facebook"), ("m.facebook.com", "facebook"), ("fb.watch", "facebook"),
    ("t.me", "telegram"), ("telegram.me", "telegram"),
    ("www.tiktok.com", "tiktok"), ("vm.tiktok.com", "tiktok"),
    ("x.com", "x"), ("mobile.twitter.com", "x"),
    ("www.instagram.com", "instagram"),
    ("www.youtube.com", "youtube"), ("youtu.be", "youtube"),
    ("notfacebook.com", "web"), ("facebook.com.evil.example", "web"), ("box.com", "web"),
    ("example.org", "web"), ("FACEBOOK.COM.", "facebook"),
])
def test_platform_for_host(host, platform):
    assert platform_for_host(host) == platform


def test_plain_text_skips_scripts_and_keeps_blocks():
    text, title = plain_text("<html><head><title> A  title </title><style>p{}</style></head><body>"
                             "<div>Boat&nbsp;to UK</div><script>alert(1)</script>"
                             "<p>قارب إلى إيطاليا</p></body></html>")
    assert text == "Boat to UK\nقارب إلى إيطاليا" and title == "A title"


@pytest.mark.parametrize("page,extractor", [
    ("<html><head><title>T</title></head><body><article><p>Call +44 7700 900123</p></article></body></html>",
     "trafilatura"),
    ("<html><head><title>T</title></head><body><footer>Call +44 7700 900123</footer></body></html>", "plain"),
    ("<html><head><title>T</title></head><body><aside>Call +44 7700 900123</aside></body></html>", "plain"),
])
def test_extract_main_text_falls_back_to_plain(page, extractor):
    text, used, meta = extract_main_text(page)
    assert text == "Call +44 7700 900123" and used == extractor and meta["title"] == "T"


@pytest.mark.parametrize("body,charset,expected", [
    ("Départ à 3h".encode("latin-1"), "iso-8859-1", "Départ à 3h"),
    ("<meta charset='windows-1256'>قارب".encode("cp1256"), None, "<meta charset='windows-1256'>قارب"),
    ("Chuyến đi".encode("utf-8"), None, "Chuyến đi"),
    ("Départ".encode("cp1252"), None, "Départ"),
    (b"ok", "no-such-charset", "ok"),
])
def test_decode_page(body, charset, expected):
    assert decode_page(body, charset) == expected
