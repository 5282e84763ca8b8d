"""Every registered source passes the same contract: items, monotonic checkpoints, exact resume."""
from __future__ import annotations

import json

import pytest

from tidewatch.ingest import SOURCES, Checkpoint, Source
from tidewatch.records import Post


def make_jsonl(tmp_path, server, helpers):
    lines = [json.dumps({"id": f"j{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(helpers.TEXTS)]
    lines.insert(2, '{"id": "broken"')
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return SOURCES["jsonl"](str(path))


def make_csv(tmp_path, server, helpers):
    path = tmp_path / "in.csv"
    rows = [f'c{i},"{t}"' for i, t in enumerate(helpers.TEXTS)]
    rows.insert(3, "empty,")
    rows.insert(5, 'multi,"two\nlines"')
    path.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return SOURCES["csv"](str(path))


def make_telegram(tmp_path, server, helpers):
    msgs = [helpers.tg_message(i, t) for i, t in enumerate(helpers.TEXTS, start=1)]
    msgs.insert(2, {"id": 99, "type": "service", "action": "pin_message", "text": ""})
    msgs.insert(4, helpers.tg_message(100, ""))
    helpers.telegram_export(tmp_path / "export", msgs)
    return SOURCES["telegram"](str(tmp_path / "export"))


def make_web(tmp_path, server, helpers):
    server.routes["/page"] = helpers.Route(body=helpers.article("Page", helpers.TEXTS))
    return SOURCES["web"](server.url("/page"), allow_private=True)


FACTORIES = {"jsonl": make_jsonl, "csv": make_csv, "telegram": make_telegram, "web": make_web}


def test_every_registered_source_has_a_conformance_fixture():
    assert set(SOURCES) == set(FACTORIES)
    for name, cls in SOURCES.items():
        assert cls.name == name


def key(item):
    post = item.post
    return (item.record, item.after, post.id if post else None, post.text if post else None, item.reject)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_source_contract(name, tmp_path, server, helpers):
    src = FACTORIES[name](tmp_path, server, helpers)
    assert isinstance(src, Source)
    assert src.describe().startswith(f"{name}:") and src.describe() == src.describe()

    items = list(src.read())
    assert items and any(i.post for i in items)
    previous = Checkpoint(-1, -1)
    for item in items:
        assert (item.post is None) != (item.reject is None)
        if item.post is not None:
            assert isinstance(item.post, Post) and item.post.id and isinstance(item.post.text, str)
            assert item.post.platform == item.post.platform.lower() and item.post.platform
            assert item.post.collected_at is not None and item.post.collected_at.tzinfo is not None
        else:
            assert item.reject.reason and item.reject.record == item.record >= 1
        assert item.after.offset > previous.offset and item.after.record > previous.record
        previous = item.after

    # the same input read again gives the same ids (ingest is idempotent)
    again = list(src.read(Checkpoint()))
    assert [key(i) for i in again] == [key(i) for i in items]
    # resuming after any item gives exactly the rest
    for k, item in enumerate(items):
        assert [key(i) for i in src.read(item.after)] == [key(i) for i in items[k + 1:]]
