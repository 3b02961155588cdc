/**
 * The loop behind the `packetclip run` command: classifies every packet of a capture file or of
 * stdin (`-`), writes per-packet lines (jsonl) and/or alert lines (eve), and stops cleanly.
 * Streaming: with `stream` each packet's output is handed to the OS before the next packet is
 * read; otherwise lines are written in large chunks. A stop (SIGINT/SIGTERM) lets the packet in
 * hand finish, closes the open episodes, flushes and returns: nothing read is lost.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import {
  alertOf, checkClasses, defaultThresholds, EpisodeTracker, formatEveAlert, PacketLocator, parseThresholds,
  type Alert, type PacketFacts, type Thresholds,
} from '../alerts/index.js';
import { loadEngine, type Engine } from '../engine.js';
import { packetStatusText } from '../features/packet-status.js';
import { PcapError, readCaptureFile, readCaptureStream, type Packet } from '../pcap/index.js';
import { chooseModel, SHIPPED_MODEL_PATH } from './default-model.js';
import { ConceptExplainer } from './explain.js';
import { formatCaptureError, formatDecision, quoteNames } from './jsonl.js';
import { RunTally } from './summary.js';

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

/** Writes `s` and resolves once the stream has handed it on (errors reject: EPIPE, ENOSPC...). */
function write(out: Writable, s: string): Promise<void> {
  return new Promise((resolve, reject) => out.write(s, (e) => (e ? reject(e) : resolve())));
}

/** Lines in order; flushed at 64 KiB, or after every packet when streaming. */
class Output {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly out: Writable, private readonly stream: boolean) {}
  add(line: string): void {
    this.parts.push(line);
    this.size += line.length + 1;
  }
  async packetDone(): Promise<void> {
    if (this.stream || this.size >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    await write(this.out, chunk);
  }
}

/** Packets of a file, or of stdin for "-". A file that cannot be opened fails here, before any output. */
async function packetsOf(input: string): Promise<AsyncGenerator<Packet, void, undefined>> {
  if (input === STDIN) return readCaptureStream(process.stdin);
  await (await open(input, 'r')).close();
  return readCaptureFile(input);
}

export async function runSession(input: string, out: Writable, opts: SessionOptions): Promise<SessionResult> {
  const choice = chooseModel(opts.model);
  opts.onNote?.(choice.note);
  const engine = await loadEngine(choice.blob, { simd: opts.simd ?? true });
  const classes = engine.info.classes;
  const explainer = opts.explain ? new ConceptExplainer(engine) : undefined;
  const quoted = quoteNames(classes);
  const output = new Output(out, opts.stream);
  const tally = new RunTally();
  const thresholds = resolveThresholds(classes, opts.config, opts.model === undefined);
  const tracker = new EpisodeTracker(classes, thresholds, (e) => {
    const a: Alert = alertOf(e, classes);
    tally.alerts.push(a);
    if (opts.format === 'eve') output.add(formatEveAlert(a, classes, opts.captureName));
  });
  const locator = new PacketLocator();
  const packets = await packetsOf(input);
  opts.onReady?.(engine);
  let stopped: string | undefined;
  const stop = opts.stop?.then((why) => (stopped = why, null));
  let captureError: Error | undefined;
  try {
    for (;;) {
      const next = stop ? await Promise.race([packets.next(), stop]) : await packets.next();
      if (next === null || next.done) break;
      const p = next.value;
      const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
      const status = engine.packetStatus();
      tally.packet(status !== 0 ? 'Undecodable' : r.label, status);
      const facts = locator.facts(p);
      tracker.push({ facts, probs: r.probs, status }, explainer && ((c) => explainer.explain(classes[c]!)));
      if (opts.format === 'jsonl') {
        output.add(formatDecision({
          i: p.index, tsMicros: p.tsMicros, label: r.label, probs: r.probs,
          status, error: status !== 0 ? packetStatusText(status) : undefined, concepts: explainer?.explain(r.label),
        }, quoted));
      }
      opts.onPacket?.(p, facts, r.label, r.probs);
      await output.packetDone();
      if (stopped !== undefined) break;
    }
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    captureError = e;
    tracker.flush();
    output.add(formatCaptureError(e.message, e.offset, tally.packets));
  }
  tracker.flush();
  await output.flush();
  return { tally, classes, captureError, stopped };
}
