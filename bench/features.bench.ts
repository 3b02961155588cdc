/**
 * `node dist/bench/features.bench.js [passes]`: packet-feature throughput
 * (docs/features.md) over every packet of ../shared/realpcaps held in
 * memory, in packets per second, for both builds:
 *   - extract: pce_extract through the host (copy the frame in, decode, u8[128] out);
 *   - push: pce_push_packet (features, then the model: the fixture converted here);
 * and the end-to-end `run` path in one process (read the capture file, push,
 * format and write the JSON lines to a null sink; model load included, the
 * fixture conversion not). Prints one JSON line.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { convertOnnx } from '../src/convert/convert.js';
import { loadEngine } from '../src/engine.js';
import { createFeatureExtractor } from '../src/features/index.js';
import { parseCaptureBytes, type Packet } from '../src/pcap/index.js';
import { runCapture } from '../src/run/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const realDir = join(root, '../shared/realpcaps');
const passes = Number(process.argv[2] ?? 5);

function captures(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? captures(p) : /\.pcap(ng)?$/.test(n) ? [p] : [];
  });
}

const files = captures(realDir);
const packets: Packet[] = files.flatMap((f) => [...parseCaptureBytes(new Uint8Array(readFileSync(f)))]);
const blob = convertOnnx(readFileSync(join(root, 'test/fixtures/fixture.onnx')), { calibration: readFileSync(join(root, 'test/fixtures/fixture.inputs.f32')) }).blob;

/** Best of `passes` timed passes over all packets: packets per second. */
function rate(pass: () => void): number {
  pass(); // warm-up
  let best = Infinity;
  for (let k = 0; k < passes; k++) {
    const t0 = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return Math.round(packets.length / best);
}

const out: Record<string, unknown> = { packets: packets.length, files: files.length, passes, node: process.version };
for (const simd of [true, false]) {
  const build = simd ? 'simd' : 'scalar';
  const fx = await createFeatureExtractor({ simd });
  const row = new Uint8Array(128);
  out[`extract_${build}_pps`] = rate(() => {
    fx.reset();
    for (const p of packets) fx.extract(p.data, p.tsMicros, p.linkType, p.origLen, row);
  });
  const e = await loadEngine(blob, { simd });
  out[`push_packet_${build}_pps`] = rate(() => {
    e.reset();
    for (const p of packets) e.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
  });
}
const nul = new Writable({ write: (_c, _e, done) => done() });
const tmp = mkdtempSync(join(tmpdir(), 'pce-bench-'));
const model = join(tmp, 'fixture.pclip');
writeFileSync(model, blob);
const big = files.filter((f) => /ftp-crack|test\.pcap|udp__flood/.test(f));
const t0 = process.hrtime.bigint();
let n = 0;
for (const f of big) n += (await runCapture(f, nul, { model })).packets;
out.run_in_process_pps = Math.round(n / (Number(process.hrtime.bigint() - t0) / 1e9));
out.run_in_process_files = big.map((f) => f.slice(realDir.length + 1));
rmSync(tmp, { recursive: true });
console.log(JSON.stringify(out));
