"""Train the shipped model end to end under the evaluation protocol and write its report.

    /usr/bin/python3 tools/train/pipeline.py

The protocol (docs/training.md, "Protocol"; splits in splits.py):
 - data split by capture: lab training / validation / test captures, real
   validation files and real test files;
 - every choice is made on the validation split only, and each is recorded
   in the report with the data that made it;
 - the test sets stay sealed (splits.TestGate) until the last step, which
   opens them once, after the shipped model has been chosen and written,
   and scores everything reported on them in one pass.

Steps:
 1. knowledge graphs (models/kg, committed) and data: the lab training split
    through the engine's own feature code, with timing augmentation
    (TIME_SCALES), the lab validation captures, the real validation files;
 2. contrastive pretraining with each SSL-head variant; the zero-shot
    classifier's variant is chosen by zero-shot top-1 on the lab validation
    captures; the GNN starts from the variant with both heads (GNN_HEADS);
 3. GNN + temporal training: every CONFIG option with training seed 0,
    scored on validation (VALIDATION_SCORE); the best option is
    then trained with the other SEEDS; the shipped run is the seed with the
    best validation score; a data-scarcity run (SCARCITY of the training
    data) with the chosen option;
 4. per-packet baselines (XGBoost, LightGBM, MLP) on the same training data;
 5. export of the shipped run (models/packetclip-edge.onnx), calibration
    packets, conversion;
 6. final evaluation, once: the test sets are opened, every seed's model
    (float ONNX and engine), the scarcity run, the baselines and the zero-shot
    classifier are scored on the lab test captures and the real test files;
 7. models/report.json and models/REPORT.md.
"""
from __future__ import annotations

import os

# OpenMP threads sleep instead of spinning while they wait: on 2 cores shared
# with other work, spinning threads of LightGBM/XGBoost/torch slowed fits
# several-fold. Must be set before any OpenMP runtime loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import multiprocessing as mp
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import torch

import baselines as bl
from dataset import CLI, COARSE, REPO, Capture, load_lab
from evaluate import engine_probs, onnx_probs
from export import export_onnx
from kg import load_kgs
from metrics import REAL_CAP, evaluate, real_metrics
from model import Dims
from pretrain import HEADS, PretrainConfig, pretrain
from realpcaps import load_realpcaps
from report import write_report
from splits import LAB, REAL_VALIDATION, TestGate, sha256_file
from text_encoder import TextEncoder
from train import TrainConfig, build_model, concept_embeddings, evaluate_captures, predict, train_model

TIME_SCALES = (1.0, 0.1, 10.0)     # timing augmentation: the same traffic 10x faster and slower
GNN_HEADS = "both"                 # the pretraining variant the GNN's encoder and concept nodes come from
SEEDS = (0, 1, 2)                  # training seeds of the chosen option (mean and spread reported)
SCARCITY = 0.3                     # share of the training data of the data-scarcity run
# Features the model may not use, by option (indices of docs/features.md):
# TTL (5, and its copy in the IPv4 header bytes, 60) is set per host by the
# lab's plan, and the gap to the previous packet of anybody (18) measures
# the whole network's load, both properties of the lab rather than of an attack.
MASKS = {"none": (), "ttl+global-gap": (5, 18, 60)}
# Options compared on validation with seed 0, two runs side by side: how the temporal window
# is formed. One window over the stream (as every earlier model) or one per source address in a
# table of WINDOW_SOURCES (bounded state in the engine), each with and without crop (half the
# training segments see a stream that began 0..A-1 packets before them). The recipe (no mask,
# class-balanced loss, lr 2e-3) is the previous run's validation choice among lr {5e-4, 2e-3},
# class-balanced loss and the TTL/global-gap mask (docs/training.md).
WINDOW_SOURCES = 64  # fixed by the engine's memory per window (docs/engine-abi.md), not tuned
RECIPE = {"mask": "none", "balance": True, "lr": 2e-3}
OPTIONS = [dict(RECIPE, window_sources=s, crop=c) for s in (0, WINDOW_SOURCES) for c in (0.0, 0.5)]
CALIBRATION_PACKETS = 2048
OUT = REPO / "models"
MODEL = OUT / "packetclip-edge.onnx"
CALIBRATION = OUT / "packetclip-edge.calibration.feats"
CACHE = REPO / "build/train"


