#!/usr/bin/env node
// `prepare` hook and `npm test`'s first step: build unless the outputs are
// newer than every input. npm runs `prepare` after `npm ci` (and again when
// `npx packetclip` links this directory as a package), and `npm test` right
// after it must not redo identical work. The inputs of the model step are
// named one by one: models/ also holds that step's output, the blob.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputs = ['build/packetclip.wasm', 'build/packetclip.simd.wasm', 'build/testing.wasm', 'build/testing.simd.wasm', 'build/count.wasm', 'dist/src/cli.js', 'models/packetclip-edge.pclip', 'build/web/app.js'];
const sources = [
  'assembly', 'src', 'tools', 'test', 'bench', 'web', 'asconfig.json', 'tsconfig.json', 'package.json',
  'models/packetclip-edge.onnx', 'models/packetclip-edge.calibration.feats',
];

function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((n) => newest(join(p, n))));
}

let fresh;
try {
  const built = Math.min(...outputs.map((o) => statSync(join(root, o)).mtimeMs));
  fresh = built > Math.max(...sources.map((s) => newest(join(root, s))));
} catch {
  fresh = false;
}
if (!fresh) execSync('npm run build', { cwd: root, stdio: 'inherit' });
