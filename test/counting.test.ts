/**
 * Counted operations (docs/efficiency.md): the counting build's MACs, measured
 * in the reference kernels' loops, equal `packetclip inspect`'s analytic table
 * exactly, stage by stage, streaming, full window and explain, for the
 * shipped model and random models; and counting changes no result (the
 * counting build decides like the shipped scalar build).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OP_KINDS, countOps, type CountedOps } from '../bench/count-ops.js';
import { inspectBlob, type Report } from '../src/inspect/inspect.js';
import { repoRoot } from './helpers/cli.js';
import { randomBlob } from './helpers/random-blob.js';
import { Lcg } from './helpers/rng.js';

const INSPECT_STAGES = ['projection', 'gnn', 'qkv', 'attention', 'outProjection', 'feedForward', 'head'] as const;

function packets(rng: Lcg, P: number, n: number): Int16Array[] {
  return Array.from({ length: n }, () => Int16Array.from({ length: P }, () => rng.int(-32768, 32767)));
}

function assertEqualToAnalytic(r: Report, c: CountedOps, what: string): void {
  for (const s of INSPECT_STAGES) {
    assert.is(c.streaming[s].macs, r.macsPerPacket.streaming[s], `${what}: streaming ${s}`);
    assert.is(c.fullWindow[s].macs, r.macsPerPacket.fullWindow[s], `${what}: full window ${s}`);
  }
  assert.is(c.streaming.norms.macs + c.streaming.explain.macs, 0, `${what}: no MACs outside inspect's stages`);
  assert.is(c.explain.macs, r.macsPerPacket.explain, `${what}: explain`);
  const total = INSPECT_STAGES.reduce((a, s) => a + c.streaming[s].macs, 0);
  assert.is(total, r.macsPerPacket.streaming.total, `${what}: streaming total`);
}

test('counted MACs equal the analytic table for the shipped model', async () => {
  const blob = new Uint8Array(readFileSync(`${repoRoot}/models/packetclip-edge.pclip`));
  const r = inspectBlob(blob);
  const c = await countOps(blob, packets(new Lcg(1), r.dims.P, r.dims.A + 2));
  assertEqualToAnalytic(r, c, 'shipped');
  // Every kind is measured, and weights are read at least once per MAC of a GEMV.
  for (const k of OP_KINDS) assert.ok(c.streaming.head[k] >= 0);
  assert.ok(c.streaming.projection.weightBytes >= c.streaming.projection.macs);
  assert.ok(c.streaming.gnn.adds > 0 && c.streaming.gnn.lookups > 0, 'GNN aggregate adds and ELU lookups counted');
});

test('counted MACs equal the analytic table for 40 random models', async () => {
  const rng = new Lcg(13);
  for (let i = 0; i < 40; i++) {
    const { blob } = randomBlob(rng, { hostile: i % 4 === 3 });
    const r = inspectBlob(blob);
    const c = await countOps(blob, packets(rng, r.dims.P, r.dims.A + 1));
    assertEqualToAnalytic(r, c, `random model ${i}`);
  }
});

test.run();
