"""Regenerate the parity fixture under test/fixtures/:

    /usr/bin/python3 tools/train/make_fixture.py [--seed 7] [--out test/fixtures]

A model with the default dimensions, small hand-written knowledge graphs and
random (not trained) weights. Plain PyTorch init makes the multiplicative
messages shrink until the frame barely depends on the packet, which would make
parity meaningless, so weights are He-normal and every BatchNorm's statistics
are calibrated on sample inputs, layer by layer. Writes:
  fixture.onnx (+ .packet.onnx / .temporal.onnx halves for streaming ORT),
  fixture.inputs.f32   stream of S packets' features, float32 LE [S, P],
  fixture.expected.json torch outputs for that stream: per packet, the frame
                        and the class probabilities of the window ending there.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model import Dims, MissionKG, PacketClipEdge
from export import export_onnx

KGS = [
    MissionKG("DoS",
              ["flood", "resource exhaustion", "high volume", "syn packets", "icmp echo",
               "bandwidth", "half-open connection", "timeout", "handshake", "saturation"],
              [1, 1, 1, 2, 2, 2, 2, 2, 3, 3],
              [(0, 3), (2, 3), (0, 4), (2, 5), (1, 6), (1, 7), (6, 8), (5, 9)]),
    MissionKG("Reconnaissance",
              ["scan", "probe", "fingerprint", "port", "sweep", "service version",
               "operating system", "banner", "tcp options"],
              [1, 1, 1, 2, 2, 2, 2, 2, 3],
              [(0, 3), (1, 3), (0, 4), (1, 5), (2, 6), (1, 7), (6, 8)]),
    MissionKG("Brute Force",
              ["password", "login", "dictionary", "credential", "authentication failure",
               "ssh", "wordlist", "ftp", "retry"],
              [1, 1, 1, 2, 2, 2, 2, 2, 3],
              [(0, 3), (1, 4), (1, 5), (2, 6), (0, 6), (1, 7), (4, 8)]),
]


HEAD_GAIN = 1.0


def sample_features(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Packets drawn around a few prototypes, in [0, 1] like real features
    (bytes / 255, log-scaled sizes), in runs so windows have structure."""
    protos = rng.random((6, p)) * (rng.random((6, p)) < 0.5)
    out = np.empty((n, p), np.float32)
    i = 0
    while i < n:
        run = int(rng.integers(1, 12))
        k = int(rng.integers(0, len(protos)))
        for _ in range(min(run, n - i)):
            out[i] = np.clip(protos[k] + 0.15 * rng.standard_normal(p), 0.0, 1.0)
            i += 1
    return out


def he_init(model: nn.Module) -> None:
    for mod in model.modules():
        if isinstance(mod, nn.Linear):
            nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            nn.init.normal_(mod.bias, std=0.1)


@torch.no_grad()
def calibrate_batchnorm(model: PacketClipEdge, x: torch.Tensor) -> None:
    s = model.proj(x)
    for g in model.gnn:
        h = g.node_features(s)
        for l, bn in enumerate(g.bns):
            agg = g.layer(l, h)
            flat = agg.reshape(-1, agg.shape[-1])
            bn.running_mean.copy_(flat.mean(0))
            bn.running_var.copy_(flat.var(0, unbiased=False))
            bn.weight.copy_(1.0 + 0.2 * torch.randn_like(bn.weight))
            bn.bias.copy_(0.2 * torch.randn_like(bn.bias))
            b, n, hh = agg.shape
            h = torch.nn.functional.elu(bn(flat)).reshape(b, n, hh)