def set_output(out: Path) -> None:
    """Write the model files and the report to `out` instead of models/ (trial runs)."""
    global OUT, MODEL, CALIBRATION
    OUT = out
    MODEL, CALIBRATION = out / "packetclip-edge.onnx", out / "packetclip-edge.calibration.feats"


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def head(c: Capture, n: int) -> Capture:
    """The first n packets of a capture (the real-traffic cap)."""
    if len(c) <= n:
        return c
    return replace(c, X=c.X[:n], fine=None if c.fine is None else c.fine[:n], coarse=c.coarse[:n],
                   ts_us=c.ts_us[:n], packets={k: v[:n] for k, v in c.packets.items()})


def training_set(scales=TIME_SCALES):
    """Lab training captures at each time scale, and how often each is drawn:
    half the batches from the real timing, the rest from the scaled copies."""
    captures, weights = [], []
    others = max(1, len(scales) - 1)
    for s in scales:
        for c in load_lab("train", time_scale=s):
            captures.append(c)
            weights.append(others if s == 1.0 else 1.0)
    return captures, weights


def validation_sets():
    lab = load_lab("validation")
    real, files, _ = load_realpcaps("validation")
    return lab, [head(c, REAL_CAP) for c in real], [f.file for f in files]


def class_weights(captures: Sequence[Capture]) -> np.ndarray:
    """Inverse square-root class frequency over the training captures, mean 1."""
    counts = np.bincount(np.concatenate([c.coarse for c in captures]), minlength=len(COARSE)).astype(float)
    w = 1 / np.sqrt(np.maximum(counts, 1))
    return w / w.mean()


def mask_features(model, features: Sequence[int]) -> None:
    """Zero the first projection layer's weights of `features` and keep them
    zero during training: the exported model then ignores those inputs."""
    if not features:
        return
    w = model.proj.layers[0].weight
    keep = torch.ones_like(w)
    keep[:, list(features)] = 0
    with torch.no_grad():
        w.mul_(keep)
    w.register_hook(lambda g: g * keep)


# The validation score of a GNN run. The shipped run of issue 11 used the mean of
# the first two parts only; its validation pooled mAUC (0.986) hid that 5 of the
# 9 real validation files got the wrong majority label and that benign files
# were called attacks, which are what the real-traffic targets measure.
VALIDATION_SCORE = ("mean of four parts, float: lab validation mAUC, real validation pooled mAUC, "
                    "share of real validation files with the right majority label, and 1 - the mean "
                    "share of packets labelled an attack over the benign real validation files")


def validation_score(model, lab_val, real_val, real_names) -> dict:
    lab = evaluate_captures(model, lab_val)
    real = real_metrics(real_names, [c.coarse for c in real_val], [predict(model, c) for c in real_val])
    benign = [f["attack_share"] for f in real["per_file"] if f["class"] == "Benign"]
    parts = {"lab_mAUC": lab["mAUC"], "real_pooled_mAUC": real["pooled"]["mAUC"],
             "real_majority_right": real["majority_right_share"],
             "real_benign_clean": 1 - float(np.mean(benign)) if benign else 1.0}
    return {"lab_validation": lab, "real_validation": real, "parts": parts,
            "score": float(np.mean(list(parts.values())))}


RUN_KEYS = ("name", "mask", "balance", "lr", "window_sources", "crop", "seed", "fraction")


