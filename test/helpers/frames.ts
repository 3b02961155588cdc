/**
 * Frames built byte by byte from the RFCs, for the feature tests: link
 * headers (Ethernet with VLAN tags, Linux cooked SLL / SLL2, BSD loopback),
 * IPv4 (options, fragments, any IHL), IPv6 (extension headers), TCP, UDP,
 * ICMP, ARP. Written independently of assembly/features so a misreading
 * there is not mirrored here. Every builder returns plain byte arrays.
 */

export type Bytes = number[];

export const u16 = (v: number): Bytes => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): Bytes => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
export const zeros = (n: number): Bytes => Array<number>(n).fill(0);
export const fill = (n: number, v: number): Bytes => Array<number>(n).fill(v);
export const seq = (n: number, from = 1): Bytes => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

export const LINK = { NULL: 0, ETHERNET: 1, RAW: 101, SLL: 113, IPV4: 228, IPV6: 229, SLL2: 276 } as const;
export const ETH = { IPV4: 0x0800, ARP: 0x0806, IPV6: 0x86dd, VLAN: 0x8100, QINQ: 0x88a8, LLDP: 0x88cc } as const;
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export function v4(text: string): Bytes {
  return text.split('.').map(Number);
}

/** "2001:db8::1" -> 16 bytes (enough of RFC 4291's text form for tests). */
export function v6(text: string): Bytes {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head), t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => u16(g));
}

/** Ethernet II: dst, src, then `tags` VLAN tags (TPID, TCI), then the EtherType. */
export function ether(type: number, payload: Bytes, tags: { tpid: number; tci: number }[] = []): Bytes {
  return [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...tags.flatMap((t) => [...u16(t.tpid), ...u16(t.tci)]), ...u16(type), ...payload];
}

/** Linux cooked v1: packet type, ARPHRD_ETHER, address length 6, 8-byte address, protocol. */
export function sll(protocol: number, payload: Bytes): Bytes {
  return [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...u16(protocol), ...payload];
}

/** Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, 8-byte address. */
export function sll2(protocol: number, payload: Bytes): Bytes {
  return [...u16(protocol), 0, 0, ...u32(3), 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...payload];
}

/** BSD loopback: the 4-byte address family in little- or big-endian order. */
export function loopback(family: number, littleEndian: boolean, payload: Bytes): Bytes {
  const be = u32(family);
  return [...(littleEndian ? be.reverse() : be), ...payload];
}

export interface Ipv4Options {
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  offset?: number;
  /** IHL field in 32-bit words; default 5 + options. Header bytes written: max(ihl, 5) · 4. */
  ihl?: number;
  /** Total length field; default header + payload. */
  totalLength?: number;
  checksum?: number;
}

/** IPv4 header (RFC 791) + payload; options are zero bytes up to 4·IHL. */
export function ipv4(protocol: number, src: string, dst: string, payload: Bytes, o: Ipv4Options = {}): Bytes {
  const ihl = o.ihl ?? 5;
  const header = Math.max(ihl, 5) * 4;
  const frag = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.offset ?? 0) >> 3);
  return [
    0x40 | (ihl & 15), o.tos ?? 0, ...u16(o.totalLength ?? header + payload.length), ...u16(o.id ?? 0), ...u16(frag),
    o.ttl ?? 64, protocol, ...u16(o.checksum ?? 0xbeef), ...v4(src), ...v4(dst), ...zeros(header - 20), ...payload,
  ];
}

export interface Ipv6Options {
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Payload length field; default the payload's length. */
  payloadLength?: number;
}

/** IPv6 header (RFC 8200) + payload (extension headers included). */
export function ipv6(next: number, src: string, dst: string, payload: Bytes, o: Ipv6Options = {}): Bytes {
  const tc = o.trafficClass ?? 0, fl = o.flowLabel ?? 0;
  const word = (6 << 28) | (tc << 20) | fl;
  return [...u32(word >>> 0), ...u16(o.payloadLength ?? payload.length), next, o.hopLimit ?? 64, ...v6(src), ...v6(dst), ...payload];
}

/** Hop-by-hop, routing or destination options header of `octets8` · 8 bytes (PadN filled). */
export const extension = (next: number, octets8: number): Bytes => [next, octets8 - 1, ...zeros(octets8 * 8 - 2)];
/** IPv6 fragment header: offset in bytes (multiple of 8), M flag, identification. */
export const fragment6 = (next: number, offset: number, more: boolean, id: number): Bytes => [next, 0, ...u16(offset | (more ? 1 : 0)), ...u32(id)];

export interface TcpOptions {
  seq?: number;
  ack?: number;
  window?: number;
  /** Data offset in 32-bit words (default 5 + options / 4); header bytes written: max(words, 5) · 4. */
  dataOffset?: number;
  /** Option bytes (padded with zeros to a multiple of 4). */
  options?: Bytes;
  checksum?: number;
  urgent?: number;
  payload?: Bytes;
}

/** TCP header (RFC 9293) + payload. */
export function tcp(sport: number, dport: number, flags: number, o: TcpOptions = {}): Bytes {
  const opts = o.options ?? [];
  const optBytes = [...opts, ...zeros((4 - (opts.length % 4)) % 4)];
  const words = o.dataOffset ?? 5 + optBytes.length / 4;
  const header = [
    ...u16(sport), ...u16(dport), ...u32(o.seq ?? 0x11223344), ...u32(o.ack ?? 0x55667788), words << 4, flags,
    ...u16(o.window ?? 0), ...u16(o.checksum ?? 0xcafe), ...u16(o.urgent ?? 0), ...optBytes,
  ];
  return [...header, ...zeros(Math.max(words, 5) * 4 - header.length), ...(o.payload ?? [])];
}

/** UDP header (RFC 768) + payload; length field = 8 + payload. */
export const udp = (sport: number, dport: number, payload: Bytes, checksum = 0x1234): Bytes => [...u16(sport), ...u16(dport), ...u16(8 + payload.length), ...u16(checksum), ...payload];

/** ICMP / ICMPv6 header: type, code, checksum, then 4 bytes (identifier and sequence for echo), then the payload. */
export const icmp = (type: number, code: number, rest: number, payload: Bytes, checksum = 0xf00d): Bytes => [type, code, ...u16(checksum), ...u32(rest), ...payload];

/** ARP request for IPv4 over Ethernet (RFC 826). */
export function arp(senderIp: string, targetIp: string): Bytes {
  return [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, ...v4(senderIp), 0, 0, 0, 0, 0, 0, ...v4(targetIp)];
}

/** Pads an Ethernet frame to the 60-byte minimum (without FCS), as capturing NICs deliver short frames. */
export function padEthernet(frame: Bytes): Bytes {
  return frame.length >= 60 ? frame : [...frame, ...zeros(60 - frame.length)];
}
