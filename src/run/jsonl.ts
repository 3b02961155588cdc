/**
 * Lines of `packetclip run --format jsonl` (docs/run-format.md, version 2).
 * Written by hand rather than JSON.stringify so that `ts` is exact to the
 * microsecond and probabilities have a fixed precision; firmware/src/jsonl.c
 * writes the same bytes.
 */
import type { PacketMeta } from '../features/packet-meta.js';
import { ipProtocolName } from '../flows/packet-row.js';
import type { ConceptDelta } from './explain.js';

export const RUN_FORMAT_VERSION = 2;

/** "000" to "999": the decimals of a timestamp go out as two of these (cheaper than padStart on every line). */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** Seconds with exactly six decimals, exact for any safe-integer µs count. */
export function formatSeconds(tsMicros: number): string {
  const sign = tsMicros < 0 ? '-' : '';
  const a = Math.abs(tsMicros);
  const frac = a % 1_000_000;
  const millis = Math.floor(frac / 1000);
  return `${sign}${(a - frac) / 1_000_000}.${THREE_DIGITS[millis]}${THREE_DIGITS[frac - 1000 * millis]}`;
}

/** A probability or a delta rounded to 6 decimals (as a JSON number). */
export function round6(x: number): string {
  const r = Math.round(x * 1e6) / 1e6;
  return String(Object.is(r, -0) ? 0 : r);
}

/**
 * round6(p) through a cache: the engine's probabilities are Q15 values / 32768, so a run prints at
 * most 32,769 different ones; formatting each once saves most of a line's formatting time.
 */
const q15Text: string[] = [];
function probText(p: number): string {
  const q = p * 32768;
  if (q >= 0 && q <= 32768 && Number.isInteger(q)) return (q15Text[q] ??= round6(p));
  return round6(p);
}

export interface DecisionLine {
  i: number;
  tsMicros: number;
  label: string;
  probs: Float32Array;
  /** Where the packet goes (the engine's packet metadata), when it has IP addresses. */
  meta?: PacketMeta;
  /** Decode status and its words, when the packet did not decode fully. */
  status?: number;
  error?: string;
  concepts?: readonly ConceptDelta[];
}

/**
 * Formats decision lines (without the newline) for one model's classes: the quoted class names
 * and the keys around them are joined once per run, so a line has fewer pieces to build and to
 * flatten when it is written. (A cache of each flow direction's location text cost more than it
 * saved: half the flows of a lab capture have one packet, and the cache kept them all alive.)
 */
export class DecisionWriter {
  /** `,"label":"<class c>","probs":{` */
  private readonly labels: string[];
  /** `"<class 0>":`, then `,"<class c>":` */
  private readonly probKeys: string[];
  private readonly classIndex: ReadonlyMap<string, number>;

  constructor(classes: readonly string[]) {
    const quoted = classes.map((n) => JSON.stringify(n));
    this.labels = quoted.map((l) => `,"label":${l},"probs":{`);
    this.probKeys = quoted.map((n, c) => `${c ? ',' : ''}${n}:`);
    this.classIndex = new Map(classes.map((n, c) => [n, c]));
  }

  format(d: DecisionLine): string {
    let s = `{"i":${d.i},"ts":${formatSeconds(d.tsMicros)}`;
    const m = d.meta;
    if (m !== undefined) {
      s += `,"flow_id":${m.flowId},"src_ip":"${m.srcAddr}"${m.srcPort !== undefined ? `,"src_port":${m.srcPort}` : ''}`;
      s += `,"dest_ip":"${m.dstAddr}"${m.dstPort !== undefined ? `,"dest_port":${m.dstPort}` : ''},"proto":"${ipProtocolName(m.protocol)}"`;
    }
    const c = this.classIndex.get(d.label);
    s += c !== undefined ? this.labels[c] : `,"label":${JSON.stringify(d.label)},"probs":{`;
    for (let c = 0; c < this.probKeys.length; c++) s += this.probKeys[c]! + probText(d.probs[c]!);
    s += d.error === undefined ? '},"decoded":true' : `},"decoded":false,"status":${d.status},"error":${JSON.stringify(d.error)}`;
    if (d.concepts) {
      s += `,"concepts":[${d.concepts.map((c) => `{"mission":${JSON.stringify(c.mission)},"concept":${JSON.stringify(c.concept)},"delta":${round6(c.delta)}}`).join(',')}]`;
    }
    return `${s}}`;
  }
}

/**
 * The last line after a fault: what went wrong, where (omitted when no byte offset names the
 * place), and how many packets came before it.
 */
export function formatCaptureError(message: string, offset: number | undefined, packets: number): string {
  const where = offset === undefined ? '' : `,"offset":${offset}`;
  return `{"error":${JSON.stringify(message)}${where},"packets":${packets}}`;
}