def train_job(job: dict) -> dict:
    """One GNN training run in a worker process (one thread each: two run side by side)."""
    torch.set_num_threads(1)
    model = build_model(Dims(window_sources=job["window_sources"]), job["kgs"], job["concepts"], job["encoder"])
    mask_features(model, MASKS[job["mask"]])
    captures, weights = training_set()
    labelled = None
    if job["fraction"] < 1:
        labelled = [np.isin(np.arange(len(c)), bl.class_prefix(c, job["fraction"])) for c in captures]
    lab_val, real_val, real_names = validation_sets()
    cfg = replace(job["cfg"], seed=job["seed"], lr=job["lr"], crop=job["crop"],
                  class_weights=tuple(class_weights(captures)) if job["balance"] else None)
    t = time.time()
    curve = train_model(model, captures, cfg, validation=lab_val, labelled=labelled, weights=weights,
                        log=lambda m: log(f"[{job['name']}] {m}"))
    out = {**{k: job[k] for k in RUN_KEYS}, "seconds": time.time() - t, "curve": curve,
           "state": model.state_dict(), "validation": validation_score(model, lab_val, real_val, real_names)}
    log(f"[{job['name']}] done in {out['seconds']:.0f} s: validation score {out['validation']['score']:.4f}")
    return out


def write_calibration(captures, path: Path, rng: np.random.Generator) -> None:
    """Streams of consecutive training packets for the converter's activation
    ranges, as a features file (docs/features-file.md)."""
    chunk = CALIBRATION_PACKETS // 4
    rows = []
    for k in range(4):
        c = captures[k % len(captures)]
        s = int(rng.integers(0, len(c) - chunk))
        rows.append(c.X[s:s + chunk])
    X = np.concatenate(rows)
    header = np.zeros(16, dtype="<u4")
    header[:6] = [0x54464350, 1, 1, X.shape[1], X.shape[0], 64]
    path.write_bytes(header.tobytes() + X.tobytes())


