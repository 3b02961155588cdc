/**
 * The parity fixture itself: ONNX Runtime reproduces PyTorch's outputs, the
 * converter's float reference reproduces both, the split halves agree with
 * the contract graph, and the outputs genuinely depend on the packets (a
 * fixture whose frames barely move would make every parity test vacuous).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ort from 'onnxruntime-node';
import { streamForward } from '../src/convert/float-model.js';
import { loadContractModel } from '../src/convert/onnx-model.js';
import { usedEdgesOf } from '../src/convert/quantize.js';
import { expected, fixturePath, runWindows, session, stream, windowAt } from './support/fixture.js';

const A = 30, P = 128;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('ONNX Runtime reproduces the PyTorch outputs on every window of the sample stream', async () => {
  const s = await session(fixturePath('fixture.onnx'));
  const ex = expected(), pk = stream();
  const wins = pk.map((_, t) => windowAt(pk, t, A, P));
  const out = await runWindows(s, wins, A, P);
  let ep = 0, ef = 0;
  out.probs.forEach((p, t) => { ep = Math.max(ep, maxDiff(p, ex.probs[t])); });
  // The last frame of each window is the frame of packet t.
  out.frames.forEach((f, t) => { ef = Math.max(ef, maxDiff(f.subarray((A - 1) * 24), ex.frames[t])); });
  assert.ok(ep < 1e-4, `probs differ by ${ep}`);
  assert.ok(ef < 1e-4, `frames differ by ${ef}`);
});

test('frames before the first packet are zero vectors', async () => {
  const s = await session(fixturePath('fixture.onnx'));
  const pk = stream();
  const out = await runWindows(s, [windowAt(pk, 3, A, P)], A, P);
  assert.is(maxDiff(out.frames[0].subarray(0, (A - 4) * 24), new Float32Array((A - 4) * 24)), 0);
});

test('the converter float reference matches PyTorch', () => {
  const model = loadContractModel(readFileSync(fixturePath('fixture.onnx')));
  const ex = expected();
  let ep = 0, ef = 0;
  streamForward(model, usedEdgesOf(model), stream().map((x) => Float64Array.from(x)), (p, t, i) => {
    ef = Math.max(ef, maxDiff(p.frame, ex.frames[i]));
    ep = Math.max(ep, maxDiff(t.probs, ex.probs[i]));
  });
  assert.ok(ef < 1e-4 && ep < 1e-4, `frame error ${ef}, prob error ${ep}`);
});

test('the packet and temporal halves compose to the contract graph', async () => {
  const packet = await session(fixturePath('fixture.packet.onnx'));
  const temporal = await session(fixturePath('fixture.temporal.onnx'));
  const ex = expected(), pk = stream();
  const frames: Float32Array[] = [];
  for (const x of pk) {
    const o = await packet.run({ packet: new ort.Tensor('float32', Float32Array.from(x), [1, P]) });
    frames.push(Float32Array.from(o.frame.data as Float32Array));
  }
  const t = 50;
  const win = new Float32Array(A * 24);
  for (let slot = 0; slot < A; slot++) win.set(frames[t - (A - 1) + slot], slot * 24);
  const o = await temporal.run({ frames: new ort.Tensor('float32', win, [1, A, 24]) });
  assert.ok(maxDiff(o.probs.data as Float32Array, ex.probs[t]) < 1e-4);
});

test('outputs vary with the input (the fixture is not degenerate)', () => {
  const ex = expected();
  const D = ex.frames[0].length;
  let spread = 0;
  for (let j = 0; j < D; j++) {
    const col = ex.frames.map((f) => f[j]);
    const mean = col.reduce((a, v) => a + v, 0) / col.length;
    spread += Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / col.length) / D;
  }
  assert.ok(spread > 0.05, `mean per-dimension std of frames across packets is only ${spread}`);
  const winners = new Set(ex.probs.map((p) => p.indexOf(Math.max(...p))));
  assert.ok(winners.size >= 2, 'every window predicts the same class');
  const pSpread = Math.max(...ex.probs.map((p) => p[0])) - Math.min(...ex.probs.map((p) => p[0]));
  assert.ok(pSpread > 0.1, `P(class 0) moves by only ${pSpread} across windows`);
});

test.run();
