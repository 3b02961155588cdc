// bench/ablation.ts cuts work out of copies of the kernels at the head of named functions: each
// must still occur exactly once in its file, or the tool would time the wrong thing (it refuses to
// run then, but only when someone runs it; this keeps a kernel edit from breaking it unnoticed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ABLATIONS, anchorOf } from '../bench/ablation.js';
import { repoRoot } from './helpers/cli.js';

test('every ablated function occurs exactly once in its kernel file', () => {
  const bad = ABLATIONS.filter((a) => anchorOf(a, readFileSync(join(repoRoot, 'assembly', a.file), 'utf8')) === undefined)
    .map((a) => `${a.name}: assembly/${a.file}`);
  assert.equal(bad, []);
  assert.is(ABLATIONS.length, 9);
});

test.run();
