import { createWriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readCaptureFile } from '../pcap/index.js';
import { checkFlowTableOptions, type FlowCounters } from './flow-table.js';
import { flowCsvRow, flowsCsvHeader } from './flows-csv.js';
import { flowsOf, type FlowsOptions } from './flows-of.js';

const CHUNK_CHARS = 1 << 16; // rows are batched into writes of about this size

/**
 * Reads the pcap or pcapng file at `capturePath` and writes its flows as CSV (docs/flows-format.md)
 * to the file `out` or to a stream (process.stdout), which is left open. Streams with
 * backpressure: memory is bounded by the live flows, not by the capture's size. Resolves to the
 * counters. When the capture is corrupt or truncated, the flows of the packets before the fault
 * are still written, then the promise rejects with the reader's PcapError. A missing capture or
 * a bad option (RangeError) rejects before `out` is created.
 */
export async function writeFlowsCsv(capturePath: string, out: string | Writable, options: FlowsOptions = {}): Promise<FlowCounters> {
  checkFlowTableOptions(options); // a bad option must fail before the output exists
  await access(capturePath, constants.R_OK);
  // Filled by the generator below; a failure is rethrown only once everything read so far is written.
  const outcome: { counters: FlowCounters | null; failed: boolean; error: unknown } = { counters: null, failed: false, error: null };
  async function* chunks(): AsyncGenerator<string, void, undefined> {
    let pending = flowsCsvHeader();
    const flows = flowsOf(readCaptureFile(capturePath), options);
    try {
      for (;;) {
        const step = await flows.next();
        if (step.done === true) {
          outcome.counters = step.value;
          break;
        }
        pending += flowCsvRow(step.value);
        if (pending.length >= CHUNK_CHARS) {
          yield pending;
          pending = '';
        }
      }
    } catch (error) {
      outcome.failed = true;
      outcome.error = error;
    }
    if (pending !== '') yield pending;
  }
  const sink = typeof out === 'string' ? createWriteStream(out) : out;
  await pipeline(Readable.from(chunks()), sink, { end: typeof out === 'string' });
  if (outcome.failed) throw outcome.error;
  return outcome.counters!;
}

/** One line for a CLI's stderr, e.g. "12 packets: 12 flowed into 1 flows; 0 non-IP, 0 undecodable; 0 evicted". */
export function describeFlowCounters(c: FlowCounters): string {
  const reasons = [...c.unflowedReasons].map(([reason, n]) => `${n} ${reason}`).join('; ');
  return (
    `${c.packets} packets: ${c.flowed} flowed into ${c.flows} flows; ${c.nonIp} non-IP, ${c.undecodable} undecodable` +
    `; ${c.ended.evicted} evicted` +
    (reasons === '' ? '' : ` (${reasons})`)
  );
}
