"""Evaluation of an exported model, in float and through the engine.

Float: the ONNX file on onnxruntime, one window per packet, formed as the
engine forms it (dataset.window_rows: the last A packets of the capture or
of the packet's source, `present` 0 for zero frames): the model as
exported, not the torch object. Engine: the converted blob through
`packetclip run` (the integer Wasm engine computing its own features from
the capture), which is what a user runs. Both give per-packet probabilities
of the four coarse classes; metrics.py turns them into AUCs.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from dataset import CLI, COARSE, Capture, window_rows
from metrics import evaluate, file_weights
from model import Dims


def onnx_probs(onnx_path: Path, capture: Capture, dims: Dims, batch: int = 512) -> np.ndarray:
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    rows = window_rows(capture, dims.window, dims.window_sources)
    X = capture.X.astype(np.float32) / 255
    out = []
    for s in range(0, len(capture), batch):
        r = rows[s:s + batch]
        probs, _ = sess.run(None, {"packets": X[np.maximum(r, 0)], "present": (r >= 0).astype(np.float32)})
        out.append(probs)
    return np.concatenate(out)


def engine_probs(blob: Path, pcap: Path) -> np.ndarray:
    """Per-packet probabilities from `packetclip run --model blob pcap`."""
    run = subprocess.run(["node", str(CLI), "run", "--model", str(blob), str(pcap)],
                         capture_output=True, text=True)
    rows = [json.loads(line) for line in run.stdout.splitlines() if line]
    if run.returncode != 0 or any("i" not in r for r in rows):
        raise RuntimeError(f"packetclip run {pcap} failed: {run.stderr.strip() or rows[-1]}")
    return np.array([[r["probs"][c] for c in COARSE] for r in rows], dtype=np.float64)


def lab_and_real(probs_of, lab_test: Capture, real: Sequence[Capture], real_names: Sequence[str]) -> Dict[str, dict]:
    """metrics for one model given `probs_of(capture) -> [n, C]`: the lab test
    capture, and the real captures pooled over packets, with every file
    weighted equally, and per file."""
    p_lab = probs_of(lab_test)
    p_real = [probs_of(c) for c in real]
    y_real = np.concatenate([c.coarse for c in real])
    pooled = np.concatenate(p_real)
    owner = np.repeat(np.arange(len(real)), [len(c) for c in real])
    per_file: List[dict] = []
    for name, c, p in zip(real_names, real, p_real):
        per_file.append({"file": name, "packets": len(c), "class": COARSE[int(np.bincount(c.coarse).argmax())],
                         "top1": float((p.argmax(1) == c.coarse).mean()),
                         "p_true": float(p[np.arange(len(c)), c.coarse].mean())})
    return {
        "lab_test": evaluate(lab_test.coarse, p_lab),
        "real_pooled": evaluate(y_real, pooled),
        "real_file_weighted": evaluate(y_real, pooled, weights=file_weights(owner)),
        "real_per_file": per_file,
        "_lab_probs": p_lab,
    }
