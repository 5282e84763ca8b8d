"""Evidence bundles: a folder anyone can check without tidewatch.

Layout of a bundle (`tidewatch evidence export ID --output DIR` writes `DIR/EV-000012/`):

    manifest.json   what was captured, when (UTC), by whom, and each file's SHA-256 and size
    SHA256SUMS      `sha256sum -c SHA256SUMS` checks every file, manifest included
    files/...       the raw record, the text, media, screenshots as captured

File names inside a bundle are chosen by tidewatch (never taken from the post), so a hostile
record cannot write outside the bundle or collide with the manifest. `verify_bundle` reports
missing, extra and altered files; the store's copy of the digests can be compared too.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import orjson

BUNDLE_FORMAT = "tidewatch-evidence/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def evidence_label(evidence_id: int) -> str:
    return f"EV-{evidence_id:06d}"


def parse_evidence_id(text: str) -> int:
    """'EV-000012', 'ev-12' or '12' -> 12; ValueError otherwise."""
    t = text.strip().upper()
    if t.startswith("EV-"):
        t = t[3:]
    if not t.isdigit() or not t.isascii():
        raise ValueError(f"not an evidence id: {text!r} (expected e.g. EV-000012)")
    return int(t)


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    name: str  # relative path inside files/, chosen by tidewatch
    content: bytes
    media_type: str
    captured_at: str  # ISO 8601 UTC
    note: str = ""

    @property
    def sha256(self) -> str:
        return sha256(self.content)


def safe_name(name: str) -> str:
    """Refuse anything that is not a plain relative path of safe characters (defence in depth)."""
    parts = name.split("/")
    if not name or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"unsafe evidence file name: {name!r}")
    if not all(c.isascii() and (c.isalnum() or c in "-_.") for part in parts for c in part):
        raise ValueError(f"unsafe evidence file name: {name!r}")
    return str(PurePosixPath(name))


def build_manifest(meta: dict[str, Any], files: Sequence[EvidenceFile]) -> dict[str, Any]:
    """The manifest: `meta` (evidence id, post, capture time, analyst, decision...) plus the files."""
    return {
        "format": BUNDLE_FORMAT,
        **meta,
        "files": [{"path": f"files/{safe_name(f.name)}", "sha256": f.sha256, "size": len(f.content),
                   "media_type": f.media_type, "captured_at": f.captured_at, **({"note": f.note} if f.note else {})}
                  for f in files],
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def bundle_entries(manifest: dict[str, Any], files: Sequence[EvidenceFile]) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every file in the bundle, SHA256SUMS last. Pure."""
    data = manifest_bytes(manifest)
    entries = [(MANIFEST, data)] + [(f"files/{safe_name(f.name)}", f.content) for f in files]
    sums = "".join(f"{sha256(content)}  {rel}\n" for rel, content in entries)
    return entries + [(SUMS, sums.encode("ascii"))]


def write_bundle(folder: Path, manifest: dict[str, Any], files: Sequence[EvidenceFile]) -> Path:
    """Write the bundle into `folder` (created; must be empty or absent). I/O edge."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    for rel, data in bundle_entries(manifest, files):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


@dataclass(frozen=True, slots=True)
class BundleCheck:
    manifest: dict[str, Any] | None
    problems: tuple[str, ...]
    files_checked: int

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest_file(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def verify_bundle(folder: Path) -> BundleCheck:
    """Check a bundle on disk: manifest readable, every file present with its digest and size,
    no extra files, SHA256SUMS agreeing with both. I/O edge."""
    problems: list[str] = []
    mpath = folder / MANIFEST
    if not folder.is_dir():
        return BundleCheck(None, (f"{folder} is not a folder",), 0)
    try:
        manifest = orjson.loads(mpath.read_bytes())
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            return BundleCheck(None, (f"{MANIFEST} is not a {BUNDLE_FORMAT} manifest",), 0)
        listed = manifest.get("files")
        if not isinstance(listed, list):
            return BundleCheck(manifest, (f"{MANIFEST} has no file list",), 0)
    except FileNotFoundError:
        return BundleCheck(None, (f"{MANIFEST} is missing",), 0)
    except orjson.JSONDecodeError as e:
        return BundleCheck(None, (f"{MANIFEST} is not valid JSON: {e}",), 0)
    checked = 0
    expected: dict[str, str] = {}
    for entry in listed:
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        try:
            safe_name(rel)
        except ValueError:
            problems.append(f"manifest lists an unsafe path: {rel!r}")
            continue
        expected[rel] = str(entry.get("sha256", ""))
        path = folder / rel
        if not path.is_file():
            problems.append(f"missing file: {rel}")
            continue
        digest, size = _digest_file(path)
        checked += 1
        if digest != entry.get("sha256"):
            problems.append(f"altered file: {rel} (SHA-256 {digest}, manifest says {entry.get('sha256')})")
        elif size != entry.get("size"):
            problems.append(f"altered file: {rel} (size {size}, manifest says {entry.get('size')})")
    files_dir = folder / "files"
    if files_dir.is_dir():
        for root, _dirs, names in os.walk(files_dir):
            for name in names:
                rel = (Path(root) / name).relative_to(folder).as_posix()
                if rel not in expected:
                    problems.append(f"extra file not in the manifest: {rel}")
    sums_path = folder / SUMS
    if not sums_path.is_file():
        problems.append(f"{SUMS} is missing")
    else:
        sums = {}
        for line in sums_path.read_text(encoding="ascii", errors="replace").splitlines():
            h, _, p = line.partition("  ")
            if p:
                sums[p] = h
        mdigest, _ = _digest_file(mpath)
        if sums.get(MANIFEST) != mdigest:
            problems.append(f"{MANIFEST} does not match its line in {SUMS} (the manifest was changed)")
        for rel, h in expected.items():
            if sums.get(rel) != h:
                problems.append(f"{SUMS} and {MANIFEST} disagree about {rel}")
    return BundleCheck(manifest, tuple(problems), checked)
