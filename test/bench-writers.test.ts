// Every writer of the benchmark schema (docs/bench-format.md) writes files the validator accepts,
// for the same model hash: pce-bench (firmware/, native build; its --count mode runs silently) and
// the Python runners for wasmtime and wasm3. Small runs: this checks the format, not the speed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modelHash, validateBench, type BenchFile } from '../src/efficiency/bench-schema.js';
import { repoRoot } from './helpers/cli.js';
import { command, pythonModule, requires } from './helpers/requires.js';
import { scratchDir } from './helpers/scratch.js';

const model = join(repoRoot, 'models/packetclip-edge.pclip');
const hash = modelHash(readFileSync(model));
const dir = scratchDir('pce-bench-');

function check(text: string, runtime: string, names: string[]): BenchFile {
  const f = JSON.parse(text) as BenchFile;
  assert.equal(validateBench(f), []);
  assert.is(f.model.hash, hash);
  assert.is(f.runs[0].runtime, runtime);
  assert.equal(f.runs[0].results.map((r) => r.name), names);
  return f;
}

requires(test, command('make'), command('gcc'))('pce-bench writes a valid result file; --count prints nothing', () => {
  const mk = spawnSync('make', ['-s', '-C', join(repoRoot, 'firmware'), 'build/x86_64/pce-bench'], { encoding: 'utf8' });
  assert.is(mk.status, 0, mk.stderr);
  const bin = join(repoRoot, 'firmware/build/x86_64/pce-bench');
  for (const build of ['simd', 'scalar']) {
    const r = spawnSync(bin, ['-m', model, '--build', build, '--packets', '20', '--reps', '3', '--warmup', '1'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const f = check(r.stdout, 'wasm2c', ['push_packet', 'push', 'recompute', 'explain']);
    assert.is(f.runs[0].build, build);
    assert.is(f.memory!.blobBytes, readFileSync(model).length);
  }
  const c = spawnSync(bin, ['-m', model, '--count', '3', '--count-kind', 'push'], { encoding: 'utf8' });
  assert.is(c.status, 0);
  assert.is(c.stdout, '');
  assert.is(spawnSync(bin, ['--count-kind', 'nonsense'], { encoding: 'utf8' }).status, 2);
});

for (const [runtime, module, wasm] of [['wasmtime', 'wasmtime', 'packetclip.simd.wasm'], ['wasm3', 'wasm3', 'packetclip.wasm']] as const) {
  requires(test, pythonModule(module))(`the ${runtime} runner writes a valid result file`, () => {
    const out = join(dir, `${runtime}.json`);
    const r = spawnSync('/usr/bin/python3', [join(repoRoot, 'bench/runners/wasm_bench.py'), runtime, join(repoRoot, 'build', wasm), model,
      '--packets', '4', '--reps', '3', '--warmup', '1', '-o', out], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    check(readFileSync(out, 'utf8'), runtime, ['push', 'recompute']);
  });
}

test.run();
