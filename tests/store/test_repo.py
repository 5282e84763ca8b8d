"""Storage on SQLite and PostgreSQL: migrations, idempotent posts, results, checkpoints."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect

from tidewatch.ingest.base import Checkpoint
from tidewatch.ingest.schema import post_from_dict
from tidewatch.records import Cue, Detection, Entity
from tidewatch.store.db import current_revision, migrate


def _post(i: int, **kw):
    d = {"id": f"p{i}", "platform": "facebook", "text": f"post number {i} 🚤 بۆ بەریتانیا", **kw}
    return post_from_dict(d)


def test_migrations_create_tables_and_are_idempotent(store):
    names = set(inspect(store.engine).get_table_names())
    assert {"posts", "detections", "entities", "ingest_checkpoints", "ingest_runs", "alembic_version"} <= names
    rev = current_revision(store.engine)
    migrate(store.engine)  # running again changes nothing
    assert current_revision(store.engine) == rev is not None


def test_same_post_twice_is_one_row(store):
    posts = [_post(i) for i in range(10)]
    assert len(store.add_posts(posts)) == 10
    assert store.add_posts(posts) == []
    assert store.add_posts(posts[:3] + [_post(10)]) == ["facebook:p10"]
    assert store.count_posts() == 11


def test_duplicates_inside_one_batch_are_stored_once(store):
    p = _post(1)
    assert store.add_posts([p, p, p]) == [p.id]
    assert store.count_posts() == 1


def test_post_round_trips_with_unicode_and_times(store):
    created = datetime(2026, 5, 1, 12, 30, tzinfo=timezone.utc)
    p = post_from_dict({"id": "x1", "platform": "telegram", "text": "ጀልባ ወደ ጣልያን \u202e evil",
                        "author": {"id": "a1", "handle": "@boza_uk", "name": "Boza"},
                        "created_at": created.isoformat(), "media": [{"path": "photos/1.jpg"}],
                        "metrics": {"views": 1200}, "url": "https://t.me/chan/1"})
    store.add_posts([p])
    got = store.get_post(p.id)
    assert got.text == p.text and got.author.handle == "@boza_uk"
    assert got.created_at == created
    assert got.media[0].path == "photos/1.jpg" and got.metrics == {"views": 1200}
    assert got.raw["url"] == "https://t.me/chan/1"


def test_nul_bytes_and_nan_in_raw_do_not_break_storage(store):
    p = post_from_dict({"id": "n1", "text": "a\x00b", "extra": float("nan"), "note": "x\x00y"})
    assert store.add_posts([p]) == [p.id]
    assert store.get_post(p.id).text == "ab"


def test_results_replace_previous_ones(store):
    p = _post(1)
    store.add_posts([p])
    det = Detection(p.id, 0.9, 1, ("smuggling_service",), (Cue(0, 4, "boat", "transport", "boat", 0.5),), "en", "t")
    store.save_results([det], {p.id: [Entity("phone", "+447700900123", 0, 5)]})
    store.save_results([Detection(p.id, 0.1, 0, (), (), "en", "t")], {p.id: []})
    assert store.detection_counts() == {"detections": 1, "flagged": 0}
    assert store.entity_counts() == {}


def test_iter_posts_pages_through_everything(store):
    store.add_posts([_post(i) for i in range(25)])
    pages = list(store.iter_posts(batch=10))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert len({p.id for page in pages for p in page}) == 25


def test_checkpoints(store):
    assert store.get_checkpoint("jsonl:/x") is None
    store.set_checkpoint("jsonl:/x", Checkpoint(120, 3))
    store.set_checkpoint("jsonl:/x", Checkpoint(240, 6))
    assert store.get_checkpoint("jsonl:/x") == (Checkpoint(240, 6), False)
    store.set_checkpoint("jsonl:/x", Checkpoint(300, 8), complete=True)
    assert store.get_checkpoint("jsonl:/x") == (Checkpoint(300, 8), True)
