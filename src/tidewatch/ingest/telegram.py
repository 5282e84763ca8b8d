"""Telegram Desktop channel/group exports (`result.json` + media folders), streamed.

Why it is built this way: exports of busy channels run to gigabytes in ONE JSON document, so the
`messages` array is streamed with ijson (the C backend) and memory stays flat; the checkpoint is the
message index (resume = parse and skip that many messages: the document has no other stable
position). The small header (`name`, `type`, `id`) is read first by a short event scan that stops at
`messages`. A truncated or corrupt file yields every message read before the damage, then one reject
saying where the file ends or breaks.

Text is a string or a list mixing strings and entity objects (`{"type": "text_link", "text": ...,
"href": ...}`); their texts are joined, and the hidden hrefs of text links are listed in
`raw["text_links"]` (the message itself is the rest of `raw`, plus `raw["channel"]`). Contact cards
and polls are appended to the text as lines, since smugglers post phone numbers as contact cards.
Media paths are resolved against the export folder and dropped if they point outside it.
Times come from `date_unixtime` (UTC); the older `date` field is local time without a zone and is
read as UTC.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Iterator

import ijson
import orjson

from tidewatch.ingest.base import Checkpoint, Item, Reject, SourceError, excerpt
from tidewatch.ingest.jsonl import open_binary
from tidewatch.ingest.lines import sniff_encoding
from tidewatch.ingest.schema import BadRecord, post_from_dict

PLATFORM = "telegram"
MEDIA_KEYS = ("photo", "file")
HEADER_KEYS = ("name", "type", "id", "username")
EXCERPT_BYTES = 800


class _Counting:
    """A read-only byte stream that counts what was read and keeps the last chunk (for error positions)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.pos = 0
        self.last = b""
        self.eof = False

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if not data:
            self.eof = True
        self.last = data
        self.pos += len(data)
        return data


class _Utf8From:
    """Re-encodes a UTF-16/32 byte stream as UTF-8 (JSON parsers read UTF-8); counts raw bytes."""

    def __init__(self, f: _Counting, codec: str) -> None:
        self._f = f
        self._decoder = codecs.getincrementaldecoder(codec)("replace")
        self._pending = b""
        self.raw = f

    def read(self, n: int = -1) -> bytes:
        while not self._pending:
            chunk = self._f.read(1 << 16)
            text = self._decoder.decode(chunk, final=not chunk)
            self._pending = text.encode("utf-8")
            if not chunk:
                break
        n = len(self._pending) if n is None or n < 0 else n
        out, self._pending = self._pending[:n], self._pending[n:]
        return out


def _first_bad_utf8(chunk: bytes) -> int | None:
    """Index of the first byte in `chunk` that cannot start valid UTF-8 (ignoring a cut-off tail)."""
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason != "unexpected end of data":
            return e.start
    return None


def _open_json(f: BinaryIO) -> tuple[_Counting, BinaryIO]:
    """(byte counter over the file, UTF-8 stream for the parser), skipping a BOM."""
    head = f.read(4)
    f.seek(0)
    enc = sniff_encoding(head)
    counting = _Counting(f)
    if enc.bom:
        counting.read(enc.bom)
    if enc.codec == "utf-8":
        return counting, counting
    return counting, _Utf8From(counting, enc.codec)


def _json_error(e: Exception, counting: _Counting) -> str:
    text = e.args[0] if e.args else str(e)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else "parse error"
    if "premature EOF" in first or (counting.eof and "invalid" not in first):
        return f"file is truncated at byte {counting.pos:,} (the JSON document ends early)"
    if "UTF8" in first or "UTF-8" in first:
        bad = _first_bad_utf8(counting.last)
        where = counting.pos - len(counting.last) + bad if bad is not None else counting.pos
        return f"not valid UTF-8 at byte {where:,}; the rest of the file was not read"
    return f"invalid JSON near byte {counting.pos:,} ({first}); the rest of the file was not read"


def read_header(path: Path) -> dict[str, Any]:
    """The export's top-level scalars (name, type, id, username); SourceError if it is not an export."""
    header: dict[str, Any] = {}
    found_messages = False
    with open_binary(str(path)) as f:
        if not f.read(1):
            raise SourceError(f"{path} is empty, not a Telegram export")
        f.seek(0)
        counting, stream = _open_json(f)
        try:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if prefix == "" and event not in ("start_map", "map_key", "end_map"):
                    raise SourceError(f"{path} is not a Telegram export: the JSON document is not an object")
                if prefix in HEADER_KEYS and event in ("string", "number", "integer", "double"):
                    header[prefix] = value
                elif prefix == "chats" and event == "start_map":
                    raise SourceError(f"{path} is a full Telegram account export; export a single channel "
                                      "or group instead (its result.json has a 'messages' list)")
                elif prefix == "messages" and event == "start_array":
                    found_messages = True
                    if "id" in header:
                        break
        except ijson.JSONError as e:
            if not found_messages:
                reason = _json_error(e, counting)
                raise SourceError(f"{path} is not a readable Telegram export: {reason}") from None
    if not found_messages:
        raise SourceError(f"{path} is not a Telegram export: it has no 'messages' list")
    return header


def _excerpt(msg: Any) -> str:
    try:
        return excerpt(orjson.dumps(msg)[: EXCERPT_BYTES])
    except TypeError:
        return excerpt(repr(msg)[:EXCERPT_BYTES])


def join_text(value: Any) -> tuple[str, list[str]]:
    """(plain text, hrefs of text links) from a message's `text` (a string or a list of parts)."""
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return "", []
    parts: list[str] = []
    links: list[str] = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            t = part.get("text")
            if isinstance(t, str):
                parts.append(t)
            href = part.get("href")
            if part.get("type") == "text_link" and isinstance(href, str):
                links.append(href)
    return "".join(parts), links


