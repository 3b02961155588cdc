/**
 * `packetclip run` as a library call: classifies every packet of a capture in file order, one
 * global window (or one per source address, as the model's window_sources says: the engine keys
 * them itself), and writes one JSON line per packet (docs/run-format.md). A packet whose frame
 * does not decode fully still gets its line (`"decoded":false`, with "error"); a corrupt or
 * truncated capture ends with an error line naming the byte offset, after the lines of every
 * packet before the fault. The loop is the CLI's (runSession, session.ts).
 */
import type { Writable } from 'node:stream';
import { runSession } from './session.js';

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

/**
 * Classifies `capture` ("-": standard input) and writes the JSON lines to `out`. Never throws for
 * bad packets or a bad capture tail: once the capture is open, any failure ends the output with
 * the lines of every packet before it and an error line. Rejects when the capture cannot be opened
 * or read at all (nothing is written then), or when writing to `out` fails.
 */
export async function runCapture(capture: string, out: Writable, opts: RunOptions = {}): Promise<RunSummary> {
  const r = await runSession(capture, out, {
    format: 'jsonl', stream: false, live: false, model: opts.model, explain: opts.explain, simd: opts.simd, onNote: opts.onNote,
  });
  return { packets: r.tally.packets, decodeErrors: r.tally.decodeErrors, captureError: r.captureError };
}
