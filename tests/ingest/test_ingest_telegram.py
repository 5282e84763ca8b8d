"""TelegramExportSource: text as list, media, service messages, truncation, encodings, resume, memory."""
from __future__ import annotations

import json

import pytest

from tidewatch.ingest import Checkpoint, SourceError, TelegramExportSource
from tidewatch.ingest.telegram import join_text


def posts(items):
    return [i.post for i in items if i.post is not None]


def rejects(items):
    return [i.reject for i in items if i.reject is not None]


RICH_TEXT = [
    "Boat to UK this week ",
    {"type": "bold", "text": "2000€"},
    ", kids free. Call ",
    {"type": "phone", "text": "+44 7700 900123"},
    " or ",
    {"type": "mention", "text": "@safe_road_fake"},
    " or ",
    {"type": "text_link", "text": "click here", "href": "https://wa.me/447700900123"},
    "\n",
    {"type": "link", "text": "https://t.me/safe_road_fake"},
    {"type": "hashtag", "text": "#uk"},
]


def sample_messages(helpers):
    m = helpers.tg_message
    return [
        {"id": 1, "type": "service", "date": "2024-03-01T10:00:00", "date_unixtime": "1709287200",
         "actor": "Safe Road Travel", "action": "create_channel", "title": "Safe Road Travel", "text": ""},
        m(2, RICH_TEXT, views=1520, photo="photos/photo_2@01-03-2024_12-00-00.jpg",
          text_entities=[{"type": "plain", "text": "ignored because text is present"}]),
        m(3, "قارب إلى إيطاليا، ٣٠٠٠ دولار للشخص", forwarded_from="Another Channel"),
        m(4, "", file="(File not included. Change data exporting settings to download.)"),
        m(5, "", photo="photos/photo_5.jpg"),
        m(6, "see photo", photo="../../../etc/passwd"),
        m(7, "", contact_information={"first_name": "Kaptan", "last_name": "",
                                     "phone_number": "+44 7700 900555"}),
        m(8, "Rêwîtiya ewle ber bi Almanyayê"),
    ]


def test_channel_export(tmp_path, helpers):
    folder = tmp_path / "ChatExport_2024-03-10"
    helpers.telegram_export(folder, sample_messages(helpers))
    items = list(TelegramExportSource(str(folder)).read())
    got = {p.native_id: p for p in posts(items)}
    assert sorted(got) == ["1234567890/2", "1234567890/3", "1234567890/5", "1234567890/6",
                           "1234567890/7", "1234567890/8"]
    p = got["1234567890/2"]
    assert p.id == "telegram:1234567890/2" and p.platform == "telegram"
    assert p.text == ("Boat to UK this week 2000€, kids free. Call +44 7700 900123 or @safe_road_fake or "
                      "click here\nhttps://t.me/safe_road_fake#uk")
    assert p.raw["text_links"] == ["https://wa.me/447700900123"]
    assert p.raw["channel"] == {"id": 1234567890, "name": "Safe Road Travel", "type": "public_channel"}
    assert p.metrics == {"views": 1520}
    assert p.created_at.isoformat() == "2024-03-01T12:00:02+00:00"  # from date_unixtime
    assert p.author.id == "channel1234567890" and p.author.name == "Safe Road Travel"
    assert p.url is None  # no username known
    assert p.media[0].path == str((folder / "photos" / "photo_2@01-03-2024_12-00-00.jpg").resolve())
    assert got["1234567890/3"].raw["forwarded_from"] == "Another Channel"
    assert got["1234567890/5"].text == "" and len(got["1234567890/5"].media) == 1
    assert got["1234567890/6"].media == ()
    assert got["1234567890/6"].raw["media_refused"] == ["../../../etc/passwd"]
    assert got["1234567890/7"].text == "Kaptan +44 7700 900555"
    (r,) = rejects(items)
    assert r.record == 4 and r.reason == "message has no text or media"
    assert [i.record for i in items] == [2, 3, 4, 5, 6, 7, 8]  # service message 1 skipped


