// How training forms the temporal window (tools/train/dataset.py window_rows; docs/training.md,
// "Window experiments"): the rows of a 7-packet capture with window 3, derived by hand.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pythonModule, requires } from './helpers/requires.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // dist/test -> repo root

// Sources a, b, a, (no address), a, b, (no address); "-" is a position before the stream's start.
const SCRIPT = `
import json, sys
import numpy as np
sys.path.insert(0, "tools/train")
from dataset import Capture, window_rows
src = np.array(["10.0.0.1", "10.0.0.2", "10.0.0.1", None, "10.0.0.1", "10.0.0.2", None], dtype=object)
c = Capture(name="t", X=np.zeros((7, 128), np.uint8), fine=None, coarse=None, ts_us=np.arange(7),
            packets={"src_addr": src}, flows={})
out = {k: window_rows(c, 3, k).tolist() for k in ("stream", "source")}
try:
    window_rows(c, 3, "destination")
except ValueError as e:
    out["error"] = str(e)
print(json.dumps(out))
`;

requires(test, pythonModule('numpy'))('window_rows: file order and per-source windows, hand-derived', () => {
  const r = spawnSync('/usr/bin/python3', ['-B', '-c', SCRIPT], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.stream, [[-1, -1, 0], [-1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]);
  assert.equal(got.source, [[-1, -1, 0], [-1, -1, 1], [-1, 0, 2], [-1, -1, 3], [0, 2, 4], [-1, 1, 5], [-1, 3, 6]]);
  assert.match(got.error, /window key 'destination'/);
});

test.run();
