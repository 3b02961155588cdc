// The package as users install it: `npm pack`, then `npm install --omit=dev` of the tarball
// into an empty folder. The installed CLI classifies a capture with the shipped model, the
// package imports as a library, nothing of the development tree (tests, tools, data) ships,
// and `verify`, the one command that needs a development dependency, says so in one line.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packetclip, repoRoot } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'pce-pack-'));
const app = join(work, 'app');
const capture = join(repoRoot, 'data/test/seed3/capture.pcap');

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  // A clean npm environment: no inherited npm_config_* from the `npm test` that started us.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env, maxBuffer: 256 << 20, timeout: 300_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.is(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

let tarball = '';
let files: string[] = [];

test('npm pack: the built engine, the shipped model and the compiled library; no tests, tools or data', () => {
  // --ignore-scripts: npm test has just built; pack what is built.
  const out = ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], repoRoot), 'npm pack');
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
  for (const need of ['bin/packetclip.js', 'build/packetclip.wasm', 'build/packetclip.simd.wasm', 'models/packetclip-edge.pclip', 'dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'package.json', 'README.md']) {
    assert.ok(files.includes(need), `tarball lacks ${need}`);
  }
  const stray = files.filter((f) => /^(test|tools|data|bench|assembly|firmware|dist\/test|dist\/tools|dist\/bench)\//.test(f) || f.endsWith('.onnx') || f.endsWith('.ts') && !f.endsWith('.d.ts'));
  assert.equal(stray, [], 'development files in the tarball');
});

test('installed with production dependencies only: `packetclip run` classifies a capture with the shipped model', () => {
  assert.ok(tarball, 'npm pack ran');
  writeFileSync(join(work, 'package.json'), '{}'); // keep npm from walking up into the repository
  rmSync(app, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pce-user', version: '1.0.0', private: true, type: 'module' }));
  ok(run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], app), 'npm install --omit=dev');
  const installed = readdirSync(join(app, 'node_modules'));
  assert.ok(installed.includes('packetclip-edge'));
  assert.not.ok(installed.includes('onnxruntime-node'), 'a development dependency was installed');
  assert.not.ok(installed.includes('assemblyscript'), 'a development dependency was installed');

  const r = ok(run('npx', ['--no-install', 'packetclip', 'run', capture], app), 'npx packetclip run');
  const lines = r.trimEnd().split('\n');
  // The repository's own CLI on the same capture and model is the reference.
  return packetclip(['run', capture]).then((ref) => {
    assert.is(ref.code, 0, ref.stderr);
    assert.ok(lines.length > 40_000, `${lines.length} lines`);
    assert.is(lines.length, ref.stdout.trimEnd().split('\n').length);
    assert.ok(r === ref.stdout, 'the installed package writes exactly what the repository writes');
  });
});

test('installed package imports as a library and runs the engine on the shipped model', () => {
  const script = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { loadEngine } from 'packetclip-edge';
    const dir = createRequire(import.meta.url).resolve('packetclip-edge').replace(/dist\\/src\\/index\\.js$/, '');
    const engine = await loadEngine(readFileSync(dir + 'models/packetclip-edge.pclip'), { simd: false });
    const r = engine.pushFeatures(new Float32Array(engine.info.dims.P));
    console.log(JSON.stringify({ classes: engine.info.classes, label: r.label, n: r.probs.length }));`;
  writeFileSync(join(app, 'use.mjs'), script);
  const out = JSON.parse(ok(run(process.execPath, ['use.mjs'], app), 'import packetclip-edge')) as { classes: string[]; label: string; n: number };
  assert.equal(out.classes, ['Benign', 'DoS', 'Reconnaissance', 'Brute Force']);
  assert.ok(out.classes.includes(out.label));
  assert.is(out.n, 4);
});

test('installed package: verify needs onnxruntime-node and says so in one line; other commands do not', () => {
  const model = join(repoRoot, 'models/packetclip-edge.onnx');
  const v = run('npx', ['--no-install', 'packetclip', 'verify', model], app);
  assert.is(v.status, 1);
  assert.match(v.stderr, /verify needs onnxruntime-node/);
  assert.not.match(v.stderr, /\n\s+at /, 'no stack trace');
  const i = run('npx', ['--no-install', 'packetclip', 'inspect', join(app, 'node_modules/packetclip-edge/models/packetclip-edge.pclip')], app);
  assert.is(i.status, 0, i.stderr);
  assert.match(i.stdout, /MACs/);
  const c = run('npx', ['--no-install', 'packetclip', 'convert', model, '-o', join(work, 'm.pclip')], app);
  assert.is(c.status, 0, c.stderr);
  assert.equal(readFileSync(join(work, 'm.pclip')).subarray(0, 4), Buffer.from('PCLP'));
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
