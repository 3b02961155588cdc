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
  /** The capture fault that ended the run early, or undefined. */
  captureError?: PcapError;
}

/** Collects lines and writes them in large chunks, waiting when the stream asks to. */
class LineSink {
  private parts: string[] = [];
  private size = 0;
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
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
}

/** Classifies `capture` and writes the JSON lines to `out`. Never throws for bad packets or a bad capture tail. */
export async function runCapture(capture: string, out: Writable, opts: RunOptions = {}): Promise<RunSummary> {
  const choice = chooseModel(opts.model);
  opts.onNote?.(choice.note);
  const engine = await loadEngine(choice.blob, { simd: opts.simd ?? true });
  const explainer = opts.explain ? new ConceptExplainer(engine) : undefined;
  const quoted = quoteNames(engine.info.classes);
  const sink = new LineSink(out);
  const summary: RunSummary = { packets: 0, decodeErrors: 0 };
  try {
    for await (const p of readCaptureFile(capture)) {
      const r = engine.pushPacket(p.data, p.tsMicros, p.linkType, p.origLen);
      const status = engine.packetStatus();
      if (status !== 0) summary.decodeErrors++;
      await sink.line(formatDecision({
        i: p.index, tsMicros: p.tsMicros, label: r.label, probs: r.probs,
        status, error: status !== 0 ? packetStatusText(status) : undefined,
        concepts: explainer?.explain(r.label),
      }, quoted));
      summary.packets++;
    }
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    summary.captureError = e;
    await sink.line(formatCaptureError(e.message, e.offset, summary.packets));
  }
  await sink.flush();
  return summary;
}
