"""Post JSON (tidewatch's native schema, DESIGN.md) -> Post, with clear reasons for bad records."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from tidewatch.records import Author, MediaRef, Post, stable_post_id

MAX_TEXT_CHARS = 1_000_000


class BadRecord(ValueError):
    """A record that cannot become a Post; the message is the reason shown to the user."""


def _opt_str(d: dict, key: str) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return str(v)
    raise BadRecord(f"field '{key}' must be a string, got {type(v).__name__}")


_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")


def parse_time(value: Any, field: str = "created_at") -> datetime | None:
    """An aware UTC datetime from ISO 8601 (naive means UTC) or Unix seconds (number or digit string;
    13 digits are read as milliseconds, as JavaScript exports write them)."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and _EPOCH.match(value.strip()):
        number = float(value)
        value = number / 1000 if len(value.strip().split(".")[0]) == 13 else number
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as e:
            raise BadRecord(f"field '{field}' is not a valid timestamp: {value!r}") from e
    if not isinstance(value, str):
        raise BadRecord(f"field '{field}' must be an ISO 8601 string")
    s = value.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as e:
        raise BadRecord(f"field '{field}' is not ISO 8601: {value[:40]!r}") from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _author(value: Any) -> Author:
    if value is None:
        return Author()
    if isinstance(value, str):
        return Author(handle=value)
    if not isinstance(value, dict):
        raise BadRecord("field 'author' must be an object or a string")
    return Author(id=_opt_str(value, "id"), handle=_opt_str(value, "handle"), name=_opt_str(value, "name"))


def _media(value: Any) -> tuple[MediaRef, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise BadRecord("field 'media' must be a list")
    out = []
    for m in value:
        if isinstance(m, str):
            out.append(MediaRef(url=m) if "://" in m else MediaRef(path=m))
        elif isinstance(m, dict):
            out.append(MediaRef(path=_opt_str(m, "path"), url=_opt_str(m, "url"),
                                sha256=_opt_str(m, "sha256")))
        else:
            raise BadRecord("each item of 'media' must be an object or a string")
    return tuple(out)


def _metrics(value: Any) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise BadRecord("field 'metrics' must be an object")
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue  # unknown or non-numeric metrics are ignored, not fatal
        out[str(k)] = int(v)
    return out


def post_from_dict(d: Any, *, default_platform: str = "unknown", collected_at: datetime | None = None,
                   require_id: bool = False, raw: dict[str, Any] | None = None) -> Post:
    """Build a Post from a dict in tidewatch's post schema. Only `text` is required.

    `raw` is what the post keeps as its source record; by default `d` itself (sources that map
    another format onto the schema pass their original record)."""
    if not isinstance(d, dict):
        raise BadRecord(f"record must be a JSON object, got {type(d).__name__}")
    text = d.get("text")
    if text is None:
        raise BadRecord("missing required field 'text'")
    if not isinstance(text, str):
        raise BadRecord(f"field 'text' must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRecord(f"field 'text' is too long ({len(text):,} characters; limit {MAX_TEXT_CHARS:,})")
    if "\x00" in text:
        text = text.replace("\x00", "")
    native_id = _opt_str(d, "id")
    if require_id and native_id in (None, ""):
        raise BadRecord("missing required field 'id'")
    platform = (_opt_str(d, "platform") or default_platform).strip().lower() or default_platform
    url = _opt_str(d, "url")
    author = _author(d.get("author"))
    author_key = author.id or author.handle or author.name
    return Post(
        id=stable_post_id(platform, native_id, url, author_key, text),
        text=text,
        platform=platform,
        native_id=native_id,
        url=url,
        author=author,
        lang=_opt_str(d, "lang"),
        created_at=parse_time(d.get("created_at")),
        collected_at=collected_at or datetime.now(timezone.utc),
        media=_media(d.get("media")),
        metrics=_metrics(d.get("metrics")),
        raw=d if raw is None else raw,
    )
