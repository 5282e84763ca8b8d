"""The console's queue page: server time with N items (default 100,000) in SQLite.

Rows are generated straight into posts + detections (executemany), the queue is synced, then the
queue page is requested in-process (ASGI, through the whole app: session, sync check, query,
counts, template) for several filters and a deep keyset page. Reported: median and p90 in ms,
and the ratio to a baseline measured in the same run (the trivial /healthz route through the
same app and middleware). Goal: median under 150 ms.

    python bench/queue_page.py [--n 100000] [--repeat 30] [--db sqlite:///path]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

PLATFORMS = ("facebook", "telegram", "tiktok", "instagram", "x", "web")
LANGS = ("ckb", "kmr", "ar", "fa", "ps", "sq", "vi", "tr", "fr", "en", "ur", "ti", "am")
CATS = ("smuggling_service", "group_discount", "free_child_places", "false_documents", "safe_passage_claim",
        "crossing_logistics", "recruitment")
GLOSSES = ("tonight", "every week", "places left", "boat", "price", "meeting point")


def generate(engine, n: int, seed: int = 5) -> float:
    """n posts with detections (a third flagged, some with departure cues), in batches; seconds taken."""
    from tidewatch.store.models import DetectionRow, NetworkPostRow, NetworkRow, PostRow

    rnd = random.Random(seed)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    start = time.perf_counter()
    batch = 5000
    with engine.begin() as conn:
        for lo in range(0, n, batch):
            posts, dets = [], []
            for i in range(lo, min(n, lo + batch)):
                pid = f"{PLATFORMS[i % 6]}:{i}"
                label = 1 if rnd.random() < 0.35 else 0
                gloss = rnd.choice(GLOSSES)
                text = f"Post {i}: boat crossing {gloss}, price {rnd.randint(800, 9000)} euros, whatsapp +44 7700 900{i % 1000:03d}. " * 3
                posts.append({"id": pid, "native_id": str(i), "platform": PLATFORMS[i % 6], "url": f"https://example.org/{i}",
                              "author_id": f"a{i % 5000}", "author_handle": f"@acct{i % 5000}", "author_name": None,
                              "text": text, "lang": LANGS[i % len(LANGS)], "created_at": t0 + timedelta(minutes=i),
                              "collected_at": t0, "media": [], "metrics": {"views": rnd.randint(0, 50_000)},
                              "raw": {"id": str(i)}, "source": "bench"})
                dets.append({"post_id": pid, "score": round(rnd.random(), 4), "label": label,
                             "categories": rnd.sample(CATS, rnd.randint(0, 2)) if label else [],
                             "cues": [{"span": [8, 12], "term": "boat", "concept": "departure" if gloss != "boat" else "transport",
                                       "gloss": gloss, "weight": 0.7}],
                             "lang": LANGS[i % len(LANGS)], "model_version": "bench", "detected_at": t0 + timedelta(seconds=i)})
            conn.execute(PostRow.__table__.insert(), posts)
            conn.execute(DetectionRow.__table__.insert(), dets)
        nets = [{"id": f"N-{k:08d}", "n_posts": 20, "n_accounts": 3, "first_seen": t0, "last_seen": t0, "profile": {},
                 "built_at": t0} for k in range(200)]
        conn.execute(NetworkRow.__table__.insert(), nets)
        conn.execute(NetworkPostRow.__table__.insert(), _network_rows(n))
    return time.perf_counter() - start


def _network_rows(n: int) -> list[dict]:
    """4,000 posts in 200 networks (distinct pairs)."""
    seen, rows = set(), []
    for k in range(200):
        for j in range(20):
            i = (k * 487 + j * 31) % n
            pid = f"{PLATFORMS[i % 6]}:{i}"
            if (k, pid) not in seen:
                seen.add((k, pid))
                rows.append({"network_id": f"N-{k:08d}", "post_id": pid})
    return rows


def timed(client, url: str, repeat: int, headers: dict | None = None) -> list[float]:
    out = []
    client.get(url, headers=headers)  # warm
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(url, headers=headers)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return out


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10)[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from tidewatch.store.console_repo import ConsoleRepo, QueueFilter
    from tidewatch.store.repo import Store
    from tidewatch.web.app import create_app
    from tidewatch.web.settings import Settings

    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='tw-bench-')) / 'queue.db'}"
    store = Store.open(url)
    gen = generate(store.engine, args.n)
    repo = ConsoleRepo(store, argon2_time_cost=1, argon2_memory_kib=8192)
    t = time.perf_counter()
    synced = repo.sync_queue(full=True)
    sync_s = time.perf_counter() - t
    repo.add_user("bench", "bench password long enough", "analyst", "bench")
    app = create_app(Settings(database_url=url, sync_on_start=False), repo=repo)
    client = TestClient(app)
    token = repo.create_session(repo.get_user("bench"), "127.0.0.1")
    client.cookies.set("tw_session", token)

    deep = repo.queue_page(QueueFilter(), None, 50, with_counts=False)
    for _ in range(40):  # 40 pages in: the cursor of page 41
        deep = repo.queue_page(QueueFilter(), deep.next_cursor, 50, with_counts=False)
    cases = {
        "queue, default (waiting)": "/queue",
        "queue, all statuses": "/queue?status=all",
        "queue, platform + language": "/queue?platform=telegram&lang=ar",
        "queue, category": "/queue?category=false_documents",
        "queue, score 0.8-0.9": "/queue?score_min=0.8&score_max=0.9",
        "queue, in any network": "/queue?status=all&network=any",
        "queue, posted in one week": "/queue?date_from=2026-01-20&date_to=2026-01-27",
        "queue, page 41 (keyset)": f"/queue?after={deep.next_cursor}",
        "queue rows only (HTMX, page 41)": f"/queue?after={deep.next_cursor}&partial=rows",
    }
    print(f"{args.n:,} posts generated in {gen:.1f} s; queue synced ({synced:,} items) in {sync_s:.1f} s; "
          f"database {store.dialect}")
    base = timed(client, "/healthz", args.repeat)
    base_med = statistics.median(base)
    print(f"{'baseline: GET /healthz (same app)':<36} median {base_med:7.2f} ms   p90 {p90(base):7.2f} ms")
    worst = 0.0
    for name, path in cases.items():
        hx = {"hx-request": "true"} if "partial=rows" in path else None
        xs = timed(client, path, args.repeat, hx)
        med = statistics.median(xs)
        worst = max(worst, med)
        print(f"{name:<36} median {med:7.2f} ms   p90 {p90(xs):7.2f} ms   ratio to baseline {med / base_med:7.1f}")
    print(f"goal: median under 150 ms — {'met' if worst < 150 else 'NOT met'} (slowest median {worst:.1f} ms)")
    store.close()
    sys.exit(0 if worst < 150 else 1)


if __name__ == "__main__":
    main()
