"""Network quality and speed on synthetic corpora with planted networks.

Quality: adjusted Rand index and pairwise F1 of network assignment over the adverts, against the
generator's ground truth, for corpora of several seeds (each generated independently).
Speed: identifiers (extraction) + templates (MinHash-LSH) + graph (Leiden) per 100k posts,
against the baseline (read JSON Lines + one regex), and peak memory, at several sizes.

    python bench/networks.py [--sizes 20000,100000] [--seeds 1,2,3]
"""
from __future__ import annotations

import argparse
import sys
import time
import json
import subprocess
from math import comb
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).parent))
import common  # noqa: E402


def pair_scores(truth: list, pred: list) -> tuple[float, float, float, float]:
    """(ARI, pairwise precision, recall, F1); None labels are singletons."""
    from collections import Counter

    from sklearn.metrics import adjusted_rand_score

    t = [x if x is not None else f"t{i}" for i, x in enumerate(truth)]
    p = [x if x is not None else f"p{i}" for i, x in enumerate(pred)]
    ari = adjusted_rand_score(t, p)
    both = Counter(zip(t, p))
    tp = sum(comb(c, 2) for c in both.values())
    pred_pairs = sum(comb(c, 2) for c in Counter(p).values())
    true_pairs = sum(comb(c, 2) for c in Counter(t).values())
    prec = tp / pred_pairs if pred_pairs else 1.0
    rec = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return ari, prec, rec, f1


def identifiers(posts: list[dict]) -> list[tuple[str | None, tuple]]:
    """(account, identifiers) per post, as the scan stores them (extraction is the scan's cost)."""
    from tidewatch.extract.handles import extract_handles
    from tidewatch.extract.phones import extract_phones

    out = []
    for p in posts:
        t = p["text"]
        idents = {("phone", e.value) for e in extract_phones(t)}
        idents |= {("handle", e.value) for e in extract_handles(t)}
        idents |= {("image", m["sha256"]) for m in p.get("media") or [] if m.get("sha256")}
        a = p.get("author") or {}
        key = a.get("id") or a.get("handle")
        out.append((f"{p.get('platform')}:{key.lower()}" if key else None, tuple(sorted(idents))))
    return out


def group(texts: list[str], idents: list[tuple[str | None, tuple]]) -> list:
    """The link stage proper: templates (MinHash-LSH) + identifier graph (Leiden)."""
    from tidewatch.link.graph import LinkInput, build_networks
    from tidewatch.link.templates import group_signatures, signatures

    roots = group_signatures(signatures(texts)).roots()
    sizes = np.bincount(roots, minlength=len(texts))
    items = [LinkInput(str(i), acc, ids, int(roots[i]) if sizes[roots[i]] > 1 else None)
             for i, (acc, ids) in enumerate(idents)]
    label = [None] * len(texts)
    for net in build_networks(items):
        for pid in net.post_ids:
            label[int(pid)] = net.id
    return label


def link_corpus(posts: list[dict]) -> list:
    return group([p["text"] for p in posts], identifiers(posts))


def load(path: Path) -> tuple[list[dict], list[dict]]:
    posts = [orjson.loads(line) for line in open(path / "posts.jsonl", "rb")]
    truth = [orjson.loads(line) for line in open(path / "truth.jsonl", "rb")]
    return posts, truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--seeds", default="101,202,303")
    ap.add_argument("--quality-n", type=int, default=20000)
    ap.add_argument("--cache", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(Path(args.one))
        return
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)

    print("quality (adverts of each corpus; networks built from extracted identifiers, templates, images, accounts)")
    for seed in [int(s) for s in args.seeds.split(",")]:
        path = common.corpus(cache, args.quality_n, seed).parent
        posts, truth = load(path)
        adverts = [i for i, t in enumerate(truth) if t["label"] == 1]
        label = link_corpus([posts[i] for i in adverts])
        ari, p, r, f1 = pair_scores([truth[i]["network_id"] for i in adverts], label)
        n_true = len({truth[i]["network_id"] for i in adverts if truth[i]["network_id"]})
        print(f"  seed {seed}: {len(adverts):,} adverts, {n_true:,} planted networks: ARI {ari:.3f}, "
              f"pairwise precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")

    print("speed (all posts of the corpus linked, as if all were flagged; each size in a fresh process)")
    prev = None
    for n in [int(x) for x in args.sizes.split(",")]:
        path = common.corpus(cache, n, 11)
        res = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                             check=True)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        growth = f", link time x{r['link_s'] / prev[1]:.2f} for size x{n / prev[0]:.0f}" if prev else ""
        print(f"  {n:>9,} posts: link {r['link_s']:7.1f} s ({r['link_s'] * 1e5 / n:5.1f} s per 100k, ratio to "
              f"baseline {n / r['link_s'] / r['baseline']:.4f}); identifiers {r['ident_s']:6.1f} s; "
              f"peak memory {r['rss_mb']:,.0f} MB{growth}")
        prev = (n, r["link_s"])


def one(path: Path) -> None:
    base = common.baseline_rate(path, repeat=1)
    posts = [orjson.loads(line) for line in open(path, "rb")]
    t = time.perf_counter()
    idents = identifiers(posts)
    ident_s = time.perf_counter() - t
    texts = [p["text"] for p in posts]
    del posts
    t = time.perf_counter()
    group(texts, idents)
    link_s = time.perf_counter() - t
    print(json.dumps({"link_s": link_s, "ident_s": ident_s, "baseline": base, "rss_mb": common.peak_rss_mb()}))


if __name__ == "__main__":
    main()
