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
import tracemalloc
from math import comb
from pathlib import Path

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


def link_corpus(posts: list[dict]) -> list:
    """Posts (dicts in the post schema) -> network label per post, by tidewatch's own stages."""
    from tidewatch.extract.handles import extract_handles
    from tidewatch.extract.phones import extract_phones
    from tidewatch.extract.regions import guess_regions
    from tidewatch.link.graph import LinkInput, build_networks
    from tidewatch.link.templates import group_signatures, signatures

    texts = [p["text"] for p in posts]
    sigs = signatures(texts)
    roots = group_signatures(sigs).roots()
    sizes = {}
    for r in roots:
        sizes[int(r)] = sizes.get(int(r), 0) + 1
    items = []
    for i, p in enumerate(posts):
        t = p["text"]
        idents = {("phone", e.value) for e in extract_phones(t, regions=guess_regions(t, None))}
        idents |= {("handle", e.value) for e in extract_handles(t)}
        idents |= {("image", m["sha256"]) for m in p.get("media") or [] if m.get("sha256")}
        a = p.get("author") or {}
        account = f"{p.get('platform')}:{(a.get('id') or a.get('handle') or '').lower()}" if a else None
        template = int(roots[i]) if sizes[int(roots[i])] > 1 else None
        items.append(LinkInput(str(i), account, tuple(sorted(idents)), template))
    label = [None] * len(posts)
    for net in build_networks(items):
        for pid in net.post_ids:
            label[int(pid)] = net.id
    return label


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
    args = ap.parse_args()
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

    print("speed (all posts of the corpus linked, as if all were flagged)")
    prev = None
    for n in [int(s) for s in args.sizes.split(",")]:
        path = common.corpus(cache, n, 11)
        base = common.baseline_rate(path, repeat=1)
        posts = [orjson.loads(line) for line in open(path, "rb")]
        tracemalloc.start()
        t = time.perf_counter()
        link_corpus(posts)
        secs = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
        rate = n / secs
        growth = f", time growth x{secs / prev[1]:.2f} for size x{n / prev[0]:.1f}" if prev else ""
        print(f"  {n:>9,} posts: {secs:7.1f} s ({secs * 100000 / n:6.1f} s per 100k), {rate:,.0f} posts/s, "
              f"ratio to baseline {rate / base:.4f}, peak traced memory {peak:,.0f} MB{growth}")
        prev = (n, secs)
        del posts


if __name__ == "__main__":
    main()
