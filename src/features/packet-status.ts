/**
 * Decode statuses of the engine's packet decoder (pce_packet_status;
 * docs/features.md, "Decode status"). Stable: appended, never renumbered.
 * A packet with a non-zero status still has defined features.
 */
export const PACKET_STATUS = [
  'ok',
  'empty frame (0 captured bytes)',
  'unsupported link type',
  'frame shorter than its link-layer header',
  'raw IP frame whose version nibble is neither 4 nor 6',
  'frame ends inside the fixed IP header',
  'bad IPv4 header length (IHL below 5, or the header runs past the frame)',
  'IPv6 extension headers run past the frame or exceed 8',
  'frame ends inside the TCP/UDP/ICMP header',
  'TCP data offset below 5',
  'wire length (orig_len) above 262144 bytes: a damaged record header',
] as const;

export const PACKET_OK = 0;

/** Words for a status code; "decode status N" for a code this table does not know. */
export function packetStatusText(code: number): string {
  return PACKET_STATUS[code] ?? `decode status ${code}`;
}
