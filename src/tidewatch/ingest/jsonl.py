"""JSON Lines in tidewatch's own post schema (DESIGN.md), streamed line by line.

UTF-8 is the format's encoding; a UTF-8 BOM is skipped and a UTF-16/32 file (with a BOM, or
BOM-less UTF-16 as Windows tools write it) is read too, so an export saved by the wrong editor
still imports. Lines that are not valid in the file's encoding are rejected one by one.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Iterator

import orjson

from tidewatch.ingest.base import Checkpoint, Item, Reject, SourceError, excerpt
from tidewatch.ingest.lines import UTF8, TextEncoding, iter_physical_lines, peek_head, sniff_encoding
from tidewatch.ingest.schema import BadRecord, post_from_dict

MAX_LINE_BYTES = 16 * 1024 * 1024


def iter_lines(f: BinaryIO, start: Checkpoint, max_bytes: int = MAX_LINE_BYTES,
               encoding: TextEncoding = UTF8
               ) -> Iterator[tuple[int, bytes | None, str | None, Checkpoint]]:
    """Yield (line number, raw line or None, error or None, checkpoint after) for a binary stream.

    A line longer than `max_bytes` is skipped without being held in memory and reported.
    Blank lines are skipped silently. Works on unseekable streams (stdin) when start is 0.
    A BOM at the start of the file is skipped.
    """
    offset, lineno = max(start.offset, encoding.bom), start.record
    for after, raw, size in iter_physical_lines(f, offset, encoding, max_bytes):
        lineno += 1
        if raw is None:
            reason = f"line too long ({size:,} bytes; limit {max_bytes:,})"
            yield lineno, None, reason, Checkpoint(after, lineno)
            continue
        blank = not raw.strip() if encoding.unit == 1 else not raw.decode(encoding.codec, "replace").strip()
        if not blank:
            yield lineno, raw, None, Checkpoint(after, lineno)


def decode_json_line(raw: bytes, encoding: TextEncoding = UTF8) -> object:
    """Parse one line as JSON; raise BadRecord with a clear reason."""
    try:
        text = raw.decode(encoding.codec)
    except UnicodeDecodeError as e:
        hint = (" (the file may be in another encoding, e.g. latin-1; save it as UTF-8)"
                if encoding.codec == "utf-8" else "")
        raise BadRecord(f"not valid {encoding.label} (byte {e.start + 1} of the line){hint}") from None
    try:
        return orjson.loads(raw if encoding.codec == "utf-8" else text)
    except orjson.JSONDecodeError as e:
        raise BadRecord(f"invalid JSON: {e.args[0] if e.args else e}") from None


def open_binary(path: str) -> BinaryIO:
    """Open a file for reading, turning 'missing', 'a folder' and 'no permission' into SourceError."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise SourceError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise SourceError(f"no permission to read {path}") from None


@dataclass
class JsonlSource:
    """Reads a .jsonl file (or '-' for standard input)."""

    path: str
    default_platform: str = "unknown"
    require_id: bool = False
    name: ClassVar[str] = "jsonl"

    def describe(self) -> str:
        return "jsonl:" + (self.path if self.path == "-" else str(Path(self.path).resolve()))

    def check(self) -> None:
        """Fail now (SourceError) when the file cannot be opened."""
        if self.path != "-":
            open_binary(self.path).close()

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        start = start or Checkpoint()
        if self.path == "-":
            yield from self._read(sys.stdin.buffer, start)
            return
        with open_binary(self.path) as f:
            yield from self._read(f, start)

    def _read(self, f: BinaryIO, start: Checkpoint) -> Iterator[Item]:
        encoding = sniff_encoding(peek_head(f))
        for lineno, raw, error, after in iter_lines(f, start, encoding=encoding):
            if error is not None:
                yield Item(lineno, None, Reject(lineno, error), after)
                continue
            try:
                post = post_from_dict(decode_json_line(raw, encoding), default_platform=self.default_platform,
                                      require_id=self.require_id)
            except BadRecord as e:
                shown = raw if encoding.unit == 1 else raw.decode(encoding.codec, "replace")
                yield Item(lineno, None, Reject(lineno, str(e), excerpt(shown)), after)
                continue
            yield Item(lineno, post, None, after)
