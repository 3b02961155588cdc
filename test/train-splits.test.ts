// The evaluation protocol's splits (docs/training.md, Protocol; tools/train/splits.py):
// the named real validation files are what their fixed rule gives, no lab capture is in
// two splits, every listed capture is in data/, and the v1 capture seed3 stays out.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realpcaps } from './helpers/cli.js';
import { requires } from './helpers/requires.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // dist/test -> repo root

requires(test, realpcaps)('splits.py --check: real validation rule, disjoint lab splits, captures present', () => {
  const r = spawnSync('/usr/bin/python3', ['-B', 'tools/train/splits.py', '--check'], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /splits ok/);
});

test.run();
