"""Handles and links: accounts named in posts in every language we see, link normalisation,
the things that are not accounts (e-mails, times, share buttons), and hostile input.

All handles are invented for these tests.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidewatch.extract.handles import extract_handles, extract_urls, handle_of_url, normalise_url, platform_of

SEED = Path("/work/shared/data/dev_labelled.jsonl")

HANDLES = [
    # English
    ("Forecast looks good 🌤️ Book your place now @calmsea_crew", {("@calmsea_crew", None)}),
    ("insta: @Kurd_Trip for photos", {("@kurd_trip", "instagram")}),
    ("add me on snap: boza_uk", {("@boza_uk", "snapchat")}),
    ("Follow x.com/SmugWatch and https://twitter.com/SmugWatch/status/123?s=20", {("x.com/smugwatch", "x")}),
    ("Channel: youtube.com/@KurdTrips?si=abc", {("youtube.com/@kurdtrips", "youtube")}),
    ("snapchat.com/add/Boza_UK 👻", {("snapchat.com/add/boza_uk", "snapchat")}),
    ("https://www.facebook.com/profile.php?id=100000000000123&mibextid=abc",
     {("facebook.com/profile.php?id=100000000000123", "facebook")}),
    ("WhatsApp link: api.whatsapp.com/send?phone=447700900450&text=Hi", {("wa.me/447700900450", "whatsapp")}),
    ("telegram.me/Balkan_Route and t.me/s/Balkan_Route/812", {("t.me/balkan_route", "telegram")}),
    ("t.me/\u200fname_hidden with an RTL mark inside", {("t.me/name_hidden", "telegram")}),
    ("Group: chat.whatsapp.com/AbCDeF12345xyz", {("chat.whatsapp.com/AbCDeF12345xyz", "whatsapp")}),
    ("Private group t.me/+AbCdEfGh123 (hash keeps its case)", {("t.me/+AbCdEfGh123", "telegram")}),
    ("Telegram number t.me/+447700900451", {("t.me/+447700900451", "telegram")}),
    ("tg://resolve?domain=Balkan_Rega", {("t.me/balkan_rega", "telegram")}),
    ("Messenger m.me/KurdTravel.UK", {("facebook.com/kurdtravel.uk", "facebook")}),
    ("DM me on insta kurd_travel_22", {("@kurd_travel_22", "instagram")}),
    # French
    ("Contactez-nous sur Telegram : t.me/Traversee_UK", {("t.me/traversee_uk", "telegram")}),
    ("Tr4versée 4ngleterre 🇬🇧 2400€ @tr4v3rs33_uk", {("@tr4v3rs33_uk", None)}),
    # Arabic
    ("قناتنا على التلغرام: https://t.me/eu_iqama_docs، التسليم خلال أسبوعين",
     {("t.me/eu_iqama_docs", "telegram")}),
    ("سناب: kurd.trip22 للحجز", {("@kurd.trip22", "snapchat")}),
    ("تابعونا على انستا @Libya_Crossing", {("@libya_crossing", "instagram")}),
    # Sorani
    ("بۆ زانیاری زیاتر: t.me/+AbCdEfGh123 🔗", {("t.me/+AbCdEfGh123", "telegram")}),
    ("حیجز: @antalya_gashti", {("@antalya_gashti", None)}),
    # Kurmanji
    ("Ji bo agahiyan li ser Instagram: instagram.com/Reya_Ewropa",
     {("instagram.com/reya_ewropa", "instagram")}),
    # Persian
    ("پیج ما در اینستاگرام: https://www.instagram.com/safar.uk.fa/?igshid=ZDc4",
     {("instagram.com/safar.uk.fa", "instagram")}),
    ("kar dar Inglis + safar 🇬🇧 4500 pound. DM @safar_uk_fa", {("@safar_uk_fa", None)}),
    # Dari
    ("برای معلومات بیشتر به تلگرام @Herat_Mashhad_Trip پیام بدهید", {("@herat_mashhad_trip", "telegram")}),
    # Pashto
    ("زموږ ټیک ټاک: https://www.tiktok.com/@Kabul.Europe/video/7", {("tiktok.com/@kabul.europe", "tiktok")}),
    # Urdu
    ("فیس بک پیج: https://m.facebook.com/Dunki.Spain.Official۔",
     {("facebook.com/dunki.spain.official", "facebook")}),
    # Albanian
    ("Na shkruani në WhatsApp: https://wa.me/355690000139", {("wa.me/355690000139", "whatsapp")}),
    # Vietnamese
    ("Nhóm Facebook: fb.com/groups/DiAnhGiaRe, ib ngay", {("facebook.com/groups/dianhgiare", "facebook")}),
    # Turkish
    ("Telegram grubumuz: https://t.me/joinchat/BbCcDd-EeFf12", {("t.me/+BbCcDd-EeFf12", "telegram")}),
    # Tigrinya
    ("ሓበሬታ ኣብ ቴሌግራም @Libya_Italia_Route", {("@libya_italia_route", None)}),
    # Amharic
    ("በቴሌግራም ያግኙን t.me/Yemen_Route_ET", {("t.me/yemen_route_et", "telegram")}),
]


@pytest.mark.parametrize("text,expected", HANDLES)
def test_finds_handles(text, expected):
    entities = extract_handles(text)
    assert {(e.value, e.detail) for e in entities} == expected
    for e in entities:
        assert e.kind == "handle"
        assert text[e.start:e.end].strip() == text[e.start:e.end] != ""


@pytest.mark.parametrize("text", [
    "Email someone@example.com for the full report",
    "first.last@example.org wrote to us",
    "meet @ 10pm near the canal, or @10pm, @5am",
    "Telegram: join our channel for news",
    "Share: https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.org",
    "instagram.com/p/Cxyz123/ and instagram.com/explore/",
    "t.me/share/url?url=https://example.org",
    "Watch https://youtu.be/abc123 and https://vm.tiktok.com/ZMabc/",
    "We document how smugglers use Telegram channels and WhatsApp groups.",
    "broken mail name @gmail.com",
])
def test_not_handles(text):
    assert extract_handles(text) == []


def test_handle_spans_map_back_past_hidden_characters():
    text = "قناة: t.me/\u200feu_docs\u200f، شكرا"
    (e,) = extract_handles(text)
    assert e.value == "t.me/eu_docs"
    assert text[e.start:e.end] == "t.me/\u200feu_docs"


URLS = [
    ("See https://Example.ORG:443/Path/?utm_source=fb&utm_medium=x&id=7#section.", ["https://example.org/Path?id=7"]),
    ("http://www.Example.com:80/", ["http://example.com"]),
    ("(more at example.org/path)", ["https://example.org/path"]),
    ("(see https://en.wikipedia.org/wiki/Foo_(bar))", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
    ("https://twitter.com/SmugWatch/status/1?s=20&t=abc", ["https://twitter.com/SmugWatch/status/1"]),
    ("https://youtu.be/abc123?si=XYZ&t=42", ["https://youtu.be/abc123?t=42"]),
    ("رابط: https://t.me/eu_iqama_docs، شكرا", ["https://t.me/eu_iqama_docs"]),
    ("https://www.instagram.com/kos_sunset/?igshid=abc&hl=en", ["https://instagram.com/kos_sunset?hl=en"]),
    ("https://m.facebook.com/story.php?story_fbid=1&id=2&mibextid=x&fbclid=y",
     ["https://m.facebook.com/story.php?story_fbid=1&id=2"]),
    ("https://пример.рф/", ["https://xn--e1afmkfd.xn--p1ai"]),
    ("visit www.kos-cruise.gr, today", ["https://kos-cruise.gr"]),
    ("t.me/idcard_express and wa.me/447700900123.", ["https://t.me/idcard_express", "https://wa.me/447700900123"]),
    ("https://google.com@evil.example/login", ["https://evil.example/login"]),
    ("HTTPS://T.ME/Abc", ["https://t.me/Abc"]),
    ("hxxps://bad.example/x (defanged)", ["https://bad.example/x"]),
    ("لینک: https://example.ir/fa۔ بعدی", ["https://example.ir/fa"]),
]


@pytest.mark.parametrize("text,expected", URLS)
def test_urls_are_normalised(text, expected):
    entities = extract_urls(text)
    assert [e.value for e in entities] == expected
    for e in entities:
        assert e.kind == "url"
        assert text[e.start:e.end][-1] not in ".,،۔"


@pytest.mark.parametrize("text", [
    "notes.md, main.py, e.g. i.e. U.K. 3.2m arrived.Now and 9.9hp",
    "someone@example.com",
    "http://localhost:8000/admin",
    "Version 2.0.1 released; costs 1.200.000 đ",
])
def test_not_urls(text):
    assert extract_urls(text) == []


@pytest.mark.parametrize("host,platform", [
    ("t.me", "telegram"), ("telegram.me", "telegram"), ("wa.me", "whatsapp"),
    ("chat.whatsapp.com", "whatsapp"),
    ("m.facebook.com", "facebook"), ("fb.com", "facebook"), ("instagram.com", "instagram"),
    ("vm.tiktok.com", "tiktok"), ("snapchat.com", "snapchat"), ("twitter.com", "x"), ("x.com", "x"),
    ("youtu.be", "youtube"), ("example.org", None), ("notfacebook.com", None),
])
def test_platform_of(host, platform):
    assert platform_of(host) == platform


def test_url_detail_is_the_platform():
    (e,) = extract_urls("https://www.tiktok.com/@kabul.europe")
    assert e.detail == "tiktok"
    assert handle_of_url(e.value) == ("tiktok.com/@kabul.europe", "tiktok")


def test_normalise_url_is_idempotent():
    once = normalise_url("HTTPS://WWW.Example.com:443/a/b/?utm_campaign=x&q=1#top")
    assert once == "https://example.com/a/b?q=1"
    assert normalise_url(once) == once


@pytest.mark.parametrize("text", [
    "a" * 500_000,
    "a." * 200_000,
    "https://" + "a." * 100_000,
    "https://" + "a" * 200_000 + ".com/" + "b" * 200_000,
    "https://" + "\u0301\u200f" * 1000 + "ñ" * 300 + ".com/x",
    "https://xn--zz.com http://xn--ls8h.la https://a..b.com https://-a-.com https://[::1]:99999/x https://[zz/x",
    "@a_" * 100_000,
    "x@y.com " * 50_000,
    "snap: " * 50_000,
    "t.me/" * 50_000,
    "https://t.me/\u202eabc\u202c/\u200fdef",
])
def test_hostile_input_is_handled_quickly(text):
    start = time.perf_counter()
    for entity in extract_handles(text) + extract_urls(text):
        assert 0 <= entity.start < entity.end <= len(text)
    assert time.perf_counter() - start < 5


_PIECES = [*"abcXYZ019_.:/?&=#@+%- \u200f\u0627\u06d4()",
           "t.me/", "https://", "wa.me/", "www.", ".com", "insta:"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_never_crashes(text):
    for entity in extract_handles(text) + extract_urls(text):
        assert 0 <= entity.start < entity.end <= len(text)
        assert entity.value


def test_handle_recall_on_the_seed_set():
    if not SEED.exists():
        pytest.skip("seed file not on this machine")
    found = total = 0
    for line in SEED.read_text("utf-8").splitlines():
        row = json.loads(line)
        gold = {h.lower() for h in row["entities"].get("handles", [])}
        got = {e.value for e in extract_handles(row["text"])}
        found += len(gold & got)
        total += len(gold)
    assert found / max(1, total) >= 0.95


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a@_.t/me \u200b\u200f\u2066\ufeffب1")), max_size=40))
def test_hidden_characters_are_removed_with_an_exact_index_map(text):
    from tidewatch.extract.handles import _INVISIBLE, _clean

    clean, index = _clean(text)
    keep = [i for i, ch in enumerate(text) if not _INVISIBLE.match(ch)]  # the plain reference
    assert clean == "".join(text[i] for i in keep)
    if index is not None:
        assert index == keep + [len(text)]
    else:
        assert keep == list(range(len(text)))
