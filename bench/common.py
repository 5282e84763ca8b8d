"""Shared helpers for benchmarks: corpus generation, timing, the baseline, memory."""
from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import orjson

BASELINE_RE = re.compile(r"(?:boat|whatsapp|\+?\d[\d \-]{7,}\d)", re.IGNORECASE)


def corpus(path: Path, n: int, seed: int = 11) -> Path:
    """A synthetic corpus of n posts (cached by size and seed)."""
    from tidewatch.synth import write_corpus

    out = path / f"synth-{n}-{seed}"
    if not (out / "posts.jsonl").exists():
        out.mkdir(parents=True, exist_ok=True)
        write_corpus(out, n, seed)
    return out / "posts.jsonl"


def read_texts(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


def baseline_rate(path: Path, repeat: int = 3) -> float:
    """Posts/s for the floor every pipeline pays: read the JSON Lines, run one compiled regex per text."""
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        n = 0
        with open(path, "rb") as f:
            for line in f:
                d = orjson.loads(line)
                BASELINE_RE.search(d["text"])
                n += 1
        best = max(best, n / (time.perf_counter() - t))
    return best


def best_rate(fn, n_items: int, repeat: int = 3) -> float:
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = max(best, n_items / (time.perf_counter() - t))
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def row(name: str, rate: float, base: float) -> str:
    return f"{name:<38} {rate:>12,.0f} posts/s   ratio to baseline {rate / base:>7.3f}"
