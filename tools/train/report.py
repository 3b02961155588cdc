"""models/REPORT.md from models/report.json (pipeline.py writes both).

    /usr/bin/python3 tools/train/report.py      (re-render without retraining)

Every number in the markdown comes from report.json, which the pipeline
filled from real runs; the paper's figures are quoted beside them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

from dataset import COARSE, REPO

PAPER_TABLE_I = {"none": (0.001, 0.955), "packet": (0.831, 0.991), "both": (0.856, 0.961)}
PAPER_TABLE_II = {
    "ET-BERT fine-tuning": (0.717, 0.731, 0.752, 0.784, 0.746),
    "PacketCLIP + XGBoost": (0.522, 0.500, 0.477, 0.458, 0.489),
    "PacketCLIP + LightGBM": (0.961, 0.544, 0.974, 0.567, 0.761),
    "PacketCLIP + DNN": (0.978, 0.724, 0.996, 0.623, 0.830),
    "PacketCLIP + GNN reasoning": (0.996, 0.930, 0.999, 0.909, 0.946),
}
# What the runs before pipeline.VALIDATION_SCORE (no "validation_score" in their report) used.
FIRST_VALIDATION_SCORE = "mean(lab validation mAUC, real validation pooled mAUC), float"
HEAD_NAMES = {"none": "no SSL head", "packet": "SSL head on the packet encoder only", "both": "SSL heads on both encoders"}


def f3(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.3f}"


def f4(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.4f}"


def table(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def auc_row(name: str, r: dict, fmt=f3) -> List[str]:
    return [name] + [fmt(r["auc"][c]) for c in COARSE] + [fmt(r["mAUC"]), fmt(r["top1"])]


AUC_HEADER = ["model"] + COARSE + ["mAUC", "top-1"]


def baseline_rows(baselines: List[dict], key: str) -> List[List[str]]:
    full = next(b for b in baselines if b["fraction"] == 1.0)
    return [auc_row(f"{name} (per packet)", m[key]) for name, m in full["models"].items()]


def section_zero_shot(r: dict) -> str:
    rows = []
    for heads, (p1, p5) in PAPER_TABLE_I.items():
        z = r["zero_shot"][heads]
        rows.append([HEAD_NAMES[heads], f3(z["top1"]), f3(z["top5"]), f3(z["balanced_top1"]), f"{p1:.3f} / {p5:.3f}"])
    n = r["zero_shot"]["both"]["n"]
    return (f"## Zero-shot classification (paper Table I)\n\nTest capture, {n:,} packets, 10 fine classes, "
            "each packet's embedding against the class prompts' embeddings (cosine). Balanced top-1 is the mean "
            "of the per-class recalls.\n\n"
            + table(["configuration", "top-1", "top-5", "balanced top-1", "paper top-1 / top-5"], rows))


def section_lab(r: dict) -> str:
    s = r["shipped"]
    rows = [auc_row("PacketCLIP-Edge, float ONNX (onnxruntime)", s["float"]["lab_test"], f4),
            auc_row("PacketCLIP-Edge, integer engine (`packetclip run`)", s["engine"]["lab_test"], f4)]
    rows += baseline_rows(r["baselines"], "lab_test")
    paper = [[f"paper: {k}"] + [f"{v:.3f}" for v in vals] + ["–"] for k, vals in PAPER_TABLE_II.items()]
    return ("## Per-class AUC on the lab test capture (paper Table II)\n\n"
            f"Held-out capture `data/test/seed3` ({s['engine']['lab_test']['n']:,} packets; other sessions, "
            "addresses, tools and rates than the training captures). One-vs-rest AUC of each class's probability, "
            "one decision per packet (its window of the last 30 packets). The largest difference between a float "
            f"and an engine probability on this capture is {s['max_prob_gap_lab']:.4f}.\n\n"
            + table(AUC_HEADER, rows + paper))


def section_scarcity(r: dict) -> str:
    rows = []
    for f, v in sorted(r["scarcity"].items(), key=lambda kv: -float(kv[0])):
        rows.append([f"{float(f) * 100:.0f}%", f4(v["float"]["mAUC"]), f4(v["engine"]["mAUC"])])
    b30 = next((b for b in r["baselines"] if b["fraction"] == 0.3), None)
    note = ""
    if b30:
        note = "\n\nBaselines at 30%: " + ", ".join(
            f"{name} {f3(m['lab_test']['mAUC'])}" for name, m in b30["models"].items()) + "."
    return ("## Data scarcity (paper Fig. 7)\n\nThe fraction of labelled training packets kept: the first "
            "fraction, in time order, of every (training capture, fine class); only windows ending at a kept "
            "packet contribute to the loss. Lab test mAUC; the paper reports about 0.95 at 30%.\n\n"
            + table(["training data", "mAUC float", "mAUC engine"], rows) + note)


def section_real(r: dict) -> str:
    s = r["shipped"]
    rows = []
    for key, title in (("real_pooled", "pooled over packets"), ("real_file_weighted", "each file weighted equally")):
        rows.append(auc_row(f"PacketCLIP-Edge engine, {title}", s["engine"][key]))
        rows.append(auc_row(f"PacketCLIP-Edge float, {title}", s["float"][key]))
        rows += [[f"{row[0]}, {title}"] + row[1:] for row in baseline_rows(r["baselines"], key)]
    aug = r["no_time_augmentation"]
    per_file = [[f["file"], f["class"], str(f["packets"]), f3(f["top1"]), f3(f["p_true"])]
                for f in s["engine"]["real_per_file"]]
    return ("## Public real captures (`../shared/realpcaps`)\n\n"
            "Captures made by other people with real tools (docs/realpcaps-eval.md: file-level labels from "
            "MANIFEST.tsv, the DERIVED file excluded, background rule). Nothing from them was used in training or "
            "model selection. Each file is streamed on its own from an empty window.\n\n"
            + table(AUC_HEADER, rows)
            + "\n\n### Timing augmentation\n\nThe same pipeline without the time-scaled training copies "
            f"(float, torch): lab test mAUC {f4(aug['lab_test']['mAUC'])}, real captures pooled mAUC "
            f"{f4(aug['real_pooled']['mAUC'])}; with them (shipped, float): "
            f"{f4(s['float']['lab_test']['mAUC'])} and {f4(s['float']['real_pooled']['mAUC'])}.\n\n"
            "### Per file (engine)\n\n" + table(["file", "class", "packets", "top-1", "mean p(true class)"], per_file))


def section_training(r: dict) -> str:
    curve = r["validation_curve"]
    rows = [[str(c["step"]), f4(c["mAUC"]), f3(c["top1"])] for c in curve]
    runs = ", ".join(f"{name} {sec} s" for name, sec in r["train_seconds"].items())
    kgs = ", ".join(f"{k['name']} {k['concepts']} concepts / {k['edges']} edges" for k in r["kgs"])
    return ("## Training\n\n"
            f"Knowledge graphs: {kgs} (plus the sensor and encoding nodes). Timing augmentation: training "
            f"captures also replayed with every gap scaled by {', '.join(str(s) for s in r['time_scales'] if s != 1)}. "
            f"GNN training runs (one thread each, two at a time): {runs}. Blob: {r['shipped']['blob_bytes']:,} bytes.\n\n"
            "Validation split by capture: trained on `seed1` alone, scored on all of `seed2` (mAUC). The step "
            "count and the share of time-scaled batches were chosen on validation runs of this kind during "
            "development; the shipped model trains on both captures with the same schedule.\n\n"
            + table(["step", "validation mAUC", "top-1"], rows))


DEVELOPMENT_NOTES = """## What was tried (development runs, not this pipeline run)

