/**
 * `packetclip inspect`: what a blob holds and what it costs — dims, sections,
 * parameters, analytic MACs per packet by stage (streaming and full-window
 * recompute), the concepts per mission.
 */
import { Op, Role, VERSION, tensorId } from '../blob/constants.js';
import { gemvOps } from '../blob/layout.js';
import type { BlobModel } from '../blob/model.js';
import { readBlob, readSectionTable } from '../blob/reader.js';

export interface Report {
  formatVersion: number;
  bytes: number;
  dims: BlobModel['dims'];
  classes: string[];
  sections: { name: string; offset: number; length: number }[];
  parameters: { weights: number; biases: number; norms: number; total: number; constantNodeValues: number };
  macsPerPacket: {
    streaming: Record<string, number> & { total: number };
    fullWindow: Record<string, number> & { total: number };
  };
  missions: { name: string; concepts: { name: string; level: number }[]; nodes: number; usedEdgesPerLayer: number[] }[];
}

export function inspectBlob(bytes: Uint8Array): Report {
  const blob = readBlob(bytes);
  const d = blob.dims;
  const byId = new Map([...blob.topology, ...blob.tensors, ...blob.tables].map((t) => [t.id, t.data]));
  const ops = gemvOps(d);
  const macsOf = (op: number) => ops.filter((g) => g.op === op).reduce((a, g) => a + g.rows * g.cols, 0);
  const weights = ops.reduce((a, g) => a + g.rows * g.cols, 0);
  const biases = ops.reduce((a, g) => a + g.rows, 0);
  const norms = 2 * d.L * d.M * d.H + 4 * d.D;
  let gnn = 0;
  const missions = blob.names.missions.map((mi, m) => {
    const levels = byId.get(tensorId(Role.LEVELS, Op.GNN, m, 0))!;
    const usedEdgesPerLayer: number[] = [];
    for (let l = 1; l <= d.L; l++) {
      const dy = byId.get(tensorId(Role.DY, Op.GNN, m, l))!.length;
      const dx = byId.get(tensorId(Role.DX, Op.GNN, m, l))!.length;
      const edges = byId.get(tensorId(Role.COL, Op.GNN, m, l))!.length;
      usedEdgesPerLayer.push(edges);
      // Layer 1's sensor map is part of the fused projection op.
      gnn += (l >= 2 ? dy * d.H * d.H : 0) + (edges + dx) * d.H;
    }
    return { name: mi.name, nodes: d.nodes[m], usedEdgesPerLayer, concepts: mi.concepts.map((name, i) => ({ name, level: levels[i] })) };
  });
  const proj = macsOf(Op.PROJ);
  const qkv = macsOf(Op.QKV), out = macsOf(Op.ATTN_OUT), ff = macsOf(Op.FF1) + macsOf(Op.FF2), head = macsOf(Op.HEAD);
  const attention = 2 * d.A * d.D;
  const streaming = { projection: proj, gnn, qkv, attention, outProjection: out, feedForward: ff, head, total: 0 };
  streaming.total = proj + gnn + qkv + attention + out + ff + head;
  // Recomputing the window: every packet's frame and k, v again, one query.
  const fullWindow = {
    projection: d.A * proj, gnn: d.A * gnn, qkv: d.A * (qkv * 2) / 3 + qkv / 3, attention,
    outProjection: out, feedForward: ff, head, total: 0,
  };
  fullWindow.total = fullWindow.projection + fullWindow.gnn + fullWindow.qkv + attention + out + ff + head;
  const constantNodeValues = d.nodes.reduce((a, n) => a + 2 * n * d.H * d.L, 0);
  return {
    formatVersion: VERSION, bytes: bytes.length, dims: d, classes: blob.names.classes,
    sections: readSectionTable(bytes).map(({ name, offset, length }) => ({ name, offset, length })),
    parameters: { weights, biases, norms, total: weights + biases + norms, constantNodeValues },
    macsPerPacket: { streaming, fullWindow }, missions,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatReport(r: Report, memoryBytes?: number): string {
  const d = r.dims;
  const lines = [
    `packetclip blob, format version ${r.formatVersion}, ${fmt(r.bytes)} bytes, feature spec v${d.featureVersion}`,
    `dims: P=${d.P} projection ${[d.P, ...d.outDims].join('->')} (last op = SSL head fused with GNN layer 1), ` +
      `M=${d.M} missions, H=${d.H}, L=${d.L}, window A=${d.A}, D=${d.D}, heads=${d.heads}x${d.headDim}, FF=${d.FF}, C=${d.C}`,
    `classes: ${r.classes.join(', ')}`,
    `scales (host-only): input ${d.inputScale.toExponential(4)}, frame ${d.frameScale.toExponential(4)}`,
    'sections:',
    ...r.sections.map((s) => `  ${s.name.padEnd(9)} offset ${String(s.offset).padStart(7)}  ${fmt(s.length).padStart(9)} bytes`),
    `parameters: ${fmt(r.parameters.total)} (weights ${fmt(r.parameters.weights)} int8, biases ${fmt(r.parameters.biases)}, norms ${fmt(r.parameters.norms)}), ` +
      `plus ${fmt(r.parameters.constantNodeValues)} folded constant node values`,
    'MACs per packet        streaming   full window',
    ...Object.keys(r.macsPerPacket.streaming).map((k) =>
      `  ${k.padEnd(18)} ${fmt(r.macsPerPacket.streaming[k]).padStart(11)} ${fmt(r.macsPerPacket.fullWindow[k]).padStart(13)}`),
    'missions:',
    ...r.missions.map((m) => `  ${m.name}: ${m.concepts.length} concepts, used edges per layer ${m.usedEdgesPerLayer.join('/')}\n    ` +
      m.concepts.map((c) => `${c.name} (L${c.level})`).join(', ')),
  ];
  if (memoryBytes !== undefined) lines.push(`engine linear memory for this blob: ${fmt(memoryBytes)} bytes (${(memoryBytes / 1024).toFixed(1)} KiB)`);
  return lines.join('\n');
}
