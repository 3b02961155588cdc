/**
 * Link-layer header types as written in pcap / pcapng files (the LINKTYPE_* registry at
 * tcpdump.org/linktypes.html). The reader passes any value through; these are the ones
 * `locateNetworkLayer` can see through.
 */
export const LINKTYPE_NULL = 0; // BSD loopback: 4-byte address family in the capturing host's byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_BSD = 12; // DLT_RAW's value on most BSDs, found in old files instead of 101
export const LINKTYPE_RAW_OPENBSD = 14; // DLT_RAW's value on OpenBSD, likewise
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, told apart by the version nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: like NULL but the family is big-endian
export const LINKTYPE_LINUX_SLL = 113; // Linux cooked capture v1 (tcpdump -i any), 16-byte header
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276; // Linux cooked capture v2, 20-byte header

const NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'NULL'],
  [LINKTYPE_ETHERNET, 'ETHERNET'],
  [LINKTYPE_RAW_BSD, 'RAW'],
  [LINKTYPE_RAW_OPENBSD, 'RAW'],
  [LINKTYPE_RAW, 'RAW'],
  [LINKTYPE_LOOP, 'LOOP'],
  [LINKTYPE_LINUX_SLL, 'LINUX_SLL'],
  [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'],
  [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'],
]);

/** Registry name without the LINKTYPE_ prefix, or `LINKTYPE_<n>` for a value not listed above. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE_${linkType}`;
}
