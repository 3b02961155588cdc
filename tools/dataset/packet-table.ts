/**
 * Per-packet table of a capture (docs/packet-table-format.md): one TSV row per packet with its
 * flow id, addresses, ports and decode status, so training can join per-packet features and
 * labels to the flows CSV and find the hosts a packet involves without decoding frames itself.
 *
 * CLI: node dist/tools/dataset/packet-table.js capture.pcap [-o packets.tsv] [--idle-timeout SECONDS]
 */
import { access, constants, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, stringFlag } from '../../src/args.js';
import { DecodedIpPacket, FlowTable, packetRow, type FlowPacket, type FlowTableOptions, type PacketRow } from '../../src/flows/index.js';
import { readCaptureFile } from '../../src/pcap/index.js';

export { packetRow, type PacketRow, type PacketStatus } from '../../src/flows/index.js';

export const PACKET_TABLE_MAGIC = '#packetclip-packets';
export const PACKET_TABLE_VERSION = 1;
export const PACKET_TABLE_COLUMNS = [
  'index', 'ts_us', 'flow_id', 'ip_version', 'protocol', 'src_addr', 'dst_addr',
  'src_port', 'dst_port', 'ip_len', 'tcp_flags', 'status',
] as const;

/**
 * Rows of a packet sequence in order, with flow ids from a FlowTable built with `options` (pass
 * the same options as to `packetclip flows` so ids join). If `packets` throws (a corrupt capture),
 * the rows before the fault have been yielded and the error propagates.
 */
export async function* packetRows(packets: AsyncIterable<FlowPacket> | Iterable<FlowPacket>, options: FlowTableOptions = {}): AsyncGenerator<PacketRow, void, undefined> {
  const table = new FlowTable(() => {}, options); // only the ids matter here; the flows CSV has the records
  const scratch = new DecodedIpPacket();
  for await (const p of packets) yield packetRow(p, table.add(p), scratch);
}

const cell = (v: number | string | undefined): string => (v === undefined ? '' : String(v));

export function formatPacketRow(r: PacketRow): string {
  return [r.index, r.tsMicros, r.flowId, r.ipVersion, r.protocol, r.srcAddr, r.dstAddr, r.srcPort, r.dstPort, r.ipLength, r.tcpFlags, r.status]
    .map(cell)
    .join('\t');
}

/** Version line and column header; `packets` is the number of rows that follow. */
export function packetTableHeader(captureName: string, packets: number): string {
  return `${PACKET_TABLE_MAGIC}\tversion=${PACKET_TABLE_VERSION}\tcapture=${captureName}\tpackets=${packets}\n${PACKET_TABLE_COLUMNS.join('\t')}\n`;
}

/**
 * Writes the table of the capture at `capturePath` to `out`. The version line states the row count,
 * so rows are gathered before anything is written (about 80 bytes a packet). On a corrupt capture
 * the rows before the fault are still written, then the reader's PcapError is rethrown.
 */
export async function writePacketTable(capturePath: string, out: string, options: FlowTableOptions = {}): Promise<number> {
  await access(capturePath, constants.R_OK); // a missing capture must not leave an empty table behind
  const lines: string[] = [];
  let failure: { error: unknown } | null = null;
  try {
    for await (const row of packetRows(readCaptureFile(capturePath), options)) lines.push(formatPacketRow(row) + '\n');
  } catch (error) {
    failure = { error };
  }
  await writeFile(out, packetTableHeader(basename(capturePath), lines.length) + lines.join(''));
  if (failure !== null) throw failure.error;
  return lines.length;
}

const USAGE = 'usage: node dist/tools/dataset/packet-table.js capture.pcap -o packets.tsv [--idle-timeout SECONDS]';

async function main(argv: string[]): Promise<void> {
  const p = parseArgs(argv, { values: ['-o', '--output', '--idle-timeout'], switches: [] });
  const out = stringFlag(p, '-o') ?? stringFlag(p, '--output');
  if (p.positional.length !== 1 || out === undefined) throw new Error(USAGE);
  const idle = stringFlag(p, '--idle-timeout');
  const n = await writePacketTable(p.positional[0]!, out, { idleTimeoutSeconds: idle === undefined ? undefined : Number(idle) });
  console.error(`wrote ${out}: ${n} packets`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`packet-table: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
