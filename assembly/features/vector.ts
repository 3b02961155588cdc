/**
 * Assembly of the 128-byte feature vector (docs/features.md, "Layout") from
 * what link.ts, network.ts, transport.ts and tables.ts decoded. The header
 * copies read through frame.ts, so a copied byte past the frame is 0 and
 * sets the truncated flag; feature 9 is therefore written last.
 */
import {
  F_APP_LEN, F_DPORT_CLASS, F_DPORT_HI, F_DPORT_LO, F_DST_FANIN, F_FLAGS, F_GAP_ANY, F_GAP_DST, F_GAP_FLOW,
  F_GAP_SRC, F_ICMP_CODE, F_ICMP_TYPE, F_IP_BYTES, F_IP_PAYLOAD, F_L4_BYTES, F_L4_HEADER, F_NET_KIND, F_PAYLOAD,
  F_PROTO, F_SPORT_CLASS, F_SRC_HOSTS, F_SRC_PORTS, F_SRC_RATE, F_SRC_SYN, F_TCP_FLAGS, F_TCP_WINDOW, F_TTL,
  F_WIRE_LEN, FEATURE_COUNT, FLAG_TRUNCATED, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, IP_COPY,
  LG_SIZE, NET_IPV4, NET_IPV6, PAYLOAD_COPY,
} from './constants';
import { frameLen, packetBuf, truncated, u8at } from './frame';
import { lg } from './log2';
import { ipEnd, ipFlags, ipPayloadOff, ipProto, ipTtl } from './network';
import { dstFanIn, gapAny, gapDst, gapFlow, gapSrc, srcHosts, srcPorts, srcRate, srcSyn } from './tables';
import {
  appLen, appOff, dstPort, hasPorts, icmpCode, icmpType, l4CopyLen, l4Flags, l4HeaderLen, l4Proto, srcPort,
  tcpFlags, tcpWindow,
} from './transport';

/** u8[FEATURE_COUNT]: the features of the last packet (pce_features_ptr). */
export const featBuf: usize = memory.data(FEATURE_COUNT, 16);

@inline function put(i: i32, v: u32): void {
  store<u8>(featBuf + <usize>i, <u8>v);
}

/** Features 12 and 13: 64 well-known (< 1024), 128 registered (< 49152), 192 ephemeral. */
@inline function portClass(port: u32): u32 {
  return port < 1024 ? 64 : port < 49152 ? 128 : 192;
}

/** Zeroes features [from, from + n). */
@inline function zero(from: i32, n: i32): void {
  memory.fill(featBuf + <usize>from, 0, <usize>n);
}

/** Starts a vector: all 0, then the network kind and the wire length (every packet has those). */
export function beginVector(netKind: i32, wireLen: u32): void {
  memory.fill(featBuf, 0, <usize>FEATURE_COUNT);
  put(F_NET_KIND, <u32>netKind);
  put(F_WIRE_LEN, <u32>lg(<u64>wireLen, LG_SIZE));
}

/** The IP part: features 1, 3, 5 and the masked header copy 52..63. */
export function putNetwork(netKind: i32, o: i32): void {
  put(F_PROTO, ipProto);
  put(F_IP_PAYLOAD, <u32>lg(<u64>max(0, ipEnd - ipPayloadOff), LG_SIZE));
  put(F_TTL, ipTtl);
  if (netKind == NET_IPV4) {
    for (let i = 0; i < IP_COPY; i++) put(F_IP_BYTES + i, u8at(o + i));
    zero(F_IP_BYTES + 4, 2); //  identification
    zero(F_IP_BYTES + 10, 2); // header checksum
  } else if (netKind == NET_IPV6) {
    for (let i = 0; i < 8; i++) put(F_IP_BYTES + i, u8at(o + i));
    put(F_IP_BYTES + 1, u8at(o + 1) & 0xf0); // flow label: low nibble of byte 1, bytes 2-3
    zero(F_IP_BYTES + 2, 2);
  }
}

