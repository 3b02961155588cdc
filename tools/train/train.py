"""GNN reasoning training (paper section III-D, design-doc semantics).

The model is model.PacketClipEdge: the pretrained packet encoder (f_P + g_P)
gives the sensor node, the concept nodes are g_T(f_T(concept)) from the
pretrained text side (constants of the model), one hierarchical GNN per
mission, the frame vector over the last A packets goes through the temporal
Transformer and the classifier.

Windows are formed exactly as the engine forms them (dataset.window_rows):
the last A packets of the capture in file order, or, with
`Dims.window_sources` S > 0, the last A packets of the packet's source
address within a table of S windows (zero frames before a window's first
packet). A training batch is B segments of S consecutive
packets: the frames of all their windows are computed once per distinct
packet, which is also what the temporal smoothing term needs (squared change
of the class probabilities between consecutive windows of the same label,
following MissionGNN's smoothing loss). `crop` makes a share of the segments
see a stream that started 0..A-1 packets before them, as every stream the
engine meets does.

Optimiser as in the paper: Adam, lr 5e-4, betas (0.9, 0.8), eps 1e-6.

Quantization-aware training: from `qat_from` of the steps on, every linear
map the converter quantizes on its own is seen through its int8 rows
(model.fake_quant, straight-through) and the fused sensor projection
through the rounding of its product; at the end those weights are snapped
onto the int8 grid, so the exported float model and the engine differ only
by activation rounding and lookup tables.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from dataset import Capture, window_rows
from metrics import evaluate
from model import Dims, MissionKG, PacketClipEdge


@dataclass
class TrainConfig:
    steps: int = 1000          # the validation run peaks between 750 and 1000 steps
    segments: int = 48          # B segments per batch
    span: int = 16              # S windows per segment
    lr: float = 5e-4
    betas: tuple = (0.9, 0.8)
    eps: float = 1e-6
    smoothing: float = 0.1      # weight of the temporal smoothing term
    encoder_lr_scale: float = 1.0   # packet encoder learning rate relative to lr (0 freezes it)
    eval_every: int = 250
    seed: int = 0
    class_weights: Optional[tuple] = None   # cross-entropy weight per coarse class (None: all 1)
    qat_from: float = 0.75      # share of the steps after which training sees the int8 weights (1: never)
    crop: float = 0.0           # share of segments whose stream starts 0..A-1 packets before the segment


def concept_embeddings(kgs: Sequence[MissionKG], text_encoder, text_side) -> List[torch.Tensor]:
    """x_c = g_T(f_T(c)) for every concept of every KG (design doc, step 3)."""
    out = []
    with torch.no_grad():
        for kg in kgs:
            f_t = torch.from_numpy(text_encoder.encode(kg.concepts))
            out.append(text_side(f_t).float())
    return out


def build_model(dims: Dims, kgs: Sequence[MissionKG], concept_embs, packet_encoder_state: Optional[dict]) -> PacketClipEdge:
    model = PacketClipEdge(dims, kgs, concept_embs)
    if packet_encoder_state is not None:
        model.proj.load_state_dict(packet_encoder_state)
    check_fast_path(model)
    return model


def check_fast_path(model: PacketClipEdge) -> None:
    """Training uses MissionGNN.forward_fast; the export uses forward. They must agree."""
    model.eval()
    x = torch.rand(64, model.dims.p)
    with torch.no_grad():
        a, b = model.frame(x), model.frame(x, fast=True)
    if not torch.allclose(a, b, atol=1e-5):
        raise AssertionError(f"forward_fast differs from forward by {(a - b).abs().max().item()}")
    model.train()


def window_logits(model: PacketClipEdge, X: np.ndarray, rows: np.ndarray) -> torch.Tensor:
    """Logits [..., C] of the windows rows [..., A] (window_rows), each distinct packet's
    frame computed once; absent positions are zero frames."""
    flat = rows.reshape(-1)
    distinct, at = np.unique(np.maximum(flat, 0), return_inverse=True)
    f = model.frame(torch.from_numpy(X[distinct].astype(np.float32) / 255), fast=True)
    w = f[torch.from_numpy(at.reshape(-1))] * torch.from_numpy((flat >= 0).astype(np.float32)).unsqueeze(-1)
    return model.temporal(w.reshape(-1, rows.shape[-1], w.shape[-1])).reshape(*rows.shape[:-1], -1)


def predict(model: PacketClipEdge, capture: Capture, chunk: int = 1024) -> np.ndarray:
    """Class probabilities [n, C] of every packet's window, torch float."""
    model.eval()
    rows = window_rows(capture, model.dims.window, model.dims.window_sources)
    with torch.no_grad():
        out = [torch.softmax(window_logits(model, capture.X, rows[s:s + chunk]), -1).numpy()
               for s in range(0, len(capture), chunk)]
    model.train()
    return np.concatenate(out)


