"""Per-packet baselines of the paper's Table II (XGBoost, LightGBM, DNN) on the
engine's own features: each model sees one packet's 128 features (u8 / 255),
no window. Trained on the lab training split (splits.LAB["train"]); run on
its own it scores the validation split; the pipeline scores the test sets
once, in its final evaluation step (docs/training.md, Protocol).

    /usr/bin/python3 tools/train/baselines.py [--fraction 0.5] [--out build/train/baselines.json]

--fraction keeps, of every (training capture, fine class), the first fraction
of its packets in file (time) order: a prefix per class, so every class stays
present at small fractions (a prefix of the whole capture would drop the
attacks scheduled late), and no packet is kept whose predecessors in the same
run were dropped, which random sampling would do.
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Callable, Dict, List, Sequence

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.neural_network import MLPClassifier
from xgboost import XGBClassifier

from dataset import COARSE, REPO, Capture, load_lab
from metrics import evaluate, markdown_table, real_metrics, table_row
from realpcaps import load_realpcaps

N_JOBS = 2


def models(seed: int) -> Dict[str, Callable[[], object]]:
    """Table II rows; sizes chosen to fit a few minutes on 2 cores."""
    return {
        "XGBoost": lambda: XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist",
                                         max_bin=64, n_jobs=N_JOBS, random_state=seed),
        "LightGBM": lambda: LGBMClassifier(n_estimators=200, num_leaves=63, learning_rate=0.1, max_bin=63,
                                           n_jobs=N_JOBS, random_state=seed, verbose=-1),
        # The "DNN" row: the paper edge model's packet MLP widths (128-128-64).
        "DNN (MLP)": lambda: MLPClassifier(hidden_layer_sizes=(128, 128, 64), early_stopping=True, max_iter=25,
                                           random_state=seed),
    }


def class_prefix(capture: Capture, fraction: float) -> np.ndarray:
    """Row indices of the first `fraction` of each fine class's packets, in file order."""
    keep = np.zeros(len(capture), dtype=bool)
    for fine in np.unique(capture.fine):
        rows = np.flatnonzero(capture.fine == fine)
        keep[rows[:max(1, int(round(fraction * len(rows))))]] = True
    return np.flatnonzero(keep)


def inputs(captures: Sequence[Capture], rows: Sequence[np.ndarray] = None):
    """(X float32 in 0..1, coarse labels) of the given rows of each capture (all rows by default)."""
    rows = rows or [np.arange(len(c)) for c in captures]
    X = np.concatenate([c.X[r] for c, r in zip(captures, rows)]).astype(np.float32) / 255.0
    return X, np.concatenate([c.coarse[r] for c, r in zip(captures, rows)])


def fit(train: Sequence[Capture], fraction: float, seed: int, only: Sequence[str] = ()) -> Dict[str, object]:
    """The baselines fitted on the training captures (first `fraction` of each
    fine class per capture, see class_prefix); no choice is made here, the
    hyper-parameters are fixed above."""
    X_tr, y_tr = inputs(train, [class_prefix(c, fraction) for c in train])
    fitted = {}
    for name, make in models(seed).items():
        if only and name not in only:
            continue
        t = time.time()
        fitted[name] = make().fit(X_tr, y_tr)
        print("%s (fraction %.2f): fit %.1f s on %d packets" % (name, fraction, time.time() - t, len(y_tr)), flush=True)
    return fitted


def probs(model, capture: Capture) -> np.ndarray:
    return model.predict_proba(inputs([capture])[0])


def run(fraction: float, seed: int, only: Sequence[str]) -> dict:
    """Stand-alone use: fit on the training split and score the validation
    split (lab validation captures, real validation files). The test sets are
    scored only by the pipeline's final evaluation step."""
    fitted = fit(load_lab("train"), fraction, seed, only)
    lab_val = load_lab("validation")
    real, files, _ = load_realpcaps("validation")
    result = {"fraction": fraction, "seed": seed, "models": {}}
    for name, model in fitted.items():
        p_lab = np.concatenate([probs(model, c) for c in lab_val])
        y_lab = np.concatenate([c.coarse for c in lab_val])
        result["models"][name] = {
            "lab_validation": evaluate(y_lab, p_lab),
            "real_validation": real_metrics([f.file for f in files], [c.coarse for c in real],
                                            [probs(model, c) for c in real]),
        }
    return result


def report(result: dict) -> str:
    parts = [markdown_table([table_row(name, m["lab_validation"]) for name, m in result["models"].items()]),
             markdown_table([table_row(name, m["real_validation"]["pooled"]) for name, m in result["models"].items()])]
    return "lab validation, then real validation files (pooled, capped), fraction %.2f:\n\n%s" % (
        result["fraction"], "\n\n".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fraction", type=float, default=1.0, help="training data kept (0 < f <= 1), see above")
    ap.add_argument("--out", default="build/train/baselines.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", nargs="*", default=[], help="subset of: " + ", ".join(models(0)))
    args = ap.parse_args()
    if not 0 < args.fraction <= 1:
        ap.error("--fraction must be in (0, 1]")
    result = run(args.fraction, args.seed, args.models)
    out = REPO / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(report(result))
    print("wrote %s" % out)


if __name__ == "__main__":
    main()
