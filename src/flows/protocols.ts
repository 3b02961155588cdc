/**
 * Protocol numbers and header constants the flow decoder needs, in one place. Values from the
 * IANA "Assigned Internet Protocol Numbers" and ICMP / ICMPv6 type registries.
 */

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;

/** IPv6 extension headers the decoder walks through, and the two values that end the walk. */
export const IPV6_HOP_BY_HOP = 0;
export const IPV6_ROUTING = 43;
export const IPV6_FRAGMENT = 44;
export const IPV6_ESP = 50; // encrypted from here on: the walk stops and the flow keeps protocol 50
export const IPV6_AH = 51; // length in 4-octet units minus 2, unlike the others
export const IPV6_NO_NEXT_HEADER = 59;
export const IPV6_DESTINATION_OPTIONS = 60;
export const IPV6_MOBILITY = 135;
export const IPV6_HIP = 139;
export const IPV6_SHIM6 = 140;

/** TCP flag bits in byte 13 of the TCP header (RFC 9293; ECE and CWR from RFC 3168). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/**
 * Bytes of transport header needed before a packet can be keyed: the fixed header (TCP 20,
 * UDP and UDP-Lite 8, SCTP common header 12). Every one starts with source and destination port.
 */
export const PORT_HEADER_LENGTH: ReadonlyMap<number, number> = new Map([
  [IPPROTO_TCP, 20],
  [IPPROTO_UDP, 8],
  [IPPROTO_SCTP, 12],
  [IPPROTO_UDPLITE, 8],
]);

export const ICMP_HEADER_LENGTH = 8; // type, code, checksum, and 4 bytes that queries use for id + sequence

/**
 * ICMP messages that come in request/reply pairs carrying an identifier, mapped to the request
 * type of their pair. Both halves of an exchange then share one flow key. ICMPv4: echo (8/0),
 * timestamp (13/14), information (15/16), address mask (17/18), extended echo (42/43, RFC 8335).
 */
export const ICMPV4_QUERY_PAIR: ReadonlyMap<number, number> = new Map([
  [8, 8], [0, 8],
  [13, 13], [14, 13],
  [15, 15], [16, 15],
  [17, 17], [18, 17],
  [42, 42], [43, 42],
]);

/** ICMPv6: echo (128/129) and extended echo (160/161, RFC 8335). */
export const ICMPV6_QUERY_PAIR: ReadonlyMap<number, number> = new Map([
  [128, 128], [129, 128],
  [160, 160], [161, 160],
]);
