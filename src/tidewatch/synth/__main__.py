"""`python -m tidewatch.synth --n N --seed S --output DIR`: write posts.jsonl and truth.jsonl."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tidewatch.synth.generator import write_corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tidewatch.synth", description=__doc__)
    ap.add_argument("--n", type=int, default=2000, help="number of posts (default 2000)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--output", type=Path, required=True, help="directory for posts.jsonl and truth.jsonl")
    ap.add_argument("--positive-rate", type=float, default=0.3, help="share of adverts (default 0.3)")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("--n must be >= 0")
    if not 0 <= args.positive_rate <= 1:
        ap.error("--positive-rate must be between 0 and 1")
    t0 = time.perf_counter()
    counts = write_corpus(args.output, args.n, args.seed, positive_rate=args.positive_rate)
    dt = time.perf_counter() - t0
    print(f"Wrote {counts['posts']:,} posts ({counts['positives']:,} adverts, {counts['networks']:,} networks) "
          f"to {args.output} in {dt:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
