"""Pipeline throughput on synthetic posts, as ratios to a baseline measured in the same run.

Baseline: read the same JSON Lines and run one compiled regex over each text.
Stages: normalise; language id; extract; normalise+langid+extract and classify (prepare + detect), both
batch-wise in batches of 512 as the commands run; synth;
full scan into SQLite. Peak memory is the process's maximum RSS.

    python bench/scan.py [--n 20000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import common  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--cache", default=str(Path(__file__).parent / "results"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    path = common.corpus(cache, args.n)
    docs = common.read_texts(path)
    texts = [d["text"] for d in docs]
    n = len(texts)

    from tidewatch.detect.loader import load_detector
    from tidewatch.extract import extract_all
    from tidewatch.pipeline import analyse_batch, prepare_many
    from tidewatch.text.langid import identify
    from tidewatch.text.normalise import normalise

    detector = load_detector()
    identify("warm up the language model")
    base = common.baseline_rate(path)
    print(f"corpus: {n:,} synthetic posts ({path})")
    print(f"{'baseline (read JSONL + one regex)':<38} {base:>12,.0f} posts/s")

    items = [(str(i), t, None) for i, t in enumerate(texts)]  # batches of 512, as `classify` and `scan` run
    norms = [normalise(t) for t in texts]
    langs = [identify(t, m).lang for t, m in zip(texts, norms)]
    rates = {
        "normalise": common.best_rate(lambda: [normalise(t) for t in texts], n),
        "language id": common.best_rate(lambda: [identify(t, m) for t, m in zip(texts, norms)], n),
        "extract (all kinds)": common.best_rate(lambda: [extract_all(t, lg) for t, lg in zip(texts, langs)], n),
        "normalise + langid + extract": common.best_rate(lambda: [prepare_many(items[i:i + 512]) for i in range(0, n, 512)], n),
    }
    prepared = prepare_many(items)
    rates[f"detect only ({detector.version})"] = common.best_rate(
        lambda: [detector.detect_batch(prepared[i:i + 512]) for i in range(0, n, 512)], n)
    rates["classify (prepare + detect)"] = common.best_rate(
        lambda: [detector.detect_batch(prepare_many(items[i:i + 512])) for i in range(0, n, 512)], n, repeat=2)
    from tidewatch.synth import generate

    def synth() -> None:
        for _pair in generate(n, 8):
            pass

    rates["synth (generate posts + truth)"] = common.best_rate(synth, n, repeat=2)
    for name, rate in rates.items():
        print(common.row(name, rate, base))

    from tidewatch.runner import run_import
    from tidewatch.ingest.jsonl import JsonlSource
    from tidewatch.store.repo import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")

        def on_new(posts):
            analysed = analyse_batch(posts, detector)
            store.save_results([a.detection for a in analysed], {a.post.id: a.entities for a in analysed})

        t = time.perf_counter()
        run_import(JsonlSource(str(path)), store, rejects_path=None, on_new=on_new)
        scan_rate = n / (time.perf_counter() - t)
        store.close()
    print(common.row("scan into SQLite (end to end)", scan_rate, base))
    print(f"peak memory (max RSS): {common.peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
