#!/usr/bin/env node
// Runs every compiled uvu test file in its own process and prints one line CI
// can read: "N passed, N failed, K skipped". A file that crashes, or that runs
// no test at all, counts as a failure: a suite that executes nothing must not
// look green. Skipped tests (test/helpers/requires.ts: something this machine
// lacks) are counted apart and listed with what they need, never as passed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist', 'test');
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files;
try {
  files = collect(compiled).filter((f) => !filter || filter.test(f));
} catch {
  console.error(`no compiled tests under ${compiled}: run "npm run build" first`);
  process.exit(1);
}

const FILE_TIMEOUT_MS = 10 * 60_000;
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const name = relative(compiled, file);
  const t0 = Date.now();
  // A file that hangs (a child process left waiting, a lost promise) fails instead of stalling CI.
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: FILE_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (r.error?.code === 'ETIMEDOUT') console.log(`FAIL ${relative(compiled, file)}: no result after ${FILE_TIMEOUT_MS / 60_000} minutes, killed`);
  const text = (r.stdout || '') + (r.stderr || '');
  const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const skips = Number(/Skipped:\s+(?:\x1b\[\d+m)?(\d+)/.exec(text)?.[1] ?? 0);
  skipped += skips;
  const skipLines = text.split('\n').filter((l) => l.startsWith('SKIP ')).map((l) => `     ${l}\n`).join('');
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0 || total + skips === 0 || ok !== total) {
    // uvu reports failures inline; show the whole output of a failing file.
    process.stdout.write(text);
    const bad = Math.max(total - ok, 1);
    failed += bad;
    passed += ok;
    console.log(`FAIL ${name}: ${ok}/${total} passed, exit ${r.status} (${secs}s)`);
  } else {
    passed += ok;
    console.log(`ok   ${name}: ${ok} passed${skips ? `, ${skips} skipped` : ''} (${secs}s)`);
  }
  process.stdout.write(skipLines);
}
if (files.length === 0) failed += 1;
if (skipped > 0) console.log(`${skipped} test(s) skipped: each SKIP line above says what it needs (../shared beside the repository, or a Debian package that .ci/run installs)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
