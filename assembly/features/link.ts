/**
 * Link layer (docs/features.md, "Decoding"): finds the network header of a
 * frame and says what it is. Ethernet (with up to two 802.1Q / 802.1ad tags),
 * Linux cooked SLL and SLL2, raw IP, raw IPv4 / IPv6 and BSD loopback NULL;
 * anything else is non-IP.
 */
import {
  ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_QINQ, ETH_VLAN, LINK_ETHERNET, LINK_IPV4, LINK_IPV6, LINK_NULL, LINK_RAW,
  LINK_RAW_BSD, LINK_RAW_OPENBSD, LINK_SLL, LINK_SLL2, MAX_VLAN_TAGS, NET_ARP, NET_IPV4, NET_IPV6, NET_NONE, PKT_EMPTY,
  PKT_IP_VERSION, PKT_LINK_SHORT, PKT_LINK_UNSUPPORTED, PKT_OK,
} from './constants';
import { frameLen, has, markTruncated, u16at, u8at } from './frame';

/** What starts at netOff: NET_NONE, NET_ARP, NET_IPV4 or NET_IPV6 (feature 0). */
export let netKind = NET_NONE;
/** Offset of the network header in the frame. */
export let netOff = 0;
/** PKT_OK, or why the link layer could not be decoded. */
export let linkStatus = PKT_OK;

/** Decodes the link header of the current frame. */
export function decodeLink(linkType: u32): void {
  netKind = NET_NONE;
  netOff = 0;
  linkStatus = PKT_OK;
  if (frameLen == 0) {
    linkStatus = PKT_EMPTY;
    return;
  }
  switch (linkType) {
    case LINK_ETHERNET: {
      if (!short(14)) ethernet(u16at(12), 14);
      break;
    }
    case LINK_SLL: {
      if (!short(16)) etherType(u16at(14), 16);
      break;
    }
    case LINK_SLL2: {
      if (!short(20)) etherType(u16at(0), 20);
      break;
    }
    case LINK_RAW:
    case LINK_RAW_BSD:
    case LINK_RAW_OPENBSD: {
      const v = u8at(0) >> 4;
      if (v == 4) netKind = NET_IPV4;
      else if (v == 6) netKind = NET_IPV6;
      else linkStatus = PKT_IP_VERSION;
      break;
    }
    case LINK_IPV4: {
      netKind = NET_IPV4;
      break;
    }
    case LINK_IPV6: {
      netKind = NET_IPV6;
      break;
    }
    case LINK_NULL: {
      if (!short(4)) loopback();
      break;
    }
    default:
      linkStatus = PKT_LINK_UNSUPPORTED;
  }
}

/** True (and status LINK_SHORT, truncated) when the frame is shorter than an n-byte link header. */
function short(n: i32): bool {
  if (has(0, n)) return false;
  linkStatus = PKT_LINK_SHORT;
  markTruncated();
  return true;
}

/** Ethernet: the EtherType at 12, then at most MAX_VLAN_TAGS tags of 4 bytes each. */
function ethernet(type: u32, off: i32): void {
  for (let tags = 0; tags < MAX_VLAN_TAGS && (type == ETH_VLAN || type == ETH_QINQ); tags++) {
    if (!has(off, 4)) {
      linkStatus = PKT_LINK_SHORT;
      markTruncated();
      return;
    }
    type = u16at(off + 2);
    off += 4;
  }
  etherType(type, off);
}

function etherType(type: u32, off: i32): void {
  netOff = off;
  if (type == ETH_IPV4) netKind = NET_IPV4;
  else if (type == ETH_IPV6) netKind = NET_IPV6;
  else if (type == ETH_ARP) netKind = NET_ARP;
}

/**
 * BSD loopback: a 4-byte address family in the capturing host's byte order.
 * A family fits in 16 bits, so a non-zero high half means the other order.
 * AF_INET = 2; AF_INET6 = 10 (Linux), 23 (Windows), 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
function loopback(): void {
  let family = u8at(0) | (u8at(1) << 8) | (u8at(2) << 16) | (u8at(3) << 24);
  if (family > 0xffff) family = bswap<u32>(family);
  netOff = 4;
  if (family == 2) netKind = NET_IPV4;
  else if (family == 10 || family == 23 || family == 24 || family == 28 || family == 30) netKind = NET_IPV6;
}
