// `packetclip convert --calibration` with a features file (docs/features-file.md): the converter
// calibrates on v / 255 exactly as it would on the same rows given as float32, and refuses a file
// whose width or feature version is not the model's, or that has no rows.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { featuresFileHeader } from '../src/features/features-file.js';
import { convertOnnx } from '../src/convert/convert.js';
import { fixturePath } from './support/fixture.js';

const onnx = readFileSync(fixturePath('fixture.onnx'));
const P = 128;

function featuresFile(rows: Uint8Array, opts: { width?: number; featureVersion?: number } = {}): Uint8Array {
  const width = opts.width ?? P;
  const header = featuresFileHeader({ featureVersion: opts.featureVersion ?? 1, width, rows: rows.length / width });
  const out = new Uint8Array(header.length + rows.length);
  out.set(header);
  out.set(rows, header.length);
  return out;
}

function seededBytes(n: number): Uint8Array {
  let x = 12345;
  return Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
}

test('a features file calibrates like the same rows as float32 v / 255', () => {
  const rows = seededBytes(300 * P);
  const f32 = Float32Array.from(rows, (v) => v / 255);
  const fromFeatures = convertOnnx(onnx, { calibration: featuresFile(rows) });
  const fromFloats = convertOnnx(onnx, { calibration: new Uint8Array(f32.buffer) });
  assert.is(fromFeatures.calibration.source, 'file');
  assert.is(fromFeatures.calibration.packets, 300);
  // float32 rounds v / 255 (relative error below 6e-8), so the activation ranges agree to that
  for (const [name, s] of Object.entries(fromFloats.scales)) {
    const t = fromFeatures.scales[name]!;
    assert.ok(Math.abs(t - s) <= 1e-6 * Math.abs(s), `scale ${name}: ${t} from the features file, ${s} from float32 rows`);
  }
  const synthetic = convertOnnx(onnx);
  assert.not.ok(Buffer.from(fromFeatures.blob).equals(Buffer.from(synthetic.blob)), 'the file, not the synthetic packets, was used');
});

test('a features file of another width, feature version or with no rows is refused by name', () => {
  assert.throws(() => convertOnnx(onnx, { calibration: featuresFile(seededBytes(10 * 64), { width: 64 }) }),
    /calibration features file: 64 features per row, the model takes 128/);
  assert.throws(() => convertOnnx(onnx, { calibration: featuresFile(seededBytes(10 * P), { featureVersion: 2 }) }),
    /calibration features file: feature version 2, the model was trained on version 1/);
  assert.throws(() => convertOnnx(onnx, { calibration: featuresFile(new Uint8Array(0)) }), /calibration features file: no rows/);
});

test.run();
