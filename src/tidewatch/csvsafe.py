"""CSV cells that no spreadsheet will evaluate: posts are written by criminals, and a cell
starting with = + - @ (or a tab/CR, or their full-width forms) can run a formula in Excel or
LibreOffice when an analyst opens an export."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise(value: Any) -> str:
    s = "" if value is None else str(value)
    stripped = s.lstrip(" \u00a0\u3000\x00\x0b\x0c\n")
    if stripped and (stripped[0] in FORMULA_START or s[:1] in FORMULA_START):
        return "'" + s
    return s


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for r in rows:
        w.writerow([neutralise(v) for v in r])
    return buf.getvalue()
