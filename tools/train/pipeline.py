"""Train the shipped model end to end and write its evaluation report.

    /usr/bin/python3 tools/train/pipeline.py            (about 25 minutes on 2 cores)

Steps (docs: models/REPORT.md explains every number):
 1. knowledge graphs: models/kg (regenerate with tools/train/kg.py);
 2. data: lab captures through the engine's own feature code (dataset.py),
    training copies with every gap scaled by TIME_SCALES (timing augmentation),
    the public real captures (realpcaps.py);
 3. contrastive pretraining with text descriptions (pretrain.py), and the SSL
    head ablation, with zero-shot accuracy over the 10 fine classes;
 4. GNN + temporal training (train.py): the shipped model, a validation run
    split by capture, an ablation without timing augmentation, and the
    data-scarcity runs; the per-packet baselines (baselines.py) alongside;
 5. export (models/packetclip-edge.onnx), conversion to the integer blob with
    the shipped calibration packets, evaluation in float (onnxruntime) and
    through the engine (`packetclip run`);
 6. models/report.json and models/REPORT.md.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from baselines import class_prefix
from dataset import CLI, COARSE, REPO, load_lab
from evaluate import engine_probs, lab_and_real, onnx_probs
from export import export_onnx
from kg import load_kgs
from model import Dims
from pretrain import HEADS, PretrainConfig, pretrain
from realpcaps import load_realpcaps
from report import write_report
from text_encoder import TextEncoder
from train import TrainConfig, build_model, concept_embeddings, evaluate_captures, train_model

TIME_SCALES = (1.0, 0.1, 10.0)     # timing augmentation: the same traffic 10x faster and slower
FRACTIONS = (0.7, 0.5, 0.4, 0.3)   # data-scarcity runs (paper Fig. 7), besides the full run
CALIBRATION_PACKETS = 2048
MODEL = REPO / "models/packetclip-edge.onnx"
CALIBRATION = REPO / "models/packetclip-edge.calibration.feats"
CACHE = REPO / "build/train"


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def training_set(scales, seeds=(0, 1)):
    """Lab training captures (seed1, seed2 as listed by load_lab) at each time
    scale, and how often each is drawn: half the batches from the real timing,
    the rest from the scaled copies (chosen on the validation run: steadier
    validation mAUC than drawing every scale equally, same real-capture mAUC)."""
    captures = [c for s in scales for i, c in enumerate(load_lab("train", time_scale=s)) if i in seeds]
    others = max(1, len(scales) - 1)
    weights = [others if s == 1.0 else 1.0 for s in scales for i in seeds]
    return captures, weights


def train_job(job: dict) -> dict:
    """One GNN training run in a worker process (one thread each: two run side by side)."""
    torch.set_num_threads(1)
    model = build_model(Dims(), job["kgs"], job["concepts"], job["encoder"])
    captures, weights = training_set(job["scales"], job["seeds"])
    labelled = None
    if job["fraction"] < 1:
        labelled = [np.isin(np.arange(len(c)), class_prefix(c, job["fraction"])) for c in captures]
    validation = load_lab("train")[1:] if job["seeds"] == (0,) else []
    t = time.time()
    curve = train_model(model, captures, job["cfg"], validation=validation, labelled=labelled, weights=weights,
                        log=lambda m: log(f"[{job['name']}] {m}"))
    out = {"name": job["name"], "seconds": time.time() - t, "curve": curve, "state": model.state_dict()}
    if job.get("evaluate_float"):
        real, _, _ = load_realpcaps()
        out["float"] = {"lab_test": evaluate_captures(model, [load_lab("test")]),
                        "real_pooled": evaluate_captures(model, real)}
    log(f"[{job['name']}] done in {out['seconds']:.0f} s")
    return out


def baselines_job(fraction: float) -> dict:
    out = CACHE / f"baselines-{fraction:.2f}.json"
    subprocess.run(["/usr/bin/python3", str(REPO / "tools/train/baselines.py"), "--fraction", str(fraction),
                    "--out", str(out.relative_to(REPO))], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


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


def measure_job(job: dict) -> dict:
    """Export a trained state, convert it, and evaluate float ONNX and the
    engine (one worker process per model)."""
    torch.set_num_threads(1)
    model = build_model(Dims(), job["kgs"], job["concepts"], None)
    model.load_state_dict(job["state"])
    onnx_path = job["onnx"]
    export_onnx(model, onnx_path)
    blob = onnx_path.with_suffix(".pclip")
    convert(onnx_path, blob)
    lab_test = load_lab("test")
    real, real_files, _ = load_realpcaps()
    names = [f.file for f in real_files]
    window = model.dims.window
    fl = lab_and_real(lambda c: onnx_probs(onnx_path, c, window), lab_test, real, names)
    en = lab_and_real(lambda c: engine_probs(blob, Path(c.name)), lab_test, real, names)
    gap = float(np.abs(fl.pop("_lab_probs") - en.pop("_lab_probs")).max())
    log(f"{job['name']}: lab mAUC float {fl['lab_test']['mAUC']:.4f} engine {en['lab_test']['mAUC']:.4f}; "
        f"real pooled {fl['real_pooled']['mAUC']:.4f}/{en['real_pooled']['mAUC']:.4f}")
    return {"name": job["name"], "float": fl, "engine": en, "max_prob_gap_lab": gap,
            "blob_bytes": blob.stat().st_size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=TrainConfig.steps, help="GNN training steps per run")
    ap.add_argument("--pretrain-steps", type=int, default=PretrainConfig.steps)
    ap.add_argument("--pairs-per-class", type=int, default=PretrainConfig.pairs_per_class)
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    CACHE.mkdir(parents=True, exist_ok=True)
    kgs = load_kgs(REPO / "models/kg")
    log("data: lab captures (with timing augmentation) and real captures")
    train, _ = training_set(TIME_SCALES)    # also fills the cache before the workers fork
    lab_test = load_lab("test")
    _, real_files, _ = load_realpcaps()
    dims = Dims()

    with mp.get_context("fork").Pool(1) as side:
        baselines = side.map_async(baselines_job, [1.0, 0.3])
        text_encoder = TextEncoder(CACHE / "text-embeddings.npz")
        zero_shot, packet_side, text_side = {}, None, None
        for heads in HEADS:
            p, t, res, curve = pretrain([load_lab("train")], text_encoder, dims,
                                        PretrainConfig(heads=heads, pairs_per_class=args.pairs_per_class,
                                                       steps=args.pretrain_steps),
                                        eval_set=lab_test, log=log)
            zero_shot[heads] = {**res, "curve": curve}
            if heads == "both":
                packet_side, text_side = p, t
        validation_packet, validation_text, _, _ = pretrain([load_lab("train")], text_encoder, dims,
                                            PretrainConfig(pairs_per_class=args.pairs_per_class,
                                                           steps=args.pretrain_steps, only_capture=0), log=log)
        baselines = baselines.get()

    concepts = concept_embeddings(kgs, text_encoder, text_side)
    cfg = TrainConfig(steps=args.steps)
    base = {"kgs": kgs, "concepts": concepts, "encoder": packet_side.enc.state_dict(), "cfg": cfg,
            "scales": TIME_SCALES, "seeds": (0, 1), "fraction": 1.0}
    jobs = [dict(base, name="shipped"),
            dict(base, name="validation", seeds=(0,), encoder=validation_packet.enc.state_dict(),
                 concepts=concept_embeddings(kgs, text_encoder, validation_text)),
            dict(base, name="no-time-augmentation", scales=(1.0,), evaluate_float=True)]
    jobs += [dict(base, name=f"fraction-{f:.2f}", fraction=f) for f in FRACTIONS]
    log(f"GNN training: {len(jobs)} runs of {cfg.steps} steps, two at a time")
    with mp.get_context("fork").Pool(2) as pool:
        runs = {r["name"]: r for r in pool.map(train_job, jobs, chunksize=1)}

    write_calibration(train[:2], CALIBRATION, np.random.default_rng(0))
    measure = [{"name": "shipped", "state": runs["shipped"]["state"], "onnx": MODEL}]
    measure += [{"name": f"fraction-{f:.2f}", "state": runs[f"fraction-{f:.2f}"]["state"],
                 "onnx": CACHE / f"fraction-{f:.2f}.onnx"} for f in FRACTIONS]
    log(f"export, convert, evaluate {len(measure)} models in float and through the engine")
    with mp.get_context("fork").Pool(2) as pool:
        measured = {m["name"]: m for m in pool.map(measure_job, [dict(m, kgs=kgs, concepts=concepts) for m in measure],
                                                   chunksize=1)}
    scarcity = {1.0: measured["shipped"]}
    scarcity.update({f: measured[f"fraction-{f:.2f}"] for f in FRACTIONS})
    no_aug = runs["no-time-augmentation"]
    report = {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "pipeline_seconds": round(time.time() - t0),
        "train_seconds": {n: round(r["seconds"]) for n, r in runs.items()},
        "time_scales": TIME_SCALES, "classes": COARSE,
        "kgs": [{"name": k.name, "concepts": len(k.concepts), "edges": len(k.edges)} for k in kgs],
        "zero_shot": zero_shot,
        "validation_curve": runs["validation"]["curve"],
        "shipped": measured["shipped"],
        "scarcity": {str(f): {"float": r["float"]["lab_test"], "engine": r["engine"]["lab_test"]}
                     for f, r in scarcity.items()},
        "no_time_augmentation": no_aug["float"],
        "baselines": baselines,
        "realpcaps_files": [{"file": f.file, "label": f.label, "counts": f.counts} for f in real_files],
    }
    (REPO / "models/report.json").write_text(json.dumps(report, indent=1, default=float))
    write_report(report, REPO / "models/REPORT.md")
    log(f"done in {time.time() - t0:.0f} s: models/packetclip-edge.onnx, models/report.json, models/REPORT.md")


if __name__ == "__main__":
    main()
