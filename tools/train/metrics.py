"""Evaluation metrics of the coarse classifier: one-vs-rest ROC AUC per class,
mAUC, top-k accuracy, all with optional per-sample weights (weight 1/n_file
makes every file count equally when files of very different sizes are pooled).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score

from dataset import COARSE


def per_class_auc(y_true, scores, weights=None) -> Dict[str, Optional[float]]:
    """One-vs-rest AUC of score column k for class k; None for a class that has no positives or
    no negatives here (its AUC is undefined, not 0.5)."""
    y = np.asarray(y_true)
    s = np.asarray(scores)
    out = {}
    for k, name in enumerate(COARSE):
        positive = y == k
        defined = positive.any() and not positive.all()
        out[name] = float(roc_auc_score(positive, s[:, k], sample_weight=weights)) if defined else None
    return out


def mean_auc(per_class: Dict[str, Optional[float]]) -> Optional[float]:
    """Mean over the classes whose AUC is defined."""
    defined = [v for v in per_class.values() if v is not None]
    return float(np.mean(defined)) if defined else None


def topk_accuracy(y_true, scores, k: int = 1, weights=None) -> float:
    y = np.asarray(y_true)
    top = np.argsort(-np.asarray(scores), axis=1)[:, :k]
    hit = (top == y[:, None]).any(axis=1)
    return float(np.average(hit, weights=weights))


def evaluate(y_true, scores, weights=None) -> dict:
    """Everything reported for one model on one data set."""
    auc = per_class_auc(y_true, scores, weights)
    return {"n": int(len(y_true)), "auc": auc, "mAUC": mean_auc(auc),
            "top1": topk_accuracy(y_true, scores, 1, weights), "top2": topk_accuracy(y_true, scores, 2, weights)}


def file_weights(file_ids) -> np.ndarray:
    """1 / (packets of the sample's file): each file then weighs the same in total."""
    ids = np.asarray(file_ids)
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def table_row(name: str, result: dict, digits: int = 3) -> Dict[str, str]:
    """One markdown-table row (column -> cell) of an `evaluate` result; '–' for undefined."""
    cell = lambda v: "–" if v is None else "%.*f" % (digits, v)
    return {"model": name, **{c: cell(result["auc"][c]) for c in COARSE},
            "mAUC": cell(result["mAUC"]), "top-1": cell(result["top1"])}


def markdown_table(rows: Sequence[Dict[str, str]]) -> str:
    cols: List[str] = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(lines)


REAL_CAP = 2000   # packets per real file in the real-traffic metrics (issue 11 targets)


def real_metrics(files: Sequence[str], labels: Sequence[np.ndarray], probs: Sequence[np.ndarray],
                 cap: int = REAL_CAP) -> dict:
    """The real-traffic figures of the protocol on a set of files, each cut to its
    first `cap` packets: pooled mAUC, the share of files whose majority
    predicted label is the file's class, the share of packets labelled an
    attack in each benign file, and per file top-1 and majority label."""
    per_file, ys, ps = [], [], []
    for name, y, p in zip(files, labels, probs):
        y, p = np.asarray(y)[:cap], np.asarray(p)[:cap]
        cls = int(np.bincount(y, minlength=len(COARSE)).argmax()) if not (y > 0).any() else int(y[y > 0][0])
        pred = p.argmax(1)
        majority = int(np.bincount(pred, minlength=len(COARSE)).argmax())
        per_file.append({"file": name, "packets": int(len(y)), "class": COARSE[cls],
                         "top1": float((pred == y).mean()), "majority": COARSE[majority],
                         "majority_right": majority == cls,
                         "attack_share": float((pred != 0).mean()),
                         "predicted": {c: int((pred == k).sum()) for k, c in enumerate(COARSE)}})
        ys.append(y)
        ps.append(p)
    benign = [f for f in per_file if f["class"] == "Benign"]
    return {"cap": cap, "files": len(per_file), "pooled": evaluate(np.concatenate(ys), np.concatenate(ps)),
            "majority_right_share": float(np.mean([f["majority_right"] for f in per_file])),
            "benign_max_attack_share": max((f["attack_share"] for f in benign), default=None),
            "benign_files_over_5pct": [f["file"] for f in benign if f["attack_share"] > 0.05],
            "per_file": per_file}
