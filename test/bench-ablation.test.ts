// bench/ablation.ts cuts work out of copies of the kernels at fixed anchors: each anchor must
// still occur exactly once in its file, or the tool would time the wrong thing (it refuses to
// run then, but only when someone runs it; this keeps a kernel edit from breaking it unnoticed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ABLATIONS } from '../bench/ablation.js';
import { repoRoot } from './helpers/cli.js';

test('every ablation anchor occurs exactly once in its kernel file', () => {
  const bad = ABLATIONS.filter((a) => readFileSync(join(repoRoot, 'assembly', a.file), 'utf8').split(a.anchor).length !== 2)
    .map((a) => `${a.name}: assembly/${a.file}`);
  assert.equal(bad, []);
  assert.equal(new Set(ABLATIONS.map((a) => a.name)).size, ABLATIONS.length, 'names are unique');
});

test.run();