def train_model(model: PacketClipEdge, captures: Sequence[Capture], cfg: TrainConfig,
                validation: Sequence[Capture] = (), labelled: Optional[Sequence[np.ndarray]] = None,
                weights: Optional[Sequence[float]] = None, log: Callable[[str], None] = print) -> List[dict]:
    """Trains in place; returns the validation curve (validation captures pooled).

    labelled[k] (bool per packet of capture k, default all) says which
    packets' labels training may use (the data-scarcity runs): only windows
    ending at such a packet contribute to the loss; the packets before them
    still fill the window, as they would in deployment. weights[k] scales
    how often capture k is drawn (default: in proportion to its length)."""
    labelled = labelled or [np.ones(len(c), dtype=bool) for c in captures]
    starts_of = [np.flatnonzero(m[:len(m) - cfg.span + 1]) for m in labelled]
    rows_of = [window_rows(c, model.dims.window, model.dims.window_sources) for c in captures]
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    a, span = model.dims.window, cfg.span
    draw = np.array([len(st) for st in starts_of], dtype=np.float64) * (1 if weights is None else np.asarray(weights))
    encoder = list(model.proj.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("proj.")]
    groups = [{"params": rest, "lr": cfg.lr}]
    if cfg.encoder_lr_scale > 0:
        groups.append({"params": encoder, "lr": cfg.lr * cfg.encoder_lr_scale})
    else:
        for p in encoder:
            p.requires_grad_(False)
    opt = torch.optim.Adam(groups, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    curve, t0 = [], time.time()
    cw = None if cfg.class_weights is None else torch.tensor(cfg.class_weights, dtype=torch.float32)
    qat_step = int(cfg.qat_from * cfg.steps)
    for step in range(cfg.steps):
        if step == qat_step:
            model.quantization_aware(True)
        which = rng.choice(len(captures), size=cfg.segments, p=draw / draw.sum())
        loss = 0.0
        for k in np.unique(which):
            c = captures[k]
            starts = rng.choice(starts_of[k], size=int((which == k).sum()))
            ends = starts[:, None] + np.arange(span)[None, :]
            rows = rows_of[k][ends]
            if cfg.crop > 0:  # drawn only with crop on, so runs without it draw the same batches as before
                begin = np.where(rng.random(len(starts)) < cfg.crop, starts - rng.integers(0, a, len(starts)), -1)
                rows = np.where(rows >= begin[:, None, None], rows, -1)
            y = torch.from_numpy(c.coarse[ends])
            use = torch.from_numpy(labelled[k][ends].astype(np.float32))
            logits = window_logits(model, c.X, rows)
            ce = (F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), weight=cw, reduction="none")
                  * use.reshape(-1)).sum()
            prob = torch.softmax(logits, -1)
            same = (y[:, 1:] == y[:, :-1]).float() * use[:, 1:] * use[:, :-1]
            smooth = (((prob[:, 1:] - prob[:, :-1]) ** 2).sum(-1) * same).sum()
            loss = loss + (ce + cfg.smoothing * smooth) / (cfg.segments * span)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if validation and (step % cfg.eval_every == 0 or step == cfg.steps - 1):
            r = evaluate_captures(model, validation)
            curve.append({"step": step, "loss": float(loss), "mAUC": r["mAUC"], "top1": r["top1"]})
            log(f"  step {step}: loss {float(loss):.4f} validation mAUC {r['mAUC']:.4f} "
                f"top-1 {r['top1']:.3f} ({time.time() - t0:.0f} s)")
    if qat_step < cfg.steps:
        model.snap_weights()
    model.eval()
    return curve


def evaluate_captures(model: PacketClipEdge, captures: Sequence[Capture]) -> dict:
    """metrics.evaluate over the packets of several captures, each streamed on its own."""
    probs = np.concatenate([predict(model, c) for c in captures])
    return evaluate(np.concatenate([c.coarse for c in captures]), probs)
