/**
 * SIMD GEMV peak, measured through the engine itself: a valid model whose
 * first projection op is 1024 x 1024 (int8 x int16) dominates every push, so
 * MACs per push / time per push is what the SIMD GEMV sustains in this run.
 */
import { loadEngine } from '../src/engine.js';
import { inspectBlob } from '../src/inspect/inspect.js';
import { randomBlob } from '../test/helpers/random-blob.js';
import { Lcg } from '../test/helpers/rng.js';

export interface GemvPeak { rows: number; cols: number; macsPerPush: number; usPerPush: number; macsPerSecond: number; blob: Uint8Array; }

export async function gemvPeak(rows = 1024, cols = 1024, seconds = 2): Promise<GemvPeak> {
  const { blob } = randomBlob(new Lcg(9), {
    dims: { P: cols, K: 2, M: 1, H: 8, L: 1, A: 1, heads: 1, FF: 8, C: 2, outDims: [rows, 8], nodes: [3] },
  });
  const engine = await loadEngine(blob, { simd: true });
  const macsPerPush = inspectBlob(blob).macsPerPacket.streaming.total;
  const q = Int16Array.from({ length: cols }, (_, i) => ((i * 7919) % 65536) - 32768);
  for (let i = 0; i < 200; i++) engine.pushQuantized(q);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 100; i++) engine.pushQuantized(q);
    n += 100;
    t = performance.now();
  }
  const usPerPush = ((t - t0) * 1000) / n;
  return { rows, cols, macsPerPush, usPerPush, macsPerSecond: macsPerPush / (usPerPush / 1e6), blob };
}
