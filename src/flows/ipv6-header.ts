import {
  IPV6_AH,
  IPV6_DESTINATION_OPTIONS,
  IPV6_FRAGMENT,
  IPV6_HIP,
  IPV6_HOP_BY_HOP,
  IPV6_MOBILITY,
  IPV6_ROUTING,
  IPV6_SHIM6,
} from './protocols.js';
import { UNFLOWED, type DecodedIpPacket } from './packet-summary.js';

/**
 * RFC 8200 sets no limit on the chain; real stacks drop packets with long ones (RFC 7045,
 * RFC 9098), and a bound keeps a hostile packet from costing more than a few steps.
 */
export const MAX_IPV6_EXTENSION_HEADERS = 16;

/**
 * Decodes the IPv6 header at `at` and walks its extension headers (hop-by-hop, routing,
 * fragment, destination options, AH, mobility, HIP, shim6) to the upper-layer protocol. ESP and
 * "no next header" end the walk as the protocol. Fills `out`; returns a reason string when a
 * header is cut off or overruns the payload, else null. `wireEnd` is the frame length on the
 * wire, for a payload length of 0 (jumbogram or segmentation offload).
 */
export function decodeIpv6(frame: Uint8Array, at: number, wireEnd: number, out: DecodedIpPacket): string | null {
  if (frame.length < at + 40) return UNFLOWED.ipv6Truncated;
  if (frame[at]! >> 4 !== 6) return UNFLOWED.versionMismatch;
  let payloadLength = (frame[at + 4]! << 8) | frame[at + 5]!;
  if (payloadLength === 0) payloadLength = Math.max(0, wireEnd - at - 40);
  const end = at + 40 + payloadLength; // declared end of the datagram
  let next = frame[at + 6]!;
  let cursor = at + 40;
  let fragmentId = -1;
  let fragmentOffset = 0;
  let moreFragments = false;
  for (let count = 0; ; count++) {
    const length = extensionLength(frame, cursor, next);
    if (length === 0) break; // `next` is the upper-layer protocol
    if (count === MAX_IPV6_EXTENSION_HEADERS) return UNFLOWED.ipv6TooManyExtensions;
    if (length < 0) return UNFLOWED.ipv6ExtensionTruncated;
    if (cursor + length > end) return UNFLOWED.ipv6ExtensionOverrun;
    if (frame.length < cursor + length) return UNFLOWED.ipv6ExtensionTruncated;
    const header = next;
    next = frame[cursor]!;
    if (header === IPV6_FRAGMENT) {
      const offsetFlags = (frame[cursor + 2]! << 8) | frame[cursor + 3]!;
      fragmentOffset = offsetFlags & 0xfff8; // 13-bit offset in 8-octet units, already shifted by 3
      moreFragments = (offsetFlags & 1) !== 0;
      fragmentId = ((frame[cursor + 4]! << 24) | (frame[cursor + 5]! << 16) | (frame[cursor + 6]! << 8) | frame[cursor + 7]!) >>> 0;
      cursor += length;
      // An atomic fragment (offset 0, no more fragments; RFC 6946) is a whole packet.
      if (fragmentOffset === 0 && !moreFragments) fragmentId = -1;
      // Past a non-first fragment header come fragment bytes, not headers.
      if (fragmentOffset !== 0) break;
      continue;
    }
    cursor += length;
  }
  out.ipVersion = 6;
  out.protocol = next;
  out.srcAt = at + 8;
  out.addrLength = 16;
  out.ipLength = 40 + payloadLength;
  out.transportAt = cursor;
  out.transportLength = end - cursor;
  out.fragmentId = fragmentId;
  out.fragmentOffset = fragmentOffset;
  out.moreFragments = moreFragments;
  return null;
}

/**
 * Length in bytes of extension header `type` at `at`; 0 when `type` is not an extension header
 * (the walk ends), -1 when its length byte is not captured.
 */
function extensionLength(frame: Uint8Array, at: number, type: number): number {
  switch (type) {
    case IPV6_HOP_BY_HOP:
    case IPV6_ROUTING:
    case IPV6_DESTINATION_OPTIONS:
    case IPV6_MOBILITY:
    case IPV6_HIP:
    case IPV6_SHIM6:
      return frame.length < at + 2 ? -1 : (frame[at + 1]! + 1) * 8;
    case IPV6_FRAGMENT:
      return 8;
    case IPV6_AH:
      return frame.length < at + 2 ? -1 : (frame[at + 1]! + 2) * 4;
    default:
      return 0;
  }
}
