/**
 * The benchmark result schema, version 1 (docs/bench-format.md): one JSON
 * file per run of `npm run bench`, `pce-bench` (firmware/) or the Python
 * runners (bench/runners/), whatever the runtime and board. validateBench()
 * is what `packetclip report` and the tests use; it returns every problem
 * with its JSON path, not only the first.
 */

export const BENCH_FORMAT = 'packetclip-bench';
export const BENCH_VERSION = 1;

/** One measured item: a kernel (part of a decision) or end to end (input bytes or features to decision). */
export interface BenchResult {
  name: string;
  scope: 'kernel' | 'end-to-end';
  /** Items timed in all repetitions together (warm-up excluded). */
  iterations: number;
  /** Per item, over repetitions: median, minimum, median absolute deviation, nanoseconds. */
  medianNs: number;
  minNs: number;
  madNs: number;
  /** 1e9 / medianNs. */
  perSecond: number;
  /** Integer operations (MACs, counted) per item, or null when the writer does not know them. */
  opsPerItem: number | null;
  /** opsPerItem · perSecond, or null. */
  opsPerSecond: number | null;
}

export interface BenchRun {
  /** v8, wasm2c, wasmtime, wasm3, onnxruntime-node, onnxruntime-web, ... */
  runtime: string;
  /** simd, scalar, or float32 (ONNX Runtime). */
  build: string;
  version: string;
  results: BenchResult[];
}

export interface BenchMachine {
  uname: string;
  arch: string;
  cpuModel: string;
  cores: number;
  clockMHz: number | null;
}

export interface BenchModel {
  name: string;
  /** "fnv1a64:<16 hex digits>" of the blob bytes (modelHash()). */
  hash: string;
  blobBytes: number;
  window?: number;
  parameters?: number;
  /** Blob sections and their bytes (inspect). */
  sections?: { name: string; bytes: number }[];
}

export interface BenchPeak {
  kernel: string;
  runtime: string;
  build: string;
  macsPerItem: number;
  medianNs: number;
  macsPerSecond: number;
}

export interface BenchMemory {
  blobBytes: number;
  arenaBytes: number;
  linearMemoryBytes: number;
  hostRssBytes: number;
}

/** Operations by stage and kind (bench/count-ops.ts; docs/efficiency.md). */
export type OpCounts = Record<string, Record<string, number>>;

export interface BenchCounted {
  streaming: OpCounts;
  fullWindow: OpCounts;
  /** One pce_recompute alone (the stored frames' k, v, then the decision): what a `recompute` result does. */
  recompute?: OpCounts;
  explain: Record<string, number>;
  /** The stated convention for float equivalents: FLOPs = flopsPerMac · MACs. */
  flopsPerMac: number;
  /** FLOPs counted from the ONNX graph ONNX Runtime runs, on the same convention. */
  onnx?: { fullWindowFlops: number; streamingFlops: number; matmulFlops: number; elementwiseFlops: number; parameters: number };
}

export interface BenchInstructions {
  arch: string;
  build: string;
  item: string;
  tool: string;
  perItem: number;
}

export interface BenchFile {
  format: typeof BENCH_FORMAT;
  version: typeof BENCH_VERSION;
  date: string;
  tool: string;
  machine: BenchMachine;
  model: BenchModel;
  peak: BenchPeak | null;
  runs: BenchRun[];
  memory?: BenchMemory;
  counted?: BenchCounted;
  instructions?: BenchInstructions[];
  /** Contender time / engine time, measured in the same run. */
  ratios?: Record<string, number>;
}

type Check = (v: unknown, at: string, errs: string[]) => void;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(opts: { nullable?: boolean; min?: number } = {}): Check {
  return (v, at, errs) => {
    if (v === null && opts.nullable) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) errs.push(`${at}: expected a finite number${opts.nullable ? ' or null' : ''}`);
    else if (opts.min !== undefined && v < opts.min) errs.push(`${at}: ${v} < ${opts.min}`);
  };
}

const str: Check = (v, at, errs) => { if (typeof v !== 'string' || v === '') errs.push(`${at}: expected a non-empty string`); };

