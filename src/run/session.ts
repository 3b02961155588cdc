/**
 * The loop behind `packetclip run` and the library's runCapture(): classifies every packet of a
 * capture file or of stdin (`-`) through PacketClassifier (classify.ts), writes per-packet lines
 * (jsonl) and/or alert lines (eve), and stops cleanly. Streaming: with `stream` each packet's
 * output is handed to the OS before the next packet is read; otherwise lines are written in large
 * chunks. A live input (a pipe or a FIFO) also closes quiet episodes on a wall-clock timer, so a
 * feed that goes silent still gets its alerts (docs/alerts-format.md, "When an alert is written").
 * A stop (SIGINT/SIGTERM) lets the packet in hand finish, closes the open episodes, flushes and
 * returns: nothing read is lost. Once the capture is open, any failure but a failed write ends the
 * output with an error line after the lines of every packet before it (docs/run-format.md).
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { existsSync, fstatSync, readFileSync, statSync } from 'node:fs';
import { checkClasses, defaultThresholds, parseThresholds, type PacketFacts, type Thresholds } from '../alerts/index.js';
import { loadEngine, type Engine } from '../engine.js';
import { writeChunk } from '../output.js';
import { PcapError, readCaptureFile, readCaptureStream, type Packet } from '../pcap/index.js';
import { PacketClassifier } from './classify.js';
import { chooseModel, SHIPPED_MODEL_PATH } from './default-model.js';
import type { RunTally } from './summary.js';

/** The name that reads standard input. */
export const STDIN = '-';

export interface SessionOptions {
  /** Blob path; default the shipped model. */
  readonly model?: string;
  readonly simd?: boolean;
  readonly explain?: boolean;
  /** 'jsonl': a line per packet; 'eve': alert lines only. */
  readonly format: 'jsonl' | 'eve';
  /** Thresholds file (--config); default: the one shipped beside the shipped model, else the built-in defaults. */
  readonly config?: string;
  /** Write each packet's output before reading the next packet (stdout not a regular file). */
  readonly stream: boolean;
  /** Resolves when the run must stop (a signal); its value is the reason, e.g. "SIGINT". */
  readonly stop?: Promise<string>;
  /** Name for eve's pcap_filename; undefined for stdin. */
  readonly captureName?: string;
  /** Close quiet episodes on a wall-clock timer; default: when the input is a pipe or a FIFO. */
  readonly live?: boolean;
  /** Called for every packet after it is classified (HTML report, progress). */
  readonly onPacket?: (p: Packet, facts: PacketFacts, label: string, probs: Float32Array) => void;
  /** Called once, before the first packet, with the model note. */
  readonly onNote?: (note: string) => void;
  /** Called once the engine is loaded and the input is about to be read. */
  readonly onReady?: (engine: Engine) => void;
}

export interface SessionResult {
  readonly tally: RunTally;
  readonly classes: readonly string[];
  /** The fault that ended the input early. */
  readonly captureError?: Error;
  /** The stop reason, when a stop ended the run. */
  readonly stopped?: string;
}

/** The thresholds shipped with the model (docs/alerts-format.md, "Thresholds file"). */
export const SHIPPED_THRESHOLDS_PATH = SHIPPED_MODEL_PATH.replace(/\.pclip$/, '.thresholds');

/** Thresholds from `config`, else the shipped file (for the shipped model), else the defaults; checked against the model's classes. */
export function resolveThresholds(classes: readonly string[], config: string | undefined, shippedModel: boolean): Thresholds {
  const path = config ?? (shippedModel && existsSync(SHIPPED_THRESHOLDS_PATH) ? SHIPPED_THRESHOLDS_PATH : undefined);
  if (path === undefined) return defaultThresholds(classes);
  const t = parseThresholds(readFileSync(path, 'utf8'), path);
  checkClasses(t, classes, path);
  return t;
}

/** How often a live feed's timer closes quiet episodes. */
export const LIVE_TICK_MS = 250;

