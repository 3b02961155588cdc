/**
 * Streaming pcap / pcapng reader and link-layer helper. Spec: docs/pcap-reader.md.
 * @packageDocumentation
 */
export { detectCaptureFormat, type CaptureFormat } from './capture-parser.js';
export { PcapError } from './errors.js';
export * from './link-types.js';
export { MAX_BUFFERED_BLOCK, MAX_CAPLEN, MAX_INTERFACES, SNAPLEN_SLACK } from './limits.js';
export {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  locateNetworkLayer,
  type NetworkLayer,
  type NetworkLayerFound,
  type NetworkLayerNotFound,
} from './network-layer.js';
export type { Packet } from './packet.js';
export { parseCaptureBytes } from './read-bytes.js';
export { readCaptureBatches, readCaptureFile, readCaptureStream, type ReadCaptureOptions } from './read-stream.js';
