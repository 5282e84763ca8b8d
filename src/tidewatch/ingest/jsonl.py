"""JSON Lines in tidewatch's own post schema (DESIGN.md), streamed line by line."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Iterator

import orjson

from tidewatch.ingest.base import Checkpoint, Item, Reject, excerpt
from tidewatch.ingest.schema import BadRecord, post_from_dict

MAX_LINE_BYTES = 16 * 1024 * 1024


def iter_lines(f: BinaryIO, start: Checkpoint, max_bytes: int = MAX_LINE_BYTES
               ) -> Iterator[tuple[int, bytes | None, str | None, Checkpoint]]:
    """Yield (line number, raw line or None, error or None, checkpoint after) for a binary stream.

    A line longer than `max_bytes` is skipped without being held in memory and reported.
    Blank lines are skipped silently. Works on unseekable streams (stdin) when start is 0.
    """
    offset, lineno = start.offset, start.record
    if offset:
        f.seek(offset)
    while True:
        chunk = f.readline(max_bytes + 1)
        if not chunk:
            return
        lineno += 1
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while True:  # drain the rest of the over-long line
                more = f.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            offset += size
            yield lineno, None, f"line too long ({size:,} bytes; limit {max_bytes:,})", Checkpoint(offset, lineno)
            continue
        offset += len(chunk)
        if chunk.strip():
            yield lineno, chunk, None, Checkpoint(offset, lineno)


def decode_json_line(raw: bytes) -> object:
    """Parse one line as JSON; raise BadRecord with a clear reason."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRecord(f"not valid UTF-8 (byte {e.start})") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise BadRecord(f"invalid JSON: {e.args[0] if e.args else e}") from None


@dataclass
class JsonlSource:
    """Reads a .jsonl file (or '-' for standard input)."""

    path: str
    default_platform: str = "unknown"
    require_id: bool = False
    name: ClassVar[str] = "jsonl"

    def describe(self) -> str:
        return "jsonl:" + (self.path if self.path == "-" else str(Path(self.path).resolve()))

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        start = start or Checkpoint()
        if self.path == "-":
            yield from self._read(sys.stdin.buffer, start)
            return
        with open(self.path, "rb") as f:
            yield from self._read(f, start)

    def _read(self, f: BinaryIO, start: Checkpoint) -> Iterator[Item]:
        for lineno, raw, error, after in iter_lines(f, start):
            if error is not None:
                yield Item(lineno, None, Reject(lineno, error), after)
                continue
            try:
                post = post_from_dict(decode_json_line(raw), default_platform=self.default_platform,
                                      require_id=self.require_id)
            except BadRecord as e:
                yield Item(lineno, None, Reject(lineno, str(e), excerpt(raw)), after)
                continue
            yield Item(lineno, post, None, after)