@torch.no_grad()
def check_temporal_matches_torch_layer(model: PacketClipEdge, frames: torch.Tensor) -> float:
    """Our written-out temporal head must equal nn.TransformerEncoderLayer
    (post-norm, ReLU) read at the last position."""
    t = model.temporal
    d = t.d
    ref = nn.TransformerEncoderLayer(d, t.heads, t.ff1.out_features, dropout=0.0,
                                     activation="relu", batch_first=True, norm_first=False,
                                     layer_norm_eps=t.norm1.eps).eval()
    ref.self_attn.in_proj_weight.copy_(torch.cat([t.q.weight, t.k.weight, t.v.weight]))
    ref.self_attn.in_proj_bias.copy_(torch.cat([t.q.bias, t.k.bias, t.v.bias]))
    ref.self_attn.out_proj.weight.copy_(t.o.weight)
    ref.self_attn.out_proj.bias.copy_(t.o.bias)
    ref.linear1.load_state_dict(t.ff1.state_dict())
    ref.linear2.load_state_dict(t.ff2.state_dict())
    ref.norm1.load_state_dict(t.norm1.state_dict())
    ref.norm2.load_state_dict(t.norm2.state_dict())
    want = t.head(ref(frames)[:, -1, :])
    got = t(frames)
    return float((want - got).abs().max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="test/fixtures")
    ap.add_argument("--stream", type=int, default=512, help="packets in the sample stream")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    dims = Dims()
    embs = [torch.nn.functional.normalize(torch.randn(len(kg.concepts), dims.e), dim=1) * math.sqrt(dims.e) * 0.5
            for kg in KGS]
    model = PacketClipEdge(dims, KGS, embs)
    he_init(model)
    # Layers not followed by a ReLU get variance-preserving (LeCun) weights.
    for lin in (model.temporal.q, model.temporal.k, model.temporal.v, model.temporal.o,
                model.temporal.ff2):
        nn.init.normal_(lin.weight, std=1.0 / math.sqrt(lin.in_features))
    # An untrained head gives near-uniform class probabilities, where argmax
    # agreement would only measure ties; a trained classifier is decisive, so
    # the fixture's head is scaled to be decisive too (median top-2 margin ~0.4).
    nn.init.normal_(model.temporal.head.weight, std=HEAD_GAIN / math.sqrt(model.temporal.head.in_features))
    calibrate_batchnorm(model, torch.from_numpy(sample_features(rng, 2048, dims.p)))
    model.eval()

    stream = torch.from_numpy(sample_features(rng, args.stream, dims.p))
    with torch.no_grad():
        frames = model.frame(stream)
        err = check_temporal_matches_torch_layer(model, frames[: dims.window].unsqueeze(0))
        assert err < 1e-4, f"temporal head differs from nn.TransformerEncoderLayer by {err}"
        a = dims.window
        probs = []
        for t in range(len(stream)):
            lo = t + 1 - a
            win = torch.zeros(1, a, dims.p)
            pres = torch.zeros(1, a)
            src = stream[max(lo, 0): t + 1]
            win[0, a - len(src):] = src
            pres[0, a - len(src):] = 1.0
            pr, _ = model(win, pres)
            probs.append(pr[0].tolist())
    spread = float(frames.std(0).mean())
    assert spread > 0.05, f"fixture frames barely depend on the packet (std {spread})"

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out / "fixture.onnx", split=True)
    stream.numpy().astype("<f4").tofile(out / "fixture.inputs.f32")
    (out / "fixture.expected.json").write_text(json.dumps({
        "generator": f"tools/train/make_fixture.py --seed {args.seed} --stream {args.stream}",
        "torch": torch.__version__,
        "packets": len(stream), "packet_features": dims.p,
        "frame_std_across_packets": spread,
        "frames": [[round(v, 7) for v in row] for row in frames.tolist()],
        "probs": [[round(v, 7) for v in row] for row in probs],
    }) + "\n")
    n_params = sum(int(np.prod(v.shape)) for k, v in model.state_dict().items()
                   if "num_batches" not in k and ".adj" not in k)
    print(f"fixture written to {out}: {n_params} parameters, frame std across packets {spread:.3f}, "
          f"temporal-vs-torch max err {err:.2e}")


if __name__ == "__main__":
    main()
