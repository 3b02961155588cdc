// How training forms the temporal window (tools/train/dataset.py window_rows; docs/engine-abi.md,
// "Temporal window"): the rows of a 9-packet capture with window 3, derived by hand, for one window
// over the stream, a window per source with room for every source, and a table of 2 with eviction.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pythonModule, requires } from './helpers/requires.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // dist/test -> repo root

// Window keys: a, b, a, none (an ARP frame: its sender address is not a key), a, b, none (non-IP),
// c (IPv6), b. "-1" is a zero frame.
const SCRIPT = `
import json, sys
import numpy as np
sys.path.insert(0, "tools/train")
from dataset import Capture, window_rows
src = np.array(["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.2", None, "fe80::1", "10.0.0.2"],
               dtype=object)
ip = np.array([4, 4, 4, 0, 4, 4, -1, 6, 4])
c = Capture(name="t", X=np.zeros((9, 128), np.uint8), fine=None, coarse=None, ts_us=np.arange(9),
            packets={"src_addr": src, "ip_version": ip}, flows={})
out = {str(s): window_rows(c, 3, s).tolist() for s in (0, 64, 2)}
for bad in (257, -1):
    try:
        window_rows(c, 3, bad)
    except ValueError as e:
        out[str(bad)] = str(e)
print(json.dumps(out))
`;

requires(test, pythonModule('numpy'))('window_rows: stream, per source, per source with LRU eviction, hand-derived', () => {
  const r = spawnSync('/usr/bin/python3', ['-B', '-c', SCRIPT], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got['0'], [[-1, -1, 0], [-1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7], [6, 7, 8]]);
  assert.equal(got['64'], [[-1, -1, 0], [-1, -1, 1], [-1, 0, 2], [-1, -1, 3], [0, 2, 4], [-1, 1, 5], [-1, 3, 6], [-1, -1, 7], [1, 5, 8]]);
  // Table of 2, least recently used first: [a] [a b] [b a] [a none] (b out) [none a] [a b] (none out,
  // b back from zero frames) [b none] (a out) [none c] (b out) [c b] (none out, b back again).
  assert.equal(got['2'], [[-1, -1, 0], [-1, -1, 1], [-1, 0, 2], [-1, -1, 3], [0, 2, 4], [-1, -1, 5], [-1, -1, 6], [-1, -1, 7], [-1, -1, 8]]);
  assert.match(got['257'], /window sources 257, expected 0\.\.256/);
  assert.match(got['-1'], /window sources -1/);
});

test.run();
