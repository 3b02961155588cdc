"""Export a PacketClipEdge model to ONNX following docs/onnx-contract.md.

    /usr/bin/python3 tools/train/export.py  (library: export_onnx(model, path))

The contract: one graph, inputs `packets` [B,A,P] and `present` [B,A], outputs
`probs` [B,C] and `frames` [B,A,M*H]; initializers named as the model's
state_dict; everything the graph cannot say (KG topology with concept names,
class names, window length and keying, feature-spec version) in metadata_props under
`pce.*` keys. Optionally writes the per-packet and temporal halves as separate
graphs (`*.packet.onnx`, `*.temporal.onnx`) for streaming ONNX Runtime runs.
"""
from __future__ import annotations

import json
from pathlib import Path

import onnx
import onnx.numpy_helper
import torch

from model import PacketClipEdge

CONTRACT_VERSION = 2
OPSET = 17


def metadata(model: PacketClipEdge, feature_version: int) -> dict:
    d = model.dims
    missions = []
    for kg in model.kgs:
        missions.append({
            "name": kg.name,
            "concepts": [{"name": n, "level": lv} for n, lv in zip(kg.concepts, kg.levels)],
            "edges": [list(e) for e in kg.edges],
        })
    return {
        "pce.contract_version": str(CONTRACT_VERSION),
        "pce.feature_version": str(feature_version),
        "pce.classes": json.dumps(list(d.classes)),
        "pce.window": str(d.window),
        "pce.window_sources": str(d.window_sources),
        "pce.dims": json.dumps({
            "packet_features": d.p, "hidden": list(d.hidden), "embedding": d.e,
            "gnn_width": d.h, "gnn_layers": d.layers, "heads": d.heads, "ff": d.ff,
        }),
        "pce.missions": json.dumps(missions),
    }


def export_onnx(model: PacketClipEdge, path: Path, feature_version: int = 1, split: bool = False) -> None:
    model.eval()
    a, p = model.dims.window, model.dims.p
    packets = torch.zeros(1, a, p)
    present = torch.ones(1, a)
    path = Path(path)
    torch.onnx.export(
        model, (packets, present), str(path),
        input_names=["packets", "present"], output_names=["probs", "frames"],
        dynamic_axes={"packets": {0: "batch", 1: "window"}, "present": {0: "batch", 1: "window"},
                      "probs": {0: "batch"}, "frames": {0: "batch", 1: "window"}},
        opset_version=OPSET, do_constant_folding=False)
    m = onnx.load(str(path))
    # The exporter merges initializers with equal values (two identical
    # adjacency matrices, fresh LayerNorm weights): one survives and the others
    # become Identity nodes reading it. The contract promises every tensor as
    # an initializer under its own name, so turn those back into initializers.
    inits = {i.name: i for i in m.graph.initializer}
    for node in list(m.graph.node):
        if node.op_type == "Identity" and node.input[0] in inits:
            copy = onnx.TensorProto()
            copy.CopyFrom(inits[node.input[0]])
            copy.name = node.output[0]
            m.graph.initializer.append(copy)
            m.graph.node.remove(node)
    names = {i.name for i in m.graph.initializer}
    missing = [k for k in model.state_dict() if k not in names and "num_batches_tracked" not in k]
    if missing:
        raise RuntimeError(f"export lost initializers (contract broken): {missing[:5]}")
    for k, v in metadata(model, feature_version).items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    m.producer_name = "packetclip-edge/export.py"
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    if split:
        stem = str(path)[: -len(".onnx")]
        export_halves(model, stem)


class _Frame(torch.nn.Module):
    def __init__(self, model: PacketClipEdge):
        super().__init__()
        self.model = model

    def forward(self, packet):
        return self.model.frame(packet)


class _Temporal(torch.nn.Module):
    def __init__(self, model: PacketClipEdge):
        super().__init__()
        self.model = model

    def forward(self, frames):
        return torch.softmax(self.model.temporal(frames), dim=-1)


def export_halves(model: PacketClipEdge, stem: str) -> None:
    """The per-packet graph [B,P] -> [B,M*H] and the temporal graph
    [B,A,M*H] -> [B,C]: what a streaming ONNX Runtime host runs, one packet at
    a time, for the speed comparison. Not part of the contract."""
    d = model.dims
    torch.onnx.export(_Frame(model), (torch.zeros(1, d.p),), stem + ".packet.onnx",
                      input_names=["packet"], output_names=["frame"],
                      dynamic_axes={"packet": {0: "batch"}, "frame": {0: "batch"}}, opset_version=OPSET)
    torch.onnx.export(_Temporal(model), (torch.zeros(1, d.window, model.d_model),), stem + ".temporal.onnx",
                      input_names=["frames"], output_names=["probs"],
                      dynamic_axes={"frames": {0: "batch"}, "probs": {0: "batch"}}, opset_version=OPSET)
