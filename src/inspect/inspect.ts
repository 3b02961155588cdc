/**
 * `packetclip inspect`: what a blob holds and what it costs — dims, how the
 * temporal window is keyed, sections, parameters, analytic MACs per packet by
 * stage (streaming and full-window recompute), the concepts per mission.
 *
 * A MAC is one multiply-accumulate term of a dot product: the GEMVs' int8 x
 * int16 terms and attention's i16 x i16 (scores) and Q15 x i16 (outputs)
 * terms. The GNN aggregate sums neighbours and multiplies once per lane, so
 * it adds no MACs (the counting build, docs/efficiency.md, counts its adds
 * and multiplies by kind); only the dense layers >= 2 do. A push runs only
 * the GNN nodes the frame depends on (assembly/model.ts splitRecords, mirrored
 * by liveSplit below); `explain` is the rest, run by pce_explain on demand.
 * The counting build measures these same figures, and test/counting.test.ts
 * requires them equal.
 */
import { Op, Role, tensorId } from '../blob/constants.js';
import { gemvOps } from '../blob/layout.js';
import type { BlobModel } from '../blob/model.js';
import { readBlob, readSectionTable } from '../blob/reader.js';

export interface Report {
  formatVersion: number;
  bytes: number;
  dims: BlobModel['dims'];
  /** 0: one temporal window for the stream; S: one per source address, at most S (LRU). */
  windowSources: number;
  classes: string[];
  sections: { name: string; offset: number; length: number }[];
  parameters: { weights: number; biases: number; norms: number; total: number; constantNodeValues: number };
  macsPerPacket: {
    streaming: Record<string, number> & { total: number };
    fullWindow: Record<string, number> & { total: number };
    /** MACs of pce_explain after a push (the GNN nodes a push leaves out); in neither total. */
    explain: number;
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
  let gnn = 0, explain = 0;
  const missions = blob.names.missions.map((mi, m) => {
    const levels = byId.get(tensorId(Role.LEVELS, Op.GNN, m, 0))!;
    const usedEdgesPerLayer: number[] = [];
    const live = liveSplit(d.nodes[m], d.L, (role, l) => byId.get(tensorId(role, Op.GNN, m, l))!);
    for (let l = 1; l <= d.L; l++) {
      usedEdgesPerLayer.push(byId.get(tensorId(Role.COL, Op.GNN, m, l))!.length);
      // Layer 1's sensor map is part of the fused projection op; layers >= 2 run W_l on each DY row.
      if (l >= 2) {
        const dy = byId.get(tensorId(Role.DY, Op.GNN, m, l))!.length;
        gnn += live[l - 1] * d.H * d.H;
        explain += (dy - live[l - 1]) * d.H * d.H;
      }
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
    formatVersion: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(4, true), // readBlob checked it
    bytes: bytes.length, dims: d, windowSources: blob.windowSources, classes: blob.names.classes,
    sections: readSectionTable(bytes).map(({ name, offset, length }) => ({ name, offset, length })),
    parameters: { weights, biases, norms, total: weights + biases + norms, constantNodeValues },
    macsPerPacket: { streaming, fullWindow, explain }, missions,
  };
}

/**
 * assembly/model.ts splitRecords in TypeScript: walking the layers down from
 * the encoding node N-1, the DX nodes the frame needs, the rows their
 * aggregates read, and so the DY rows a push computes. Returns, per layer
 * 1..L (index l - 1), how many DY nodes a push runs.
 */
export function liveSplit(N: number, L: number, tensor: (role: number, l: number) => ArrayLike<number>): number[] {
  const liveDy: number[] = new Array(L).fill(0);
  let needX = new Uint8Array(N);
  needX[N - 1] = 1;
  for (let l = L; l >= 1; l--) {
    const dx = tensor(Role.DX, l), row = tensor(Role.ROW, l), col = tensor(Role.COL, l), dy = tensor(Role.DY, l);
    const needY = new Uint8Array(N);
    for (let i = 0; i < dx.length; i++) {
      if (!needX[dx[i]]) continue;
      needY[dx[i]] = 1;
      for (let e = row[i]; e < row[i + 1]; e++) needY[col[e]] = 1;
    }
    needX = new Uint8Array(N);
    for (let i = 0; i < dy.length; i++) {
      if (needY[dy[i]]) { needX[dy[i]] = 1; liveDy[l - 1]++; }
    }
  }
  return liveDy;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatReport(r: Report, memoryBytes?: number): string {
  const d = r.dims;
  const lines = [
    `packetclip blob, format version ${r.formatVersion}, ${fmt(r.bytes)} bytes, feature spec v${d.featureVersion}`,
    `dims: P=${d.P} projection ${[d.P, ...d.outDims].join('->')} (last op = SSL head fused with GNN layer 1), ` +
      `M=${d.M} missions, H=${d.H}, L=${d.L}, window A=${d.A}, D=${d.D}, heads=${d.heads}x${d.headDim}, FF=${d.FF}, C=${d.C}`,
    `window: ${d.A} frames, ${r.windowSources === 0 ? 'one window for the stream' : `one per source address, up to ${r.windowSources} sources (LRU)`}`,
    `classes: ${r.classes.join(', ')}`,
    `scales (host-only): input ${d.inputScale.toExponential(4)}, frame ${d.frameScale.toExponential(4)}`,
    'sections:',
    ...r.sections.map((s) => `  ${s.name.padEnd(9)} offset ${String(s.offset).padStart(7)}  ${fmt(s.length).padStart(9)} bytes`),
    `parameters: ${fmt(r.parameters.total)} (weights ${fmt(r.parameters.weights)} int8, biases ${fmt(r.parameters.biases)}, norms ${fmt(r.parameters.norms)}), ` +
      `plus ${fmt(r.parameters.constantNodeValues)} folded constant node values`,
    'MACs per packet        streaming   full window',
    ...Object.keys(r.macsPerPacket.streaming).map((k) =>
      `  ${k.padEnd(18)} ${fmt(r.macsPerPacket.streaming[k]).padStart(11)} ${fmt(r.macsPerPacket.fullWindow[k]).padStart(13)}`),
    `  explain (on demand) ${fmt(r.macsPerPacket.explain).padStart(10)}   (the GNN nodes a push leaves out; in neither total)`,
    'missions:',
    ...r.missions.map((m) => `  ${m.name}: ${m.concepts.length} concepts, used edges per layer ${m.usedEdgesPerLayer.join('/')}\n    ` +
      m.concepts.map((c) => `${c.name} (L${c.level})`).join(', ')),
  ];
  if (memoryBytes !== undefined) lines.push(`engine linear memory for this blob: ${fmt(memoryBytes)} bytes (${(memoryBytes / 1024).toFixed(1)} KiB)`);
  return lines.join('\n');
}
