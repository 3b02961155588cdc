/**
 * The flows CSV, version 1: a `# packetclip-flows v1` comment line, a header row, one row per
 * flow. Spec: docs/flows-format.md, whose column table a test compares with FLOWS_CSV_COLUMNS.
 */
import type { DirectionStats, FlowRecord } from './flow-record.js';

export const FLOWS_CSV_VERSION = 1;
/** First line of every file; bumped with the version only when a column changes meaning or moves. */
export const FLOWS_CSV_MAGIC = `# packetclip-flows v${FLOWS_CSV_VERSION}`;

/** A cell: number, text, or null for "not defined" (written empty, read by pandas as NaN). */
type Cell = number | string | null;

export interface FlowsCsvColumn {
  readonly name: string;
  readonly value: (f: FlowRecord) => Cell;
}

const column = (name: string, value: (f: FlowRecord) => Cell): FlowsCsvColumn => ({ name, value });

/** The same statistic for both directions: `fwd_<name>`, then `bwd_<name>`. */
const eachWay = (name: string, value: (d: DirectionStats) => Cell): FlowsCsvColumn[] => [
  column(`fwd_${name}`, (f) => value(f.fwd)),
  column(`bwd_${name}`, (f) => value(f.bwd)),
];

/** FlowRecord fields that hold one cell. */
type ScalarField = { [K in keyof FlowRecord]: FlowRecord[K] extends Cell ? K : never }[keyof FlowRecord];

/** Columns that copy a FlowRecord field as is: [column, field] pairs, in column order. */
const FIELD_COLUMNS: readonly (readonly [string, ScalarField])[] = [
  ['flow_id', 'flowId'], ['first_packet', 'firstPacket'], ['last_packet', 'lastPacket'],
  ['start_us', 'startMicros'], ['duration_us', 'durationMicros'], ['end_reason', 'endReason'],
  ['ip_version', 'ipVersion'], ['protocol', 'protocol'],
  ['src_addr', 'srcAddr'], ['src_port', 'srcPort'], ['dst_addr', 'dstAddr'], ['dst_port', 'dstPort'],
];

export const FLOWS_CSV_COLUMNS: readonly FlowsCsvColumn[] = [
  ...FIELD_COLUMNS.map(([name, field]) => column(name, (f) => f[field])),
  ...eachWay('packets', (d) => d.packets),
  ...eachWay('bytes', (d) => d.bytes),
  ...eachWay('payload_bytes', (d) => d.payloadBytes),
  ...(['fwd', 'bwd'] as const).flatMap((way) =>
    (['min', 'max', 'mean', 'std'] as const).map((stat) => column(`${way}_len_${stat}`, (f) => f[way].length?.[stat] ?? null)),
  ),
  ...(['mean', 'std', 'min', 'max'] as const).map((stat) => column(`iat_${stat}_us`, (f) => f.iat?.[stat] ?? null)),
  ...eachWay('iat_mean_us', (d) => d.iatMeanMicros),
  ...(['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'] as const).map((flag) => column(`${flag}_count`, (f) => f.tcpFlags[flag])),
  ...eachWay('init_win', (d) => d.initWindow),
  column('packets_per_s', (f) => f.packetsPerSecond),
  column('bytes_per_s', (f) => f.bytesPerSecond),
];

/** The version comment and the header row, each ending in "\n". */
export function flowsCsvHeader(): string {
  return `${FLOWS_CSV_MAGIC}\n${FLOWS_CSV_COLUMNS.map((c) => c.name).join(',')}\n`;
}

/** One flow as a CSV row ending in "\n". No cell can hold a comma, quote or newline, so none is quoted. */
export function flowCsvRow(f: FlowRecord): string {
  let row = '';
  for (let i = 0; i < FLOWS_CSV_COLUMNS.length; i++) {
    if (i > 0) row += ',';
    row += cellText(FLOWS_CSV_COLUMNS[i]!.value(f));
  }
  return `${row}\n`;
}

/** A whole CSV in memory: header, then the flows in the order given. */
export function formatFlowsCsv(flows: Iterable<FlowRecord>): string {
  let out = flowsCsvHeader();
  for (const f of flows) out += flowCsvRow(f);
  return out;
}

/** Integers exactly; other numbers rounded to 3 decimals (1 ns for µs columns, 0.001 byte for lengths). */
function cellText(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'string' || Number.isInteger(v)) return String(v);
  return String(Math.round(v * 1000) / 1000 || 0); // `|| 0` turns -0 into 0
}
