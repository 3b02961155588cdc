// The shipped model (models/, issue 5): the committed ONNX converts with the committed
// calibration packets into exactly the blob `npm run build` wrote, and that blob, run by
// `packetclip run` on the held-out lab test capture, scores the per-class AUCs and mAUC that
// models/report.json (and models/REPORT.md) claim for the engine, within 0.002.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convertOnnx } from '../src/convert/convert.js';
import { packetclip, repoRoot } from './helpers/cli.js';
import { rocAuc } from './helpers/auc.js';

const MODEL = join(repoRoot, 'models/packetclip-edge.onnx');
const CALIBRATION = join(repoRoot, 'models/packetclip-edge.calibration.feats');
const BLOB = join(repoRoot, 'models/packetclip-edge.pclip');
const TEST_CAPTURE = join(repoRoot, 'data/test/seed3/capture.pcap');
const TEST_LABELS = join(repoRoot, 'data/test/seed3/capture.labels.tsv');
const TOLERANCE = 0.002;

interface Report { classes: string[]; shipped: { engine: { lab_test: { auc: Record<string, number | null>; mAUC: number; n: number } } } }
const report = JSON.parse(readFileSync(join(repoRoot, 'models/report.json'), 'utf8')) as Report;

function coarseLabels(): string[] {
  const lines = readFileSync(TEST_LABELS, 'utf8').split('\n').filter((l) => l !== '');
  assert.ok(lines[0]!.startsWith('#packetclip-labels'), 'labels manifest version line');
  return lines.slice(2).map((l) => l.split('\t')[2]!);
}

test('shipped model: the committed ONNX converts into the blob npm run build produced', () => {
  const converted = convertOnnx(readFileSync(MODEL), { calibration: readFileSync(CALIBRATION) });
  assert.is(converted.calibration.source, 'file');
  assert.equal(converted.model.classes, report.classes);
  assert.ok(Buffer.from(converted.blob).equals(readFileSync(BLOB)), 'models/packetclip-edge.pclip is stale: run npm run build');
});

test('shipped model: engine AUC on the lab test capture matches models/report.json within 0.002', async () => {
  const r = await packetclip(['run', '--model', BLOB, TEST_CAPTURE]);
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { i: number; probs: Record<string, number> });
  const labels = coarseLabels();
  assert.is(rows.length, labels.length, 'one decision per labelled packet');
  assert.is(rows.length, report.shipped.engine.lab_test.n);
  const claimed = report.shipped.engine.lab_test;
  const measured: number[] = [];
  for (const cls of report.classes) {
    const auc = rocAuc(rows.map((row) => row.probs[cls]!), labels.map((l) => l === cls));
    measured.push(auc);
    assert.ok(Math.abs(auc - claimed.auc[cls]!) <= TOLERANCE, `${cls}: AUC ${auc.toFixed(4)}, report says ${claimed.auc[cls]}`);
  }
  const mAUC = measured.reduce((a, b) => a + b, 0) / measured.length;
  assert.ok(Math.abs(mAUC - claimed.mAUC) <= TOLERANCE, `mAUC ${mAUC.toFixed(4)}, report says ${claimed.mAUC}`);
});

test.run();
