/**
 * Host library for the Wasm engine (docs/engine-abi.md): loads
 * build/packetclip.simd.wasm or build/packetclip.wasm with WebAssembly
 * directly, places and validates the blob inside Wasm, quantizes float
 * features on the host, and reads results from the engine's memory.
 * Browser-safe: Node's file system is imported only when a build is read
 * from a file: URL (the default in Node); a page passes the .wasm's bytes or
 * its http(s) URL (EngineOptions.wasm).
 */
import type { Dims } from './blob/layout.js';
import { readValidatedInfo } from './blob/reader.js';
import type { EngineExports } from './engine-exports.js';
import { PacketInput } from './features/packet-input.js';
import { PacketMetaReader, type PacketMeta, type SourceAddress } from './features/packet-meta.js';

export type { EngineExports } from './engine-exports.js';
export type { PacketMeta, SourceAddress } from './features/packet-meta.js';
export { ENGINE_ERROR_COUNT, ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, type EngineErrorName } from './engine-errors.js';

/** Options of loadEngine(); every field is optional. */
export interface EngineOptions {
  /** true (default): the SIMD build `build/packetclip.simd.wasm`; false: the scalar build `build/packetclip.wasm`. */
  simd?: boolean;
  /**
   * The build to run instead of reading build/*.wasm: its bytes, a compiled module, or a URL
   * (http(s): fetched; file: read from disk, Node only). Default: wasmUrl(simd). How the browser
   * page loads the engine.
   */
  wasm?: BufferSource | URL | WebAssembly.Module;
}

/** One decision. */
export interface Result {
  /** Class index: the first index of the largest logit. */
  index: number;
  /** Name of that class (from the blob). */
  label: string;
  /** C class probabilities (Q15 integers / 32768; they sum to ~1). */
  probs: Float32Array;
}

export interface MissionInfo {
  readonly name: string;
  readonly concepts: readonly string[];
}

export interface EngineInfo {
  /** Engine ABI version (pce_version). */
  readonly version: number;
  /** Which .wasm build runs. */
  readonly build: 'simd' | 'scalar';
  readonly dims: Readonly<Dims>;
  readonly classes: readonly string[];
  /** Per mission: its name and concept names, in the order of conceptActivations(). */
  readonly concepts: readonly MissionInfo[];
  /**
   * The blob's window_sources: 0 = one temporal window for every packet; S = one window per source
   * address, at most S, the least recently used one reused (docs/engine-abi.md, "Windows per source").
   */
  readonly windowSources: number;
  /** Linear memory of the instance in bytes. */
  readonly memoryBytes: number;
}

export interface Engine {
  readonly info: EngineInfo;
  /**
   * Quantizes P float features (clamp16(round half away(x / input_scale))) and runs one packet.
   * `source` picks the window when the model keys windows by source address: it becomes the
   * packet metadata record (the address, nothing else); null: a packet without an address (the
   * record zeroed). Omitted, the record is left as it is: zero after load and reset (every such
   * packet in one window), or the last packet pushPacket / extractFeatures decoded.
   */
  pushFeatures(features: ArrayLike<number>, source?: SourceAddress | null): Result;
  /** Runs one packet of already-quantized features (Int16Array(P)), `source` as pushFeatures; returns the class index. No allocation. */
  pushQuantized(q: Int16Array, source?: SourceAddress | null): number;
  /**
   * Decodes one captured frame inside the engine (docs/features.md), computes
   * its 128 features and runs the model on q = 128 · v. `tsMicros`: capture
   * time in µs (a safe integer); `linkType`: LINKTYPE_* of the capture;
   * `origLen`: length on the wire (default bytes.length). Frames longer than
   * the engine's 2,048-byte packet buffer are cut to it. The engine does not
   * mask `linkType`: pass the low 16 bits of a pcap link-type field. Throws
   * EngineError when the blob's feature_version is not 1 or P is not 128.
   */
  pushPacket(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number): Result;
  /**
   * The same decoding, features only (no model run): u8[128] into `out`, or a
   * new array. Shares the per-address state with pushPacket (one packet stream).
   */
  extractFeatures(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number, out?: Uint8Array): Uint8Array;
  /** Features (u8[128]) of the last packet given to pushPacket or extractFeatures. */
  packetFeatures(): Uint8Array;
  /** Decode status of the last packet: 0 ok, else see PACKET_STATUS (docs/features.md, "Decode status"). */
  packetStatus(): number;
  /**
   * Where the last packet goes, as the engine decoded it (docs/engine-abi.md, "Packet metadata"):
   * IP version, protocol, addresses, ports, TCP flags, flow id; undefined when its two IP
   * addresses were not captured (ARP, other non-IP, undecodable).
   */
  packetMeta(): PacketMeta | undefined;
  /** Back to a window of zero frames (and no per-source windows). */
  reset(): void;
  /** Recomputes the last pushed packet's window from its stored frames (must equal the last push bit for bit). */
  recompute(): Result;
  /** The newest frame f in reals (int · frame_scale). */
  frame(): Float32Array;
  /** The newest frame f as the engine's int16. */
  frameQ(): Int16Array;
  /** Q15 probabilities of the last decision. */
  probsQ15(): Int32Array;
  /** int16 logits of the last decision. */
  logitsQ(): Int16Array;
  /** Concept activations of every mission, concatenated (reals: int · frame_scale). */
  conceptActivations(): Float32Array;
  /** The same as the engine's int32. */
  conceptActivationsQ(): Int32Array;
}

