"""CSV exports (scrapers, spreadsheets, platform tools) mapped onto the post schema.

Why it is built this way: a CSV import must resume after a crash (checkpoint = byte offset of the
next record + the physical line count) and must not stop on one bad row. The `csv` module only reads
text and hides byte positions, so records are framed on the raw bytes: a physical line ends a record
unless it leaves a quoted field open (the same quoting rules as the `csv` module's default dialect,
so quoted newlines work); each framed record is then decoded strictly (an undecodable row becomes a
reject with the byte position) and split into fields by the `csv` module itself.

Encoding: UTF-8 by default; a UTF-8/UTF-16/UTF-32 BOM or BOM-less UTF-16 text is detected; pass
`encoding="cp1252"` (or any ASCII-compatible codec) for legacy exports.

Mapping: target field -> column name, e.g. {"text": "body", "author.handle": "user"}. Targets that
are not mapped use a column of their own name when there is one (case and surrounding spaces
ignored). `media` may hold several paths/URLs separated by `|`; relative paths are resolved against
the CSV's folder. Rejects carry the physical line number where the record starts.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Iterator

from tidewatch.ingest.base import Checkpoint, Item, Reject, SourceError, excerpt
from tidewatch.ingest.jsonl import open_binary
from tidewatch.ingest.lines import (
    TextEncoding,
    iter_physical_lines,
    peek_head,
    sniff_encoding,
    with_cr_line_ends,
)
from tidewatch.ingest.schema import BadRecord, post_from_dict

TARGET_FIELDS = (
    "id", "text", "platform", "url", "created_at", "lang",
    "author.id", "author.handle", "author.name",
    "media", "metrics.views", "metrics.followers",
)
MAX_RECORD_BYTES = 16 * 1024 * 1024
MEDIA_SEPARATOR = "|"

# Quoting states after a physical line (csv default dialect: delimiter ",", quote '"', doubled quotes).
_FIELD_START, _UNQUOTED, _QUOTED = 0, 1, 2
_COUNT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([kmb]?)$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def scan_quotes(line: str, state: int) -> int:
    """The quoting state at the end of `line`, starting in `state`; `_QUOTED` means the record goes on.

    Mirrors the csv module: a quote opens a quoted field only as the first character of a field,
    `""` inside a quoted field is a literal quote, and text after a closing quote stays in the field.
    """
    i, n = 0, len(line)
    if state != _QUOTED and '"' not in line:
        return _UNQUOTED
    while i < n:
        if state == _QUOTED:
            j = line.find('"', i)
            if j < 0:
                return _QUOTED
            if j + 1 < n and line[j + 1] == '"':
                i = j + 2
                continue
            state, i = _UNQUOTED, j + 1
            continue
        if state == _FIELD_START and line[i] == '"':
            state, i = _QUOTED, i + 1
            continue
        j = line.find(",", i)
        if j < 0:
            return _UNQUOTED
        state, i = _FIELD_START, j + 1
    return state


def parse_count(value: str) -> int | None:
    """'1,234' -> 1234, '12K' -> 12000, '1.5M' -> 1500000; None when not a count."""
    s = value.strip().replace(",", "").replace("_", "").replace("\u00a0", "").replace(" ", "")
    m = _COUNT.match(s)
    if not m:
        return None
    return int(float(m.group(1)) * _SCALE[m.group(2).lower()])


@dataclass(frozen=True, slots=True)
class _Record:
    line: int  # physical line where it starts (1-based)
    after: int  # byte offset after it
    lines_after: int  # physical lines consumed after it
    data: bytes | None  # None: over-long or unterminated
    error: str | None = None


def iter_records(f: BinaryIO, offset: int, lineno: int, enc: TextEncoding,
                 max_bytes: int = MAX_RECORD_BYTES) -> Iterator[_Record]:
    """Frame CSV records on raw bytes from `offset` (physical line `lineno` consumed before it)."""
    parts: list[bytes] = []
    size = 0
    state = _FIELD_START
    first_line = lineno + 1
    dropping = False
    after = offset
    for after, raw, line_size in iter_physical_lines(f, offset, enc, max_bytes):
        lineno += 1
        if not parts and not dropping:
            first_line, state, size = lineno, _FIELD_START, 0
        if raw is None:  # a single physical line over the limit: we cannot know its quoting
            if parts or dropping:
                parts, dropping = [], False
                yield _Record(first_line, after, lineno, None,
                              f"record longer than {max_bytes:,} bytes (unterminated quote?)")
            else:
                yield _Record(lineno, after, lineno, None,
                              f"line too long ({line_size:,} bytes; limit {max_bytes:,})")
            continue
        if enc.unit == 1:  # ASCII-compatible: quotes and commas are single bytes
            if state == _QUOTED or b'"' in raw:
                state = scan_quotes(raw.decode("latin-1"), state)
            else:
                state = _UNQUOTED
        else:
            state = scan_quotes(raw.decode(enc.codec, "replace"), state)
        size += line_size
        if not dropping:
            parts.append(raw)
            if size > max_bytes:
                parts, dropping = [], True
        if state == _QUOTED:
            continue
        if dropping:
            dropping = False
            yield _Record(first_line, after, lineno, None,
                          f"record longer than {max_bytes:,} bytes (unterminated quote?)")
            continue
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        parts = []
        yield _Record(first_line, after, lineno, data)
    if parts or dropping:
        yield _Record(first_line, after, lineno, None,
                      f"unterminated quoted field: the record starting at line {first_line:,} "
                      f"runs to the end of the file ({lineno - first_line + 1:,} lines)")


def _decode(data: bytes, enc: TextEncoding) -> str:
    try:
        return data.decode(enc.codec)
    except UnicodeDecodeError as e:
        hint = ("; the file may be in another encoding (e.g. latin-1 or Windows-1252): "
                "save it as UTF-8 or give its encoding") if enc.codec == "utf-8" else ""
        raise BadRecord(f"not valid {enc.label} at byte {e.start + 1} of the row{hint}") from None


def _split(text: str) -> list[str]:
    """The fields of one framed record (empty list for a blank record)."""
    try:
        rows = list(csv.reader([text]))
    except csv.Error as e:
        msg = str(e)
        if "field larger than field limit" in msg:
            msg = f"a field is larger than {csv.field_size_limit():,} characters"
        raise BadRecord(f"malformed CSV row: {msg}") from None
    if len(rows) > 1:
        raise BadRecord("malformed CSV row: more than one row in one record")
    return rows[0] if rows else []


def resolve_columns(header: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    """target field -> column index; SourceError naming the available columns when one is missing."""
    exact = {}
    folded = {}
    for i, name in enumerate(header):
        exact.setdefault(name, i)
        folded.setdefault(name.strip().casefold(), i)
    available = ", ".join(repr(h) for h in header) or "(none)"
    out: dict[str, int] = {}
    for target, column in (mapping or {}).items():
        if target not in TARGET_FIELDS:
            raise SourceError(f"unknown target field {target!r} in the mapping; "
                              f"known fields: {', '.join(TARGET_FIELDS)}")
        i = exact.get(column, folded.get(column.strip().casefold()))
        if i is None:
            raise SourceError(f"column {column!r} (mapped to {target}) is not in the CSV header; "
                              f"available columns: {available}")
        out[target] = i
    for target in TARGET_FIELDS:
        if target not in out:
            i = exact.get(target, folded.get(target.casefold()))
            if i is not None:
                out[target] = i
    if "text" not in out:
        raise SourceError("no text column: map one with text=<column> (e.g. --map text=body); "
                          f"available columns: {available}")
    return out


@dataclass
class CsvSource:
    """Reads a CSV file with a header row; see the module docstring for mapping and encodings."""

    path: str
    mapping: dict[str, str] | None = None
    default_platform: str = "unknown"
    encoding: str | None = None  # for BOM-less files only; default UTF-8
    max_record_bytes: int = field(default=MAX_RECORD_BYTES, repr=False)
    name: ClassVar[str] = "csv"

    def describe(self) -> str:
        return "csv:" + str(Path(self.path).resolve())

    def check(self) -> None:
        """Read the header and resolve the mapping now: SourceError up front, before any import."""
        with open_binary(self._file()) as f:
            found = self._header(f)
            if found is not None:
                resolve_columns(found[1], self.mapping)

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        start = start or Checkpoint()
        with open_binary(self._file()) as f:
            yield from self._read(f, start)

    def _file(self) -> str:
        if self.path == "-":
            raise SourceError("CSV cannot be read from standard input (resuming needs a file); "
                              "save it to a file")
        return self.path

    def _header(self, f: BinaryIO) -> tuple[TextEncoding, list[str], _Record] | None:
        """(encoding, header cells, header record), or None for an empty file."""
        try:
            enc = sniff_encoding(peek_head(f), self.encoding or "utf-8")
        except LookupError:
            raise SourceError(f"unknown encoding {self.encoding!r}") from None
        enc = with_cr_line_ends(enc, peek_head(f, 1 << 16))
        for rec in iter_records(f, enc.bom, 0, enc, self.max_record_bytes):
            if rec.data is None:
                raise SourceError(f"cannot read the CSV header of {self.path}: {rec.error}; "
                                  "is this a CSV file?")
            try:
                header = _split(_decode(rec.data, enc))
            except BadRecord as e:
                raise SourceError(f"cannot read the CSV header of {self.path}: {e}") from None
            if header:
                return enc, header, rec
        return None

    def _read(self, f: BinaryIO, start: Checkpoint) -> Iterator[Item]:
        found = self._header(f)
        if found is None:
            return  # an empty file (or only blank lines): nothing to import
        enc, header, header_rec = found
        columns = resolve_columns(header, self.mapping)
        names = [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]
        offset, lineno = header_rec.after, header_rec.lines_after
        if start.offset > offset:
            offset, lineno = start.offset, start.record
        base = Path(self.path).resolve().parent
        for rec in iter_records(f, offset, lineno, enc, self.max_record_bytes):
            after = Checkpoint(rec.after, rec.lines_after)
            if rec.data is None:
                yield Item(rec.line, None, Reject(rec.line, rec.error or "unreadable record"), after)
                continue
            try:
                row = _split(_decode(rec.data, enc))
                if not any(cell.strip() for cell in row):
                    continue  # a blank line, or a spreadsheet's empty row (",,,")
                post = self._post(row, names, columns, base)
            except BadRecord as e:
                shown = rec.data if enc.unit == 1 else rec.data.decode(enc.codec, "replace")
                yield Item(rec.line, None, Reject(rec.line, str(e), excerpt(shown)), after)
                continue
            yield Item(rec.line, post, None, after)

    def _post(self, row: list[str], names: list[str], columns: dict[str, int], base: Path):
        def get(target: str) -> str | None:
            i = columns.get(target)
            if i is None or i >= len(row):
                return None
            return row[i] if row[i].strip() else None

        text = get("text")
        if text is None:
            raise BadRecord(f"empty text (column {names[columns['text']]!r})")
        record: dict[str, Any] = {"text": text}
        for target in ("id", "platform", "url", "created_at", "lang"):
            value = get(target)
            if value is not None:
                record[target] = value.strip()
        author = {k: v.strip() for k in ("id", "handle", "name") if (v := get(f"author.{k}")) is not None}
        if author:
            record["author"] = author
        media = get("media")
        if media:
            record["media"] = [_media_ref(m.strip(), base) for m in media.split(MEDIA_SEPARATOR) if m.strip()]
        metrics = {}
        for k in ("views", "followers"):
            value = get(f"metrics.{k}")
            if value is not None and (n := parse_count(value)) is not None:
                metrics[k] = n
        if metrics:
            record["metrics"] = metrics
        raw = dict(zip(names, row))
        if len(row) > len(names):
            raw["_extra"] = row[len(names):]
        return post_from_dict(record, default_platform=self.default_platform, raw=raw)


def _media_ref(value: str, base: Path) -> dict[str, str]:
    if "://" in value:
        return {"url": value}
    p = Path(value)
    return {"path": str(p if p.is_absolute() else base / p)}