def test_username_gives_tme_links(tmp_path, helpers):
    path = helpers.telegram_export(tmp_path / "e", [helpers.tg_message(41, "hello")],
                                   extra={"username": "saferoad_fake"})
    (item,) = TelegramExportSource(str(path)).read()
    assert item.post.url == "https://t.me/saferoad_fake/41" and item.post.author.handle == "saferoad_fake"
    (item,) = TelegramExportSource(str(path), channel_username="@other_fake").read()
    assert item.post.url == "https://t.me/other_fake/41"


def test_group_export_authors_are_the_senders(tmp_path, helpers):
    msgs = [helpers.tg_message(1, "who has a place on the boat?", **{"from": "Alan", "from_id": "user555"})]
    path = helpers.telegram_export(tmp_path / "g", msgs)
    (item,) = TelegramExportSource(str(path)).read()
    author = item.post.author
    assert (author.id, author.name, author.handle) == ("user555", "Alan", None)


@pytest.mark.parametrize("text,expected,links", [
    ("plain", "plain", []),
    (["a", {"type": "bold", "text": "b"}, "c"], "abc", []),
    ([{"type": "text_link", "text": "here", "href": "https://wa.me/1"}], "here", ["https://wa.me/1"]),
    ([{"type": "custom_emoji", "text": "🚤", "document_id": "x"}, " تماس"], "🚤 تماس", []),
    ([{"type": "bold"}, 5, None, ["nested"], "ok"], "ok", []),  # hostile shapes are skipped
    (None, "", []),
    (42, "", []),
])
def test_join_text(text, expected, links):
    assert join_text(text) == (expected, links)


def test_text_entities_used_when_text_is_missing(tmp_path, helpers):
    msg = helpers.tg_message(1, None)
    del msg["text"]
    msg["text_entities"] = [{"type": "plain", "text": "Chuyến đi "}, {"type": "bold", "text": "an toàn"}]
    path = helpers.telegram_export(tmp_path / "e", [msg])
    assert [p.text for p in posts(TelegramExportSource(str(path)).read())] == ["Chuyến đi an toàn"]


def test_bad_messages_are_rejects(tmp_path, helpers):
    msgs = [
        helpers.tg_message(1, "ok"),
        "not an object",
        {"type": "message", "text": "no id"},
        helpers.tg_message(4, "bad date", date_unixtime="", date="yesterday"),
        helpers.tg_message(5, "x" * 1_100_000),
        helpers.tg_message(6, "ok again"),
    ]
    path = helpers.telegram_export(tmp_path / "e", msgs)
    items = list(TelegramExportSource(str(path)).read())
    assert [p.native_id for p in posts(items)] == ["1234567890/1", "1234567890/6"]
    got = {r.record: r.reason for r in rejects(items)}
    assert "JSON object" in got[2] and "without an 'id'" in got[3]
    assert "created_at" in got[4] and "too long" in got[5]


def test_truncated_file_yields_what_was_read_then_a_reject(tmp_path, helpers):
    msgs = [helpers.tg_message(i, f"message {i}") for i in range(1, 201)]
    path = helpers.telegram_export(tmp_path / "e", msgs)
    data = path.read_bytes()
    cut = data.index(b'"message 151"') + 5
    path.write_bytes(data[:cut])
    items = list(TelegramExportSource(str(path)).read())
    assert [p.text for p in posts(items)] == [f"message {i}" for i in range(1, 151)]
    last = items[-1]
    assert last.post is None and last.record == 151
    assert last.reject.reason == f"file is truncated at byte {cut:,} (the JSON document ends early)"
    # resuming after the reject gives nothing more; resuming before it gives the rest and the reject
    assert list(TelegramExportSource(str(path)).read(last.after)) == []
    again = list(TelegramExportSource(str(path)).read(items[139].after))
    assert [p.text for p in posts(again)] == [f"message {i}" for i in range(141, 151)]
    assert again[-1].reject == last.reject


