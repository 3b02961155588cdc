"""Contrastive pretraining of the packet encoder (paper section III-C).

Pairs: a lab packet's features and its text description (describe.py). The
text side is the frozen MiniLM sentence encoder f_T followed by a linear SSL
head g_T; the packet side is the edge MLP f_P followed by its linear SSL
head g_P (model.PacketEncoder: the last layer is g_P). Loss: symmetric
InfoNCE over the batch with a learned temperature (paper eq. 4), plus a small
penalty that keeps both embeddings near unit length, because the GNN later
consumes them unnormalised (sensor node and concept nodes share one space).

Deviation from the paper, documented in models/REPORT.md: f_P is a small MLP
trained here, not a frozen ET-BERT, so "no SSL head" on the packet side
means using f_P's last hidden layer directly.

Zero-shot: class prompts (describe.class_prompts) through the text side,
cosine with each test packet's embedding, top-1/top-5 over the 10 fine
classes (paper Table I).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dataset import REPO, Capture
from describe import class_prompts, describe_packets
from model import PacketEncoder

FINE = ["Benign", "OS Scan", "Vulnerability Scan", "Port Scan", "ICMP Flood", "Slowloris",
        "SYN Flood", "UDP Flood", "DNS Flood", "Dictionary Attack"]

# Ablation variants (paper Table I / Fig. 4): which sides have a linear SSL head.
HEADS = {"both": (True, True), "packet": (True, False), "none": (False, False)}


@dataclass
class PretrainConfig:
    heads: str = "both"
    pairs_per_class: int = 800     # descriptions encoded per fine class (MiniLM dominates the cost)
    steps: int = 4000
    groups: int = 32               # InfoNCE groups per step, one pair of each fine class each
    lr: float = 1e-3
    norm_weight: float = 0.1
    seed: int = 0
    only_capture: Optional[int] = None   # train on the pairs of views[0][k] only (validation runs)


class PacketSide(nn.Module):
    """f_P with its head g_P (model.PacketEncoder, width `out`), or without:
    then the embedding is f_P's last ReLU layer, `out` wide."""

    def __init__(self, p: int, hidden: Sequence[int], out: int, head: bool):
        super().__init__()
        self.head = head
        self.enc = PacketEncoder(p, hidden if head else list(hidden[:-1]), out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x) if self.head else F.relu(self.enc(x))


class TextSide(nn.Module):
    """g_T on top of the frozen f_T embeddings (identity without a head)."""

    def __init__(self, text_width: int, e: int, head: bool):
        super().__init__()
        self.g = nn.Linear(text_width, e) if head else nn.Identity()

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.g(t)


