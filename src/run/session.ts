/**
 * The loop behind `packetclip run` and the library's runCapture(): classifies every packet of a
 * capture file or of stdin (`-`) through PacketClassifier (classify.ts), writes per-packet lines
 * (jsonl) and/or alert lines (eve), and stops cleanly. Packets come in batches (every packet
 * buffered at the time, readCaptureBatches): with `stream` each batch's output is handed to the OS
 * before the next read; otherwise each batch's lines are written while the next is classified. A
 * live input (a pipe or a FIFO) also closes quiet episodes on a wall-clock timer, so a feed that
 * goes silent still gets its alerts (docs/alerts-format.md, "When an alert is written").
 * A stop (SIGINT/SIGTERM) lets the batch in hand finish, closes the open episodes, flushes and
 * returns: nothing read is lost. Once the capture is open, any failure but a failed write ends the
 * output with an error line after the lines of every packet before it (docs/run-format.md).
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { existsSync, fstatSync, readFileSync, statSync } from 'node:fs';
import { checkClasses, defaultThresholds, parseThresholds, type PacketFacts, type Thresholds } from '../alerts/index.js';
import { loadEngine, type Engine } from '../engine.js';
import { writeChunk } from '../output.js';
import { PcapError, readCaptureBatches, type Packet } from '../pcap/index.js';
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
  /** Called for every packet after it is classified (HTML report, progress); `p.data` is valid only during the call. */
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

/** Bytes a file's output may hold unwritten before a flush waits for the disk. */
const MAX_UNWRITTEN = 1 << 22;

/**
 * Lines in order, written once per batch of packets read. A stream's flush waits for its write,
 * so each batch's lines are with the OS before the next read; a file's flush does not wait (a
 * wait per batch for the thread that writes took a quarter of a run's wall time on a loaded
 * machine), unless MAX_UNWRITTEN bytes are still queued. Remembers the first failed write.
 */
class Output {
  /** The lines not yet written, each with its newline. */
  private text = '';
  /** The last write handed to `out`; it settles after every write before it (a Writable calls back in order). */
  private last: Promise<void> = Promise.resolve();
  /** The error a write failed with (EPIPE, ENOSPC...): nothing more can be written. */
  failed: unknown;
  constructor(private readonly out: Writable, private readonly stream: boolean) {}
  add(line: string): void {
    this.text += `${line}\n`;
  }
  /** Writes the lines so far (see the class). Rejects with the first failed write's error. */
  async flush(): Promise<void> {
    if (this.text.length > 0 && this.failed === undefined) {
      this.last = writeChunk(this.out, this.text).catch((e: unknown) => {
        this.failed ??= e;
      });
      this.text = '';
    }
    if (this.stream || this.out.writableLength > MAX_UNWRITTEN) await this.last;
    if (this.failed !== undefined) throw this.failed;
  }
  /** Writes the rest and waits for every write. */
  async close(): Promise<void> {
    await this.flush();
    await this.last;
    if (this.failed !== undefined) throw this.failed;
  }
}

/** Batches of packets of a file, or of stdin for "-". A file that cannot be opened fails here, before any output. */
async function batchesOf(input: string): Promise<AsyncGenerator<readonly Packet[], void, undefined>> {
  if (input === STDIN) return readCaptureBatches(process.stdin);
  await (await open(input, 'r')).close();
  return readCaptureBatches(input);
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
  const batches = await batchesOf(input);
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
    // A stop is seen between batches: a batch holds packets already read, and is classified whole.
    while (stopped === undefined) {
      // A live feed may block on a read: a stop or a timer failure must not wait for the next
      // packets. A file never blocks long, so there a plain await (no race).
      const next = live ? await Promise.race([batches.next(), broken, ...(stop ? [stop] : [])]) : await batches.next();
      if (next === null || next.done) break;
      for (const p of next.value) {
        at = p.fileOffset;
        const c = run.push(p);
        opts.onPacket?.(p, c.facts, c.label, c.probs);
      }
      at = undefined;
      lastMicros = next.value[next.value.length - 1]!.tsMicros;
      lastArrival = Date.now();
      await output.flush();
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
  await output.close();
  return { tally: run.tally, classes: run.classes, captureError, stopped };
}
