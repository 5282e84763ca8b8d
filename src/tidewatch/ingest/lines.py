"""Physical lines of a text file with exact byte offsets, in UTF-8 or UTF-16/32.

Why it exists: line-based sources (JSON Lines, CSV) checkpoint by byte offset so a crashed import
resumes with a seek, and they must read a UTF-16 export from Excel as well as UTF-8, without ever
holding more than one line in memory. `io.TextIOWrapper` hides byte positions, so we split the
bytes ourselves on the encoded newline (aligned to the code unit) and decode line by line.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO, Iterator

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class TextEncoding:
    codec: str  # a Python codec name without BOM handling: "utf-8", "utf-16-le", ...
    bom: int = 0  # length of the byte-order mark at the start of the file
    unit: int = 1  # bytes per code unit: "\n" is this many bytes, aligned to it
    line_end: str = "\n"  # "\r" for classic Mac files (CR only)

    @property
    def newline(self) -> bytes:
        return self.line_end.encode(self.codec)

    @property
    def label(self) -> str:
        return self.codec.upper().replace("-LE", "LE").replace("-BE", "BE")


UTF8 = TextEncoding("utf-8")

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", 4),
    (codecs.BOM_UTF32_BE, "utf-32-be", 4),
    (codecs.BOM_UTF8, "utf-8", 1),
    (codecs.BOM_UTF16_LE, "utf-16-le", 2),
    (codecs.BOM_UTF16_BE, "utf-16-be", 2),
)


def sniff_encoding(head: bytes, default: str = "utf-8") -> TextEncoding:
    """The encoding of a file from its first bytes: a BOM if any, else BOM-less UTF-16 text
    (an ASCII character then a NUL, as Excel and PowerShell write), else `default`."""
    for bom, codec, unit in _BOMS:
        if head.startswith(bom):
            return TextEncoding(codec, len(bom), unit)
    if len(head) >= 4:
        if head[0] and not head[1] and head[2] and not head[3]:
            return TextEncoding("utf-16-le", 0, 2)
        if not head[0] and head[1] and not head[2] and head[3]:
            return TextEncoding("utf-16-be", 0, 2)
    codec = codecs.lookup(default).name
    if codec in ("utf-16", "utf-32"):  # BOM-less text in a byte-order-dependent codec: little-endian
        codec += "-le"
    unit = len("\n".encode(codec))
    return TextEncoding(codec, 0, unit)


def with_cr_line_ends(enc: TextEncoding, head: bytes) -> TextEncoding:
    """`enc` switched to CR line ends when the start of the file has CRs and no LF at all
    (spreadsheets saved as "CSV (Macintosh)")."""
    cr, lf = "\r".encode(enc.codec), "\n".encode(enc.codec)
    if cr in head and lf not in head:
        return TextEncoding(enc.codec, enc.bom, enc.unit, "\r")
    return enc


def peek_head(f: BinaryIO, n: int = 4) -> bytes:
    """The first bytes of a stream without consuming them (seekable files or buffered stdin)."""
    if f.seekable():
        pos = f.tell()
        head = f.read(n)
        f.seek(pos)
        return head
    peek = getattr(f, "peek", None)
    return peek(n)[:n] if peek else b""


def iter_physical_lines(f: BinaryIO, offset: int, enc: TextEncoding, max_bytes: int
                        ) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield (offset after the line, the line's bytes including its newline, size in bytes).

    A line longer than `max_bytes` is yielded as None (with its size) and never held in memory.
    Reading starts at `offset` (a seek when it is not the current position of a fresh stream).
    """
    if f.seekable():
        f.seek(offset)
    elif offset:  # unseekable: skip forward by reading
        remaining = offset
        while remaining:
            skipped = f.read(min(remaining, CHUNK))
            if not skipped:
                return
            remaining -= len(skipped)
    if enc.unit == 1 and enc.line_end == "\n":
        yield from _lines_bytewise(f, offset, max_bytes)
    else:
        yield from _lines_unitwise(f, offset, enc.newline, enc.unit, max_bytes)


def _lines_bytewise(f: BinaryIO, offset: int, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    while True:
        chunk = f.readline(max_bytes + 1)
        if not chunk:
            return
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while True:  # drain the rest of the over-long line
                more = f.readline(CHUNK)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            offset += size
            yield offset, None, size
            continue
        offset += len(chunk)
        yield offset, chunk, len(chunk)


def _lines_unitwise(f: BinaryIO, offset: int, newline: bytes, unit: int, max_bytes: int
                    ) -> Iterator[tuple[int, bytes | None, int]]:
    buf = bytearray()
    start = 0  # index in buf where the current line begins (always unit-aligned)
    search = 0  # where to look for the next newline (unit-aligned)
    dropped = 0  # bytes of an over-long line already discarded
    eof = False
    while True:
        i = buf.find(newline, search)
        while i != -1 and (i - start) % unit:
            i = buf.find(newline, i + 1)
        if i != -1:
            end = i + unit
            size = dropped + end - start
            offset += size
            yield offset, (None if size > max_bytes else bytes(buf[start:end])), size
            start, search, dropped = end, end, 0
            if start > CHUNK:
                del buf[:start]
                search -= start
                start = 0
            continue
        if eof:
            if len(buf) > start or dropped:
                size = dropped + len(buf) - start
                offset += size
                yield offset, (None if size > max_bytes else bytes(buf[start:])), size
            return
        pending = len(buf) - start
        if pending > max_bytes:  # over-long: keep only an aligned tail to find the newline in
            keep = pending % unit
            dropped += pending - keep
            del buf[: len(buf) - keep]
            start = 0
        search = start + ((len(buf) - start) // unit) * unit
        more = f.read(CHUNK)
        if not more:
            eof = True
        buf += more