def sample_pairs(views: Sequence[Sequence[Capture]], per_class: int, rng: np.random.Generator):
    """Up to `per_class` packets of every fine class, spread over the captures
    of views[0], with their descriptions. The other views are the same
    captures with their timing scaled (dataset.load_capture time_scale): the
    same packets, so they share the description. Returns (features u8
    [views, n, P], texts, fine, index of the capture of each pair)."""
    rows, texts, fine, owner = [], [], [], []
    for k, c in enumerate(views[0]):
        take = []
        for cls in FINE:
            idx = np.flatnonzero(c.fine == cls)
            n = min(len(idx), per_class // len(views[0]))
            take.extend(rng.choice(idx, size=n, replace=False).tolist())
        take.sort()
        cols = {name: v[take] for name, v in c.packets.items()}
        texts += describe_packets(cols, c.flows, list(c.fine[take]), kgs=committed_kgs(), rng=int(rng.integers(1 << 31)))
        rows.append(np.stack([view[k].X[take] for view in views]))
        fine += list(c.fine[take])
        owner += [k] * len(take)
    return np.concatenate(rows, axis=1), texts, np.array(fine), np.array(owner)


@lru_cache(maxsize=None)
def committed_kgs():
    """The committed knowledge graphs, models/kg."""
    from kg import load_kgs
    return load_kgs(REPO / "models/kg")


def info_nce(zp: torch.Tensor, zt: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (paper eq. 4) within groups: zp, zt [G, K, E], pair
    (g, k) is the positive of row (g, k) and the other K-1 pairs of its group
    are its negatives. A group holds one pair of every fine class, so the
    negatives Z\\ never include a packet of the text's own class: with ten
    classes, batch-wide negatives would be same-class pairs one time in ten
    and push apart packets the text describes equally well."""
    logits = log_scale.exp() * F.normalize(zt, dim=2) @ F.normalize(zp, dim=2).transpose(1, 2)
    g, k, _ = logits.shape
    target = torch.arange(k).repeat(g)
    return 0.5 * (F.cross_entropy(logits.reshape(g * k, k), target)
                  + F.cross_entropy(logits.transpose(1, 2).reshape(g * k, k), target))


def class_groups(fine: np.ndarray, groups: int, rng: np.random.Generator) -> torch.Tensor:
    """[groups, classes] pair indices: one random pair of every fine class per group."""
    cols = [rng.choice(np.flatnonzero(fine == c), size=groups) for c in FINE]
    return torch.from_numpy(np.stack(cols, axis=1))


def class_text_embeddings(text_encoder, kgs) -> np.ndarray:
    """One f_T vector per fine class: the normalised mean of its prompts."""
    out = []
    for cls in FINE:
        e = text_encoder.encode(class_prompts(cls, kgs)).mean(0)
        out.append(e / np.linalg.norm(e))
    return np.stack(out)


def zero_shot(packet: nn.Module, text: nn.Module, class_f_t: np.ndarray, X: np.ndarray, fine: np.ndarray) -> Dict[str, float]:
    """Top-1 / top-5 accuracy over the 10 fine classes, and the class-balanced top-1."""
    with torch.no_grad():
        zc = F.normalize(text(torch.from_numpy(class_f_t)), dim=1)
        zp = F.normalize(packet(torch.from_numpy(X.astype(np.float32) / 255)), dim=1)
        ranks = torch.argsort(zp @ zc.t(), dim=1, descending=True).numpy()
    y = np.array([FINE.index(f) for f in fine])
    top1 = ranks[:, 0] == y
    top5 = (ranks[:, :5] == y[:, None]).any(1)
    balanced = float(np.mean([top1[y == k].mean() for k in range(len(FINE)) if (y == k).any()]))
    return {"top1": float(top1.mean()), "top5": float(top5.mean()), "balanced_top1": balanced, "n": int(len(y))}


def pretrain(views: Sequence[Sequence[Capture]], text_encoder, dims, cfg: PretrainConfig,
             eval_set: Optional[Capture] = None, log=print):
    """views[0]: the training captures; further views: the same captures with
    scaled timing (each pair draws one view at random: timing augmentation).
    Returns (packet side, text side, zero-shot result on eval_set or None, curve)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    X, texts, fine, owner = sample_pairs(views, cfg.pairs_per_class, rng)
    if cfg.only_capture is not None:
        # The same sample (so the same cached text embeddings), restricted to
        # one capture: the encoder of the validation run must not have seen
        # the validation capture.
        keep = owner == cfg.only_capture
        X, texts, fine = X[:, keep], [t for t, k in zip(texts, keep) if k], fine[keep]
    log(f"pretrain[{cfg.heads}]: {len(texts)} description pairs, encoding with the frozen text encoder")
    T = torch.from_numpy(text_encoder.encode(texts))
    Xf = torch.from_numpy(X.astype(np.float32) / 255)
    head_p, head_t = HEADS[cfg.heads]
    width = T.shape[1]
    joint = dims.e if head_t else width   # without g_T the packet side must reach f_T's space
    packet = PacketSide(dims.p, dims.hidden, joint, head_p)
    text = TextSide(width, joint, head_t)
    log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    params = list(packet.parameters()) + list(text.parameters()) + [log_scale]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    class_f_t = class_text_embeddings(text_encoder, committed_kgs()) if eval_set is not None else None
    curve = []
    for step in range(cfg.steps):
        i = class_groups(fine, cfg.groups, rng)
        v = torch.from_numpy(rng.integers(0, len(Xf), size=tuple(i.shape)))
        zp, zt = packet(Xf[v, i]), text(T[i])
        loss = info_nce(zp, zt, log_scale)
        loss = loss + cfg.norm_weight * ((zp.norm(dim=1) - 1) ** 2 + (zt.norm(dim=1) - 1) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            log_scale.clamp_(0, math.log(100))
        if eval_set is not None and (step % 250 == 0 or step == cfg.steps - 1):
            zs = zero_shot(packet, text, class_f_t, eval_set.X, eval_set.fine)
            curve.append({"step": step, "loss": float(loss), **zs})
            log(f"  step {step}: loss {loss.item():.3f} zero-shot top-1 {zs['top1']:.3f} top-5 {zs['top5']:.3f}")
    result = curve[-1] if curve else None
    return packet, text, result, curve