def _extra_text(msg: dict) -> list[str]:
    lines = []
    contact = msg.get("contact_information")
    if isinstance(contact, dict):
        bits = [str(contact.get(k) or "").strip() for k in ("first_name", "last_name", "phone_number")]
        if any(bits):
            lines.append(" ".join(b for b in bits if b))
    poll = msg.get("poll")
    if isinstance(poll, dict):
        if isinstance(poll.get("question"), str):
            lines.append(poll["question"])
        for answer in poll.get("answers") or []:
            if isinstance(answer, dict) and isinstance(answer.get("text"), str):
                lines.append(answer["text"])
    return lines


def _media(msg: dict, folder: Path) -> tuple[list[dict[str, str]], list[str]]:
    """(media refs inside the export folder, paths refused because they point elsewhere)."""
    refs, refused = [], []
    for key in MEDIA_KEYS:
        value = msg.get(key)
        if not isinstance(value, str) or not value.strip() or value.lstrip().startswith("("):
            continue  # absent, or "(File not included. Change data exporting settings to download.)"
        p = (folder / value).resolve()
        if p.is_relative_to(folder):
            refs.append({"path": str(p)})
        else:
            refused.append(value)
    return refs, refused


@dataclass
class TelegramExportSource:
    """Reads a Telegram Desktop export: the folder, or its result.json.

    `channel_username` (without @) builds t.me links when the export does not carry a username.
    """

    path: str
    channel_username: str | None = None
    name: ClassVar[str] = "telegram"

    def file(self) -> Path:
        p = Path(self.path)
        if p.is_dir():
            p = p / "result.json"
        if not p.exists():
            raise SourceError(f"no such file: {p}")
        return p

    def describe(self) -> str:
        p = Path(self.path)
        return "telegram:" + str((p / "result.json" if p.is_dir() else p).resolve())

    def check(self) -> None:
        """Read the export's header now: SourceError up front when it is not a channel export."""
        read_header(self.file())

    def read(self, start: Checkpoint | None = None) -> Iterator[Item]:
        skip = start.offset if start else 0
        path = self.file()
        header = read_header(path)
        channel_id = header.get("id", header.get("name"))
        if channel_id is None:
            raise SourceError(f"{path} has no channel 'id' or 'name'")
        if isinstance(channel_id, float) and channel_id.is_integer():
            channel_id = int(channel_id)
        username = (self.channel_username or header.get("username") or "").lstrip("@").strip() or None
        channel = {k: header[k] for k in ("id", "name", "type") if k in header}
        folder = path.resolve().parent
        index = 0
        with open_binary(str(path)) as f:
            counting, stream = _open_json(f)
            try:
                for msg in ijson.items(stream, "messages.item", use_float=True):
                    index += 1
                    if index <= skip:
                        continue
                    item = self._item(msg, index, str(channel_id), username, channel, folder)
                    if item is not None:
                        yield item
            except ijson.JSONError as e:
                if index >= skip:
                    reason = _json_error(e, counting)
                    yield Item(index + 1, None, Reject(index + 1, reason), Checkpoint(index + 1, index + 1))

    def _item(self, msg: Any, index: int, channel_id: str, username: str | None, channel: dict,
              folder: Path) -> Item | None:
        after = Checkpoint(index, index)
        try:
            if not isinstance(msg, dict):
                raise BadRecord(f"message must be a JSON object, got {type(msg).__name__}")
            if msg.get("type") == "service":
                return None
            post = self._post(msg, channel_id, username, channel, folder)
        except BadRecord as e:
            return Item(index, None, Reject(index, str(e), _excerpt(msg)), after)
        return Item(index, post, None, after)

    def _post(self, msg: dict, channel_id: str, username: str | None, channel: dict, folder: Path):
        mid = msg.get("id")
        if isinstance(mid, float) and mid.is_integer():
            mid = int(mid)
        if isinstance(mid, bool) or not isinstance(mid, (int, str)) or mid == "":
            raise BadRecord("message without an 'id'")
        text, links = join_text(msg.get("text"))
        if not text and "text_entities" in msg:
            text, links = join_text(msg.get("text_entities"))
        extra = _extra_text(msg)
        if extra:
            text = "\n".join([text, *extra]) if text else "\n".join(extra)
        media, refused = _media(msg, folder)
        if not text.strip() and not media:
            raise BadRecord("message has no text or media")
        from_id = msg.get("from_id") if isinstance(msg.get("from_id"), str) else None
        from_name = msg.get("from") if isinstance(msg.get("from"), str) else None
        by_channel = from_id is None or from_id == f"channel{channel_id}"
        author = {
            "id": from_id or f"channel{channel_id}",
            "handle": username if by_channel else None,
            "name": from_name or (channel.get("name") if by_channel else None),
        }
        record: dict[str, Any] = {
            "id": f"{channel_id}/{mid}",
            "platform": PLATFORM,
            "text": text,
            "author": author,
            "url": f"https://t.me/{username}/{mid}" if username else None,
            "created_at": msg.get("date_unixtime") or msg.get("date"),
            "media": media,
        }
        views = msg.get("views")
        if isinstance(views, (int, float)) and not isinstance(views, bool):
            record["metrics"] = {"views": int(views)}
        raw = dict(msg)
        raw["channel"] = channel
        if links:
            raw["text_links"] = links
        if refused:
            raw["media_refused"] = refused
        return post_from_dict(record, default_platform=PLATFORM, raw=raw)
