/**
 * Where the network-layer header starts in a captured frame, for the link types the project
 * meets. The engine decodes frames itself; this is for host code (CLI summaries, tests) that
 * needs to know what a frame carries. Total on any input: garbage gives `ok: false`, never a throw.
 */
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_BSD,
  LINKTYPE_RAW_OPENBSD,
  linkTypeName,
} from './link-types.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // 802.1Q customer tag
const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard service tag, still seen on switches
const MIN_ETHERTYPE = 0x0600; // smaller values in the type field are 802.3 lengths

export type NetworkLayer = NetworkLayerFound | NetworkLayerNotFound;

export interface NetworkLayerFound {
  readonly ok: true;
  /** Index in the frame of the first network-layer byte; may equal frame.length (empty payload). */
  readonly offset: number;
  /** EtherType of what starts at offset (0x0800, 0x86dd, 0x0806, ...); IP links report the IP one. */
  readonly etherType: number;
  /** 4 or 6 when the network layer is IP, else 0. */
  readonly ipVersion: 0 | 4 | 6;
  /** 802.1Q / 802.1ad tags passed over before the EtherType. */
  readonly vlanTags: number;
}

export interface NetworkLayerNotFound {
  readonly ok: false;
  /** Why, in words, e.g. "Ethernet frame of 9 bytes is shorter than its 14-byte header". */
  readonly reason: string;
}

/**
 * Finds the network-layer header of `frame`, captured on a link of type `linkType`: Ethernet
 * (with any number of VLAN tags, and LLC/SNAP), Linux cooked v1/v2, raw IP, and BSD loopback.
 */
export function locateNetworkLayer(linkType: number, frame: Uint8Array): NetworkLayer {
  const n = frame.length;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (n < 14) return short('Ethernet frame', n, 14);
      return afterEtherType(frame, 12, 0);
    case LINKTYPE_LINUX_SLL:
      // packet type, ARPHRD type, address length, 8-byte address, protocol at 14
      if (n < 16) return short('Linux cooked (SLL) frame', n, 16);
      return afterEtherType(frame, 14, 0);
    case LINKTYPE_LINUX_SLL2:
      // protocol at 0, then reserved, interface index, ARPHRD type, packet type, address
      if (n < 20) return short('Linux cooked v2 (SLL2) frame', n, 20);
      return ethernetTyped(frame, u16(frame, 0), 20, 0);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_RAW_OPENBSD:
      return rawIp(frame, linkType);
    case LINKTYPE_IPV4:
      return n < 1 ? notFound('empty raw IPv4 frame') : found(0, ETHERTYPE_IPV4, 0);
    case LINKTYPE_IPV6:
      return n < 1 ? notFound('empty raw IPv6 frame') : found(0, ETHERTYPE_IPV6, 0);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return loopback(frame, linkType);
    default:
      return notFound(`unsupported link type ${linkType} (${linkTypeName(linkType)})`);
  }
}

/** Reads the EtherType at `at` and continues after it. */
function afterEtherType(frame: Uint8Array, at: number, tags: number): NetworkLayer {
  return ethernetTyped(frame, u16(frame, at), at + 2, tags);
}

/** `type` was read just before `offset`: pass VLAN tags and LLC/SNAP, then report. */
function ethernetTyped(frame: Uint8Array, type: number, offset: number, tags: number): NetworkLayer {
  // Each pass consumes 4 bytes or returns, so garbage cannot loop forever.
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (frame.length < offset + 4) return notFound(`VLAN tag cut off at byte ${offset}`);
    type = u16(frame, offset + 2);
    offset += 4;
    tags += 1;
  }
  if (type >= MIN_ETHERTYPE) return found(offset, type, tags);
  // An 802.3 length (or an SLL non-Ethernet protocol): only SNAP (AA AA 03, OUI, EtherType)
  // carries an EtherType after it.
  const snap = frame.length >= offset + 8 && frame[offset] === 0xaa && frame[offset + 1] === 0xaa && frame[offset + 2] === 0x03;
  if (snap) return ethernetTyped(frame, u16(frame, offset + 6), offset + 8, tags);
  return notFound(`no EtherType: type field 0x${type.toString(16).padStart(4, '0')} is an 802.3 length or non-Ethernet protocol, and no SNAP header follows`);
}

function rawIp(frame: Uint8Array, linkType: number): NetworkLayer {
  if (frame.length === 0) return notFound(`empty ${linkTypeName(linkType)} frame`);
  const version = frame[0]! >> 4;
  if (version === 4) return found(0, ETHERTYPE_IPV4, 0);
  if (version === 6) return found(0, ETHERTYPE_IPV6, 0);
  return notFound(`IP version nibble ${version} in ${linkTypeName(linkType)} frame`);
}

/**
 * BSD loopback: a 4-byte address family. NULL stores it in the capturing host's byte order
 * (a family fits in 16 bits, so a nonzero high half means the other order); LOOP stores it
 * big-endian. AF_INET6 differs per OS: 10 Linux, 23 Windows, 24 NetBSD/OpenBSD, 28 FreeBSD,
 * 30 macOS.
 */
function loopback(frame: Uint8Array, linkType: number): NetworkLayer {
  if (frame.length < 4) return short(`${linkTypeName(linkType)} loopback frame`, frame.length, 4);
  const be = ((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!) >>> 0;
  const le = ((frame[3]! << 24) | (frame[2]! << 16) | (frame[1]! << 8) | frame[0]!) >>> 0;
  const family = linkType === LINKTYPE_LOOP || le > 0xffff ? be : le;
  if (family === 2) return found(4, ETHERTYPE_IPV4, 0);
  if (family === 10 || family === 23 || family === 24 || family === 28 || family === 30) return found(4, ETHERTYPE_IPV6, 0);
  return notFound(`loopback address family ${family} is not IPv4 or IPv6`);
}

function u16(frame: Uint8Array, at: number): number {
  return (frame[at]! << 8) | frame[at + 1]!;
}

function found(offset: number, etherType: number, vlanTags: number): NetworkLayerFound {
  const ipVersion = etherType === ETHERTYPE_IPV4 ? 4 : etherType === ETHERTYPE_IPV6 ? 6 : 0;
  return { ok: true, offset, etherType, ipVersion, vlanTags };
}

function notFound(reason: string): NetworkLayerNotFound {
  return { ok: false, reason };
}

function short(what: string, length: number, need: number): NetworkLayerNotFound {
  return notFound(`${what} of ${length} bytes is shorter than its ${need}-byte header`);
}