function obj(fields: Record<string, Check>, optional: string[] = [], opts: { nullable?: boolean } = {}): Check {
  return (v, at, errs) => {
    if (v === null && opts.nullable) return;
    if (!isObj(v)) { errs.push(`${at}: expected an object`); return; }
    for (const [k, check] of Object.entries(fields)) {
      if (!(k in v)) { if (!optional.includes(k)) errs.push(`${at}.${k}: missing`); continue; }
      check(v[k], `${at}.${k}`, errs);
    }
  };
}

function arr(item: Check, minLength = 0): Check {
  return (v, at, errs) => {
    if (!Array.isArray(v)) { errs.push(`${at}: expected an array`); return; }
    if (v.length < minLength) errs.push(`${at}: expected at least ${minLength} entries`);
    v.forEach((x, i) => item(x, `${at}[${i}]`, errs));
  };
}

function oneOf(values: readonly unknown[]): Check {
  return (v, at, errs) => { if (!values.includes(v)) errs.push(`${at}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`); };
}

const record = (check: Check): Check => (v, at, errs) => {
  if (!isObj(v)) { errs.push(`${at}: expected an object`); return; }
  for (const [k, x] of Object.entries(v)) check(x, `${at}.${k}`, errs);
};

const result = obj({
  name: str, scope: oneOf(['kernel', 'end-to-end']), iterations: num({ min: 1 }), medianNs: num({ min: 0 }),
  minNs: num({ min: 0 }), madNs: num({ min: 0 }), perSecond: num({ min: 0 }), opsPerItem: num({ nullable: true, min: 0 }),
  opsPerSecond: num({ nullable: true, min: 0 }),
});

const opTable = record(record(num({ min: 0 })));

const schema = obj({
  format: oneOf([BENCH_FORMAT]),
  version: oneOf([BENCH_VERSION]),
  date: str,
  tool: str,
  machine: obj({ uname: str, arch: str, cpuModel: str, cores: num({ min: 1 }), clockMHz: num({ nullable: true, min: 0 }) }),
  model: obj({
    name: str, hash: (v, at, errs) => { if (typeof v !== 'string' || !/^fnv1a64:[0-9a-f]{16}$/.test(v)) errs.push(`${at}: expected "fnv1a64:" and 16 hex digits`); },
    blobBytes: num({ min: 1 }), window: num({ min: 1 }), parameters: num({ min: 0 }),
    sections: arr(obj({ name: str, bytes: num({ min: 0 }) })),
  }, ['window', 'parameters', 'sections']),
  peak: obj({ kernel: str, runtime: str, build: str, macsPerItem: num({ min: 1 }), medianNs: num({ min: 0 }), macsPerSecond: num({ min: 0 }) }, [], { nullable: true }),
  runs: arr(obj({ runtime: str, build: str, version: str, results: arr(result, 1) }), 1),
  memory: obj({ blobBytes: num({ min: 0 }), arenaBytes: num({ min: 0 }), linearMemoryBytes: num({ min: 0 }), hostRssBytes: num({ min: 0 }) }),
  counted: obj({
    streaming: opTable, fullWindow: opTable, recompute: opTable, explain: record(num({ min: 0 })), flopsPerMac: num({ min: 1 }),
    onnx: obj({ fullWindowFlops: num({ min: 0 }), streamingFlops: num({ min: 0 }), matmulFlops: num({ min: 0 }), elementwiseFlops: num({ min: 0 }), parameters: num({ min: 0 }) }),
  }, ['onnx', 'recompute']),
  instructions: arr(obj({ arch: str, build: str, item: str, tool: str, perItem: num({ min: 0 }) })),
  ratios: record(num({ min: 0 })),
}, ['memory', 'counted', 'instructions', 'ratios']);

/** Every schema violation of `v`, as "path: problem"; empty when v is a valid BenchFile. */
export function validateBench(v: unknown): string[] {
  const errs: string[] = [];
  schema(v, '$', errs);
  return errs;
}

/** Parses and validates; throws with every problem listed. */
export function parseBench(text: string, name = 'result file'): BenchFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not JSON (${(e as Error).message})`);
  }
  const errs = validateBench(v);
  if (errs.length) throw new Error(`${name}: not a ${BENCH_FORMAT} v${BENCH_VERSION} file:\n  ${errs.slice(0, 20).join('\n  ')}`);
  return v as BenchFile;
}

/** FNV-1a 64 of the blob, the schema's model hash (pce-bench computes the same in C). */
export function modelHash(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return `fnv1a64:${h.toString(16).padStart(16, '0')}`;
}
