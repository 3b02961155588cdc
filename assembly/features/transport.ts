/**
 * Transport layer (docs/features.md, "Decoding"): TCP, UDP, ICMP and ICMPv6
 * headers, the ports, and where the application payload starts. Any other
 * protocol leaves every transport output 0.
 */
import {
  FLAG_TCP_OPTIONS, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, PKT_L4_SHORT, PKT_OK,
  PKT_TCP_OFFSET,
} from './constants';
import { has, markTruncated, u16at, u8at } from './frame';

/** PKT_OK; PKT_L4_SHORT when the frame ends inside the transport header; PKT_TCP_OFFSET for a TCP data offset below 5. */
export let l4Status = PKT_OK;
/** IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, or 0 when no transport header was decoded. */
export let l4Proto: u32 = 0;
/** Transport header length in bytes (feature 8): TCP data offset · 4, UDP and ICMP 8. */
export let l4HeaderLen = 0;
/** Bytes of the transport header that go into features 32..51 (TCP 20, UDP and ICMP 8). */
export let l4CopyLen = 0;
/** FLAG_TCP_OPTIONS or 0 (feature 9). */
export let l4Flags = 0;
/** Both ports lie in the frame (TCP and UDP only). */
export let hasPorts = false;
export let srcPort: u32 = 0;
export let dstPort: u32 = 0;
/** TCP flags byte and window, when the TCP header reached them (else 0). */
export let tcpFlags: u32 = 0;
export let tcpWindow: u32 = 0;
/** The flags byte lies in the frame (a TCP packet counts for the SYN share). */
export let hasTcpFlags = false;
/** ICMP / ICMPv6 type and code. */
export let icmpType: u32 = 0;
export let icmpCode: u32 = 0;
/** Offset of the application payload in the frame, or -1 when none is captured. */
export let appOff = -1;
/** Application payload length as the IP header declares it (feature 4), >= 0. */
export let appLen = 0;

/** Decodes the transport header at l4 (-1: none) of protocol `proto`, in an IP datagram ending at ipEnd. */
export function decodeTransport(l4: i32, proto: u32, ipEnd: i32): void {
  l4Status = PKT_OK;
  l4Proto = 0;
  l4HeaderLen = 0;
  l4CopyLen = 0;
  l4Flags = 0;
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpWindow = 0;
  hasTcpFlags = false;
  icmpType = 0;
  icmpCode = 0;
  appOff = -1;
  appLen = 0;
  if (l4 < 0) return;
  let header = 8;
  if (proto == IPPROTO_TCP) {
    header = <i32>(u8at(l4 + 12) >> 4) << 2;
    tcpFlags = u8at(l4 + 13);
    tcpWindow = u16at(l4 + 14);
    hasTcpFlags = has(l4, 14);
    if (header > 20) l4Flags = FLAG_TCP_OPTIONS;
    l4CopyLen = 20;
  } else if (proto == IPPROTO_UDP) {
    l4CopyLen = 8;
  } else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
    icmpType = u8at(l4);
    icmpCode = u8at(l4 + 1);
    l4CopyLen = 8;
  } else {
    return;
  }
  l4Proto = proto;
  l4HeaderLen = header;
  if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && has(l4, 4)) {
    hasPorts = true;
    srcPort = u16at(l4);
    dstPort = u16at(l4 + 2);
  }
  if (!has(l4, max(header, l4CopyLen))) {
    l4Status = PKT_L4_SHORT;
    markTruncated();
  }
  if (header < 20 && proto == IPPROTO_TCP) {
    // A TCP data offset below 5: the fixed header is still read, but no payload follows.
    if (l4Status == PKT_OK) l4Status = PKT_TCP_OFFSET;
    return;
  }
  if (l4Status == PKT_OK) appOff = l4 + header;
  appLen = max(0, ipEnd - (l4 + header));
}
