"""open_source picks the right source and refuses unclear or contradictory requests clearly."""
from __future__ import annotations

import pytest

from tidewatch.ingest import (
    SOURCES,
    CsvSource,
    JsonlSource,
    SourceError,
    TelegramExportSource,
    WebPageSource,
    detect_format,
    open_source,
    parse_mapping,
)


@pytest.fixture
def files(tmp_path):
    for name in ("a.jsonl", "b.ndjson", "c.CSV", "d.txt", "UPPER.JSONL"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "export").mkdir()
    export = '{"name": "c", "id": 1, "messages": []}'
    (tmp_path / "export" / "result.json").write_text(export, encoding="utf-8")
    (tmp_path / "plain_folder").mkdir()
    return tmp_path


@pytest.mark.parametrize("spec,fmt", [
    ("a.jsonl", "jsonl"), ("b.ndjson", "jsonl"), ("UPPER.JSONL", "jsonl"), ("c.CSV", "csv"),
    ("export", "telegram"), ("export/result.json", "telegram"),
])
def test_detect_format_from_files(files, spec, fmt):
    assert detect_format(str(files / spec)) == fmt


@pytest.mark.parametrize("spec", ["http://example.org/x", "HTTPS://example.org/", " https://t.me/s/chan "])
def test_urls_are_web(spec):
    assert detect_format(spec) == "web"


def test_stdin_is_jsonl():
    assert isinstance(open_source("-"), JsonlSource)


def test_open_source_types_and_options(files):
    assert isinstance(open_source(str(files / "a.jsonl"), default_platform="TikTok"), JsonlSource)
    assert open_source(str(files / "a.jsonl"), default_platform="TikTok").default_platform == "tiktok"
    csv_src = open_source(str(files / "c.CSV"), mapping={"text": "body"}, default_platform="facebook")
    assert isinstance(csv_src, CsvSource) and csv_src.mapping == {"text": "body"}
    assert csv_src.default_platform == "facebook"
    assert isinstance(open_source(str(files / "export")), TelegramExportSource)
    web = open_source("https://93.184.216.34/a", allow_private=True)  # a literal: no DNS needed
    assert isinstance(web, WebPageSource) and web.allow_private
    assert isinstance(open_source(str(files / "d.txt"), "csv"), CsvSource)
    assert isinstance(open_source(str(files / "d.txt"), "JSONL"), JsonlSource)


@pytest.mark.parametrize("spec,fmt,kwargs,match", [
    ("d.txt", None, {}, r"cannot tell the format of .*\(one of: jsonl, csv, telegram, web\)"),
    ("plain_folder", None, {}, "folder without a result.json"),
    ("a.jsonl", "xml", {}, "unknown format 'xml'"),
    ("a.jsonl", None, {"mapping": {"text": "body"}}, "mapping applies to CSV"),
    ("a.jsonl", None, {"allow_private": True}, "allow_private applies to web"),
    ("missing.csv", None, {}, "no such file or folder"),
])
def test_open_source_errors(files, spec, fmt, kwargs, match):
    with pytest.raises(SourceError, match=match):
        open_source(str(files / spec), fmt, **kwargs)


def test_registry_names():
    assert list(SOURCES) == ["jsonl", "csv", "telegram", "web"]


@pytest.mark.parametrize("spec,expected", [
    ("text=body", {"text": "body"}),
    ("text=body,id=post_id,author.handle=user,created_at=time,url=link,platform=site",
     {"text": "body", "id": "post_id", "author.handle": "user", "created_at": "time", "url": "link",
      "platform": "site"}),
    (" text = Message Text , media=Attachments,", {"text": "Message Text", "media": "Attachments"}),
    ("text=نص,author.name=الاسم", {"text": "نص", "author.name": "الاسم"}),
    ("text=a=b", {"text": "a=b"}),
])
def test_parse_mapping(spec, expected):
    assert parse_mapping(spec) == expected


@pytest.mark.parametrize("spec,match", [
    ("", "empty mapping"),
    ("text", "write target=column"),
    ("text=", "write target=column"),
    ("=body", "write target=column"),
    ("body=text", "unknown target field 'body'"),
    ("author=user", "unknown target field 'author'"),
    ("text=a,text=b", "mapped twice"),
])
def test_parse_mapping_errors(spec, match):
    with pytest.raises(SourceError, match=match):
        parse_mapping(spec)


def test_open_source_reports_input_problems_up_front(tmp_path, server):
    from tidewatch.netguard import BlockedAddress

    (tmp_path / "x.csv").write_text("post_id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(SourceError, match="'message' .* available columns: 'post_id', 'body'"):
        open_source(str(tmp_path / "x.csv"), mapping={"text": "message"})
    assert open_source(str(tmp_path / "x.csv"), mapping={"text": "body"}) is not None
    (tmp_path / "result.json").write_text('{"name": "x", "id": 1}', encoding="utf-8")
    with pytest.raises(SourceError, match="no 'messages' list"):
        open_source(str(tmp_path / "result.json"))
    with pytest.raises(BlockedAddress, match="loopback"):
        open_source(server.url("/"))
    assert server.requests == []
    assert isinstance(open_source(server.url("/"), allow_private=True), WebPageSource)
