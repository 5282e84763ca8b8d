"""JsonlSource: good and broken files, encodings, rejects with line numbers, resume, flat memory."""
from __future__ import annotations

import json
import os

import pytest

from tidewatch.ingest import Checkpoint, JsonlSource, SourceError
from tidewatch.ingest.base import Item


def rows_of(texts):
    return [{"id": f"p{i}", "platform": "facebook", "text": t, "author": {"handle": f"user_{i}"},
             "created_at": "2024-03-01T12:00:00Z", "metrics": {"views": i}} for i, t in enumerate(texts)]


def posts(items: list[Item]):
    return [i.post for i in items if i.post is not None]


def rejects(items: list[Item]):
    return [i.reject for i in items if i.reject is not None]


def test_good_file_multilingual(tmp_path, helpers):
    path = helpers.write_jsonl(tmp_path / "posts.jsonl", rows_of(helpers.TEXTS))
    items = list(JsonlSource(str(path)).read())
    got = posts(items)
    assert [p.text for p in got] == helpers.TEXTS
    assert got[1].native_id == "p1" and got[1].id == "facebook:p1"
    assert got[0].author.handle == "user_0" and got[3].metrics == {"views": 3}
    assert got[0].created_at.isoformat() == "2024-03-01T12:00:00+00:00"
    assert [i.record for i in items] == list(range(1, len(helpers.TEXTS) + 1))


def test_seed_file_reads_completely(seed_rows, tmp_path, helpers):
    path = helpers.write_jsonl(tmp_path / "seed.jsonl", seed_rows)
    items = list(JsonlSource(str(path)).read())
    assert len(posts(items)) == len(seed_rows) and not rejects(items)


def test_rejects_carry_line_numbers_and_reasons(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "ok one"}),
        '{"id": "b", "text": "cut off',                  # truncated JSON
        "",                                              # blank: skipped silently
        json.dumps({"id": "c"}),                         # no text
        json.dumps({"id": "d", "text": 42}),             # wrong type
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "e", "text": "ok two", "created_at": "next tuesday"}),
        json.dumps({"id": "f", "text": "ok three"}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(JsonlSource(str(path)).read())
    assert [p.native_id for p in posts(items)] == ["a", "f"]
    got = {r.record: r.reason for r in rejects(items)}
    assert set(got) == {2, 4, 5, 6, 7}
    assert "invalid JSON" in got[2]
    assert "missing required field 'text'" in got[4]
    assert "'text' must be a string" in got[5]
    assert "JSON object" in got[6]
    assert "created_at" in got[7]
    assert rejects(items)[0].excerpt.startswith('{"id": "b"')


def test_latin1_lines_are_rejected_one_by_one(tmp_path):
    good = json.dumps({"id": "1", "text": "Départ de Calais jeudi"}, ensure_ascii=False).encode("utf-8")
    bad = json.dumps({"id": "2", "text": "Départ de Calais vendredi"}, ensure_ascii=False).encode("latin-1")
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n" + good.replace(b'"1"', b'"3"') + b"\n")
    items = list(JsonlSource(str(path)).read())
    assert [p.native_id for p in posts(items)] == ["1", "3"]
    (r,) = rejects(items)
    assert r.record == 2 and "not valid UTF-8" in r.reason and "latin-1" in r.reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_utf16_utf32_and_bom_files_are_read(tmp_path, helpers, codec):
    path = helpers.write_jsonl(tmp_path / "wide.jsonl", rows_of(helpers.TEXTS), encoding=codec)
    items = list(JsonlSource(str(path)).read())
    assert [p.text for p in posts(items)] == helpers.TEXTS
    # resuming mid-file in a wide encoding lands on a line boundary
    third = items[2].after
    assert [p.text for p in posts(list(JsonlSource(str(path)).read(third)))] == helpers.TEXTS[3:]


def test_ten_megabyte_single_line_is_rejected_not_fatal(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "big", "text": "x" * 10_000_000}) + "\n")
        f.write(json.dumps({"id": "after", "text": "still read"}) + "\n")
    items = list(JsonlSource(str(path)).read())
    assert [p.native_id for p in posts(items)] == ["after"]
    (r,) = rejects(items)
    assert r.record == 1 and "too long" in r.reason


def test_line_over_the_byte_limit_is_skipped_without_being_held(tmp_path):
    from tidewatch.ingest.jsonl import iter_lines

    path = tmp_path / "huge.jsonl"
    path.write_bytes(b'{"text": "' + b"y" * 300_000 + b'"}\n{"text": "ok"}\n')
    with open(path, "rb") as f:
        out = list(iter_lines(f, Checkpoint(), max_bytes=100_000))
    assert out[0][1] is None and "line too long (300,013 bytes" in out[0][2]
    assert out[1][1] == b'{"text": "ok"}\n' and out[1][0] == 2


def test_binary_garbage_gives_rejects_and_no_posts(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(os.urandom(2048).replace(b"\xff\xfe", b"ab").replace(b"\xef\xbb\xbf", b"abc"))
    items = list(JsonlSource(str(path)).read())
    assert not posts(items)
    assert all(r.reason for r in rejects(items))


def test_empty_file_yields_nothing(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert list(JsonlSource(str(path)).read()) == []


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        list(JsonlSource(str(tmp_path / "nope.jsonl")).read())


def test_resume_from_every_checkpoint_gives_exactly_the_rest(tmp_path, helpers):
    rows = rows_of(helpers.TEXTS)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(3, "{broken")
    path = tmp_path / "resume.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = list(JsonlSource(str(path)).read())
    for k, item in enumerate(full):
        rest = list(JsonlSource(str(path)).read(item.after))
        assert rest == full[k + 1:] or _same(rest, full[k + 1:])


def _same(a: list[Item], b: list[Item]) -> bool:
    key = lambda i: (i.record, i.after, i.post.id if i.post else None, i.reject)  # noqa: E731
    return [key(i) for i in a] == [key(i) for i in b]


def test_memory_stays_flat_on_a_large_file(tmp_path, helpers):
    path = tmp_path / "large.jsonl"
    texts = helpers.TEXTS
    with open(path, "w", encoding="utf-8") as f:
        for i in range(helpers.MEMORY_ROWS):
            f.write(json.dumps({"id": str(i), "platform": "telegram", "text": texts[i % len(texts)] * 5},
                               ensure_ascii=False) + "\n")
    size = path.stat().st_size
    peak, n = helpers.peak_memory(lambda: helpers.drain(JsonlSource(str(path)).read()))
    assert n == helpers.MEMORY_ROWS
    assert peak < size / 10, f"peak {peak:,} bytes for a {size:,}-byte file"
