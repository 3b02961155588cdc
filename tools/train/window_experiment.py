"""How the temporal window is formed, compared on validation data only.

    /usr/bin/python3 tools/train/window_experiment.py --out build/window-experiment [--seeds 0 1]

Variants (train.TrainConfig.window_key and crop):
 - stream: the last A packets of the capture, as the engine runs today;
 - stream+crop: the same, half the training segments seeing a stream that
   started 0..A-1 packets before them (short streams are what small real
   captures and a freshly started sensor give);
 - source: the last A packets from the packet's own source address, so that
   hosts do not share context (issue 11); the engine cannot run such a model
   yet, so this variant exists only here;
 - source+crop.
Each variant trains the shipped recipe (pipeline.OPTIONS' chosen lr 2e-3,
class-balanced loss, no mask, 1,000 steps) from one shared pretraining run
(both SSL heads, pipeline defaults) and is scored with the pipeline's
validation score (pipeline.VALIDATION_SCORE: lab validation captures and
real validation files). No test capture or real test file is read.
Writes OUT/results.json and prints one line per run.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import multiprocessing as mp
from pathlib import Path

import torch

from dataset import REPO, load_lab
from kg import load_kgs
from model import Dims
from pipeline import CACHE, GNN_HEADS, log, train_job
from pretrain import PretrainConfig, pretrain
from text_encoder import TextEncoder
from train import TrainConfig, concept_embeddings

VARIANTS = {"stream": ("stream", 0.0), "stream+crop": ("stream", 0.5),
            "source": ("source", 0.0), "source+crop": ("source", 0.5)}
RECIPE = {"mask": "none", "balance": True, "lr": 2e-3, "fraction": 1.0}


def pretrained_sides(path: Path):
    """The packet encoder and text side of one pretraining run (both SSL heads), cached at path."""
    if path.exists():
        saved = torch.load(path, weights_only=False)
        return saved["encoder"], saved["text"]
    packet, text, _, _ = pretrain([load_lab("train")], TextEncoder(CACHE / "text-embeddings.npz"), Dims(),
                                  PretrainConfig(heads=GNN_HEADS), log=log)
    torch.save({"encoder": packet.enc.state_dict(), "text": text}, path)
    return packet.enc.state_dict(), text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    kgs = load_kgs(REPO / "models/kg")
    encoder, text = pretrained_sides(args.out / "pretrained.pt")
    concepts = concept_embeddings(kgs, TextEncoder(CACHE / "text-embeddings.npz"), text)
    jobs = [dict(RECIPE, name=f"{v}-seed{s}", seed=s, kgs=kgs, concepts=concepts, encoder=encoder,
                 cfg=TrainConfig(steps=args.steps, window_key=VARIANTS[v][0], crop=VARIANTS[v][1]))
            for s in args.seeds for v in args.variants]
    with mp.get_context("fork").Pool(2) as pool:
        runs = pool.map(train_job, jobs, chunksize=1)
    results = [{"name": r["name"], "seed": r["seed"], "seconds": r["seconds"], "score": r["validation"]["score"],
                "parts": r["validation"]["parts"], "real_per_file": r["validation"]["real_validation"]["per_file"],
                "lab_validation": r["validation"]["lab_validation"]} for r in runs]
    (args.out / "results.json").write_text(json.dumps({"recipe": RECIPE, "steps": args.steps, "runs": results},
                                                      indent=1, default=float))
    for r in results:
        print(r["name"], " ".join(f"{k} {v:.4f}" for k, v in r["parts"].items()), f"score {r['score']:.4f}")


if __name__ == "__main__":
    main()