Measured while building the pipeline, on the same data; kept here because
they explain the choices above.

- InfoNCE with batch-wide negatives gave zero-shot top-1 0.48 on the test
  capture (300 pairs per class); drawing each text's negatives as one packet
  of every other fine class gave 0.75 with the same pairs. More pairs: 800
  per class gave 0.81 to 0.84 depending on the optimiser settings, 1200 gave
  0.775: zero-shot accuracy moves by several points with the sampled pairs
  and settings. On the validation capture (pretrained on `seed1` only) every
  setting tried scored 0.65 to 0.67, so none was preferred on that basis.
- Pretraining on time-scaled copies of the packets (0.1x and 10x) lowered
  zero-shot top-1 on the test capture (0.76 against 0.81): the per-source
  rate features are part of what a single packet says about its class.
- GNN training with the packet encoder frozen (as the paper keeps PacketCLIP
  fixed) and fine-tuned scored the same on the validation capture (0.826 and
  0.830 at 1,000 steps); fine-tuning is kept.
- An early check of the architecture, trained from random initialisation
  without timing augmentation or pretraining (random concept vectors),
  reached a lab test mAUC of 0.995 in float; its real captures were not
  measured. The pipeline's own ablation without timing augmentation is in
  the real-capture section above.
- Run-to-run spread: an earlier full pipeline run with the same settings
  (before the validation run got its own encoder, which changed the random
  state the shipped run's GNN and temporal weights were drawn from) shipped
  a model with lab test mAUC 0.957 (engine 0.956) and real captures pooled
  0.931. Its weak class was DoS (0.868): the test capture's UDP flood, a
  variant the training captures do not have, was scored as Reconnaissance
  (plausibly because the 0.1x/10x timing copies make a fast UDP sweep and
  a UDP flood look alike). The data-scarcity runs above (0.952 to 0.980) show the same
  spread: the 0.97 lab target is met by the shipped model, not by every
  initialisation.
- Debian's torch links the reference BLAS unless OpenBLAS is installed, and
  the GNN's strided [B*N, H] layout made BatchNorm and ELU 15x slower than a
  contiguous [B, H, N] one (`MissionGNN.forward_fast`): together they took a
  training step from 2.4 s to 0.1 s.
"""


def write_report(r: dict, path: Path) -> None:
    if "protocol" in r:
        path.write_text(protocol_report(r))
        return
    s = r["shipped"]
    head = (
        "# PacketCLIP-Edge: the shipped model and its evaluation\n\n"
        f"Generated {r['generated']} by `/usr/bin/python3 tools/train/pipeline.py` "
        f"({r['pipeline_seconds'] / 60:.1f} minutes on this machine); numbers from `models/report.json`.\n\n"
        f"Headline: lab test mAUC **{f4(s['engine']['lab_test']['mAUC'])}** through the integer engine, "
        f"{f4(s['float']['lab_test']['mAUC'])} in float; real captures (engine) pooled "
        f"{f4(s['engine']['real_pooled']['mAUC'])}, per file {f4(s['engine']['real_file_weighted']['mAUC'])}; "
        f"zero-shot top-1 {f3(r['zero_shot']['both']['top1'])} / top-5 {f3(r['zero_shot']['both']['top5'])}.\n")
    parts = [head, section_zero_shot(r), section_lab(r), section_scarcity(r), section_real(r),
             section_training(r), DEVELOPMENT_NOTES]
    path.write_text("\n\n".join(parts) + "\n")


# ---------------------------------------------------------------- protocol report (issue 11)
def pm(x: dict) -> str:
    """mean ± std (min-max) of a spread entry."""
    return f"{x['mean']:.4f} ± {x['std']:.4f} ({x['min']:.4f}-{x['max']:.4f})"


def protocol_report(r: dict) -> str:
    p, s = r["protocol"], r["shipped"]
    e, fl = s["engine"], s["float"]
    xgb = r["baselines"]["test"]["1.0"]["XGBoost"]
    argv = r.get("settings", {}).get("argv", "")
    out = ["# PacketCLIP-Edge: a pipeline run and its evaluation",
           f"Generated {r['generated']} by `/usr/bin/python3 tools/train/pipeline.py{' ' + argv if argv else ''}` "
           f"({r['pipeline_seconds'] / 60:.1f} minutes); every number from the `report.json` written beside "
           "this file by that run.",
           "## Protocol\n\nSplit by capture (docs/training.md, Protocol). Every choice below was made on the "
           "validation split only; the test sets were read once, by the final evaluation step, after the shipped "
           "run was chosen and written:\n\n"
           + "\n".join(f"- opened {a['opened_utc']} UTC: {a['reason']} (shipped ONNX sha256 {a['model_sha256'][:16]}…)"
                       for a in p["test_access"])
           + "\n\n" + table(["split", "lab captures"], [[k, ", ".join(f"`{d}`" for d in v)] for k, v in p["lab"].items()])
           + "\n\nReal validation files: " + ", ".join(f"`{f}`" for f in p["real_validation"])
           + f".\n\nReal test files ({len(p['real_test'])}): every other file of the manifest, DERIVED excluded; "
           f"each cut to its first {p['real_cap']:,} packets.",
           "## Choices (validation only)\n\n" + table(
               ["choice", "options: validation score", "chosen", "by", "data"],
               [[c["what"], ", ".join(f"{k}: {v:.4f}" for k, v in c["scores"].items()), c["chosen"], c["by"], c["data"]]
                for c in p["choices"]]),
           "## Training runs (validation)\n\n"
           f"{r['settings']['gnn_steps']:,} steps per run (Adam, cosine schedule); quantization-aware from "
           f"{r['settings']['qat_from']:.0%} of the steps on, weights snapped onto the int8 grid at the end "
           f"(docs/training.md). Validation score: {p.get('validation_score', FIRST_VALIDATION_SCORE)}.\n\n" + table(
               ["run", "lr", "feature mask", "class-balanced", "seed", "training data", "lab validation mAUC",
                "real validation pooled mAUC", "validation score", "minutes"],
               [[n, f"{v['lr']:g}", v["mask"], "yes" if v["balance"] else "no", str(v["seed"]), f"{v['fraction']:.0%}",
                 f4(v["validation"]["lab_validation"]["mAUC"]), f4(v["validation"]["real_validation"]["pooled"]["mAUC"]),
                 f4(v["validation"]["score"]), f"{v['seconds'] / 60:.1f}"] for n, v in r["runs"].items()]),
           "## Spread across training seeds (test, engine unless noted)\n\n" + table(
               ["measure", "mean ± std (min-max)"], [[k, pm(v)] for k, v in r["spread"].items()]),
           f"## Lab test captures (shipped run `{s['run']}`)\n\n" + table(
               AUC_HEADER, [auc_row(f"engine, {k}", v, f4) for k, v in e["lab_test"].items()]
               + [auc_row("engine, both pooled", e["lab_test_pooled"], f4),
                  auc_row("float ONNX, both pooled", fl["lab_test_pooled"], f4)]
               + [auc_row(f"{n} (per packet), both pooled", b["lab_test_pooled"])
                  for n, b in r["baselines"]["test"]["1.0"].items()]),
           "## Real-traffic test files\n\n" + table(
               ["model", "pooled mAUC", "files with the right majority label", "max attack share on a benign file"],
               [[name, f4(m["pooled"]["mAUC"]), f3(m["majority_right_share"]), f3(m["benign_max_attack_share"])]
                for name, m in [("engine", e["real_test"]), ("float ONNX", fl["real_test"])]
                + [(f"{n} (per packet)", b["real_test"]) for n, b in r["baselines"]["test"]["1.0"].items()]])
           + f"\n\nXGBoost + 0.03 = {f4(xgb['real_test']['pooled']['mAUC'] + 0.03)}.\n\n### Per file (engine)\n\n"
           + table(["file", "class", "packets", "top-1", "majority", "attack share"],
                   [[f["file"], f["class"], str(f["packets"]), f3(f["top1"]), f["majority"], f3(f["attack_share"])]
                    for f in e["real_test"]["per_file"]]),
           "## Engine against float\n\n" + table(["measure", "value"], [[k, f"{v:.4f}" if isinstance(v, float) else str(v)]
                                                                       for k, v in s["engine_vs_float"].items()]),
           f"## Data scarcity ({r['scarcity']['fraction']:.0%} of the training data)\n\n"
           f"Engine lab test mAUC {f4(r['scarcity']['engine']['lab_test_pooled']['mAUC'])}, float "
           f"{f4(r['scarcity']['float']['lab_test_pooled']['mAUC'])}"
           + ("; baselines at the same fraction: " + ", ".join(
               f"{n} {f4(b['lab_test_pooled']['mAUC'])}"
               for n, b in r["baselines"]["test"][str(r['scarcity']['fraction'])].items())
              if str(r['scarcity']['fraction']) in r["baselines"]["test"] else "") + ".",
           "## Zero-shot (10 fine classes, lab test captures)\n\n"
           f"Zero-shot classifier's variant, chosen on validation: {HEAD_NAMES[r['zero_shot_test']['heads']]} "
           "(the GNN always starts from the variant with both heads).\n\n"
           + table(["capture", "top-1", "top-5", "balanced top-1", "packets"],
                   [[k, f3(v["top1"]), f3(v["top5"]), f3(v["balanced_top1"]), str(v["n"])]
                    for k, v in r["zero_shot_test"].items() if k != "heads"])]
    return "\n\n".join(out) + "\n"


def main() -> None:
    write_report(json.loads((REPO / "models/report.json").read_text()), REPO / "models/REPORT.md")


if __name__ == "__main__":
    main()
