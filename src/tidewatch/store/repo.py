"""The Store: the only place that reads and writes tidewatch's records in the database.

Writes are batched and idempotent: posts are keyed by their stable id, so ingesting the
same export twice leaves one row per post; re-running detection replaces a post's
detection and entities.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tidewatch.ingest.base import Checkpoint
from tidewatch.records import Author, Detection, Entity, MediaRef, Post
from tidewatch.store.db import make_engine, migrate
from tidewatch.store.models import CheckpointRow, DetectionRow, EntityRow, IngestRunRow, PostRow


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _json_safe(value):
    """Raw records may hold anything JSON can; make sure floats like NaN don't break PostgreSQL JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def post_row(post: Post, source: str | None = None) -> dict:
    return {
        "id": post.id,
        "native_id": post.native_id,
        "platform": post.platform,
        "url": post.url,
        "author_id": post.author.id,
        "author_handle": post.author.handle,
        "author_name": post.author.name,
        "text": post.text.replace("\x00", ""),
        "lang": post.lang,
        "created_at": post.created_at,
        "collected_at": post.collected_at,
        "media": [asdict(m) for m in post.media],
        "metrics": dict(post.metrics),
        "raw": _json_safe(post.raw),
        "source": source,
    }


def row_to_post(row: PostRow) -> Post:
    return Post(
        id=row.id,
        text=row.text,
        platform=row.platform,
        native_id=row.native_id,
        url=row.url,
        author=Author(id=row.author_id, handle=row.author_handle, name=row.author_name),
        lang=row.lang,
        created_at=_utc(row.created_at),
        collected_at=_utc(row.collected_at),
        media=tuple(MediaRef(**m) for m in (row.media or [])),
        metrics=dict(row.metrics or {}),
        raw=dict(row.raw or {}),
    )


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, migrate_schema: bool = True) -> "Store":
        engine = make_engine(url)
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- posts -----------------------------------------------------------------------------
    def _insert(self, table):
        return (sqlite_insert if self.dialect == "sqlite" else pg_insert)(table)

    def add_posts(self, posts: Sequence[Post], source: str | None = None) -> list[str]:
        """Insert posts not seen before; return the ids that were new (in input order).

        Duplicates inside the batch and posts already stored are skipped, never updated:
        the first capture of a post is its record of what was published.
        """
        if not posts:
            return []
        rows, seen = [], set()
        for p in posts:
            if p.id not in seen:
                seen.add(p.id)
                rows.append(post_row(p, source))
        with self.engine.begin() as conn:
            existing = set()
            ids = [r["id"] for r in rows]
            for i in range(0, len(ids), 500):
                existing.update(conn.scalars(select(PostRow.id).where(PostRow.id.in_(ids[i:i + 500]))))
            fresh = [r for r in rows if r["id"] not in existing]
            if fresh:
                stmt = self._insert(PostRow.__table__).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(stmt, fresh)
        return [r["id"] for r in fresh]

    def count_posts(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(PostRow)) or 0

    def get_post(self, post_id: str) -> Post | None:
        with Session(self.engine) as s:
            row = s.get(PostRow, post_id)
            return row_to_post(row) if row else None

    def iter_posts(self, batch: int = 1000) -> Iterable[list[Post]]:
        """All posts in id order, batch by batch (keyset pagination, flat memory)."""
        last = ""
        while True:
            with Session(self.engine) as s:
                rows = s.scalars(select(PostRow).where(PostRow.id > last).order_by(PostRow.id).limit(batch)).all()
                posts = [row_to_post(r) for r in rows]
            if not posts:
                return
            yield posts
            last = posts[-1].id

    # -- results ---------------------------------------------------------------------------
    def save_results(self, detections: Sequence[Detection], entities: dict[str, Sequence[Entity]]) -> None:
        """Replace the detection and entities of each post named."""
        post_ids = sorted({d.post_id for d in detections} | set(entities))
        if not post_ids:
            return
        now = _now()
        det_rows = [{
            "post_id": d.post_id, "score": float(d.score), "label": int(d.label),
            "categories": list(d.categories), "cues": [c.to_json() for c in d.cues],
            "lang": d.lang, "model_version": d.model_version, "detected_at": now,
        } for d in detections]
        ent_rows = [{
            "post_id": pid, "kind": e.kind, "value": e.value[:400], "start": e.start, "end": e.end,
            "amount": e.amount, "currency": e.currency, "detail": e.detail,
        } for pid, ents in entities.items() for e in ents]
        with self.engine.begin() as conn:
            for i in range(0, len(post_ids), 500):
                chunk = post_ids[i:i + 500]
                conn.execute(delete(DetectionRow).where(DetectionRow.post_id.in_(chunk)))
                conn.execute(delete(EntityRow).where(EntityRow.post_id.in_(chunk)))
            if det_rows:
                conn.execute(DetectionRow.__table__.insert(), det_rows)
            if ent_rows:
                conn.execute(EntityRow.__table__.insert(), ent_rows)

    def detection_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(DetectionRow)) or 0
            flagged = conn.scalar(select(func.count()).select_from(DetectionRow).where(DetectionRow.label == 1)) or 0
        return {"detections": total, "flagged": flagged}

    def entity_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(EntityRow.kind, func.count(func.distinct(EntityRow.value)))
                                .group_by(EntityRow.kind)).all()
        return {k: n for k, n in rows}

    def top_flagged(self, limit: int = 10) -> list[tuple[Post, dict]]:
        with Session(self.engine) as s:
            rows = s.execute(select(PostRow, DetectionRow).join(DetectionRow, DetectionRow.post_id == PostRow.id)
                             .where(DetectionRow.label == 1).order_by(DetectionRow.score.desc(), PostRow.id)
                             .limit(limit)).all()
            return [(row_to_post(p), {"score": d.score, "categories": d.categories, "lang": d.lang}) for p, d in rows]

    # -- checkpoints -----------------------------------------------------------------------
    def get_checkpoint(self, source_key: str) -> tuple[Checkpoint, bool] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(CheckpointRow.offset, CheckpointRow.record, CheckpointRow.complete)
                               .where(CheckpointRow.source_key == source_key)).first()
        return (Checkpoint(row[0], row[1]), bool(row[2])) if row else None

    def set_checkpoint(self, source_key: str, cp: Checkpoint, complete: bool = False) -> None:
        values = {"source_key": source_key, "offset": cp.offset, "record": cp.record,
                  "complete": int(complete), "updated_at": _now()}
        stmt = self._insert(CheckpointRow.__table__).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["source_key"],
                                          set_={k: v for k, v in values.items() if k != "source_key"})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def clear_checkpoint(self, source_key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(CheckpointRow).where(CheckpointRow.source_key == source_key))

    def record_run(self, source_key: str, started_at: datetime, counts: dict[str, int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(IngestRunRow.__table__.insert(), [{
                "source_key": source_key, "started_at": started_at, "finished_at": _now(),
                "read": counts.get("read", 0), "new": counts.get("new", 0),
                "duplicates": counts.get("duplicates", 0), "rejected": counts.get("rejected", 0),
            }])
