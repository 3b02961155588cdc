/**
 * `packetclip run`: classifies every packet of a capture in file order, one
 * global window, and writes one JSON line per packet (docs/run-format.md).
 * A packet whose frame does not decode fully still gets its line (with
 * "error"); a corrupt or truncated capture ends with an error line naming the
 * byte offset, after the lines of every packet before the fault.
 */
import type { Writable } from 'node:stream';
import { loadEngine } from '../engine.js';
import { packetStatusText } from '../features/packet-status.js';
import { PcapError, readCaptureFile } from '../pcap/index.js';
import { writeChunk } from '../output.js';
import { chooseModel } from './default-model.js';
import { ConceptExplainer } from './explain.js';
import { formatCaptureError, formatDecision, quoteNames } from './jsonl.js';

/** Options of runCapture(); every field is optional. */
export interface RunOptions {
  /** Blob path; default: chooseModel() (the shipped model). */
  model?: string;
  /** Add top concepts to non-Benign decisions (default false). */
  explain?: boolean;
  /** Engine build (default SIMD). */
  simd?: boolean;
  /** Called once with the model note, before the first line. */
  onNote?: (note: string) => void;
}

export interface RunSummary {
  /** Packets classified (= decision lines written). */
  packets: number;
  /** Packets whose line carries "error" (decode status != 0). */
  decodeErrors: number;
  /**
   * What ended the run early, or undefined: a PcapError for a corrupt or truncated capture,
   * else whatever failed once the capture was open (the error line says which).
   */
  captureError?: Error;
}

/** Collects lines and writes them in large chunks, one write at a time; remembers a failed write. */
class LineSink {
  private parts: string[] = [];
  private size = 0;
  /** The error a write to `out` failed with (EPIPE, ENOSPC...): nothing more can be written. */
  failed: unknown;
  constructor(private readonly out: Writable) {}

  async line(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    await writeChunk(this.out, chunk).catch((e: unknown) => {
      this.failed = e;
      throw e;
    });
  }
}

/**
 * Classifies `capture` and writes the JSON lines to `out`. Never throws for bad packets or a bad
 * capture tail: once the capture is open, any failure ends the output with the lines of every
 * packet before it and an error line. Rejects when the capture cannot be opened or read at all
 * (nothing is written then), or when writing to `out` fails.
 */
export async function runCapture(capture: string, out: Writable, opts: RunOptions = {}): Promise<RunSummary> {
  const choice = chooseModel(opts.model);
  opts.onNote?.(choice.note);
  const engine = await loadEngine(choice.blob, { simd: opts.simd ?? true });
  const explainer = opts.explain ? new ConceptExplainer(engine) : undefined;
  const quoted = quoteNames(engine.info.classes);
  const sink = new LineSink(out);
  const summary: RunSummary = { packets: 0, decodeErrors: 0 };
  let at: number | undefined; // file offset of the packet being classified
  try {
    for await (const p of readCaptureFile(capture)) {
      at = p.fileOffset;
      const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
      const status = engine.packetStatus();
      if (status !== 0) summary.decodeErrors++;
      await sink.line(formatDecision({
        i: p.index, tsMicros: p.tsMicros, label: r.label, probs: r.probs,
        status, error: status !== 0 ? packetStatusText(status) : undefined,
        concepts: explainer?.explain(r.label),
      }, quoted));
      summary.packets++;
      at = undefined;
    }
  } catch (e) {
    const failed = e instanceof Error ? e : new Error(String(e));
    // A failed write ends the output; a file that cannot be read at all gives no lines.
    if (sink.failed !== undefined || (!(e instanceof PcapError) && summary.packets === 0 && at === undefined)) throw e;
    summary.captureError = failed;
    await sink.line(formatCaptureError(failed.message, e instanceof PcapError ? e.offset : at, summary.packets));
  }
  await sink.flush();
  return summary;
}
