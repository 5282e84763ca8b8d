"""Streaming: constant memory and speed, so that corpora of millions of posts can be generated."""
from __future__ import annotations

import tracemalloc

import pytest

from tidewatch.synth import generate


def _peak(n: int) -> int:
    tracemalloc.start()
    try:
        for _pair in generate(n, 7):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_corpus():
    list(generate(300, 1))  # load the language packs outside the measurement
    small, large = _peak(1_000), _peak(6_000)
    assert large < 10 * 1024 * 1024
    assert large < small + 2 * 1024 * 1024, (small, large)


@pytest.mark.slow
def test_two_hundred_thousand_posts_stream_in_bounded_memory():
    """Generation speed is measured in bench/scan.py (a ratio to the baseline), not timed here."""
    list(generate(300, 1))
    assert _peak(200_000) < 50 * 1024 * 1024
