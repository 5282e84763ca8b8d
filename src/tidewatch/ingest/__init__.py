"""Sources of posts: the registry, and `open_source` that picks one for a command-line input.

Every source is registered here under its `name` (the CLI's `--format` value); the conformance tests
run over this registry, so a new source is only finished when it passes them.
"""
from __future__ import annotations

from pathlib import Path

from tidewatch.ingest.base import Checkpoint, Item, Reject, Source, SourceError
from tidewatch.ingest.csv_source import TARGET_FIELDS, CsvSource
from tidewatch.ingest.jsonl import JsonlSource
from tidewatch.ingest.telegram import TelegramExportSource
from tidewatch.ingest.web import WebPageSource

SOURCES: dict[str, type] = {
    cls.name: cls for cls in (JsonlSource, CsvSource, TelegramExportSource, WebPageSource)
}

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
TELEGRAM_FILE = "result.json"


def parse_mapping(spec: str) -> dict[str, str]:
    """'text=body,id=post_id' -> {'text': 'body', 'id': 'post_id'}; SourceError on a bad spec.

    Targets must be post fields (see TARGET_FIELDS) and may appear once; column names are kept as
    written apart from surrounding spaces.
    """
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        target, sep, column = part.partition("=")
        target, column = target.strip(), column.strip()
        if not sep or not target or not column:
            raise SourceError(f"bad mapping {part.strip()!r}: write target=column, e.g. text=body")
        if target not in TARGET_FIELDS:
            raise SourceError(f"unknown target field {target!r} in the mapping; "
                              f"known fields: {', '.join(TARGET_FIELDS)}")
        if target in mapping:
            raise SourceError(f"target field {target!r} is mapped twice")
        mapping[target] = column
    if not mapping:
        raise SourceError("empty mapping: write target=column pairs separated by commas, "
                          "e.g. text=body,id=post_id")
    return mapping


def detect_format(spec: str) -> str:
    """The source name for an input as typed on the command line; SourceError when it cannot tell."""
    lowered = spec.strip().lower()
    if lowered.startswith(("http://", "https://")):
        return "web"
    if spec == "-":
        return "jsonl"
    p = Path(spec)
    if p.is_dir():
        if (p / TELEGRAM_FILE).is_file():
            return "telegram"
        raise SourceError(f"{spec} is a folder without a {TELEGRAM_FILE} (a Telegram export folder has one)")
    if p.name.lower() == TELEGRAM_FILE:
        return "telegram"
    if lowered.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    raise SourceError(f"cannot tell the format of {spec!r} from its name; "
                      f"give it explicitly (one of: {', '.join(SOURCES)})")


def open_source(spec: str, fmt: str | None = None, *, mapping: dict[str, str] | None = None,
                allow_private: bool = False, default_platform: str | None = None) -> Source:
    """The source for `spec` (a path, '-', a folder or a URL), by `fmt` or by the spec's shape.

    Problems with the input as a whole surface here, before any import starts: SourceError (unknown
    format, missing file, CSV header without the mapped columns, not a Telegram export) or
    netguard.BlockedAddress (a refused URL; nothing is fetched). Options that do not apply to the
    chosen format raise SourceError rather than being ignored, except `default_platform`, which
    only line formats use (Telegram and web know their platform).
    """
    name = (fmt or "").strip().lower() or detect_format(spec)
    if name not in SOURCES:
        raise SourceError(f"unknown format {fmt!r}; known formats: {', '.join(SOURCES)}")
    if mapping and name != "csv":
        raise SourceError(f"a column mapping applies to CSV input only, not {name}")
    if allow_private and name != "web":
        raise SourceError(f"allow_private applies to web pages only, not {name}")
    if name != "web" and spec != "-" and not Path(spec).exists():
        raise SourceError(f"no such file or folder: {spec}")
    platform = (default_platform or "unknown").strip().lower() or "unknown"
    source: Source
    if name == "jsonl":
        source = JsonlSource(spec, default_platform=platform)
    elif name == "csv":
        source = CsvSource(spec, mapping, default_platform=platform)
    elif name == "telegram":
        source = TelegramExportSource(spec)
    else:
        source = WebPageSource(spec.strip(), allow_private=allow_private)
    check = getattr(source, "check", None)  # an optional capability of a source
    if check is not None:
        check()
    return source


__all__ = [
    "SOURCES", "Checkpoint", "CsvSource", "Item", "JsonlSource", "Reject", "Source", "SourceError",
    "TARGET_FIELDS", "TelegramExportSource", "WebPageSource", "detect_format", "open_source", "parse_mapping",
]
