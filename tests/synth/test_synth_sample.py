"""The bundled demo corpus and the command that regenerates it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from tidewatch.synth import write_corpus

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


def test_bundled_sample_is_what_the_generator_writes(tmp_path):
    """data/sample is 2,000 posts with seed 7; regenerate it after changing the generator."""
    counts = write_corpus(tmp_path, 2000, 7)
    assert counts["posts"] == 2000
    for name in ("posts.jsonl", "truth.jsonl"):
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/sample/{name} is stale: run python -m tidewatch.synth --n 2000 --seed 7 --output data/sample")


def test_module_command_writes_a_corpus(tmp_path):
    out = tmp_path / "corpus"
    run = subprocess.run([sys.executable, "-m", "tidewatch.synth", "--n", "40", "--seed", "3", "--output", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Wrote 40 posts" in run.stderr
    posts = (out / "posts.jsonl").read_bytes().splitlines()
    truth = (out / "truth.jsonl").read_bytes().splitlines()
    assert len(posts) == len(truth) == 40
    assert [orjson.loads(p)["id"] for p in posts] == [orjson.loads(t)["id"] for t in truth]


def test_module_command_refuses_bad_arguments(tmp_path):
    for args in (["--n", "-5"], ["--positive-rate", "2"], []):
        run = subprocess.run([sys.executable, "-m", "tidewatch.synth", *args,
                              *(["--output", str(tmp_path)] if args else [])],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, (args, run.stderr)
