"""PacketCLIP-Edge reference model in PyTorch: the float semantics every other
implementation (converter, Wasm engine, firmware) is checked against.

Semantics: ../../docs/onnx-contract.md and shared/design/packetclip-edge.md.
All dimensions are constructor parameters; the defaults are the paper's edge
configuration (P=128, MLP 128-128-64, H=8, L=3, M=3, A=30, d=24, 8 heads).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn
import torch.nn.functional as F


@dataclass
class MissionKG:
    """One knowledge graph. Concepts are numbered 0..n-1; `levels[c]` is 1 for a
    key concept, 2 for a concept first reached from a key one, and so on.
    `edges` are (src, dst) concept pairs along the DAG (level k -> level k+1).
    The sensor and encoding nodes are implicit: node n is the sensor (edges to
    every key concept), node n+1 the encoding node (an edge from every non-key
    concept)."""

    name: str
    concepts: List[str]
    levels: List[int]
    edges: List[Tuple[int, int]] = field(default_factory=list)

    @property
    def n_nodes(self) -> int:
        return len(self.concepts) + 2

    def all_edges(self) -> List[Tuple[int, int]]:
        n = len(self.concepts)
        sensor, enc = n, n + 1
        e = [(sensor, c) for c in range(n) if self.levels[c] == 1]
        e += list(self.edges)
        e += [(c, enc) for c in range(n) if self.levels[c] != 1]
        return e

    def hop_distance(self) -> List[float]:
        """Directed BFS distance from the sensor node (inf if unreachable)."""
        dist = [math.inf] * self.n_nodes
        sensor = len(self.concepts)
        dist[sensor] = 0
        frontier = [sensor]
        edges = self.all_edges()
        while frontier:
            nxt = []
            for u in frontier:
                for a, b in edges:
                    if a == u and dist[b] == math.inf:
                        dist[b] = dist[u] + 1
                        nxt.append(b)
            frontier = nxt
        return dist

    def layer_adjacency(self, layer: int) -> torch.Tensor:
        """Row-normalised adjacency of the edges used at `layer` (1-based):
        A[v, u] = 1/indeg_l(v) for every used edge u -> v, whose source is
        fewer than `layer` hops from the sensor."""
        dist = self.hop_distance()
        a = torch.zeros(self.n_nodes, self.n_nodes)
        for u, v in self.all_edges():
            if dist[u] < layer:
                a[v, u] = 1.0
        deg = a.sum(dim=1, keepdim=True)
        return torch.where(deg > 0, a / deg.clamp(min=1), a)


def int8_grid(w: torch.Tensor) -> torch.Tensor:
    """The weights the converter's int8 rows stand for: per output row scale
    s_r = max_c |W[r][c]| / 127, values s_r * clamp(round(W / s_r), -127, 127)
    (docs/fixed-point.md, "Scales the converter chooses")."""
    s = w.detach().abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
    return torch.clamp(torch.round(w / s), -127, 127) * s


def fake_quant(w: torch.Tensor) -> torch.Tensor:
    """int8_grid(w) forward, identity backward (straight-through estimator)."""
    return w + (int8_grid(w) - w).detach()


class QLinear(nn.Linear):
    """nn.Linear (same parameters and state_dict names) whose weights can be
    seen through the converter's int8 rounding during quantization-aware
    training, and snapped onto that grid for export."""

    quantized = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, fake_quant(self.weight) if self.quantized else self.weight, self.bias)

    def snap(self) -> None:
        """Weights := their int8 grid values, so that the converter's rounding
        is exact and the exported float model is what the engine computes."""
        with torch.no_grad():
            self.weight.copy_(int8_grid(self.weight))


class PacketEncoder(nn.Module):
    """f_P followed by the linear SSL head g_P: Linear+ReLU layers, then Linear."""

    def __init__(self, p: int, hidden: Sequence[int], e: int):
        super().__init__()
        dims = [p, *hidden, e]
        self.layers = nn.ModuleList(QLinear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """f_P's last ReLU layer: the input of the SSL head g_P."""
        for lin in self.layers[:-1]:
            x = F.relu(lin(x))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[-1](self.hidden(x))


