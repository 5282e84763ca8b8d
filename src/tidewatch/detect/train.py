"""Rebuild the detector from the labelled data in the repository (`tidewatch train`).

Training data: the hand-labelled examples under data/labelled/train (many hard negatives per
language), the shared seed set, and synthetic posts from `tidewatch.synth` at a lower weight.
Out-of-fold scores over grouped folds (near-duplicates and shared phones kept together)
calibrate the score, choose the threshold and give the per-language figures of the model card.
"""
from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from tidewatch.detect.base import Doc
from tidewatch.detect.data import Example, example_from_dict, read_many
from tidewatch.detect.evaluate import evaluate
from tidewatch.detect.model import SmugglingDetector
from tidewatch.detect.ngram_baseline import CharNgramBaseline
from tidewatch.detect.split import near_duplicate_groups
from tidewatch.records import Detection

SYNTH_WEIGHT = 0.5


def default_paths(root: Path) -> dict:
    labelled = root / "data" / "labelled"
    return {"train_dirs": sorted(p for p in labelled.glob("train*") if p.is_dir()),
            "eval_dirs": sorted(p for p in labelled.glob("eval*") if p.is_dir()),
            "seed": root.parent / "shared" / "data" / "dev_labelled.jsonl"}


def synthetic_examples(n: int, seed: int = 2024) -> list[Example]:
    if n <= 0:
        return []
    from tidewatch.synth import generate

    out = []
    for post, truth in generate(n, seed):
        d = {"id": f"synth-{post['id']}", "text": post["text"], "label": truth["label"], "lang": truth.get("lang"),
             "categories": truth.get("categories") or [], "kind": truth.get("kind"), "entities": truth.get("entities")}
        out.append(example_from_dict(d, source="synth", weight=SYNTH_WEIGHT))
    return out


def gather(train_dirs: Sequence[Path], seed: Path | None, n_synth: int) -> list[Example]:
    examples = read_many(sorted(p for d in train_dirs for p in d.glob("*.jsonl")))
    if seed is not None and seed.exists():
        examples += read_many([seed])
    examples += synthetic_examples(n_synth)
    return examples


def prepare_examples(examples: Sequence[Example]) -> list[Doc]:
    from tidewatch.pipeline import prepare_many

    return prepare_many([(ex.id, ex.text, None) for ex in examples])


def git_version(root: Path) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"tidewatch-detector-{rev or 'local'}"


def author_set(example: Example) -> str:
    """Which independently written set an example comes from: train, train2, the seed, synthetic."""
    if example.source == "synth":
        return "synth"
    return Path(example.source).parent.name or "unknown"


def fold_groups(examples: Sequence[Example]) -> list[str]:
    """Folds that leave out one independently written set at a time, so out-of-fold scores
    measure the model on writers it has not seen. Near-duplicates and shared phones live inside
    one writer's set, so they never straddle a fold. (Phones are not linked across sets: every
    set uses the same few fictional ranges, so a shared number there is chance, not a tie.)"""
    return [author_set(e) for e in examples]


