"""Templates and the small formatting rules of the console's words.

Autoescaping is on for every template, and no template marks post content safe: the only
Markup built in Python is `post_html`, assembled from segments whose every piece of text goes
through `markupsafe.escape`. Times are shown in UTC with the zone; counts with thousands
separators; invisible control characters as named markers.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tidewatch.console.highlight import CONTROL_NAMES, Segment, highlight

TEMPLATES = Path(__file__).parent / "templates"

_VISIBLE = {ord(c): f"[{name}]" for c, name in CONTROL_NAMES.items() if c not in "\n\t"}


def visible(value: Any) -> str:
    """One-line hostile text for titles, names, handles: control characters shown as [RLO] etc."""
    return "" if value is None else str(value).translate(_VISIBLE)


def utc(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return "—"
    v = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return v.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def duration(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    s = max(int(delta.total_seconds()), 0)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m = s // 60
    if d:
        return f"{d:,} d {h} h"
    if h:
        return f"{h} h {m} min"
    return f"{m} min"


def age(value: datetime | None, now: datetime) -> str:
    return "—" if value is None else duration(now - value)


def render_segments(segments: Iterable[Segment]) -> Markup:
    """The post text as HTML: every piece escaped; marks as <mark> with title; controls as named badges."""
    out: list[str] = []
    for seg in segments:
        inner = []
        for p in seg.pieces:
            if p.control:
                inner.append(f'<span class="ctl" title="invisible control character {escape(p.code)}">'
                             f'[{escape(p.control)}]</span>')
            else:
                inner.append(str(escape(p.text)))
        body = "".join(inner)
        if seg.marks:
            out.append(f'<mark class="hl {escape(seg.classes)}" title="{escape(seg.title)}" tabindex="0">{body}</mark>')
        else:
            out.append(body)
    return Markup("".join(out))


def post_html(text: str, cues: Any, entities: Any) -> Markup:
    return render_segments(highlight(text, cues or (), entities or ()))


def is_web_url(value: Any) -> bool:
    """Only http(s) URLs become links; javascript:, data:, file: and the like are shown as text."""
    if not isinstance(value, str):
        return False
    v = value.strip().lower()
    return (v.startswith("https://") or v.startswith("http://")) and not any(ord(c) < 33 for c in value.strip())


def query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(visible=visible, utc=utc, num=num, duration=duration)
    env.globals.update(is_web_url=is_web_url, query=query, post_html=post_html, age=age, date=date)
    return env