class MissionGNN(nn.Module):
    """Hierarchical message passing over one KG (design doc, step 4), written
    densely (x_v * (A_l @ y)) so that it exports to plain ONNX ops."""

    def __init__(self, kg: MissionKG, concept_emb: torch.Tensor, h: int, layers: int):
        super().__init__()
        n_c, e = concept_emb.shape
        assert n_c == len(kg.concepts)
        self.kg = kg
        self.register_buffer("concepts", concept_emb.clone().float())
        self.lins = nn.ModuleList(QLinear(e if l == 0 else h, h) for l in range(layers))
        self.bns = nn.ModuleList(nn.BatchNorm1d(h) for _ in range(layers))
        for l in range(layers):
            self.register_buffer(f"adj{l}", kg.layer_adjacency(l + 1))

    def adj(self, l: int) -> torch.Tensor:
        return getattr(self, f"adj{l}")

    def node_features(self, s: torch.Tensor) -> torch.Tensor:
        b = s.shape[0]
        c = self.concepts.unsqueeze(0).expand(b, -1, -1)
        return torch.cat([c, s.unsqueeze(1), torch.zeros_like(s).unsqueeze(1)], dim=1)

    def layer(self, l: int, x: torch.Tensor) -> torch.Tensor:
        """One layer on node features x [B, N, in] -> pre-BN aggregate [B, N, H]."""
        b, n, d = x.shape
        y = self.lins[l](x.reshape(b * n, d)).reshape(b, n, -1)
        return y * torch.matmul(self.adj(l), y)

    def forward_fast(self, s: torch.Tensor, y_sensor: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The same function as forward(s), for training. Layer 1's concept rows
        do not depend on the packet, so they are mapped once instead of once
        per packet; node features stay in a contiguous [B, H, N] layout, which
        is what BatchNorm1d and elementwise ops are fast on (CPU, strided
        [B*N, H] views were 15x slower). Checked against forward() by
        train.py before it trains. `y_sensor` replaces lin0(s) (the
        quantization-aware path computes it through the fused weights)."""
        b = s.shape[0]          # s: the sensor embedding, or anything with its batch size when y_sensor is given
        lin0 = self.lins[0]
        yc = F.linear(self.concepts, lin0.weight, lin0.bias).t().unsqueeze(0).expand(b, -1, -1)   # [B, H, n]
        if y_sensor is None:
            y_sensor = F.linear(s, lin0.weight, lin0.bias)
        y = torch.cat([yc, y_sensor.unsqueeze(2), lin0.bias.view(1, -1, 1).expand(b, -1, 1)], dim=2)
        x = y
        for l in range(len(self.lins)):
            if l > 0:
                lin = self.lins[l]
                w = fake_quant(lin.weight) if lin.quantized else lin.weight
                y = torch.matmul(w, x) + lin.bias.view(1, -1, 1)
            agg = y * torch.matmul(y, self.adj(l).t())
            x = F.elu(self.bns[l](agg))
        return x[:, :, -1]

    def forward(self, s: torch.Tensor, return_all: bool = False):
        x = self.node_features(s)
        for l in range(len(self.lins)):
            agg = self.layer(l, x)
            b, n, h = agg.shape
            x = F.elu(self.bns[l](agg.reshape(b * n, h))).reshape(b, n, h)
        return x if return_all else x[:, -1, :]


class TemporalHead(nn.Module):
    """One post-norm Transformer encoder layer read at the last position, then
    a linear classifier. Written out (q/k/v/o, norms, FFN) instead of
    nn.TransformerEncoderLayer so the ONNX initializers keep stable names and
    only the last query is computed; equivalence with the torch layer is
    checked by tools/train/check_model.py."""

    def __init__(self, d: int, heads: int, ff: int, classes: int, eps: float = 1e-5):
        super().__init__()
        assert d % heads == 0, "d_model must be a multiple of the head count"
        self.d, self.heads = d, heads
        self.q, self.k, self.v, self.o = (QLinear(d, d) for _ in range(4))
        self.norm1 = nn.LayerNorm(d, eps=eps)
        self.ff1 = QLinear(d, ff)
        self.ff2 = QLinear(ff, d)
        self.norm2 = nn.LayerNorm(d, eps=eps)
        self.head = QLinear(d, classes)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        b, a, d = frames.shape
        hd = self.d // self.heads
        flat = frames.reshape(b * a, d)
        k = self.k(flat).reshape(b, a, self.heads, hd)
        v = self.v(flat).reshape(b, a, self.heads, hd)
        last = frames[:, -1, :]
        q = self.q(last).reshape(b, 1, self.heads, hd)
        scores = (q * k).sum(-1) / math.sqrt(hd)              # [B, A, heads]
        w = torch.softmax(scores, dim=1)
        att = (w.unsqueeze(-1) * v).sum(1).reshape(b, d)      # [B, d]
        x = self.norm1(last + self.o(att))
        x = self.norm2(x + self.ff2(F.relu(self.ff1(x))))
        return self.head(x)


@dataclass
class Dims:
    p: int = 128
    hidden: Tuple[int, ...] = (128, 128)
    e: int = 64
    h: int = 8
    layers: int = 3
    window: int = 30
    window_sources: int = 0   # 0: one window over the stream; S: one per source address, S at most (dataset.window_rows)
    heads: int = 8
    ff: int = 128
    classes: Tuple[str, ...] = ("Benign", "DoS", "Reconnaissance", "Brute Force")


class PacketClipEdge(nn.Module):
    """Full model. forward(packets [B,A,P], present [B,A]) -> (probs [B,C],
    frames [B,A,M*H]). A position whose `present` is 0 lies before the first
    packet of the stream: its frame is the zero vector (design doc, step 6)."""

    def __init__(self, dims: Dims, kgs: Sequence[MissionKG], concept_embs: Sequence[torch.Tensor]):
        super().__init__()
        self.dims = dims
        self.kgs = list(kgs)
        self.proj = PacketEncoder(dims.p, dims.hidden, dims.e)
        self.gnn = nn.ModuleList(
            MissionGNN(kg, emb, dims.h, dims.layers) for kg, emb in zip(kgs, concept_embs))
        d = dims.h * len(self.kgs)
        self.temporal = TemporalHead(d, dims.heads, dims.ff, len(dims.classes))
        self.qat = False

    @property
    def d_model(self) -> int:
        return self.dims.h * len(self.kgs)

    def own_gemvs(self) -> List[QLinear]:
        """The linear maps the converter quantizes as they are (its own int8
        rows per map). The SSL head g_P and each GNN's first map are not among
        them: the converter fuses them into one projection op (W_gnn1 · W_head)."""
        out = list(self.proj.layers[:-1])
        for g in self.gnn:
            out += list(g.lins[1:])
        t = self.temporal
        return out + [t.q, t.k, t.v, t.o, t.ff1, t.ff2, t.head]

    def quantization_aware(self, on: bool = True) -> None:
        """Train through the converter's int8 weight rounding (straight-through)."""
        self.qat = on
        for lin in self.own_gemvs():
            lin.quantized = on

    def snap_weights(self) -> None:
        """End of quantization-aware training: every own GEMV's weights onto
        the int8 grid (the fused sensor map stays float: the converter rounds
        the product, which training saw through fake_quant)."""
        self.quantization_aware(False)
        for lin in self.own_gemvs():
            lin.snap()

    def fused_sensor(self, hidden: torch.Tensor, g: MissionGNN) -> torch.Tensor:
        """y of the sensor node through the converter's fused op, fake-quantized."""
        head, lin0 = self.proj.layers[-1], g.lins[0]
        w = fake_quant(lin0.weight @ head.weight)
        return F.linear(hidden, w, lin0.weight @ head.bias + lin0.bias)

    def frame(self, x: torch.Tensor, fast: bool = False) -> torch.Tensor:
        """Per-packet part: features [N,P] -> frame vector [N, M*H]."""
        if fast and self.qat:
            h = self.proj.hidden(x)
            return torch.cat([g.forward_fast(h, self.fused_sensor(h, g)) for g in self.gnn], dim=1)
        s = self.proj(x)
        return torch.cat([g.forward_fast(s) if fast else g(s) for g in self.gnn], dim=1)

    def forward(self, packets: torch.Tensor, present: torch.Tensor):
        b, a, p = packets.shape
        f = self.frame(packets.reshape(b * a, p)).reshape(b, a, -1)
        f = f * present.unsqueeze(-1)
        logits = self.temporal(f)
        return torch.softmax(logits, dim=-1), f
