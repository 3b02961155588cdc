import { UNFLOWED, type DecodedIpPacket } from './packet-summary.js';

/**
 * Decodes the IPv4 header at `at` (RFC 791) into `out`. Returns a reason string when the header
 * cannot be trusted, else null. `wireEnd` is the frame length on the wire, for a total length of 0.
 */
export function decodeIpv4(frame: Uint8Array, at: number, wireEnd: number, out: DecodedIpPacket): string | null {
  if (frame.length < at + 20) return UNFLOWED.ipv4Truncated;
  if (frame[at]! >> 4 !== 4) return UNFLOWED.versionMismatch;
  const headerLength = (frame[at]! & 0x0f) * 4;
  if (headerLength < 20) return UNFLOWED.ipv4BadIhl;
  if (frame.length < at + headerLength) return UNFLOWED.ipv4Truncated;
  let ipLength = (frame[at + 2]! << 8) | frame[at + 3]!;
  // Captures taken on a host with TCP segmentation offload show 0 here: the NIC fills it in
  // later. The frame's own length is then the best estimate.
  if (ipLength === 0) ipLength = Math.max(0, wireEnd - at);
  if (ipLength < headerLength) return UNFLOWED.ipv4BadTotalLength;
  const flagsOffset = (frame[at + 6]! << 8) | frame[at + 7]!;
  out.ipVersion = 4;
  out.protocol = frame[at + 9]!;
  out.srcAt = at + 12;
  out.addrLength = 4;
  out.ipLength = ipLength;
  out.transportAt = at + headerLength;
  out.transportLength = ipLength - headerLength;
  out.moreFragments = (flagsOffset & 0x2000) !== 0;
  out.fragmentOffset = (flagsOffset & 0x1fff) * 8;
  out.fragmentId = out.moreFragments || out.fragmentOffset !== 0 ? (frame[at + 4]! << 8) | frame[at + 5]! : -1;
  return null;
}