def convert(onnx_path: Path, blob: Path) -> None:
    subprocess.run(["node", str(CLI), "convert", str(onnx_path), "-o", str(blob), "--calibration", str(CALIBRATION)],
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def export_job(job: dict) -> dict:
    torch.set_num_threads(1)
    model = build_model(Dims(window_sources=job["window_sources"]), job["kgs"], job["concepts"], None)
    model.load_state_dict(job["state"])
    export_onnx(model, job["onnx"])
    blob = job["onnx"].with_suffix(".pclip")
    convert(job["onnx"], blob)
    return {"name": job["name"], "onnx": job["onnx"], "blob": blob, "blob_bytes": blob.stat().st_size,
            "window_sources": job["window_sources"]}


def score_model(onnx_path: Path, blob: Path, lab_test: Sequence[Capture], real_test: Sequence[Capture],
                real_names: Sequence[str], dims: Dims) -> dict:
    """Float ONNX and engine on the test sets (called only after TestGate.open)."""
    TestGate.require("scoring")
    out = {}
    lab_f = [onnx_probs(onnx_path, c, dims) for c in lab_test]
    lab_e = [engine_probs(blob, Path(c.name)) for c in lab_test]
    real_f = [onnx_probs(onnx_path, c, dims)[:REAL_CAP] for c in real_test]
    real_e = [engine_probs(blob, Path(c.name))[:REAL_CAP] for c in real_test]
    y_real = [c.coarse[:REAL_CAP] for c in real_test]
    for kind, lab, real in (("float", lab_f, real_f), ("engine", lab_e, real_e)):
        out[kind] = {"lab_test": {Path(c.name).parent.name: evaluate(c.coarse, p) for c, p in zip(lab_test, lab)},
                     "lab_test_pooled": evaluate(np.concatenate([c.coarse for c in lab_test]), np.concatenate(lab)),
                     "real_test": real_metrics(real_names, y_real, real)}
    pf, pe = np.concatenate(real_f), np.concatenate(real_e)
    lf, le = np.concatenate(lab_f), np.concatenate(lab_e)
    out["engine_vs_float"] = {
        "real_argmax_agreement": float((pf.argmax(1) == pe.argmax(1)).mean()),
        "real_max_abs_dp": float(np.abs(pf - pe).max()), "real_packets": int(len(pf)),
        "lab_argmax_agreement": float((lf.argmax(1) == le.argmax(1)).mean()),
        "lab_max_abs_dp": float(np.abs(lf - le).max())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=TrainConfig.steps, help="GNN training steps per run")
    ap.add_argument("--pretrain-steps", type=int, default=PretrainConfig.steps)
    ap.add_argument("--pairs-per-class", type=int, default=PretrainConfig.pairs_per_class)
    ap.add_argument("--heads", nargs="+", default=list(HEADS), choices=list(HEADS),
                    help="SSL-head variants to pretrain; the one with the best validation zero-shot top-1 is used")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the model files and the report "
                    "(default models/; anything else is a trial run that ships nothing)")
    ap.add_argument("--smoke", action="store_true", help="plumbing check on the lab v1 captures only "
                    "(train seed1, validation seed2, test seed2, the real validation files as real test): needs --out "
                    "other than models/; its numbers mean nothing")
    args = ap.parse_args()
    if GNN_HEADS not in args.heads:
        ap.error("--heads must include %r: the GNN starts from that variant" % GNN_HEADS)
    if args.out.resolve() != (REPO / "models").resolve():
        set_output(args.out.resolve())
    elif args.smoke:
        ap.error("--smoke writes a meaningless model: give --out DIR other than models/")
    smoke = args.smoke
    if smoke:
        LAB.update(train=["data/train/seed1"], validation=["data/train/seed2"], test=["data/train/seed2"])
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    torch.set_num_threads(2)
    CACHE.mkdir(parents=True, exist_ok=True)
    kgs = load_kgs(REPO / "models/kg")
    choices: List[dict] = []

    log("data: lab training split (with timing augmentation), lab validation, real validation")
    train, _ = training_set()    # also fills the feature cache before the workers fork
    lab_val, real_val, real_val_names = validation_sets()
    dims = Dims()

    log("contrastive pretraining, one run per SSL-head variant, zero-shot on the lab validation captures")
    text_encoder = TextEncoder(CACHE / "text-embeddings.npz")
    val_pool = replace(lab_val[0], X=np.concatenate([c.X for c in lab_val]),
                       fine=np.concatenate([c.fine for c in lab_val]))
    pretrained = {}
    for heads in args.heads:
        p, t, res, curve = pretrain([load_lab("train")], text_encoder, dims,
                                    PretrainConfig(heads=heads, pairs_per_class=args.pairs_per_class,
                                                   steps=args.pretrain_steps),
                                    eval_set=val_pool, log=log)
        pretrained[heads] = {"packet": p, "text": t, "validation": res, "curve": curve}
    heads = max(pretrained, key=lambda h: pretrained[h]["validation"]["top1"])
    choices.append({"what": "SSL heads of the zero-shot classifier", "options": list(args.heads), "chosen": heads,
                    "by": "zero-shot top-1 over the 10 fine classes",
                    "data": "lab validation captures " + ", ".join(LAB["validation"]),
                    "scores": {h: pretrained[h]["validation"]["top1"] for h in args.heads}})
    packet_side, text_side = pretrained[heads]["packet"], pretrained[heads]["text"]
    # The GNN's sensor node (g_P(f_P(x))) and concept nodes (g_T(f_T(c))) live in one
    # E-wide space, which only the variant with both heads gives (without g_T the
    # text side is MiniLM's 384 lanes, without g_P the packet side is f_P's last layer).
    concepts = concept_embeddings(kgs, text_encoder, pretrained[GNN_HEADS]["text"])

    cfg = TrainConfig(steps=args.steps)
    base = {"kgs": kgs, "concepts": concepts, "encoder": pretrained[GNN_HEADS]["packet"].enc.state_dict(), "cfg": cfg,
            "fraction": 1.0, "seed": SEEDS[0]}
    jobs = [dict(base, name=f"option-{'source' if o['window_sources'] else 'stream'}{'+crop' if o['crop'] else ''}", **o)
            for o in OPTIONS]
    log(f"GNN training: {len(jobs)} options with seed {SEEDS[0]}, {cfg.steps} steps, two at a time")
    with mp.get_context("fork").Pool(2) as pool:
        option_runs = pool.map(train_job, jobs, chunksize=1)
    best = max(option_runs, key=lambda r: r["validation"]["score"])
    choices.append({"what": "temporal window: one over the stream or one per source address, with or without crop",
                    "options": [r["name"] for r in option_runs],
                    "chosen": best["name"], "by": "validation score (%s), training seed %d" % (VALIDATION_SCORE, SEEDS[0]),
                    "data": "lab validation captures and real validation files",
                    "scores": {r["name"]: r["validation"]["score"] for r in option_runs}})
    chosen = {k: best[k] for k in ("mask", "balance", "lr", "window_sources", "crop")}
    jobs = [dict(base, name=f"seed-{s}", seed=s, **chosen) for s in SEEDS[1:]]
    jobs.append(dict(base, name=f"fraction-{SCARCITY:.2f}", fraction=SCARCITY, **chosen))
    log(f"GNN training: seeds {SEEDS[1:]} and the {SCARCITY:.0%} data run of the chosen option")
    with mp.get_context("fork").Pool(2) as pool:
        more = pool.map(train_job, jobs, chunksize=1)
    seed_runs = [dict(best, name=f"seed-{SEEDS[0]}")] + [r for r in more if r["name"].startswith("seed-")]
    scarcity = next(r for r in more if r["name"].startswith("fraction-"))
    shipped = max(seed_runs, key=lambda r: r["validation"]["score"])
    choices.append({"what": "which training seed ships", "options": [r["name"] for r in seed_runs],
                    "chosen": shipped["name"], "by": "validation score (as above)",
                    "data": "lab validation captures and real validation files",
                    "scores": {r["name"]: r["validation"]["score"] for r in seed_runs}})

    log("baselines on the same training split (real timing)")
    base_train = load_lab("train")
    fitted = {1.0: bl.fit(base_train, 1.0, 0)}
    baseline_val = {name: {"lab_validation": evaluate(np.concatenate([c.coarse for c in lab_val]),
                                                      np.concatenate([bl.probs(m, c) for c in lab_val])),
                           "real_validation": real_metrics(real_val_names, [c.coarse for c in real_val],
                                                           [bl.probs(m, c) for c in real_val])}
                    for name, m in fitted[1.0].items()}

    log("export and conversion: every seed's run and the scarcity run")
    write_calibration(train[:4], CALIBRATION, np.random.default_rng(0))
    exports = [dict(name=r["name"], state=r["state"], window_sources=r["window_sources"],
                    onnx=MODEL if r is shipped else CACHE / f"{r['name']}.onnx")
               for r in seed_runs + [scarcity]]
    with mp.get_context("fork").Pool(2) as pool:
        exported = {e["name"]: e for e in pool.map(export_job, [dict(e, kgs=kgs, concepts=concepts) for e in exports],
                                                   chunksize=1)}

    # ---- final evaluation: the only place the test sets are read
    TestGate.open("final evaluation of pipeline run %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  sha256_file(MODEL))
    log("test sets opened (once): lab test captures and real test files")
    lab_test = load_lab("test")
    # A smoke run's numbers mean nothing, and the real test files are scored only by real runs.
    real_all, real_files, skipped = load_realpcaps("validation" if smoke else "test")
    real_names = [f.file for f in real_files]
    scored = {}
    for name, e in exported.items():
        scored[name] = score_model(e["onnx"], e["blob"], lab_test, real_all, real_names,
                                   replace(dims, window_sources=e["window_sources"]))
        log(f"{name}: lab test engine mAUC {scored[name]['engine']['lab_test_pooled']['mAUC']:.4f}, real test "
            f"pooled {scored[name]['engine']['real_test']['pooled']['mAUC']:.4f}")
    baseline_test = {}
    for frac, models in fitted.items():
        for name, m in models.items():
            baseline_test.setdefault(str(frac), {})[name] = {
                "lab_test": {Path(c.name).parent.name: evaluate(c.coarse, bl.probs(m, c)) for c in lab_test},
                "lab_test_pooled": evaluate(np.concatenate([c.coarse for c in lab_test]),
                                            np.concatenate([bl.probs(m, c) for c in lab_test])),
                "real_test": real_metrics(real_names, [c.coarse for c in real_all],
                                          [bl.probs(m, c) for c in real_all])}
    from pretrain import class_text_embeddings, committed_kgs, zero_shot
    class_f_t = class_text_embeddings(text_encoder, committed_kgs())
    zero = {Path(c.name).parent.name: zero_shot(packet_side, text_side, class_f_t, c.X, c.fine) for c in lab_test}

    seed_names = [r["name"] for r in seed_runs]

    def spread(getter):
        v = np.array([getter(scored[n]) for n in seed_names], dtype=float)
        return {"values": dict(zip(seed_names, v.tolist())), "mean": float(v.mean()), "std": float(v.std(ddof=1)),
                "min": float(v.min()), "max": float(v.max())}

    report = {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "pipeline_seconds": round(time.time() - t0),
        "settings": {"argv": " ".join(sys.argv[1:]), "gnn_steps": args.steps, "pretrain_steps": args.pretrain_steps,
                     "pairs_per_class": args.pairs_per_class, "heads_tried": list(args.heads),
                     "qat_from": cfg.qat_from},
        "protocol": {"lab": LAB, "real_validation": REAL_VALIDATION, "real_test": real_names,
                     "real_skipped": [{"file": f, "why": w} for f, w in skipped], "real_cap": REAL_CAP,
                     "test_access": TestGate.record(), "choices": choices, "validation_score": VALIDATION_SCORE},
        "classes": COARSE, "time_scales": TIME_SCALES, "masks": MASKS, "seeds": SEEDS,
        "kgs": [{"name": k.name, "concepts": len(k.concepts), "edges": len(k.edges)} for k in kgs],
        "pretraining": {h: {"validation": v["validation"], "curve": v["curve"]} for h, v in pretrained.items()},
        "zero_shot_test": {"heads": heads, **zero},
        "runs": {r["name"]: {k: r[k] for k in RUN_KEYS[1:] + ("seconds", "curve", "validation")}
                 for r in option_runs + seed_runs[1:] + [scarcity]},
        "shipped": {"run": shipped["name"], "blob_bytes": exported[shipped["name"]]["blob_bytes"],
                    "model_sha256": sha256_file(MODEL), **scored[shipped["name"]]},
        "test_by_seed": {n: scored[n] for n in seed_names},
        "spread": {"engine_lab_mAUC": spread(lambda s: s["engine"]["lab_test_pooled"]["mAUC"]),
                   "engine_real_pooled_mAUC": spread(lambda s: s["engine"]["real_test"]["pooled"]["mAUC"]),
                   "float_lab_mAUC": spread(lambda s: s["float"]["lab_test_pooled"]["mAUC"]),
                   "engine_real_majority_right": spread(lambda s: s["engine"]["real_test"]["majority_right_share"]),
                   "real_argmax_agreement": spread(lambda s: s["engine_vs_float"]["real_argmax_agreement"]),
                   "real_max_abs_dp": spread(lambda s: s["engine_vs_float"]["real_max_abs_dp"])},
        "scarcity": {"fraction": SCARCITY, **scored[scarcity["name"]]},
        "baselines": {"validation": baseline_val, "test": baseline_test},
    }
    (OUT / "report.json").write_text(json.dumps(report, indent=1, default=float))
    write_report(report, OUT / "REPORT.md")
    log(f"done in {time.time() - t0:.0f} s: {MODEL}, {OUT / 'report.json'}, {OUT / 'REPORT.md'}")


if __name__ == "__main__":
    main()