/** The transport part: features 4, 6..8, 10..15, the masked header copy 32..51 and the payload 64..127. */
export function putTransport(l4: i32): void {
  if (l4Proto == 0) return;
  put(F_APP_LEN, <u32>lg(<u64>appLen, LG_SIZE));
  put(F_L4_HEADER, <u32>min(l4HeaderLen, 255));
  for (let i = 0; i < l4CopyLen; i++) put(F_L4_BYTES + i, u8at(l4 + i));
  if (l4Proto == IPPROTO_TCP) {
    put(F_TCP_FLAGS, tcpFlags);
    put(F_TCP_WINDOW, <u32>lg(<u64>tcpWindow, LG_SIZE));
    zero(F_L4_BYTES, 2); //      source port
    zero(F_L4_BYTES + 4, 8); //  sequence and acknowledgement numbers
    zero(F_L4_BYTES + 16, 2); // checksum
  } else if (l4Proto == IPPROTO_UDP) {
    zero(F_L4_BYTES, 2); //      source port
    zero(F_L4_BYTES + 6, 2); //  checksum
  } else {
    put(F_ICMP_TYPE, icmpType);
    put(F_ICMP_CODE, icmpCode);
    zero(F_L4_BYTES + 2, 6); //  checksum, identifier / sequence (or the rest of the header)
  }
  if (hasPorts) {
    put(F_DPORT_HI, dstPort >> 8);
    put(F_DPORT_LO, dstPort & 255);
    put(F_SPORT_CLASS, portClass(srcPort));
    put(F_DPORT_CLASS, portClass(dstPort));
  }
  putPayload();
}

/** The first PAYLOAD_COPY captured bytes of the application payload, then the ICMP masks. */
function putPayload(): void {
  if (appOff < 0 || quietIcmp()) return;
  const n = min(min(ipEnd, frameLen) - appOff, PAYLOAD_COPY);
  if (n <= 0) return;
  memory.copy(featBuf + F_PAYLOAD, packetBuf + <usize>appOff, <usize>n);
  if (!quotesDatagram()) return;
  const version = <u32>load<u8>(featBuf + F_PAYLOAD) >> 4;
  if (version == 4) zero(F_PAYLOAD + 12, 8); //  the quoted IPv4 addresses
  else if (version == 6) zero(F_PAYLOAD + 8, 32); // the quoted IPv6 addresses
}

/** ICMP errors quote the offending datagram: ICMPv4 3, 4, 5, 11, 12; ICMPv6 1..4. */
function quotesDatagram(): bool {
  if (l4Proto == IPPROTO_ICMP) return icmpType == 3 || icmpType == 4 || icmpType == 5 || icmpType == 11 || icmpType == 12;
  return l4Proto == IPPROTO_ICMPV6 && icmpType >= 1 && icmpType <= 4;
}

/** ICMPv6 multicast listener (130..132, 143) and neighbour discovery (133..137) messages carry addresses: no payload copy. */
function quietIcmp(): bool {
  return l4Proto == IPPROTO_ICMPV6 && ((icmpType >= 130 && icmpType <= 137) || icmpType == 143);
}

/** Features 16..24 from tables.ts. */
export function putState(): void {
  put(F_GAP_SRC, <u32>gapSrc);
  put(F_GAP_FLOW, <u32>gapFlow);
  put(F_GAP_ANY, <u32>gapAny);
  put(F_GAP_DST, <u32>gapDst);
  put(F_SRC_RATE, <u32>srcRate);
  put(F_SRC_PORTS, <u32>srcPorts);
  put(F_SRC_HOSTS, <u32>srcHosts);
  put(F_SRC_SYN, <u32>srcSyn);
  put(F_DST_FANIN, <u32>dstFanIn);
}

/** Feature 9, last: every read that could set the truncated flag has happened. */
export function putFlags(): void {
  put(F_FLAGS, <u32>(ipFlags | l4Flags | (truncated ? FLAG_TRUNCATED : 0)));
}
