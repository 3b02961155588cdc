/**
 * Seeded synthetic packet streams: the default calibration set (when no
 * --calibration file is given) and the random streams of `verify`. Features
 * lie in [0, 1] like real ones (bytes / 255, log-scaled sizes) and come in
 * runs around a few prototypes, so windows have structure to attend to.
 */

/** mulberry32: small, fast, and the same on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function syntheticStream(P: number, count: number, seed: number): Float64Array[] {
  const rand = rng(seed);
  const protos = Array.from({ length: 6 }, () => Float64Array.from({ length: P }, () => (rand() < 0.5 ? rand() : 0)));
  const out: Float64Array[] = [];
  while (out.length < count) {
    const run = 1 + Math.floor(rand() * 11);
    const p = protos[Math.floor(rand() * protos.length)];
    for (let i = 0; i < run && out.length < count; i++) {
      out.push(p.map((v) => Math.min(1, Math.max(0, v + 0.15 * gaussian(rand)))));
    }
  }
  return out;
}

/** Splits a little-endian float32 matrix [count, P] into rows. */
export function rowsOf(bytes: Uint8Array, P: number, what: string): Float64Array[] {
  if (bytes.length === 0 || bytes.length % (4 * P) !== 0) {
    throw new Error(`${what}: ${bytes.length} bytes is not a whole number of ${P}-feature float32 rows (${4 * P} bytes each)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / (4 * P);
  return Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(P);
    for (let c = 0; c < P; c++) {
      row[c] = dv.getFloat32(4 * (i * P + c), true);
      if (!Number.isFinite(row[c])) throw new Error(`${what}: row ${i}, feature ${c} is not finite`);
    }
    return row;
  });
}
