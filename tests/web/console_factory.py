"""Builds console test data the way the pipeline stores it (posts, detections with cues, entities,
a network), without running the detector, so the console's tests do not move when the model does.
Phone numbers and handles are fictional."""
from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tidewatch.ingest.schema import post_from_dict
from tidewatch.records import Cue, Detection, Entity
from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.models import NetworkPostRow, NetworkRow, NetworkTieRow

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
RLO = "\u202e"


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real, tiny PNG."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _cue(text: str, term: str, concept: str, gloss: str, weight: float) -> Cue:
    i = text.index(term)
    return Cue(i, i + len(term), term, concept, gloss, weight)


def _ent(text: str, surface: str, kind: str, value: str, **kw) -> Entity:
    i = text.index(surface)
    return Entity(kind, value, i, i + len(surface), **kw)


HUGE = ("Boat to Italy every night, places left. " * 2600)[:100_000] + "END-OF-HUGE-TEXT"

# name: (record, score, label, categories, cues [(term, concept, gloss, weight)], entities [(surface, kind, value)])
POSTS: dict[str, tuple[dict, float, int, tuple, list, list]] = {
    "sorani": ({"id": "s1", "platform": "facebook", "url": "https://facebook.example/posts/s1",
                "author": {"id": "a1", "handle": "@rega_uk", "name": "Rêga"},
                "text": "گەشت بۆ بەریتانیا بە بەلەم، شوێن ماوە. پەیوەندی: +44 7700 900123 واتساپ",
                "created_at": (T0 + timedelta(hours=1)).isoformat(), "metrics": {"views": 12000},
                "media": [{"path": "img/boat.png", "sha256": "ab" * 32}]},
               0.93, 1, ("smuggling_service",), [("بەلەم", "transport", "boat", 1.2), ("شوێن ماوە", "departure", "places left", 0.9)],
               [("+44 7700 900123", "phone", "+447700900123")]),
    "arabic_tonight": ({"id": "a2", "platform": "telegram", "url": "https://t.me/example_channel/2",
                        "author": {"id": "a2", "handle": "@safar_europa"},
                        "text": "رحلة الليلة من ليبيا إلى إيطاليا، آخر الأماكن. واتساب +964 750 000 0123",
                        "created_at": (T0 + timedelta(hours=2)).isoformat(), "metrics": {"views": 300}},
                       0.88, 1, ("smuggling_service", "crossing_logistics"),
                       [("الليلة", "departure", "tonight", 1.1)], [("+964 750 000 0123", "phone", "+9647500000123")]),
    "sorani_same_phone": ({"id": "s3", "platform": "facebook", "author": {"id": "a1", "handle": "@rega_uk"},
                           "text": "دیسان: بەلەم بۆ بەریتانیا. +44 7700 900123",
                           "created_at": (T0 + timedelta(days=1)).isoformat(), "metrics": {"views": 50}},
                          0.81, 1, ("smuggling_service",), [("بەلەم", "transport", "boat", 1.2)],
                          [("+44 7700 900123", "phone", "+447700900123")]),
    "french_news": ({"id": "f4", "platform": "x", "url": "https://news.example/article",
                     "author": {"id": "n1", "handle": "@journal_exemple"},
                     "text": "Les garde-côtes ont secouru 40 personnes au large de Calais cette nuit.",
                     "created_at": (T0 + timedelta(days=2)).isoformat(), "metrics": {"followers": 90000}},
                    0.12, 0, (), [("garde-côtes", "reporting", "coastguard", -0.8)], []),
    "script": ({"id": "h5", "platform": "web", "url": "javascript:alert(document.cookie)",
                "author": {"id": "h5", "handle": "<img src=x onerror=alert(2)>", "name": "<script>alert(3)</script>"},
                "text": "Crossing tonight <script>alert('xss')</script> call <img src=x onerror=\"alert(1)\"> "
                        "<a href=\"javascript:alert(4)\">book here</a> +33 6 39 98 00 01",
                "created_at": (T0 + timedelta(days=3)).isoformat(), "metrics": {"views": "12,5oo"}},
               0.77, 1, ("smuggling_service",), [("Crossing tonight", "departure", "tonight", 1.0)],
               [("+33 6 39 98 00 01", "phone", "+33639980001")]),
    "rtl": ({"id": "r6", "platform": "telegram", "author": {"id": "r6", "handle": f"@gnp{RLO}exe.doc"},
             "text": f"Documents {RLO}gnp.exe{chr(0x202c)} ready — passport like the original 100% " + "\u2066x\u2069",
             "created_at": (T0 + timedelta(days=4)).isoformat()},
            0.7, 1, ("false_documents",), [("like the original", "documents", "like the original", 1.0)], []),
    "huge": ({"id": "g7", "platform": "web", "author": {"id": "g7"}, "text": HUGE,
              "created_at": (T0 + timedelta(days=5)).isoformat()},
             0.6, 1, ("crossing_logistics",), [("places left", "departure", "places left", 0.5)], []),
}


def seed(repo: ConsoleRepo, folder: Path, extra: int = 0) -> dict[str, int]:
    """Store the posts above (+ `extra` plain ones), a network over the two Sorani posts, sync the
    queue; returns queue item ids by name."""
    store = repo.store
    (folder / "img").mkdir(parents=True, exist_ok=True)
    (folder / "img" / "boat.png").write_bytes(png())
    source = f"jsonl:{folder / 'posts.jsonl'}"
    (folder / "posts.jsonl").write_text("", encoding="utf-8")
    posts, dets, ents, names = [], [], {}, {}
    for name, (rec, score, label, cats, cues, entities) in POSTS.items():
        p = post_from_dict(rec)
        posts.append(p)
        names[name] = p.id
        dets.append(Detection(p.id, score, label, cats, tuple(_cue(p.text, *c) for c in cues), "ckb", "test-1"))
        ents[p.id] = [_ent(p.text, s, k, v) for s, k, v in entities]
    for i in range(extra):
        p = post_from_dict({"id": f"x{i}", "platform": ("facebook", "telegram", "tiktok")[i % 3],
                            "author": {"id": f"bulk{i % 50}"},
                            "text": f"Post {i}: crossing by boat, price 2500 euros, ask in private message.",
                            "created_at": (T0 + timedelta(minutes=i)).isoformat(), "metrics": {"views": i * 7}})
        posts.append(p)
        dets.append(Detection(p.id, 0.3 + (i % 70) / 100, int(i % 3 != 0), ("smuggling_service",) if i % 3 else (),
                              (), ("en", "fr", "ar")[i % 3], "test-1"))
    store.add_posts(posts, source=source)
    store.save_results(dets, ents)
    with store.engine.begin() as conn:
        conn.execute(NetworkRow.__table__.insert(), [{"id": "N-test000001", "n_posts": 2, "n_accounts": 1,
                                                      "first_seen": T0, "last_seen": T0, "profile": {}, "built_at": T0}])
        conn.execute(NetworkPostRow.__table__.insert(), [{"network_id": "N-test000001", "post_id": names["sorani"]},
                                                         {"network_id": "N-test000001",
                                                          "post_id": names["sorani_same_phone"]}])
        conn.execute(NetworkTieRow.__table__.insert(), [{"network_id": "N-test000001", "kind": "phone",
                                                         "value": "+447700900123", "n_posts": 2}])
    repo.sync_queue(full=True)
    return {name: repo.item_id_for_post(pid) for name, pid in names.items()}
