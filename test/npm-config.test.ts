// Point 6 of issue 12: no npm warnings of the project's own making. The project's npm
// configuration uses only keys npm knows (no .npmrc line npm 11 calls an "Unknown project
// config"); onnxruntime-node's install script, which would download CUDA libraries on linux/x64,
// is denied through package.json's allowScripts instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from './helpers/cli.js';

test('npx packetclip --version prints the version and no npm warning', () => {
  const r = spawnSync('npx', ['--no-install', 'packetclip', '--version'], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^packetclip \d+\.\d+\.\d+\n$/);
  assert.not.match(r.stderr, /npm (warn|WARN)/, r.stderr);
  assert.is(r.stderr, '');
});

test('install scripts: onnxruntime-node denied in package.json, none left unreviewed, no .npmrc', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.is(pkg.allowScripts?.['onnxruntime-node'], false);
  assert.not.ok(existsSync(join(repoRoot, '.npmrc')));
  const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: repoRoot, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /No packages with unreviewed install scripts/);
  assert.is(r.stderr, '');
});

test.run();
