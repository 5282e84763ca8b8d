"""Batch char n-gram hashing: same text same row, rows unit length, documents never mix."""
import numpy as np

from tidewatch.detect.charhash import char_ngrams


def test_rows_are_unit_length_and_deterministic():
    texts = ["boat to uk", "بەلەم بۆ بەریتانیا", "ጀልባ ወደ ጣልያን", "", "🚤🚤"]
    a = char_ngrams(texts)
    b = char_ngrams(list(reversed(texts)))
    norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    assert np.allclose(norms, 1.0)
    assert (a[0] != b[4]).nnz == 0  # a row does not depend on its batch


def test_similar_texts_are_close_and_different_scripts_far():
    X = char_ngrams(["boat to uk tonight", "boat to uk tomorrow", "بەلەم بۆ بەریتانیا"])
    sims = (X @ X.T).toarray()
    assert sims[0, 1] > 0.5 and sims[0, 2] < 0.1


def test_ngrams_do_not_cross_documents():
    X1 = char_ngrams(["ab"])
    X2 = char_ngrams(["ab", "cd"])
    assert (X1[0] != X2[0]).nnz == 0
