"""Which media files the console may read, and what they are.

Posts name their media by path, and posts are written by criminals: a record saying
`{"path": "/etc/shadow"}` must not make the console serve or archive that file. A local file
is used only when it resolves (symlinks followed) inside an allowed root: the folder of the
source file the post came from, or a configured media root; and only when its first bytes say
it is a raster image (SVG is refused: it can carry script).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

MAX_MEDIA_BYTES = 25 * 1024 * 1024

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(media type, suffix) of a PNG, JPEG, GIF or WebP from its first bytes; None otherwise."""
    for sig, mt, suffix in _SIGNATURES:
        if head.startswith(sig):
            return mt, suffix
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def source_folder(source_key: str | None) -> Path | None:
    """The folder of the file a post was read from, from a source key like 'jsonl:/abs/posts.jsonl'."""
    if not source_key or ":" not in source_key:
        return None
    _kind, _, rest = source_key.partition(":")
    p = Path(rest)
    if not p.is_absolute():
        return None
    folder = p if p.is_dir() else p.parent
    return None if folder == Path(folder.anchor) else folder


def resolve_local(path: str | None, source_key: str | None, roots: Sequence[Path] = ()) -> Path | None:
    """The real file a media path names, if it lies inside an allowed root; None otherwise."""
    if not path or "\x00" in path:
        return None
    allowed = [r.resolve() for r in roots if r]
    folder = source_folder(source_key)
    if folder is not None:
        allowed.append(folder.resolve())
    allowed = [a for a in allowed if a != Path(a.anchor)]
    if not allowed:
        return None
    p = Path(path)
    candidates = [p] if p.is_absolute() else [a / p for a in allowed]
    for c in candidates:
        try:
            real = c.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if real.is_file() and any(real.is_relative_to(a) for a in allowed):
            return real
    return None


def read_image(path: Path) -> tuple[bytes, str, str] | None:
    """(content, media type, suffix) when the file is a raster image within the size limit."""
    try:
        if path.stat().st_size > MAX_MEDIA_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    kind = sniff_image(data[:16])
    return (data, *kind) if kind else None
