"""The plain character n-gram baseline: logistic regression over hashed char 2-4-grams of the
raw lower-cased text, no lexicon, no normalisation, no entities. `tidewatch eval` reports it
beside the model so the value of the rest is visible."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

from tidewatch.detect.base import Doc
from tidewatch.records import Detection


class CharNgramBaseline:
    version = "char-ngram-1"

    def __init__(self, n_features: int = 2 ** 18, C: float = 4.0):
        self.vec = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=n_features,
                                     alternate_sign=False, norm="l2", dtype=np.float32)
        self.C = C

    def fit(self, texts: Sequence[str], labels: Sequence[int], sample_weight=None) -> "CharNgramBaseline":
        clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced", solver="liblinear")
        clf.fit(self.vec.transform(texts), np.asarray(labels), sample_weight=sample_weight)
        self.coef_ = clf.coef_.ravel().astype(np.float32)
        self.intercept_ = float(clf.intercept_[0])
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = np.asarray(self.vec.transform(texts) @ self.coef_).ravel() + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def detect_batch(self, docs: Sequence[Doc]) -> list[Detection]:
        p = self.predict_proba([d.text for d in docs])
        return [Detection(d.post_id, round(float(s), 4), int(s >= 0.5), (), (), d.lang.lang, self.version)
                for d, s in zip(docs, p)]

    def save(self, path: Path) -> None:
        idx = np.flatnonzero(self.coef_)
        np.savez_compressed(path, idx=idx.astype(np.int32), val=self.coef_[idx],
                            n=np.array([self.coef_.shape[0]]), intercept=np.array([self.intercept_]))

    @classmethod
    def load(cls, path: Path) -> "CharNgramBaseline":
        with np.load(path, allow_pickle=False) as w:
            m = cls(n_features=int(w["n"][0]))
            m.coef_ = np.zeros(int(w["n"][0]), dtype=np.float32)
            m.coef_[w["idx"]] = w["val"]
            m.intercept_ = float(w["intercept"][0])
        return m
