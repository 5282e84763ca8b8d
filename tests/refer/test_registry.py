"""Platform registry: URL -> platform and kind, with hostile look-alikes left unmatched."""
from __future__ import annotations

import pytest

from tidewatch.refer.registry import RegistryError, load_registry, parse_registry, url_host

REG = load_registry()


def test_seeded_platforms_have_what_notices_need():
    assert set(REG.platforms) == {"facebook", "instagram", "whatsapp", "tiktok", "x", "telegram", "youtube", "snapchat"}
    for p in REG.platforms.values():
        assert p.domains and p.channels and p.languages and p.sla_hours > 0
        assert 0 < p.urgent_sla_hours <= p.sla_hours
        assert p.offline_markers, f"{p.key} has no 'content unavailable' markers"
    assert len({p.code for p in REG.platforms.values()}) == len(REG.platforms)


@pytest.mark.parametrize("url,platform,kind", [
    ("https://www.facebook.com/groups/fict.travel.group/posts/10001", "facebook", "content"),
    ("https://m.facebook.com/fict.page.routes/posts/10002/", "facebook", "content"),
    ("https://www.facebook.com/permalink.php?story_fbid=123456&id=987", "facebook", "content"),
    ("https://facebook.com/watch/?v=5550001", "facebook", "content"),
    ("https://www.facebook.com/marketplace/item/4440001/", "facebook", "content"),
    ("https://www.facebook.com/share/p/AbCdEf123/", "facebook", "short_link"),
    ("https://www.facebook.com/profile.php?id=100000000000001", "facebook", "account"),
    ("https://fb.watch/abcDEF12/", "facebook", "short_link"),
    ("https://www.facebook.com/fict.page.routes/about/team", "facebook", "other"),
    ("https://www.instagram.com/p/C1a2B3/", "instagram", "content"),
    ("https://instagram.com/reel/Cx_9-zz/", "instagram", "content"),
    ("https://www.instagram.com/fict_travel.uk/", "instagram", "account"),
    ("https://wa.me/447700900123", "whatsapp", "contact"),
    ("https://api.whatsapp.com/send?phone=447700900123&text=hi", "whatsapp", "contact"),
    ("https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv", "whatsapp", "group"),
    ("https://whatsapp.com/channel/0029VaFictional00000", "whatsapp", "channel"),
    ("https://www.tiktok.com/@fict_travel_uk/video/7301", "tiktok", "content"),
    ("https://vm.tiktok.com/ZMfict123/", "tiktok", "short_link"),
    ("https://www.tiktok.com/@fict_travel_uk", "tiktok", "account"),
    ("https://x.com/fict_routes/status/8801", "x", "content"),
    ("https://twitter.com/fict_routes/status/8801?s=20", "x", "content"),
    ("https://mobile.twitter.com/i/web/status/8801", "x", "content"),
    ("https://x.com/fict_routes", "x", "account"),
    ("https://t.me/fictional_crossings/501", "telegram", "content"),
    ("https://t.me/s/fictional_crossings/502", "telegram", "content"),
    ("t.me/fictional_crossings/503", "telegram", "content"),  # scheme-less, as written in posts
    ("https://t.me/+AbCdEfGhIjKlmn", "telegram", "group"),
    ("https://telegram.me/fictional_crossings", "telegram", "channel"),
    ("https://www.youtube.com/watch?v=AbCdEfGhIjK", "youtube", "content"),
    ("https://youtu.be/AbCdEfGhIjK", "youtube", "content"),
    ("https://www.youtube.com/shorts/AbCdEfGhIjK", "youtube", "content"),
    ("https://www.youtube.com/@fict-routes", "youtube", "channel"),
    ("https://www.snapchat.com/add/fict.travel", "snapchat", "account"),
    ("https://www.snapchat.com/spotlight/W7_fictional", "snapchat", "content"),
    ("https://WWW.FACEBOOK.COM./groups/x/posts/1", "facebook", "content"),  # case, trailing dot
    ("https://ｆacebook.com/groups/x/posts/1", "facebook", "content"),  # full-width f: browsers fold it
    ("https:\\\\t.me\\fictional_crossings\\501", "telegram", "content"),  # backslashes read as slashes
])
def test_url_maps_to_platform_and_kind(url, platform, kind):
    m = REG.match_url(url)
    assert m is not None, url
    assert (m.platform.key, m.kind) == (platform, kind)


@pytest.mark.parametrize("url", [
    "https://facebook.com.fict-phish.example/groups/x/posts/1",  # platform name as a sub-domain elsewhere
    "https://fict-example.net/?next=https://facebook.com/x",  # platform only in the query
    "https://facebook.com@fict-example.net/posts/1",  # userinfo trick: the host is fict-example.net
    "https://notfacebook.com/posts/1",  # suffix without a label boundary
    "https://fаcebook.com/posts/1",  # Cyrillic а: a different host
    "https://t.me.fict-example.net/channel/1",
    "ftp://t.me/fictional/1",
    "javascript:alert(1)//t.me/x/1",
    "",
    "https://",
])
def test_lookalikes_and_non_urls_match_no_platform(url):
    assert REG.match_url(url) is None


def test_url_host_reads_hosts_like_a_browser():
    assert url_host("HTTPS://T.ME:443/x/1") == ("t.me", "/x/1")
    assert url_host("https://user:pw@x.com/a?b=1") == ("x.com", "/a?b=1")
    assert url_host("mailto:someone@example.org") is None


def test_post_platform_field_is_used_only_when_url_is_not_a_platform():
    assert REG.resolve("https://fict-mirror.example/p/1", "twitter").platform.key == "x"
    assert REG.resolve("https://fict-mirror.example/p/1", "Telegram").kind == "other"
    assert REG.resolve("https://t.me/fictional_crossings/9", "facebook").platform.key == "telegram"
    assert REG.resolve("https://fict-mirror.example/p/1", "myspace") is None


def test_settings_override_channels_and_sla():
    r = REG.configured({"telegram": {"channels": ["webhook", "pull"], "sla_hours": 12, "urgent_sla_hours": 2}})
    t = r.get("telegram")
    assert (t.channels, t.sla_hours, t.urgent_sla_hours) == (("webhook", "pull"), 12.0, 2.0)
    assert REG.get("telegram").channels == ("email",)  # the original is untouched
    with pytest.raises(RegistryError, match="unknown channel"):
        REG.configured({"telegram": {"channels": ["fax"]}})
    with pytest.raises(RegistryError, match="unknown platform"):
        REG.configured({"myspace": {"channels": ["pull"]}})


@pytest.mark.parametrize("data,message", [
    ({}, "no \\[platforms"),
    ({"platforms": {"Bad Key": {"name": "x", "code": "X", "domains": ["x.example"]}}}, "bad platform key"),
    ({"platforms": {"p": {"name": "x", "code": "X", "domains": ["x.example"],
                          "url_patterns": [{"kind": "content", "regex": "("}]}}}, "bad regex"),
    ({"platforms": {"p": {"name": "x", "code": "X", "domains": ["https://x.example/"]}}}, "bare host"),
    ({"platforms": {"p": {"name": "x", "code": "X", "domains": ["a.example"]},
                    "q": {"name": "y", "code": "X", "domains": ["b.example"]}}}, "unique"),
    ({"platforms": {"p": {"name": "x", "code": "X", "domains": ["a.example"], "sla_hours": 0}}}, "positive"),
])
def test_malformed_registry_is_refused_with_a_clear_message(data, message):
    with pytest.raises(RegistryError, match=message):
        parse_registry(data)
