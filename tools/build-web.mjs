#!/usr/bin/env node
// `npm run build:web`: the browser page (web/) into build/web/. Type-checks web/app.ts against the
// DOM (web/tsconfig.json), bundles it with the src/ modules it imports into one ES module with
// esbuild (a browser loads one file instead of resolving dozens of ../src imports, and no import
// map or dev server is needed), and copies the page, both engine builds, the shipped model and its
// thresholds beside it. The bundle must not import any node: module: the build fails if one is
// left (src/engine.ts imports node:fs only on its Node path, by a dynamic import kept external).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build/web');
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'web/tsconfig.json')], { stdio: 'inherit' });
await build({
  entryPoints: [join(root, 'web/app.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['node:*'],
  logLevel: 'warning',
});
const bundle = readFileSync(join(out, 'app.js'), 'utf8');
const nodeImports = bundle.match(/(?:^|[^.\w])import\s*(?:[\w{}*\s,]+from\s*)?["']node:[^"']+["']/gm) ?? [];
if (nodeImports.length > 0) {
  console.error(`build-web: the page bundle imports node: modules statically: ${nodeImports.join(', ')}`);
  process.exit(1);
}
for (const [from, to] of [
  ['web/index.html', 'index.html'],
  ['build/packetclip.simd.wasm', 'packetclip.simd.wasm'],
  ['build/packetclip.wasm', 'packetclip.wasm'],
  ['models/packetclip-edge.pclip', 'packetclip-edge.pclip'],
  ['models/packetclip-edge.thresholds', 'packetclip-edge.thresholds'],
]) copyFileSync(join(root, from), join(out, to));
console.log(`build-web: ${out} (app.js ${(bundle.length / 1024).toFixed(0)} KiB)`);
