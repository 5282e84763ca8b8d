"""Import loop: source -> store in batches, with rejects written out and a checkpoint after
each committed batch, so a crashed import resumes where it stopped."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import orjson

from tidewatch.ingest.base import Checkpoint, Source, SourceError
from tidewatch.netguard import BlockedAddress
from tidewatch.records import Post
from tidewatch.store.repo import Store


@dataclass
class ImportStats:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    resumed_at: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "new": self.new, "duplicates": self.duplicates, "rejected": self.rejected}


class RejectsWriter:
    """Writes rejected records as JSON Lines, creating the file only when there is one."""

    def __init__(self, path: Path | None):
        self.path = path
        self._f = None

    def write(self, obj: dict) -> None:
        if self.path is None:
            return
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "ab")
        self._f.write(orjson.dumps(obj) + b"\n")

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


def run_import(source: Source, store: Store, *, rejects_path: Path | None, batch_size: int = 500,
               restart: bool = False, on_new: Callable[[Sequence[Post]], None] | None = None,
               on_progress: Callable[[int], None] | None = None) -> ImportStats:
    """Read `source` into `store`. `on_new` is called with each batch of newly stored posts
    (before the checkpoint moves past them, so a crash re-delivers them, never loses them)."""
    key = source.describe()
    resumable = not key.endswith(":-")
    stats = ImportStats(rejects_path=rejects_path)
    start = Checkpoint()
    if resumable and not restart:
        saved = store.get_checkpoint(key)
        if saved is not None and not saved[1]:
            start = saved[0]
            stats.resumed_at = start.record
    started = datetime.now(timezone.utc)
    rejects = RejectsWriter(rejects_path)
    batch: list[Post] = []
    last = start

    def flush() -> None:
        nonlocal batch
        if batch:
            fresh_ids = set(store.add_posts(batch, source=key))
            stats.new += len(fresh_ids)
            stats.duplicates += len(batch) - len(fresh_ids)
            if on_new is not None and fresh_ids:
                on_new([p for p in _dedupe(batch) if p.id in fresh_ids])
        if resumable:
            store.set_checkpoint(key, last)
        batch = []

    try:
        for item in source.read(start):
            last = item.after
            if item.reject is not None:
                stats.rejected += 1
                reason = item.reject.reason.split(":")[0][:60]
                stats.reasons[reason] = stats.reasons.get(reason, 0) + 1
                rejects.write({"source": key, **item.reject.to_json()})
            else:
                stats.read += 1
                batch.append(item.post)
                if len(batch) >= batch_size:
                    flush()
            if on_progress is not None:
                on_progress(item.record)
        flush()
        if resumable:
            store.set_checkpoint(key, last, complete=True)
    except (SourceError, BlockedAddress) as e:
        # The source itself failed (a file vanished, an address refused): keep what was read,
        # leave the checkpoint where it was, and report it as one reject.
        flush()
        stats.rejected += 1
        stats.reasons[str(e)[:60]] = 1
        rejects.write({"source": key, "line": last.record + 1, "reason": str(e), "excerpt": ""})
    finally:
        rejects.close()
    store.record_run(key, started, stats.as_dict())
    return stats


def _dedupe(posts: Sequence[Post]) -> list[Post]:
    seen, out = set(), []
    for p in posts:
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out
