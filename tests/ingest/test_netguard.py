"""netguard: which URLs may be fetched, and the transport that pins connections to checked addresses."""
from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess

import httpx
import pytest

from tidewatch.netguard import (
    BlockedAddress,
    GuardedTransport,
    Unresolvable,
    blocked_reason,
    check_url,
    parse_ip_literal,
    vet_url,
)


def no_dns(host: str, port: int):
    raise AssertionError(f"DNS was consulted for {host!r}")


BLOCKED = [
    # (url, words expected in the reason)
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/admin", "loopback"),
    ("http://localhost/", "loopback"),
    ("http://localhost./", "loopback"),
    ("http://2130706433/", "loopback"),          # decimal
    ("http://0x7f.1/", "loopback"),              # hex + short form
    ("http://0x7f000001/", "loopback"),
    ("http://017700000001/", "loopback"),        # octal
    ("http://0177.0.0.1/", "not a valid URL"),    # httpx itself refuses zero-padded dotted quads
    ("http://127.1/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[64:ff9b::7f00:1]/", "loopback"),   # NAT64 of loopback
    ("http://[2002:7f00:1::]/", "loopback"),     # 6to4 embedding loopback
    ("http://10.0.0.5/", "private"),
    ("http://172.16.3.4/", "private"),
    ("http://192.168.1.1/router", "private"),
    ("http://3232235777/", "private"),           # 192.168.1.1 in decimal
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://[::ffff:10.1.2.3]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://0xa9fea9fe/", "metadata"),          # 169.254.169.254 in hex
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.254/", "carrier-grade NAT"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.2.10/", "private"),           # documentation range: never a real page
    ("ftp://93.184.216.34/file", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://93.184.216.34/", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http://user:secret@93.184.216.34/", "credentials"),
    ("http://admin@93.184.216.34/", "credentials"),
    ("http://127.0.0.1\\@93.184.216.34/", "credentials"),
    ("http:///nohost", "no host"),
    ("http://999.1.1.1/", "not a valid URL"),
    ("http://08.0.0.1/", "not a valid URL"),
    ("http://4294967296/", "malformed"),
    ("http://%31%32%37.0.0.1/", "invalid host"),
]


@pytest.mark.parametrize("url,why", BLOCKED)
def test_blocked_forms(url, why):
    with pytest.raises(BlockedAddress) as e:
        check_url(url, resolver=lambda h, p: ["127.0.0.1"] if h.rstrip(".") == "localhost" else no_dns(h, p))
    assert why.lower() in str(e.value).lower()


@pytest.mark.parametrize("url", [
    "http://93.184.216.34/",
    "https://93.184.216.34:8443/path?q=1",
    "http://1.1.1.1/",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:8.8.8.8]/",      # IPv4-mapped public address
    "http://[64:ff9b::808:808]/",    # NAT64 of a public address (DNS64 networks)
    "http://0x5db8d822/",           # 93.184.216.34 in hex: a trick, but to a public address
])
def test_public_literals_pass_without_dns(url):
    check_url(url, resolver=no_dns)


def test_names_are_resolved_and_every_address_checked():
    check_url("https://example.org/", resolver=lambda h, p: ["93.184.216.34", "2606:2800:220:1::1"])
    with pytest.raises(BlockedAddress, match="10.0.0.7 is a private"):
        check_url("https://example.org/", resolver=lambda h, p: ["93.184.216.34", "10.0.0.7"])


def test_resolution_failure_is_unresolvable():
    def fail(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(Unresolvable, match="cannot resolve"):
        check_url("http://no-such-host.invalid/", resolver=fail)


def test_idn_host_is_resolved_in_ascii():
    seen = []
    check_url("http://bücher.example/", resolver=lambda h, p: seen.append(h) or ["93.184.216.34"])
    assert seen == ["xn--bcher-kva.example"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://10.1.2.3/", "http://[::1]/",
                                 "http://100.64.1.1/", "http://169.254.10.10/", "http://2130706433/"])
def test_allow_private_lifts_the_private_rules(url):
    check_url(url, allow_private=True, resolver=no_dns)


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://0.0.0.0/", "http://224.0.0.1/",
                                 "http://240.0.0.1/", "file:///etc/passwd", "http://u:p@127.0.0.1/"])
def test_allow_private_still_refuses(url):
    with pytest.raises(BlockedAddress):
        check_url(url, allow_private=True, resolver=no_dns)


@pytest.mark.parametrize("text,expected", [
    ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"), ("1.2.3.4.", "1.2.3.4"),
    ("0177.0.0.1", "127.0.0.1"),
    ("example.com", None), ("1e100.net", None), ("face.bad", None), ("0day.example", None),
])
def test_parse_ip_literal(text, expected):
    got = parse_ip_literal(text)
    assert (str(got) if got else None) == expected


