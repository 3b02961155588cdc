/**
 * Counted operations (docs/efficiency.md): drives the counting build
 * (build/count.wasm, assembly/counting.ts), whose reference kernels tally
 * every operation inside their loops, per stage and per kind. Streaming
 * figures are per push averaged over the packets given (MACs and bytes do not
 * depend on the data; compares and table lookups do, through ELU's branch);
 * full window is one pce_recompute plus A pushes' projection and GNN, what a
 * model recomputing the whole window does per decision; explain is one
 * pce_explain after a push.
 */
import { readFileSync } from 'node:fs';
import { Dim } from '../src/blob/constants.js';
import { initBlob, type EngineExports } from '../src/engine.js';

/** Operation kinds, in assembly/count.ts column order. */
export const OP_KINDS = ['macs', 'adds', 'shifts', 'compares', 'multiplies', 'lookups', 'divisions', 'weightBytes', 'activationBytes'] as const;
/** Stages, in assembly/count.ts row order (the first seven and their keys are inspect's MAC table). */
export const OP_STAGES = ['projection', 'gnn', 'qkv', 'attention', 'outProjection', 'norms', 'feedForward', 'head', 'explain'] as const;

export type OpKind = (typeof OP_KINDS)[number];
export type OpStage = (typeof OP_STAGES)[number];
export type OpTable = Record<OpStage, Record<OpKind, number>>;

export interface CountedOps {
  /** Per push, averaged over `packets` pushes (every stage but explain). */
  streaming: OpTable;
  /** Per decision of a full-window model: one pce_recompute plus A × (projection + gnn) of a push. */
  fullWindow: OpTable;
  /** One pce_recompute alone: k, v of every stored frame, q, attention and the rest (no projection or GNN). */
  recompute: OpTable;
  /** One pce_explain after a push (stage `explain` only). */
  explain: Record<OpKind, number>;
  packets: number;
}

interface CountExports extends EngineExports {
  pce_count_ptr(): number;
  pce_count_reset(): void;
  pce_count_stages(): number;
  pce_count_kinds(): number;
}

const countWasm = new URL('../../build/count.wasm', import.meta.url); // dist/bench -> repo root

function emptyTable(): OpTable {
  return Object.fromEntries(OP_STAGES.map((s) => [s, Object.fromEntries(OP_KINDS.map((k) => [k, 0]))])) as OpTable;
}

/** The engine's table since the last reset, divided by n. */
function readTable(x: CountExports, n: number): OpTable {
  if (x.pce_count_stages() !== OP_STAGES.length || x.pce_count_kinds() !== OP_KINDS.length) {
    throw new Error('build/count.wasm has a different stage or kind list than bench/count-ops.ts');
  }
  const raw = new BigInt64Array(x.memory.buffer, x.pce_count_ptr(), OP_STAGES.length * OP_KINDS.length);
  const t = emptyTable();
  OP_STAGES.forEach((s, i) => OP_KINDS.forEach((k, j) => { t[s][k] = Number(raw[i * OP_KINDS.length + j]) / n; }));
  return t;
}

/** Counts the blob's operations on `packets` (quantized inputs, int16[P] each; at least A of them). */
export async function countOps(blob: Uint8Array, packets: Int16Array[]): Promise<CountedOps> {
  const x = (await WebAssembly.instantiate(readFileSync(countWasm), {})).instance.exports as unknown as CountExports;
  const code = initBlob(x, blob);
  if (code !== 0) throw new Error(`count.wasm: pce_init failed with code ${code}`);
  const A = x.pce_dim(Dim.A);
  if (packets.length < A) throw new Error(`countOps needs at least A = ${A} packets`);
  const push = (q: Int16Array) => { new Int16Array(x.memory.buffer, x.pce_input_ptr(), q.length).set(q); x.pce_push(); };
  x.pce_count_reset();
  for (const q of packets) push(q);
  const streaming = readTable(x, packets.length);
  x.pce_count_reset();
  x.pce_explain();
  const explain = readTable(x, 1).explain;
  x.pce_count_reset();
  x.pce_recompute();
  const recompute = readTable(x, 1), fullWindow = readTable(x, 1);
  for (const s of ['projection', 'gnn'] as const) {
    for (const k of OP_KINDS) fullWindow[s][k] += A * streaming[s][k];
  }
  return { streaming, fullWindow, recompute, explain, packets: packets.length };
}

/** Sum over stages of one kind. */
export function kindTotal(t: OpTable, k: OpKind): number {
  return OP_STAGES.reduce((a, s) => a + t[s][k], 0);
}