/** Lines in order; flushed at 64 KiB, or after every packet when streaming. Remembers a failed write. */
class Output {
  private parts: string[] = [];
  private size = 0;
  /** The error a write failed with (EPIPE, ENOSPC...): nothing more can be written. */
  failed: unknown;
  constructor(private readonly out: Writable, private readonly stream: boolean) {}
  add(line: string): void {
    this.parts.push(line);
    this.size += line.length + 1;
  }
  /** Whether the lines so far must be written now: when streaming, or at 64 KiB. */
  due(): boolean {
    return this.stream || this.size >= 1 << 16;
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0 || this.failed !== undefined) return;
    const chunk = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    await writeChunk(this.out, chunk).catch((e: unknown) => {
      this.failed = e;
      throw e;
    });
  }
}

/** Packets of a file, or of stdin for "-". A file that cannot be opened fails here, before any output. */
async function packetsOf(input: string): Promise<AsyncGenerator<Packet, void, undefined>> {
  if (input === STDIN) return readCaptureStream(process.stdin);
  await (await open(input, 'r')).close();
  return readCaptureFile(input);
}

/** A pipe or FIFO (stdin for "-"): a feed that may go silent. */
function isLiveInput(input: string): boolean {
  try {
    const st = input === STDIN ? fstatSync(0) : statSync(input);
    return st.isFIFO() || st.isSocket() || st.isCharacterDevice();
  } catch {
    return false;
  }
}

export async function runSession(input: string, out: Writable, opts: SessionOptions): Promise<SessionResult> {
  const choice = chooseModel(opts.model);
  opts.onNote?.(choice.note);
  const engine = await loadEngine(choice.blob, { simd: opts.simd ?? true });
  const thresholds = resolveThresholds(engine.info.classes, opts.config, opts.model === undefined);
  const output = new Output(out, opts.stream);
  const run = new PacketClassifier(engine, { format: opts.format, thresholds, explain: opts.explain, captureName: opts.captureName }, (l) => output.add(l));
  const packets = await packetsOf(input);
  opts.onReady?.(engine);
  let stopped: string | undefined;
  const stop = opts.stop?.then((why) => (stopped = why, null));
  // Live: the capture clock advances with the wall clock after the newest packet.
  let lastMicros: number | undefined;
  let lastArrival = 0;
  let timerFailed: (e: unknown) => void = () => {};
  const broken = new Promise<never>((_, reject) => (timerFailed = reject));
  broken.catch(() => {});
  const live = opts.live ?? isLiveInput(input);
  const timer = live ? setInterval(() => {
    if (lastMicros === undefined) return;
    run.closeQuiet(lastMicros + (Date.now() - lastArrival) * 1000);
    output.flush().catch(timerFailed);
  }, LIVE_TICK_MS) : undefined;
  let captureError: Error | undefined;
  let at: number | undefined; // file offset of the packet being classified
  try {
    for (;;) {
      // A live feed may block on a read: a stop or a timer failure must not wait for the next
      // packet. A file never blocks long, so there a plain await (no race, no per-packet arrays
      // and promises) and the stop is seen after the packet in hand.
      const next = live ? await Promise.race([packets.next(), broken, ...(stop ? [stop] : [])]) : await packets.next();
      if (next === null || next.done) break;
      const p = next.value;
      at = p.fileOffset;
      lastMicros = p.tsMicros;
      lastArrival = Date.now();
      const c = run.push(p);
      opts.onPacket?.(p, c.facts, c.label, c.probs);
      if (output.due()) await output.flush();
      at = undefined;
      if (stopped !== undefined) break;
    }
  } catch (e) {
    // A failed write ends the output; a file that cannot be read at all gives no lines.
    if (output.failed !== undefined || (!(e instanceof PcapError) && run.tally.packets === 0 && at === undefined)) throw e;
    captureError = e instanceof Error ? e : new Error(String(e));
    run.fault(captureError.message, e instanceof PcapError ? e.offset : at);
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  run.finish();
  await output.flush();
  return { tally: run.tally, classes: run.classes, captureError, stopped };
}
