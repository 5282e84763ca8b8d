"""The import loop on a real database: a crash mid-import resumes from the saved checkpoint,
nothing is lost and nothing is stored twice; rejects are written with their line numbers."""
from __future__ import annotations

import json

import pytest

from tidewatch.ingest.jsonl import JsonlSource
from tidewatch.runner import run_import


class Crash(Exception):
    pass


def _write(path, n, bad_every=0):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if bad_every and i % bad_every == bad_every - 1:
                f.write('{"id": "broken", "text": \n')
            else:
                f.write(json.dumps({"id": f"p{i}", "platform": "telegram", "text": f"post {i} 🚤"}) + "\n")
    return path


def test_crash_then_resume_stores_every_post_once(store, tmp_path):
    path = _write(tmp_path / "big.jsonl", 2500)
    batches = []

    def crash_on_third_batch(posts):
        batches.append(len(posts))
        if len(batches) == 3:
            raise Crash()

    with pytest.raises(Crash):
        run_import(JsonlSource(str(path)), store, rejects_path=None, batch_size=500, on_new=crash_on_third_batch)
    stored_before = store.count_posts()
    assert stored_before == 1500  # the third batch was stored, then the process "died" before its checkpoint

    seen = []
    stats = run_import(JsonlSource(str(path)), store, rejects_path=None, batch_size=500,
                       on_new=lambda posts: seen.extend(p.id for p in posts))
    assert stats.resumed_at == 1000  # restarted after the last checkpointed batch
    assert store.count_posts() == 2500
    assert stats.duplicates == 500 and stats.new == 1000  # the re-read batch was recognised
    assert len(seen) == len(set(seen)) == 1000


def test_finished_import_starts_over_and_finds_duplicates(store, tmp_path):
    path = _write(tmp_path / "small.jsonl", 30)
    first = run_import(JsonlSource(str(path)), store, rejects_path=None, batch_size=7)
    again = run_import(JsonlSource(str(path)), store, rejects_path=None, batch_size=7)
    assert (first.new, again.new, again.duplicates, again.resumed_at) == (30, 0, 30, 0)


def test_rejects_file_names_lines_and_reasons(store, tmp_path):
    path = _write(tmp_path / "mixed.jsonl", 20, bad_every=5)
    rejects = tmp_path / "out" / "rejects.jsonl"
    stats = run_import(JsonlSource(str(path)), store, rejects_path=rejects)
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert stats.rejected == 4 == len(rows)
    assert [r["line"] for r in rows] == [5, 10, 15, 20]
    assert all("JSON" in r["reason"] for r in rows)
    assert store.count_posts() == 16


def test_a_source_that_fails_midway_keeps_what_was_read(store, tmp_path):
    path = _write(tmp_path / "vanishing.jsonl", 10)

    class Vanishing(JsonlSource):
        def read(self, start=None):
            for i, item in enumerate(super().read(start)):
                if i == 6:
                    from tidewatch.ingest.base import SourceError

                    raise SourceError("file disappeared while reading")
                yield item

    stats = run_import(Vanishing(str(path)), store, rejects_path=tmp_path / "r.jsonl")
    assert store.count_posts() == 6 and stats.rejected == 1
    assert "disappeared" in (tmp_path / "r.jsonl").read_text()