@pytest.mark.parametrize("text", ["999.1.1.1", "08.0.0.1", "4294967296", "1.2.3.256", "0x1.0x100.1",
                                  "fe80::zz"])
def test_parse_ip_literal_refuses_numeric_garbage(text):
    with pytest.raises(BlockedAddress, match="malformed"):
        parse_ip_literal(text)


def test_blocked_reason_is_pure_and_none_for_public():
    assert blocked_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert blocked_reason(ipaddress.ip_address("10.0.0.1"), allow_private=True) is None
    assert "metadata" in blocked_reason(ipaddress.ip_address("169.254.169.254"), allow_private=True)


# --- the transport ---------------------------------------------------------------------------

def recording_transport(seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    return httpx.MockTransport(handler)


def test_transport_pins_to_checked_address_and_keeps_host_and_sni():
    seen: list[httpx.Request] = []
    t = GuardedTransport(inner=recording_transport(seen), resolver=lambda h, p: ["93.184.216.34"])
    with httpx.Client(transport=t) as client:
        client.get("https://news.example.org/story?id=7")
    (req,) = seen
    assert req.url.host == "93.184.216.34"
    assert req.url.path == "/story" and req.url.query == b"id=7"
    assert req.headers["host"] == "news.example.org"
    assert req.extensions["sni_hostname"] == "news.example.org"


def test_transport_refuses_rebinding_answer_before_sending():
    # The name looked public to an earlier check; at connection time it answers 127.0.0.1.
    seen: list[httpx.Request] = []
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    resolver = lambda h, p: next(answers)  # noqa: E731
    check_url("http://rebind.example/", resolver=resolver)
    t = GuardedTransport(inner=recording_transport(seen), resolver=resolver)
    with httpx.Client(transport=t) as client, pytest.raises(BlockedAddress, match="loopback"):
        client.get("http://rebind.example/")
    assert seen == []


def test_transport_connects_to_resolved_address_on_a_real_server(server, helpers):
    server.routes["/hello"] = helpers.Route(body=b"<p>hi</p>")
    t = GuardedTransport(allow_private=True, resolver=lambda h, p: ["127.0.0.1"])
    with httpx.Client(transport=t) as client:
        r = client.get(f"http://tidewatch-test.example:{server.port}/hello")
    assert r.status_code == 200 and r.text == "<p>hi</p>"
    path, headers = server.requests[0]
    assert path == "/hello"
    assert headers["Host"] == f"tidewatch-test.example:{server.port}"


def test_transport_refuses_loopback_by_default_on_a_real_server(server):
    with httpx.Client(transport=GuardedTransport()) as client, pytest.raises(BlockedAddress):
        client.get(server.url("/"))
    assert server.requests == []


def test_vet_url_returns_checked_addresses():
    v = vet_url("https://example.org:444/x", resolver=lambda h, p: ["93.184.216.34", "93.184.216.34"])
    assert (v.host, v.port, v.addresses) == ("example.org", 444, ("93.184.216.34",))


@pytest.fixture
def tls_server(tmp_path, helpers):
    """An HTTPS server on 127.0.0.1 whose certificate names only tidewatch-test.example."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", "/CN=tidewatch-test.example",
                    "-addext", "subjectAltName=DNS:tidewatch-test.example"],
                   check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with helpers.LocalServer(tls=server_ctx) as s:
        s.routes["/hello"] = helpers.Route(body=b"<p>over tls</p>")
        yield s, client_ctx


def test_tls_pinned_to_the_ip_still_sends_and_verifies_the_host_name(tls_server):
    server, client_ctx = tls_server
    t = GuardedTransport(allow_private=True, resolver=lambda h, p: ["127.0.0.1"], verify=client_ctx)
    with httpx.Client(transport=t) as client:
        r = client.get(f"https://tidewatch-test.example:{server.port}/hello")
    assert r.text == "<p>over tls</p>"
    assert server.sni == ["tidewatch-test.example"]
    assert server.requests[0][1]["Host"] == f"tidewatch-test.example:{server.port}"


def test_tls_certificate_is_checked_against_the_name_not_the_ip(tls_server):
    server, client_ctx = tls_server
    t = GuardedTransport(allow_private=True, resolver=lambda h, p: ["127.0.0.1"], verify=client_ctx)
    with httpx.Client(transport=t) as client, pytest.raises(httpx.ConnectError, match="certificate"):
        client.get(f"https://impostor.example:{server.port}/hello")
    assert server.requests == []
