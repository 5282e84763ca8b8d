"""The detector: fits, calibrates, explains, and survives a save/load without pickle."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tidewatch.detect.data import example_from_dict
from tidewatch.detect.model import SmugglingDetector, _threshold_for_precision
from tidewatch.detect.train import prepare_examples
from tidewatch.records import CATEGORIES


@pytest.fixture(scope="module")
def trained(seed_rows, tmp_path_factory):
    examples = [example_from_dict(r) for r in seed_rows]
    docs = prepare_examples(examples)
    model = SmugglingDetector().fit(docs, [e.label for e in examples], [e.categories for e in examples],
                                    version="test")
    path = tmp_path_factory.mktemp("model")
    model.save(path, card={"note": "test"})
    return model, path, examples, docs


def test_scores_are_probabilities_and_labels_follow_the_threshold(trained):
    model, _, _, docs = trained
    dets = model.detect_batch(docs)
    for d in dets:
        assert 0.0 <= d.score <= 1.0
        assert d.label == int(d.score >= model.threshold_)
        assert set(d.categories) <= set(CATEGORIES)
        assert bool(d.categories) == bool(d.label)


def test_fits_its_training_data(trained):
    model, _, examples, docs = trained
    dets = model.detect_batch(docs)
    acc = np.mean([d.label == e.label for d, e in zip(dets, examples)])
    assert acc > 0.9


def test_save_load_round_trip_is_exact_and_pickle_free(trained):
    model, path, _, docs = trained
    with np.load(path / "weights.npz", allow_pickle=False) as w:  # must not need pickle
        assert set(w.files) >= {"coef_idx", "coef_val"}
    meta = json.loads((path / "model.json").read_text())
    assert meta["format"] == "tidewatch-detector/1" and meta["card"] == {"note": "test"}
    loaded = SmugglingDetector.load(path)
    a = model.detect_batch(docs)
    b = loaded.detect_batch(docs)
    assert [x.score for x in a] == [y.score for y in b]
    assert [x.categories for x in a] == [y.categories for y in b]


def test_load_refuses_a_foreign_file(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="not a tidewatch detector"):
        SmugglingDetector.load(tmp_path)


def test_explanations_point_into_the_original_text(trained):
    model, _, _, _ = trained
    text = "🇬🇧🚤 Boat to UK tonight from Dunkirk, 1500€ per person, children free. WhatsApp +44 7700 900123"
    doc = prepare_examples([example_from_dict({"id": "x", "text": text, "label": 1})])[0]
    det = model.detect_batch([doc])[0]
    assert det.label == 1
    assert det.cues
    for c in det.cues:
        assert 0 <= c.start < c.end <= len(text)
        assert c.concept and c.gloss
    exp = model.explain(doc)
    assert exp["score"] == pytest.approx(det.score, abs=1e-4)
    assert exp["features"]  # named feature contributions
    concepts = {c["concept"] for c in exp["cues"]}
    assert "entity:phone" in concepts and "entity:price" in concepts


@pytest.mark.parametrize("p,y,target,expected_range", [
    ([0.9, 0.8, 0.7, 0.2, 0.1], [1, 1, 1, 0, 0], 0.9, (0.2, 0.7)),
    ([0.9, 0.8, 0.6, 0.5, 0.1], [1, 0, 1, 1, 0], 0.99, (0.8, 0.95)),
])
def test_threshold_meets_the_precision_target_when_it_can(p, y, target, expected_range):
    t = _threshold_for_precision(np.array(p), np.array(y), target)
    lo, hi = expected_range
    assert lo < t <= hi


def test_the_packaged_model_is_current():
    """The shipped model must be rebuilt (`make model`) whenever the features or lexicons change."""
    from tidewatch.detect.lexicon import default_lexicon
    from tidewatch.detect.loader import MODEL_DIR

    if not (MODEL_DIR / "model.json").exists():
        pytest.fail("no packaged model: run `make model` and commit src/tidewatch/detect/model/")
    meta = json.loads((MODEL_DIR / "model.json").read_text())
    assert meta["lexicon"] == default_lexicon().fingerprint(), "lexicon changed: run `make model`"
    model = SmugglingDetector.load(MODEL_DIR)
    assert model.threshold_ > 0 and model.version.startswith("tidewatch-detector")


def test_category_thresholds_are_tuned_saved_and_used(trained):
    model, path, _, docs = trained
    assert model.category_threshold_.shape == (len(CATEGORIES),)
    assert np.all((model.category_threshold_ >= 0.2) & (model.category_threshold_ <= 0.8))
    loaded = SmugglingDetector.load(path)
    assert np.allclose(loaded.category_threshold_, model.category_threshold_, atol=1e-4)
    before = [d.categories for d in loaded.detect_batch(docs)]
    k = max(range(len(CATEGORIES)), key=lambda i: sum(CATEGORIES[i] in c for c in before))
    assert any(CATEGORIES[k] in c for c in before)
    loaded.category_threshold_[k] = 1.01  # this head can no longer fire on its own
    after = [d.categories for d in loaded.detect_batch(docs)]
    assert all(CATEGORIES[k] not in c or c == (CATEGORIES[k],) for c in after)  # only as the fallback
    assert sum(CATEGORIES[k] in c for c in after) < sum(CATEGORIES[k] in c for c in before)


def test_ngrams_see_the_shape_of_numbers_not_the_numbers(trained):
    """A model learns "a phone number here", not the fictional numbers of its training posts."""
    from tidewatch.pipeline import prepare

    model, path, _, _ = trained
    assert json.loads((path / "model.json").read_text())["featuriser"]["digits"] == "zero"
    a = prepare("a", "Boat to UK 1500€, WhatsApp +44 7700 900123")
    b = prepare("b", "Boat to UK 2300€, WhatsApp +90 5324 817769")
    X, _ = model.featuriser.transform([a, b])
    n = model.featuriser.n_dense
    assert (X[0, n:] != X[1, n:]).nnz == 0  # same n-grams
    assert model.detect_batch([a])[0].score == pytest.approx(model.detect_batch([b])[0].score, abs=0.05)


def test_a_model_from_before_the_digits_setting_still_reads_digits(trained, tmp_path):
    import shutil

    _, path, _, docs = trained
    copy = tmp_path / "old"
    shutil.copytree(path, copy)
    meta = json.loads((copy / "model.json").read_text())
    del meta["featuriser"]["digits"]
    (copy / "model.json").write_text(json.dumps(meta))
    old = SmugglingDetector.load(copy)
    assert old.featuriser.digits == "keep"
    a = docs[0]
    X_old, _ = old.featuriser.transform([a])
    assert X_old.shape[1] == old.coef_.shape[0]
    meta["featuriser"]["digits"] = "roman"
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="digits"):
        SmugglingDetector.load(copy)