/** A failure reported by the engine (init) or caused by bad host input. */
export class EngineError extends Error {
  /** Engine error code (ENGINE_ERRORS, docs/engine-abi.md), 0 for host-side input errors. */
  readonly code: number;
  /** Byte offset in the blob the engine points at, or -1. */
  readonly offset: number;
  constructor(message: string, code = 0, offset = -1) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.offset = offset;
  }
}


/** Where a build lives: ../../build relative to dist/src/engine.js. */
export function wasmUrl(simd: boolean): URL {
  return new URL(simd ? '../../build/packetclip.simd.wasm' : '../../build/packetclip.wasm', import.meta.url);
}

const modules = new Map<boolean, Promise<WebAssembly.Module>>();

/** The bytes at `url`: read from disk for file: (Node), fetched otherwise. */
async function fetchBytes(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const r = await fetch(url);
  if (!r.ok) throw new EngineError(`cannot load the engine from ${url.href}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/** Compiles `source` (bytes, module or URL). */
async function compileSource(source: BufferSource | URL | WebAssembly.Module): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  return WebAssembly.compile(source instanceof URL ? await fetchBytes(source) : source);
}

/** Compiles a build once per process (or `source` when given, not cached). */
export function engineModule(simd: boolean, source?: BufferSource | URL | WebAssembly.Module): Promise<WebAssembly.Module> {
  if (source !== undefined) return compileSource(source);
  let m = modules.get(simd);
  if (!m) {
    m = compileSource(wasmUrl(simd));
    modules.set(simd, m);
  }
  return m;
}

/** A fresh engine instance (no blob loaded): the raw ABI, for tests and tools. */
export async function instantiateEngine(simd: boolean, source?: BufferSource | URL | WebAssembly.Module): Promise<EngineExports> {
  const instance = await WebAssembly.instantiate(await engineModule(simd, source), {});
  return instance.exports as unknown as EngineExports;
}

/** The engine's message for an error code. */
export function engineMessage(x: EngineExports, code: number): string {
  const p = x.pce_error_message(code);
  const n = new DataView(x.memory.buffer).getUint32(p, true);
  return new TextDecoder().decode(new Uint8Array(x.memory.buffer, p + 4, n));
}

/**
 * Copies a blob into a fresh-or-reused instance and runs pce_init; returns 0
 * or the engine's error code (no exception, for tests that feed hostile files).
 */
export function initBlob(x: EngineExports, blob: Uint8Array): number {
  const p = x.pce_blob_alloc(blob.length);
  if (p === 0) return -1;
  new Uint8Array(x.memory.buffer, p, blob.length).set(blob);
  return x.pce_init(p, blob.length);
}

/** round half away from zero, exact for every double (no `+ 0.5` rounding error). */
export function roundHalfAway(v: number): number {
  const a = Math.abs(v);
  let r = Math.floor(a);
  if (a - r >= 0.5) r += 1;
  return v < 0 ? -r : r;
}

/**
 * The host-side input quantization (docs/fixed-point.md "Packet projection"):
 * q = clamp16(round_half_away(x / s)), computed in double. Throws on a wrong
 * length or a non-finite feature.
 */
export function quantizeFeatures(features: ArrayLike<number>, scale: number, out: Int16Array): void {
  if (features.length !== out.length) {
    throw new EngineError(`features: expected ${out.length} values (P), got ${features.length}`);
  }
  for (let i = 0; i < out.length; i++) {
    const x = features[i];
    if (!Number.isFinite(x)) throw new EngineError(`features[${i}] is ${x}: every feature must be a finite number`);
    const q = roundHalfAway(x / scale);
    out[i] = q > 32767 ? 32767 : q < -32768 ? -32768 : q;
  }
}

class WasmEngine implements Engine {
  readonly info: EngineInfo;
  private readonly x: EngineExports;
  private readonly input: Int16Array;
  private readonly packets: PacketInput;
  private readonly meta: PacketMetaReader;
  private readonly probsView: Int32Array;
  private readonly logitsView: Int16Array;
  private readonly frameView: Int16Array;
  private readonly actsView: Int32Array;
  private readonly inputScale: number;
  private readonly frameScale: number;

  constructor(x: EngineExports, info: EngineInfo) {
    this.x = x;
    this.info = info;
    const d = info.dims;
    // Memory only grows inside pce_blob_alloc / pce_init, so views taken now stay valid.
    const buf = x.memory.buffer;
    this.input = new Int16Array(buf, x.pce_input_ptr(), d.P);
    this.probsView = new Int32Array(buf, x.pce_probs_ptr(), d.C);
    this.logitsView = new Int16Array(buf, x.pce_logits_ptr(), d.C);
    this.frameView = new Int16Array(buf, x.pce_frame_ptr(), d.D);
    this.actsView = new Int32Array(buf, x.pce_concepts_ptr(), x.pce_concept_count());
    this.inputScale = d.inputScale;
    this.packets = new PacketInput(x);
    this.meta = new PacketMetaReader(x);
    this.frameScale = d.frameScale;
  }

  private check(r: number): number {
    if (r < 0) throw new EngineError(`engine: ${engineMessage(this.x, -r)}`, -r);
    return r;
  }

  private result(index: number): Result {
    const probs = new Float32Array(this.probsView.length);
    for (let c = 0; c < probs.length; c++) probs[c] = this.probsView[c] / 32768;
    return { index, label: this.info.classes[index], probs };
  }

  pushFeatures(features: ArrayLike<number>, source?: SourceAddress | null): Result {
    quantizeFeatures(features, this.inputScale, this.input);
    if (source !== undefined) this.meta.writeSource(source);
    return this.result(this.check(this.x.pce_push()));
  }

  pushQuantized(q: Int16Array, source?: SourceAddress | null): number {
    if (q.length !== this.input.length) throw new EngineError(`pushQuantized: expected ${this.input.length} values (P), got ${q.length}`);
    if (source !== undefined) this.meta.writeSource(source);
    this.input.set(q);
    return this.check(this.x.pce_push());
  }


  reset(): void {
    this.check(this.x.pce_reset());
  }

  recompute(): Result {
    return this.result(this.check(this.x.pce_recompute()));
  }

  frame(): Float32Array {
    return Float32Array.from(this.frameView, (v) => v * this.frameScale);
  }

  frameQ(): Int16Array {
    return this.frameView.slice();
  }

  probsQ15(): Int32Array {
    return this.probsView.slice();
  }

  logitsQ(): Int16Array {
    return this.logitsView.slice();
  }

  conceptActivations(): Float32Array {
    this.check(this.x.pce_explain()); // computed on demand (docs/engine-abi.md)
    return Float32Array.from(this.actsView, (v) => v * this.frameScale);
  }

  pushPacket(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number): Result {
    return this.result(this.check(this.packets.push(bytes, tsMicros, linkType, origLen)));
  }

  extractFeatures(bytes: Uint8Array, tsMicros: number, linkType: number, origLen?: number, out?: Uint8Array): Uint8Array {
    this.check(this.packets.extract(bytes, tsMicros, linkType, origLen));
    return this.packets.features(out);
  }

  packetFeatures(): Uint8Array {
    return this.packets.features();
  }

  packetStatus(): number {
    return this.x.pce_packet_status();
  }

  packetMeta(): PacketMeta | undefined {
    return this.meta.read();
  }

  conceptActivationsQ(): Int32Array {
    this.check(this.x.pce_explain());
    return this.actsView.slice();
  }
}

/**
 * Loads a blob into a new engine instance. The engine validates the blob
 * inside Wasm, once (a failure throws EngineError with the engine's message,
 * code and byte offset); names and float scales are then read from the
 * accepted blob.
 */
export async function loadEngine(blob: Uint8Array, options: EngineOptions = {}): Promise<Engine> {
  const simd = options.simd ?? true;
  const x = await instantiateEngine(simd, options.wasm);
  const code = initBlob(x, blob);
  if (code !== 0) {
    if (code < 0) throw new EngineError(`engine: cannot place a ${blob.length}-byte blob in linear memory`);
    const offset = x.pce_error_offset();
    const tensor = x.pce_error_tensor();
    const where = [offset >= 0 ? `byte ${offset}` : '', tensor ? `tensor id 0x${tensor.toString(16)}` : ''].filter(Boolean).join(', ');
    throw new EngineError(`engine rejected the blob: ${engineMessage(x, code)} (code ${code}${where ? `, ${where}` : ''})`, code, offset);
  }
  const model = readValidatedInfo(blob); // the engine has validated it: read, not checked again
  const info: EngineInfo = {
    version: x.pce_version(),
    build: simd ? 'simd' : 'scalar',
    dims: Object.freeze({ ...model.dims, outDims: [...model.dims.outDims], nodes: [...model.dims.nodes] }),
    classes: Object.freeze([...model.names.classes]),
    concepts: Object.freeze(model.names.missions.map((m) => Object.freeze({ name: m.name, concepts: Object.freeze([...m.concepts]) }))),
    windowSources: x.pce_window_sources(),
    memoryBytes: x.pce_memory_bytes(),
  };
  return new WasmEngine(x, info);
}
