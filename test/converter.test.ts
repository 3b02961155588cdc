/**
 * `convert`: every contract violation gets its own named error, and the
 * quantized blob decodes back to the ONNX initializers within one
 * quantization step (weights and biases, the fused sensor layer included).
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import onnxProto from 'onnx-proto';
import { Op, Role, align16, tensorId } from '../src/blob/constants.js';
import { readBlob } from '../src/blob/reader.js';
import { convertOnnx } from '../src/convert/convert.js';
import { rowsOf } from '../src/convert/synthetic.js';
import { ContractError, loadContractModel } from '../src/convert/onnx-model.js';
import { fixturePath } from './support/fixture.js';

const { onnx } = onnxProto;
const original = readFileSync(fixturePath('fixture.onnx'));
const calibration = readFileSync(fixturePath('fixture.inputs.f32'));

function mutated(change: (m: onnxProto.onnx.ModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(original);
  change(m);
  return onnx.ModelProto.encode(m).finish();
}
const meta = (m: onnxProto.onnx.ModelProto, key: string) => m.metadataProps!.find((p) => p.key === key)!;

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  try {
    loadContractModel(bytes);
  } catch (e) {
    assert.instance(e, ContractError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted a model that should fail with ${pattern}`);
}

test('the fixture satisfies the contract', () => {
  const m = loadContractModel(original);
  assert.equal(m.classes, ['Benign', 'DoS', 'Reconnaissance', 'Brute Force']);
  assert.is(m.dims.D, 24);
  assert.equal(m.missions.map((x) => x.concepts.length), [10, 9, 9]);
});

test('contract violations are named', () => {
  rejects(new Uint8Array([1, 2, 3, 4, 5]), /not an ONNX model|no graph/);
  rejects(mutated((m) => { m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== 'temporal.ff1.weight'); }), /missing initializer temporal\.ff1\.weight/);
  rejects(mutated((m) => { m.graph!.initializer!.find((t) => t.name === 'proj.layers.1.bias')!.dims = [127]; }), /proj\.layers\.1\.bias has shape \[127\], expected \[128\]/);
  rejects(mutated((m) => { m.graph!.node![5].opType = 'Conv'; }), /unsupported op Conv/);
  rejects(mutated((m) => { m.metadataProps = m.metadataProps!.filter((p) => p.key !== 'pce.classes'); }), /lacks required key pce\.classes/);
  rejects(mutated((m) => { meta(m, 'pce.classes').value = '["only one"]'; }), /pce\.classes must be/);
  rejects(mutated((m) => { meta(m, 'pce.dims').value = '{not json'; }), /pce\.dims is not valid JSON/);
  rejects(mutated((m) => { meta(m, 'pce.contract_version').value = '3'; }), /pce\.contract_version is 3, this converter implements versions 1\.\.2/);
  rejects(mutated((m) => { meta(m, 'pce.window').value = '0'; }), /pce\.window must be a positive integer/);
  rejects(mutated((m) => {
    const ms = JSON.parse(meta(m, 'pce.missions').value!);
    ms[1].edges.push([0, 99]);
    meta(m, 'pce.missions').value = JSON.stringify(ms);
  }), /pce\.missions\[1\]\.edges\[\d+\] must be \[src, dst\] concept indices below 9/);
  rejects(mutated((m) => {
    const ms = JSON.parse(meta(m, 'pce.missions').value!);
    ms[0].edges.pop();
    meta(m, 'pce.missions').value = JSON.stringify(ms);
  }), /gnn\.0\.adj\d does not match the KG topology of mission DoS/);
  rejects(mutated((m) => {
    const ms = JSON.parse(meta(m, 'pce.missions').value!);
    ms[2].concepts.push({ name: 'extra', level: 2 });
    meta(m, 'pce.missions').value = JSON.stringify(ms);
  }), /gnn\.2\.concepts has shape \[9,64\], expected \[10,64\]/);
  rejects(mutated((m) => { m.graph!.input = m.graph!.input!.filter((i) => i.name !== 'present'); }), /graph input present is missing/);
  rejects(mutated((m) => {
    const t = m.graph!.initializer!.find((x) => x.name === 'temporal.q.bias')!;
    const raw = new Uint8Array(t.rawData!);
    new DataView(raw.buffer).setFloat32(0, NaN, true);
    t.rawData = raw;
  }), /temporal\.q\.bias: element 0 is not finite/);
  rejects(mutated((m) => {
    m.graph!.node!.find((n) => n.opType === 'Elu')!.attribute!.find((a) => a.name === 'alpha')!.f = 0.5;
  }), /alpha 0\.5/);
});

/** The fixture as contract version 2 with pce.window_sources = `value` (undefined: the key left out). */
function version2(value: string | undefined): Uint8Array {
  return mutated((m) => {
    meta(m, 'pce.contract_version').value = '2';
    if (value !== undefined) m.metadataProps!.push(onnx.StringStringEntryProto.create({ key: 'pce.window_sources', value }));
  });
}