def train(examples: Sequence[Example], out_dir: Path, version: str, eval_examples: Sequence[Example] = ()) -> dict:
    docs = prepare_examples(examples)
    groups = fold_groups(examples)
    if len(set(groups)) < 3:  # too few independent sets: grouped random folds instead
        groups = near_duplicate_groups([e.text for e in examples], [e.phones for e in examples])
    model = SmugglingDetector()
    model.fit(docs, [e.label for e in examples], [e.categories for e in examples],
              sample_weight=[e.weight for e in examples], groups=groups, version=version,
              calibrate_on=[e.source != "synth" for e in examples])
    # out-of-fold figures per language (the honest view of the training data)
    oof = [Detection(e.id, float(s), int(s >= model.threshold_), e.categories, (), d.lang.lang, version)
           for e, d, s in zip(examples, docs, model.oof_scores_)]
    real = [i for i, e in enumerate(examples) if e.source != "synth"]
    oof_report = evaluate([examples[i] for i in real], [oof[i] for i in real])
    card = {
        "data": {"examples": len(examples), "by_source": dict(Counter("/".join(Path(e.source).parts[-2:]) if e.source != "synth"
                                                                         else "synth" for e in examples)),
                 "by_language": dict(sorted(Counter(e.lang or "und" for e in examples).items())),
                 "positives": int(sum(e.label for e in examples)), "groups": len(set(groups)),
                 "folds": "one independently written set left out per fold" if isinstance(groups[0], str)
                 else "grouped 5-fold (near-duplicates and shared phones kept together)"},
        "threshold": model.threshold_, "target_precision": model.target_precision,
        "out_of_fold": {"overall": oof_report.overall, "per_language": oof_report.per_lang,
                        "false_positive_rate_by_kind": oof_report.fpr_by_kind},
    }
    if eval_examples:
        dets = model.detect_batch(prepare_examples(eval_examples))
        rep = evaluate(eval_examples, dets)
        card["held_out"] = {"overall": rep.overall, "per_language": rep.per_lang,
                            "false_positive_rate_by_kind": rep.fpr_by_kind, "category_macro_f1": rep.category_macro_f1}
    model.save(out_dir, card)
    baseline = CharNgramBaseline().fit([e.text for e in examples], [e.label for e in examples],
                                       sample_weight=np.asarray([e.weight for e in examples]))
    baseline.save(out_dir / "ngram_baseline.npz")
    (out_dir / "CARD.md").write_text(render_card(version, card), encoding="utf-8")
    return card


def render_card(version: str, card: dict) -> str:
    lines = [f"# Model card: {version}", "",
             "A calibrated logistic-regression detector of people-smuggling adverts over cross-lingual cue-concept",
             "and entity features (lexicons in `detect/lexicon/`, extractors in `extract/`) and hashed character and",
             "word n-grams of the normalised text. Rebuilt by `tidewatch train` (or `make model`) from the data in the",
             "repository; saved as JSON + NumPy arrays (no pickle).", "", "## Data", ""]
    d = card["data"]
    lines.append(f"{d['examples']:,} examples ({d['positives']:,} positive).")
    lines.append("")
    lines.append("| source | examples |\n| --- | ---: |")
    lines += [f"| {k} | {v:,} |" for k, v in sorted(d["by_source"].items())]
    lines += ["", f"Threshold {card['threshold']:.3f}, chosen on out-of-fold scores for precision ≥ {card['target_precision']}.", ""]
    lines.append(f"Folds: {d.get('folds', '')}.")
    lines.append("")
    for key, title in (("out_of_fold", "Out-of-fold on the hand-labelled training data"),
                       ("held_out", "Held-out evaluation sets (data/labelled/eval*), written apart from the training sets")):
        if key not in card:
            continue
        sec = card[key]
        o = sec["overall"]
        lines += [f"## {title}", "", f"Overall: precision {o['precision']:.3f}, recall {o['recall']:.3f}, F1 {o['f1']:.3f} (n={o['n']:,}).", "",
                  "| language | n | positives | precision | recall | F1 |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for lang, r in sec["per_language"].items():
            lines.append(f"| {lang} | {r['n']} | {r['positives']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
        if "category_macro_f1" in sec:
            lines += ["", f"Category macro-F1: {sec['category_macro_f1']:.3f}."]
        lines += ["", "| negative kind | n | false-positive rate |", "| --- | ---: | ---: |"]
        for kind, r in sec["false_positive_rate_by_kind"].items():
            lines.append(f"| {kind} | {r['n']} | {r['rate']:.3f} |")
        lines.append("")
    lines += ["## Known limits", "",
              "- Trained on a few thousand hand-written and synthetic examples; Tigrinya, Amharic and Pashto need review by native speakers.",
              "- Dari and Persian are scored together; Tigrinya and Amharic are told apart by a word list.",
              "- Text inside images is not read yet (OCR comes with the media stage).",
              "- New code words are learned only once they appear in labelled data or the lexicon.", ""]
    return "\n".join(lines)
