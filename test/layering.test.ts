// One-way layering: product code (src/) never imports developer tooling (tools/, test/,
// bench/), src/ imports only production dependencies and Node's own modules (a development
// dependency may only be loaded lazily, where the one command that needs it runs), and no
// module of src/ or tools/ is part of an import cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from './helpers/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Static imports and re-exports of a TS file (type-only ones included: they still tie modules together). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2]!);
}

const src = sources(join(repoRoot, 'src'));
const tools = sources(join(repoRoot, 'tools'));
const known = new Set([...src, ...tools]);
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

test('src/ imports nothing from tools/, test/ or bench/', () => {
  const bad = src.flatMap((f) => importsOf(f)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(repoRoot, resolve(dirname(f), s)))
    .filter((target) => !target.startsWith('src/'))
    .map((target) => `${relative(repoRoot, f)} -> ${target}`));
  assert.equal(bad, []);
  assert.ok(src.length > 50, `${src.length} files under src/`);
});

test('src/ statically imports only production dependencies and node: modules', () => {
  const allowed = new Set(Object.keys(pkg.dependencies));
  const bad = src.flatMap((f) => importsOf(f)
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .filter((s) => !allowed.has(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
    .map((s) => `${relative(repoRoot, f)} imports ${s}`));
  assert.equal(bad, []);
});

test('no import cycles in src/ or tools/', () => {
  const files = [...src, ...tools];
  const edges = new Map(files.map((f) => [f, importsOf(f)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')))
    .filter((t) => known.has(t))]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (u: string): void => {
    state.set(u, 1);
    stack.push(u);
    for (const v of edges.get(u)!) {
      if (state.get(v) === 1) cycles.push([...stack.slice(stack.indexOf(v)), v].map((p) => relative(repoRoot, p)).join(' -> '));
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.equal(cycles, []);
});
test.run();
