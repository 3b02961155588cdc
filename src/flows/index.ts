/**
 * Per-flow statistics of a capture (a CICFlowMeter-like subset) for the text-description step of
 * training. Spec of the CSV and of every rule: docs/flows-format.md.
 * @packageDocumentation
 */
export { formatAddress } from './address-text.js';
export { decodePacket } from './decode-packet.js';
export type { DirectionStats, FlowEndReason, FlowRecord, Spread, TcpFlagCounts } from './flow-record.js';
export {
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_MAX_FLOWS,
  FlowTable,
  MAX_REASON_KEYS,
  OTHER_REASON,
  type FlowCounters,
  type FlowPacket,
  type FlowTableOptions,
} from './flow-table.js';
export { FLOWS_CSV_COLUMNS, FLOWS_CSV_MAGIC, FLOWS_CSV_VERSION, flowCsvRow, flowsCsvHeader, formatFlowsCsv, type FlowsCsvColumn } from './flows-csv.js';
export { flowsOf, type FlowsOptions } from './flows-of.js';
export { FRAGMENT_TIMEOUT_SECONDS, MAX_TRACKED_DATAGRAMS } from './fragment-map.js';
export { MAX_IPV6_EXTENSION_HEADERS } from './ipv6-header.js';
export { DecodedIpPacket, UNFLOWED, type IpPacketSummary, type PacketSummary, type TransportKind, type UnflowedPacket } from './packet-summary.js';
export { describeFlowCounters, writeFlowsCsv } from './write-flows-csv.js';
export { ipProtocolName, packetRow, protocolName, type PacketRow, type PacketStatus } from './packet-row.js';
