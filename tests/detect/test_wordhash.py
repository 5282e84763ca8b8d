"""Batch word hashing in NumPy gives exactly the hashes of the one-word-at-a-time reference."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidewatch.detect.loader import MODEL_DIR
from tidewatch.detect.model import SmugglingDetector
from tidewatch.detect.wordhash import reference_hashes, word_ngrams

N = 2 ** 18
TEXTS = ["boat to uk 1500€ tonight", "بەلەم بۆ بەریتانیا", "", "ጀልባ ወደ ጣሊያን", "a b a b", "🚤🚤 uk",
         "x" * 300, "dm_me now", "١٥٠٠ یورو", "đi anh quốc tối nay"]


def _reference_row(text: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    for h in reference_hashes(text):
        b = (h >> 20) % N
        counts[b] = counts.get(b, 0.0) + 1.0
    norm = sum(v * v for v in counts.values()) ** 0.5 or 1.0
    return {b: v / norm for b, v in counts.items()}


def _rows(X) -> list[dict[int, float]]:
    return [dict(zip(X[i].indices.tolist(), X[i].data.tolist())) for i in range(X.shape[0])]


def test_batch_equals_reference_on_every_script():
    X = word_ngrams(TEXTS, N)
    for text, row in zip(TEXTS, _rows(X)):
        ref = _reference_row(text)
        assert row.keys() == ref.keys(), text
        assert all(row[k] == pytest.approx(ref[k], rel=1e-6) for k in ref)


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab c_1é\u064e ب🚤\n")), max_size=30), min_size=1, max_size=8))
@settings(max_examples=200)
def test_a_post_hashes_the_same_whatever_batch_it_is_in(texts):
    X = word_ngrams(texts, N)
    for i, text in enumerate(texts):
        alone = word_ngrams([text], N)
        assert _rows(alone)[0] == pytest.approx(_rows(X)[i])


def test_words_do_not_run_across_posts():
    X = word_ngrams(["boat", "uk"], N)
    both = word_ngrams(["boat uk"], N)
    assert X[0].nnz == 1 and X[1].nnz == 1 and both[0].nnz == 3  # two words and their bigram


def test_a_model_from_the_old_word_hashing_is_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODEL_DIR, folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["featuriser"].pop("word_hash")
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="rebuild the model"):
        SmugglingDetector.load(folder)
    assert np.load(folder / "weights.npz")  # the folder itself is intact
