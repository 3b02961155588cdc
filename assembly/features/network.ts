/**
 * Network layer (docs/features.md, "Decoding"): IPv4 and IPv6 headers, the
 * IPv6 extension-header walk, fragments, and where the transport header and
 * the addresses are. Fields past the captured frame read as 0 (frame.ts).
 */
import {
  FLAG_DF, FLAG_FRAGMENT, FLAG_IPV4_OPTIONS, FLAG_IPV6_EXT, FLAG_MF, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS, IPPROTO_ROUTING, MAX_IPV6_EXTENSIONS, PKT_BAD_IHL, PKT_IP_SHORT, PKT_IPV6_CHAIN, PKT_OK,
} from './constants';
import { frameLen, has, markTruncated, u16at, u8at } from './frame';

/** PKT_OK, or why the IP header could not be decoded. */
export let ipStatus = PKT_OK;
/** TTL / hop limit (feature 5). */
export let ipTtl: u32 = 0;
/** IPv4 protocol, or the last IPv6 next header reached (feature 1). */
export let ipProto: u32 = 0;
/** FLAG_MF, FLAG_DF, FLAG_FRAGMENT, FLAG_IPV6_EXT, FLAG_IPV4_OPTIONS (feature 9). */
export let ipFlags: i32 = 0;
/** Offset just past the fixed header plus IPv4 options: where the IP payload (feature 3) starts. */
export let ipPayloadOff = 0;
/** Offset one past the IP datagram as the header declares it (may exceed the frame), else the frame end. */
export let ipEnd = 0;
/** Offset of the transport header, or -1 when there is none to decode (fragment, bad header). */
export let l4Off = -1;
/** 4 or 16 when both addresses are captured, else 0 (no per-address state). */
export let addrLen = 0;
/** Offsets of the source and destination addresses (valid when addrLen > 0). */
export let srcOff = 0;
export let dstOff = 0;

/** No IP layer: clears every output. */
export function clearNetwork(): void {
  ipStatus = PKT_OK;
  ipTtl = 0;
  ipProto = 0;
  ipFlags = 0;
  ipPayloadOff = 0;
  ipEnd = 0;
  l4Off = -1;
  addrLen = 0;
  srcOff = 0;
  dstOff = 0;
}

/** IPv4 header at o (RFC 791). */
export function decodeIPv4(o: i32): void {
  clearNetwork();
  if (!has(o, 20)) {
    ipStatus = PKT_IP_SHORT;
    markTruncated();
  }
  const ihl = <i32>(u8at(o) & 15) << 2;
  const total = <i32>u16at(o + 2);
  const frag = u16at(o + 6);
  ipTtl = u8at(o + 8);
  ipProto = u8at(o + 9);
  if (frag & 0x2000) ipFlags |= FLAG_MF;
  if (frag & 0x4000) ipFlags |= FLAG_DF;
  if (frag & 0x1fff) ipFlags |= FLAG_FRAGMENT;
  if (ihl > 20) ipFlags |= FLAG_IPV4_OPTIONS;
  if (ipStatus == PKT_OK) {
    srcOff = o + 12;
    dstOff = o + 16;
    addrLen = 4;
    if (ihl < 20) ipStatus = PKT_BAD_IHL;
    else if (!has(o, ihl)) {
      ipStatus = PKT_BAD_IHL;
      markTruncated();
    }
  }
  ipPayloadOff = o + ihl;
  // A total length below the header (0 from segmentation offload) says nothing: use the captured end.
  // A datagram longer than what was captured is not flagged: snap lengths
  // differ between capture points, and the flag must not learn them.
  ipEnd = total >= 20 && total >= ihl ? o + total : frameLen;
  if (ipStatus == PKT_OK && !(ipFlags & FLAG_FRAGMENT)) l4Off = o + ihl;
}

/** IPv6 header at o (RFC 8200), then extension headers 0, 43, 44, 60. */
export function decodeIPv6(o: i32): void {
  clearNetwork();
  if (!has(o, 40)) {
    ipStatus = PKT_IP_SHORT;
    markTruncated();
  }
  const payload = <i32>u16at(o + 4);
  let next = u8at(o + 6);
  ipTtl = u8at(o + 7);
  ipPayloadOff = o + 40;
  // Payload length 0 (jumbogram, offload) says nothing: use the captured end.
  ipEnd = payload > 0 ? o + 40 + payload : frameLen;
  if (ipStatus != PKT_OK) {
    ipProto = next;
    return;
  }
  srcOff = o + 8;
  dstOff = o + 24;
  addrLen = 16;
  let p = o + 40;
  let walked = 0;
  let transport = true;
  while (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_FRAGMENT || next == IPPROTO_DSTOPTS) {
    ipFlags |= FLAG_IPV6_EXT;
    if (walked == MAX_IPV6_EXTENSIONS) {
      ipStatus = PKT_IPV6_CHAIN;
      transport = false;
      break;
    }
    const len = next == IPPROTO_FRAGMENT ? 8 : has(p, 2) ? <i32>(u8at(p + 1) + 1) << 3 : 8;
    if (!has(p, len)) {
      ipStatus = PKT_IPV6_CHAIN;
      markTruncated();
      transport = false;
      break;
    }
    walked++;
    const here = next;
    next = u8at(p);
    p += len;
    if (here == IPPROTO_FRAGMENT) {
      // Any fragment, first or not: no transport header is decoded (the walk stops here).
      ipFlags |= FLAG_FRAGMENT;
      transport = false;
      break;
    }
  }
  ipProto = next;
  if (transport) l4Off = p;
}
