"""Structural checks on served HTML: what a browser would run or follow."""
from __future__ import annotations

from html.parser import HTMLParser


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Collect()
    p.feed(html)
    p.close()
    return p.tags


def inert_problems(html: str) -> list[str]:
    """Anything in the page that could run script or leave the console: should be empty."""
    problems = []
    for tag, attrs in tags(html):
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                v = value.strip().lower()
                if not (v.startswith(("/", "?", "#", "https://", "http://"))) or v.startswith("//"):
                    problems.append(f"<{tag} {name}={value!r}>")
                if tag in ("script", "link", "img", "iframe", "form") and v.startswith(("http://", "https://", "//")):
                    problems.append(f"<{tag} {name}={value!r}> loads from another site")
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            problems.append("inline or foreign <script>")
        if tag in ("iframe", "object", "embed", "base", "meta") and not (tag == "meta" and "http-equiv" not in attrs):
            problems.append(f"<{tag}>")
    return problems
