"""Synthetic corpus of smuggling adverts and hard negatives, with exact truth.

    from tidewatch.synth import generate, write_corpus
    for post, truth in generate(1000, seed=7): ...
    write_corpus(Path("data/sample"), 2000, 7)

`python -m tidewatch.synth --n 2000 --seed 7 --output data/sample` does the same from a shell.
"""
from tidewatch.synth.evasions import EVASIONS
from tidewatch.synth.generator import generate, write_corpus
from tidewatch.synth.templates import LANGS

__all__ = ["generate", "write_corpus", "LANGS", "EVASIONS"]