def test_ten_megabyte_single_line_export(tmp_path, helpers):
    m = helpers.tg_message
    msgs = [m(1, "small"), m(2, "y" * 10_000_000), m(3, "after")]
    path = tmp_path / "result.json"
    doc = {"name": "c", "type": "public_channel", "id": 7, "messages": msgs}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert b"\n" not in path.read_bytes()
    items = list(TelegramExportSource(str(path)).read())
    assert [p.text for p in posts(items)] == ["small", "after"]
    assert "too long" in rejects(items)[0].reason and rejects(items)[0].record == 2


def test_latin1_export_stops_with_the_byte_position(tmp_path, helpers):
    msgs = [helpers.tg_message(1, "Calais ok"), helpers.tg_message(2, "Départ de Calais")]
    path = tmp_path / "result.json"
    data = json.dumps({"name": "c", "type": "public_channel", "id": 7, "messages": msgs}, ensure_ascii=False)
    path.write_bytes(data.encode("latin-1"))
    items = list(TelegramExportSource(str(path)).read())
    assert [p.text for p in posts(items)] == ["Calais ok"]
    where = data.encode("latin-1").index("é".encode("latin-1"))
    assert rejects(items)[0].reason == f"not valid UTF-8 at byte {where:,}; the rest of the file was not read"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_exports_are_read(tmp_path, helpers, codec):
    msgs = [helpers.tg_message(i, t) for i, t in enumerate(helpers.TEXTS, start=1)]
    path = tmp_path / "result.json"
    path.write_bytes(json.dumps({"name": "c", "type": "public_channel", "id": 7, "messages": msgs},
                                ensure_ascii=False).encode(codec))
    assert [p.text for p in posts(TelegramExportSource(str(path)).read())] == helpers.TEXTS


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00garbage\xff\xfe", "not a readable Telegram export"),
    (b'[{"id": 1}]', "not an object"),
    (b'{"name": "x", "type": "public_channel", "id": 1}', "no 'messages' list"),
    (b'{"about": "...", "chats": {"list": []}}', "full Telegram account export"),
    (b'{"name": "x", "id": 1, "mess', "not a readable Telegram export"),
])
def test_files_that_are_not_exports(tmp_path, content, match):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=match):
        list(TelegramExportSource(str(path)).read())


def test_missing_file_and_folder_without_result(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        list(TelegramExportSource(str(tmp_path / "nope" / "result.json")).read())
    with pytest.raises(SourceError, match="no such file"):
        list(TelegramExportSource(str(tmp_path)).read())


def test_empty_message_list(tmp_path, helpers):
    path = helpers.telegram_export(tmp_path / "e", [])
    assert list(TelegramExportSource(str(path)).read()) == []


def test_header_after_messages_is_still_found(tmp_path, helpers):
    path = tmp_path / "result.json"
    doc = {"messages": [helpers.tg_message(1, "hi")], "name": "late", "id": 99}
    path.write_text(json.dumps(doc), encoding="utf-8")
    (item,) = TelegramExportSource(str(path)).read()
    assert item.post.native_id == "99/1"


def test_resume_from_every_checkpoint(tmp_path, helpers):
    folder = tmp_path / "e"
    helpers.telegram_export(folder, sample_messages(helpers))
    src = TelegramExportSource(str(folder))
    full = list(src.read())
    key = lambda i: (i.record, i.after, i.post.id if i.post else None, i.reject)  # noqa: E731
    for k, item in enumerate(full):
        assert [key(i) for i in src.read(item.after)] == [key(i) for i in full[k + 1:]]
    assert [key(i) for i in src.read(Checkpoint())] == [key(i) for i in full]


def test_memory_stays_flat_on_a_large_export(tmp_path, helpers):
    msgs = [helpers.tg_message(i, [helpers.TEXTS[i % len(helpers.TEXTS)] * 5,
                                   {"type": "phone", "text": "+44 7700 900123"}], views=i)
            for i in range(1, helpers.MEMORY_ROWS + 1)]
    path = helpers.telegram_export(tmp_path / "big", msgs)
    del msgs
    size = path.stat().st_size
    peak, n = helpers.peak_memory(lambda: helpers.drain(TelegramExportSource(str(path)).read()))
    assert n == helpers.MEMORY_ROWS
    assert peak < size / 10, f"peak {peak:,} bytes for a {size:,}-byte file"
