"""Evaluation of a detector on labelled examples: overall and per-language precision, recall
and F1, false-positive rate per negative kind, category F1, a calibration table, worst errors."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from tidewatch.detect.data import Example
from tidewatch.records import CATEGORIES, Detection, NEGATIVE_KINDS

LANG_ALIASES = {"prs": "fa"}  # Dari is scored with Persian unless the labels say otherwise


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Report:
    overall: dict
    per_lang: dict
    fpr_by_kind: dict
    category_f1: dict
    category_macro_f1: float
    calibration: list
    worst: list

    def as_dict(self) -> dict:
        return {"overall": self.overall, "per_language": self.per_lang, "false_positive_rate_by_kind": self.fpr_by_kind,
                "category_f1": self.category_f1, "category_macro_f1": self.category_macro_f1,
                "calibration": self.calibration, "worst_errors": self.worst}


def evaluate(examples: Sequence[Example], detections: Sequence[Detection], worst: int = 15) -> Report:
    assert len(examples) == len(detections)
    counts = defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
    for ex, det in zip(examples, detections):
        lang = LANG_ALIASES.get(ex.lang or "und", ex.lang or "und")
        for key in ("all", lang):
            c = counts[key]
            if ex.label and det.label:
                c[0] += 1
            elif det.label:
                c[1] += 1
            elif ex.label:
                c[2] += 1
            else:
                c[3] += 1

    def row(c):
        p, r, f = prf(c[0], c[1], c[2])
        return {"n": sum(c), "positives": c[0] + c[2], "precision": round(p, 4), "recall": round(r, 4),
                "f1": round(f, 4), "tp": c[0], "fp": c[1], "fn": c[2]}

    overall = row(counts["all"])
    per_lang = {k: row(v) for k, v in sorted(counts.items()) if k != "all"}
    kinds = defaultdict(lambda: [0, 0])
    for ex, det in zip(examples, detections):
        if not ex.label:
            k = ex.kind if ex.kind in NEGATIVE_KINDS else "other"
            kinds[k][0] += 1
            kinds[k][1] += det.label
    fpr = {k: {"n": n, "false_positives": f, "rate": round(f / n, 4) if n else 0.0}
           for k, (n, f) in sorted(kinds.items())}
    cat_f1 = {}
    for cat in CATEGORIES:
        tp = fp = fn = 0
        for ex, det in zip(examples, detections):
            if not ex.label:
                continue
            want, got = cat in ex.categories, cat in det.categories
            tp += want and got
            fp += got and not want
            fn += want and not got
        if tp + fn:
            cat_f1[cat] = round(prf(tp, fp, fn)[2], 4)
    macro = round(sum(cat_f1.values()) / len(cat_f1), 4) if cat_f1 else 0.0
    bins = [[0, 0, 0.0] for _ in range(10)]
    for ex, det in zip(examples, detections):
        b = min(9, int(det.score * 10))
        bins[b][0] += 1
        bins[b][1] += ex.label
        bins[b][2] += det.score
    calibration = [{"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "n": n, "mean_score": round(s / n, 3) if n else None,
                    "observed_rate": round(pos / n, 3) if n else None} for i, (n, pos, s) in enumerate(bins)]
    errors = [(abs(ex.label - det.score), ex, det) for ex, det in zip(examples, detections) if ex.label != det.label]
    errors.sort(key=lambda t: -t[0])
    worst_rows = [{"id": ex.id, "lang": ex.lang, "label": ex.label, "kind": ex.kind, "score": det.score,
                   "text": ex.text[:200]} for _, ex, det in errors[:worst]]
    return Report(overall, per_lang, fpr, cat_f1, macro, calibration, worst_rows)
