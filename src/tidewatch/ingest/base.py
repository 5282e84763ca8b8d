"""The Source seam: anything that yields posts (a file export, a crawl, an API).

Why it exists: every way posts reach tidewatch has the same duties, so the CLI,
the pipeline and the tests treat them alike:
- stream: records are yielded one at a time, memory stays flat on a multi-GB file;
- never stop on bad data: a malformed record becomes a `Reject` (where, why) and reading goes on;
- resume: each item carries the `Checkpoint` just after it, and `read(start)` continues from one,
  so a crashed import restarts where it stopped (ingest is idempotent, so overlap is harmless).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterator, Protocol, runtime_checkable

from tidewatch.records import Post


class SourceError(ValueError):
    """The input as a whole cannot be read (missing file, unknown format, a mapped column absent...).

    Raised before any record is yielded, with a message meant for the user; bad *records* never
    raise, they become `Reject`s."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A resumable position: `offset` is source-specific (a byte offset for line files,
    a record index for JSON documents); `record` counts records consumed before it."""

    offset: int = 0
    record: int = 0


@dataclass(frozen=True, slots=True)
class Reject:
    record: int  # 1-based line number (line files) or record number (documents)
    reason: str
    excerpt: str = ""  # the start of the raw record, for the rejects file

    def to_json(self) -> dict:
        return {"line": self.record, "reason": self.reason, "excerpt": self.excerpt}


@dataclass(frozen=True, slots=True)
class Item:
    """One record read from a source: a post or a reject, and where to resume after it."""

    record: int
    post: Post | None
    reject: Reject | None
    after: Checkpoint


@runtime_checkable
class Source(Protocol):
    name: ClassVar[str]

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        """Yield items from `start` (the beginning when None)."""
        ...

    def describe(self) -> str:
        """A stable key for this input (used to store its checkpoint), e.g. 'jsonl:/abs/path'."""
        ...


EXCERPT_CHARS = 200


def excerpt(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        raw = raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    return raw[:EXCERPT_CHARS]