test('contract version 2: pce.window_sources is carried into the blob header; bad values are named', () => {
  assert.is(loadContractModel(original).windowSources, 0, 'the version-1 fixture has one window');
  for (const [value, S] of [['0', 0], ['1', 1], ['64', 64], ['256', 256], ['0064', 64]] as const) {
    assert.is(loadContractModel(version2(value)).windowSources, S, value);
  }
  assert.is(readBlob(convertOnnx(version2('64'), { calibration: calibration.subarray(0, 128 * 4 * 64) }).blob).windowSources, 64);
  rejects(version2(undefined), /metadata_props lacks required key pce\.window_sources \(contract version 2\)/);
  rejects(version2('257'), /pce\.window_sources is 257, outside 0\.\.256, the blob format's limit/);
  rejects(version2('4294967296'), /pce\.window_sources is 4294967296, outside 0\.\.256/);
  for (const bad of ['-1', '1.5', '', ' 8', '8 ', '1e2', '0x10', 'sixty-four', '[64]']) {
    rejects(version2(bad), /pce\.window_sources must be a decimal integer \(0: one window for the stream, 1\.\.256: windows per source address\), got/);
  }
  rejects(mutated((m) => { m.metadataProps!.push(onnx.StringStringEntryProto.create({ key: 'pce.window_sources', value: '8' })); }),
    /pce\.window_sources needs pce\.contract_version 2/);
});

test('a calibration file that is not whole rows is refused', () => {
  assert.throws(() => convertOnnx(original, { calibration: new Uint8Array(100) }), /not a whole number of 128-feature float32 rows/);
});

test('quantized weights and biases decode to the ONNX values within one step', () => {
  const conv = convertOnnx(original, { calibration });
  const blob = readBlob(conv.blob);
  const t = new Map(blob.tensors.map((x) => [x.id, x.data]));
  const m = conv.model;
  const check = (w: { rows: number; cols: number; data: Float64Array }, b: Float64Array, op: number, l: number, sIn: number, sOut: number[], meanIn?: Float64Array) => {
    const W = t.get(tensorId(Role.W, op, 0, l))!, B = t.get(tensorId(Role.BIAS, op, 0, l))!;
    const M = t.get(tensorId(Role.MULT, op, 0, l))!, S = t.get(tensorId(Role.SHIFT, op, 0, l))![0];
    const stride = align16(w.cols);
    let worst = 0;
    for (let r = 0; r < w.rows; r++) {
      // M = s_in·s_w/s_out·2^S recovers the row's weight scale.
      const sw = (M[r] / 2 ** S) * sOut[r] / sIn;
      for (let c = 0; c < w.cols; c++) {
        const err = Math.abs(W[r * stride + c] * sw - w.data[r * w.cols + c]);
        worst = Math.max(worst, err / sw);
      }
      if (meanIn) {
        // Bias correction: the stored bias is b + (W - s·Wq)·E[x] (E over the calibration inputs).
        let want = b[r];
        for (let c = 0; c < w.cols; c++) want += (w.data[r * w.cols + c] - W[r * stride + c] * sw) * meanIn[c];
        worst = Math.max(worst, Math.abs(B[r] * sIn * sw - want) / (sIn * sw));
      }
    }
    // Half a step from rounding, plus the multiplier's own 2^-30 relative error.
    assert.ok(worst <= 0.5 + 1e-3, `op ${op}.${l}: worst error ${worst} steps`);
  };
  const sc = conv.scales;
  const features = rowsOf(calibration, 128, 'calibration');
  const featureMean = new Float64Array(128).map((_, c) => features.reduce((a, x) => a + x[c], 0) / features.length);
  check(m.proj[0].w, m.proj[0].b, Op.PROJ, 0, sc.input, Array(128).fill(sc['proj.0']), featureMean);
  check(m.proj[1].w, m.proj[1].b, Op.PROJ, 1, sc['proj.0'], Array(128).fill(sc['proj.1']));
  check(m.temporal.ff1.w, m.temporal.ff1.b, Op.FF1, 0, sc.ln1, Array(128).fill(sc.ff));
  check(m.temporal.head.w, m.temporal.head.b, Op.HEAD, 0, sc.ln2, Array(4).fill(sc.logits));
  // The fused sensor layer's weights against W_gnn1 · W_head computed here.
  const head = m.proj[2];
  const rows = m.gnn.flatMap((g) => Array.from({ length: 8 }, (_, i) => Array.from({ length: 128 }, (_, c) => {
    let acc = 0;
    for (let e = 0; e < 64; e++) acc += g.lins[0].w.data[i * 64 + e] * head.w.data[e * 128 + c];
    return acc;
  })));
  const W = t.get(tensorId(Role.W, Op.PROJ, 0, 2))!;
  rows.forEach((r, i) => {
    const step = Math.max(...r.map(Math.abs)) / 127;
    r.forEach((v, c) => assert.ok(Math.abs(W[i * 128 + c] * step - v) <= 0.5 * step + 1e-9, `fused row ${i} col ${c}`));
  });
});

test('convert is deterministic', () => {
  const a = convertOnnx(original, { calibration }).blob, b = convertOnnx(original, { calibration }).blob;
  assert.equal(Buffer.from(a).equals(Buffer.from(b)), true);
});

test.run();
