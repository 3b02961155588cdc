import type { FlowRecord } from './flow-record.js';
import { FlowTable, type FlowCounters, type FlowPacket, type FlowTableOptions } from './flow-table.js';

/** FlowTable options plus the per-packet mapping; all optional. */
export interface FlowsOptions extends FlowTableOptions {
  /**
   * Called for every packet, in capture order, with the flowId it joined or -1 (not IP, or not
   * decodable). Training joins per-packet labels to flows through it.
   */
  readonly onPacket?: (packetIndex: number, flowId: number) => void;
}

/**
 * Flows of a packet sequence, each yielded as it ends (so not in flowId order), then the ones
 * still open at the end in flowId order. The generator's return value is the table's counters.
 * If `packets` throws (a truncated capture), the flows so far are still yielded, then the error
 * is rethrown.
 */
export async function* flowsOf(
  packets: AsyncIterable<FlowPacket> | Iterable<FlowPacket>,
  options: FlowsOptions = {},
): AsyncGenerator<FlowRecord, FlowCounters, undefined> {
  const ended: FlowRecord[] = [];
  const table = new FlowTable((f) => ended.push(f), options);
  const onPacket = options.onPacket;
  let failure: { error: unknown } | null = null;
  try {
    for await (const p of packets) {
      const flowId = table.add(p);
      onPacket?.(p.index, flowId);
      if (ended.length > 0) yield* ended.splice(0);
    }
  } catch (error) {
    failure = { error };
  }
  table.flush();
  yield* ended.splice(0);
  if (failure !== null) throw failure.error;
  return table.counters;
}
