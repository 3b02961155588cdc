/**
 * The shipped .wasm files themselves: no f32/f64 instruction, local or type
 * anywhere (disassembled with the wabt npm package), an empty import
 * section, the ABI's exports, SIMD only in the SIMD build, each <= 32 KiB.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPath, ENGINE_BUILDS } from './helpers/wasm.js';

interface WabtModule { validate(): void; toText(o: object): string; destroy(): void; }
interface Wabt { readWasm(b: Uint8Array, o: { readDebugNames: boolean }, features?: object): WabtModule; }
const wabtInit = createRequire(import.meta.url)('wabt') as () => Promise<Wabt>;

const ABI = [
  'memory', 'pce_version', 'pce_blob_version', 'pce_blob_alloc', 'pce_init', 'pce_reset', 'pce_push', 'pce_recompute',
  'pce_input_ptr', 'pce_probs_ptr', 'pce_logits_ptr', 'pce_frame_ptr', 'pce_concepts_ptr', 'pce_explain', 'pce_concept_count', 'pce_dim',
  'pce_error_message', 'pce_error_offset', 'pce_error_tensor', 'pce_window_sources', 'pce_memory_bytes', 'pce_arena_bytes',
];

/** Section ids present in a binary, by walking the section headers (LEB128 sizes). */
function sections(b: Uint8Array): Map<number, { start: number; size: number }> {
  const out = new Map<number, { start: number; size: number }>();
  let p = 8;
  const leb = () => { let v = 0, s = 0, x; do { x = b[p++]; v |= (x & 0x7f) << s; s += 7; } while (x & 0x80); return v >>> 0; };
  while (p < b.length) {
    const id = b[p++], size = leb();
    out.set(id, { start: p, size });
    p += size;
  }
  return out;
}

for (const build of ENGINE_BUILDS) {
  const bytes = new Uint8Array(readFileSync(buildPath(build.file)));

  test(`${build.file}: at most 32 KiB`, () => {
    assert.ok(bytes.length <= 32 * 1024, `${bytes.length} bytes`);
  });

  test(`${build.file}: no imports at all, the ABI exported`, () => {
    const s = sections(bytes);
    if (s.has(2)) assert.is(bytes[s.get(2)!.start], 0, 'import section has entries');
    const m = new WebAssembly.Module(bytes);
    assert.equal(WebAssembly.Module.imports(m), []);
    const names = WebAssembly.Module.exports(m).map((e) => e.name);
    for (const name of ABI) assert.ok(names.includes(name), `missing export ${name}`);
  });

  test(`${build.file}: no f32/f64 anywhere; v128 only in the SIMD build`, async () => {
    const wabt = await wabtInit();
    const mod = wabt.readWasm(bytes, { readDebugNames: false }, { simd: true });
    mod.validate();
    const text = mod.toText({});
    mod.destroy();
    const code = text.split('\n').filter((l) => !/^\s*\(data\b/.test(l)).join('\n'); // string data is not code
    const floats = code.match(/\bf(32|64)[.\w]*/g) ?? [];
    assert.equal([...new Set(floats)], [], 'float types or instructions');
    const vec = /\b(v128|i8x16|i16x8|i32x4|i64x2)\b/.test(code);
    assert.is(vec, build.simd, build.simd ? 'the SIMD build has no v128 code' : 'the scalar build has v128 code');
    if (build.simd) for (const op of ['i32x4.dot_i16x8_s', 'v128.load8x8_s', 'i64x2.extmul_low_i32x4_s']) assert.ok(code.includes(op), `${op} unused`);
  });
}

test.run();
