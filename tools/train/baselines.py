"""Per-packet baselines of the paper's Table II (XGBoost, LightGBM, DNN) on the
engine's own features: each model sees one packet's 128 features (u8 / 255),
no window. Trained on the lab train captures (seed1, seed2), evaluated on the
lab test capture (seed3) and on the public real captures (pooled over
packets, and with every file weighted equally).

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
from metrics import evaluate, file_weights, markdown_table, table_row
from realpcaps import RealFile, load_realpcaps

N_JOBS = 2


def models(seed: int) -> Dict[str, Callable[[], object]]:
    """Table II rows; sizes chosen to fit a few minutes on 2 cores."""
    return {
        "XGBoost": lambda: XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist",
                                         max_bin=64, n_jobs=N_JOBS, random_state=seed),
        "LightGBM": lambda: LGBMClassifier(n_estimators=200, num_leaves=63, learning_rate=0.1, max_bin=63,
                                           n_jobs=N_JOBS, random_state=seed, verbose=-1),
        # The "DNN" row: the paper edge model's packet MLP widths (128-128-64).
        "DNN (MLP)": lambda: MLPClassifier(hidden_layer_sizes=(128, 128, 64), early_stopping=True, max_iter=60,
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


def per_file(files: List[RealFile], sizes: List[int], y: np.ndarray, proba: np.ndarray) -> List[dict]:
    """For each real file: its labels, top-1 accuracy and mean probability of the true label."""
    out, start = [], 0
    for f, n in zip(files, sizes):
        yf, pf = y[start:start + n], proba[start:start + n]
        out.append({"file": f.file, "label": f.label, "packets": n, "counts": f.counts,
                    "top1": float((pf.argmax(1) == yf).mean()), "p_true": float(pf[np.arange(n), yf].mean()),
                    "predicted": {c: int((pf.argmax(1) == k).sum()) for k, c in enumerate(COARSE)}})
        start += n
    return out


def run(fraction: float, seed: int, only: Sequence[str]) -> dict:
    t0 = time.time()
    train = load_lab("train")
    X_tr, y_tr = inputs(train, [class_prefix(c, fraction) for c in train])
    X_te, y_te = inputs([load_lab("test")])
    real, files, skipped = load_realpcaps()
    X_re, y_re = inputs(real)
    sizes = [len(c) for c in real]
    w_re = file_weights(np.repeat(np.arange(len(real)), sizes))
    result = {"fraction": fraction, "fraction_rule": "first fraction of each (capture, fine class) in file order",
              "seed": seed, "train_packets": int(len(y_tr)),
              "train_counts": {c: int((y_tr == k).sum()) for k, c in enumerate(COARSE)},
              "skipped_real_files": [{"file": f, "why": w} for f, w in skipped],
              "load_seconds": round(time.time() - t0, 1), "models": {}}
    for name, make in models(seed).items():
        if only and name not in only:
            continue
        t = time.time()
        model = make().fit(X_tr, y_tr)
        fit_s = time.time() - t
        p_te, p_re = model.predict_proba(X_te), model.predict_proba(X_re)
        result["models"][name] = {
            "fit_seconds": round(fit_s, 1), "predict_seconds": round(time.time() - t - fit_s, 1),
            "lab_test": evaluate(y_te, p_te),
            "real_pooled": evaluate(y_re, p_re),
            "real_file_weighted": evaluate(y_re, p_re, weights=w_re),
            "real_per_file": per_file(files, sizes, y_re, p_re),
        }
        print("%s: fit %.1f s" % (name, fit_s), flush=True)
    return result


def report(result: dict) -> str:
    parts = []
    for key, title in (("lab_test", "lab test (seed3)"), ("real_pooled", "realpcaps, pooled over packets"),
                       ("real_file_weighted", "realpcaps, each file weighted equally")):
        parts.append("%s, fraction %.2f:\n\n%s" % (title, result["fraction"], markdown_table(
            [table_row(name, m[key]) for name, m in result["models"].items()])))
    return "\n\n".join(parts)


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
