"""GNN reasoning training (paper section III-D, design-doc semantics).

The model is model.PacketClipEdge: the pretrained packet encoder (f_P + g_P)
gives the sensor node, the concept nodes are g_T(f_T(concept)) from the
pretrained text side (constants of the model), one hierarchical GNN per
mission, the frame vector over the last A packets goes through the temporal
Transformer and the classifier.

Windows are the last A packets of a capture in file order, exactly as the
engine sees them (zero frames before the first packet). A training batch is
B segments of A+S-1 consecutive packets: their frames are computed once and
give S consecutive windows each, which is also what the temporal smoothing
term needs (squared change of the class probabilities between consecutive
windows of the same label, following MissionGNN's smoothing loss).

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

from dataset import Capture
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


def segment(X: np.ndarray, starts: np.ndarray, length: int, window: int):
    """Features [B, length, P] of packets starts-window+1 .. starts-window+length,
    and present [B, length] (False before the capture's first packet)."""
    idx = starts[:, None] + np.arange(length)[None, :] - (window - 1)
    present = idx >= 0
    idx = np.maximum(idx, 0)
    return (torch.from_numpy(X[idx].astype(np.float32) / 255),
            torch.from_numpy(present.astype(np.float32)), idx)


def window_logits(model: PacketClipEdge, x: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Logits [B, length-A+1, C] of every complete window inside each segment."""
    b, length, p = x.shape
    a = model.dims.window
    f = model.frame(x.reshape(-1, p), fast=True).reshape(b, length, -1) * present.unsqueeze(-1)
    w = f.unfold(1, a, 1).permute(0, 1, 3, 2)          # [B, windows, A, d]
    n = w.shape[1]
    return model.temporal(w.reshape(b * n, a, -1)).reshape(b, n, -1)


def predict(model: PacketClipEdge, capture: Capture, chunk: int = 2048) -> np.ndarray:
    """Class probabilities [n, C] of every packet's window, torch float."""
    model.eval()
    a = model.dims.window
    out = []
    with torch.no_grad():
        for s in range(0, len(capture), chunk):
            n = min(chunk, len(capture) - s)
            x, present, _ = segment(capture.X, np.array([s]), n + a - 1, a)
            out.append(torch.softmax(window_logits(model, x, present)[0], -1).numpy())
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
            x, present, idx = segment(c.X, starts, a + span - 1, a)
            ends = idx[:, a - 1:]
            y = torch.from_numpy(c.coarse[ends])
            use = torch.from_numpy(labelled[k][ends].astype(np.float32))
            logits = window_logits(model, x, present)
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
