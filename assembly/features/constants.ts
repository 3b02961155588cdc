/**
 * Packet features, version 1 (docs/features.md): the layout indices, flag
 * bits, decode statuses and table sizes, in one place. Everything in
 * assembly/features/ is integer parsing shared by the scalar and the SIMD
 * build (no SIMD twin: there is no numeric kernel here).
 */

/** The feature layout this engine implements (DIMS word 11 of a blob that takes packet input). */
export const FEATURE_VERSION: i32 = 1;
/** Features per packet: the P a packet-input blob must have. */
export const FEATURE_COUNT: i32 = 128;
/**
 * Bytes of the packet buffer: the first 2 KiB of a frame hold every header
 * and the 64 payload bytes the features read (hosts pass the wire length
 * separately), and a small buffer keeps the engine within its memory budget.
 */
export const PACKET_CAPACITY: i32 = 2048;

/** Entries of the per-source and per-destination tables (direct-mapped, power of two). */
export const ADDR_SLOTS: i32 = 512;
/** Entries of the flow table (direct-mapped, power of two). */
export const FLOW_SLOTS: i32 = 1024;
/** Length of the per-address histories (ports, hosts, SYN share, fan-in). */
export const HISTORY: i32 = 8;

// ---- Layout (docs/features.md, "Layout") ----
export const F_NET_KIND = 0;
export const F_PROTO = 1;
export const F_WIRE_LEN = 2;
export const F_IP_PAYLOAD = 3;
export const F_APP_LEN = 4;
export const F_TTL = 5;
export const F_TCP_FLAGS = 6;
export const F_TCP_WINDOW = 7;
export const F_L4_HEADER = 8;
export const F_FLAGS = 9;
export const F_DPORT_HI = 10;
export const F_DPORT_LO = 11;
export const F_SPORT_CLASS = 12;
export const F_DPORT_CLASS = 13;
export const F_ICMP_TYPE = 14;
export const F_ICMP_CODE = 15;
export const F_GAP_SRC = 16;
export const F_GAP_FLOW = 17;
export const F_GAP_ANY = 18;
export const F_GAP_DST = 19;
export const F_SRC_RATE = 20;
export const F_SRC_PORTS = 21;
export const F_SRC_HOSTS = 22;
export const F_SRC_SYN = 23;
export const F_DST_FANIN = 24;
/** 20 bytes: the masked transport header. */
export const F_L4_BYTES = 32;
export const L4_COPY = 20;
/** 12 bytes: the masked IP header. */
export const F_IP_BYTES = 52;
export const IP_COPY = 12;
/** 64 bytes: the application payload. */
export const F_PAYLOAD = 64;
export const PAYLOAD_COPY = 64;

/** Value of a gap feature when there is no previous packet. */
export const GAP_NONE = 255;
/** Log steps per doubling: sizes and time gaps (µs). */
export const LG_SIZE = 16;
export const LG_TIME = 8;

// ---- Feature 0: network kind ----
export const NET_NONE = 0;
export const NET_ARP = 64;
export const NET_IPV4 = 128;
export const NET_IPV6 = 192;

// ---- Feature 9: flag bits ----
export const FLAG_MF = 1;
export const FLAG_DF = 2;
export const FLAG_FRAGMENT = 4;
export const FLAG_IPV6_EXT = 8;
export const FLAG_IPV4_OPTIONS = 16;
export const FLAG_TRUNCATED = 32;
export const FLAG_TCP_OPTIONS = 64;

// ---- Decode status of a packet (pce_packet_status; docs/features.md, "Decode status") ----
export const PKT_OK = 0;
export const PKT_EMPTY = 1;
export const PKT_LINK_UNSUPPORTED = 2;
export const PKT_LINK_SHORT = 3;
export const PKT_IP_VERSION = 4;
export const PKT_IP_SHORT = 5;
export const PKT_BAD_IHL = 6;
export const PKT_IPV6_CHAIN = 7;
export const PKT_L4_SHORT = 8;
export const PKT_TCP_OFFSET = 9;
export const PKT_WIRE_LEN = 10;

/**
 * Largest wire length (orig_len) a packet can have: 2^18, libpcap's and Wireshark's largest snap
 * length, above any MTU or offload (GSO/GRO) frame seen in captures. A larger orig_len is a
 * damaged record header: status PKT_WIRE_LEN. The features do not change (feature 2 saturates
 * from 65535 bytes on), so the status is the only trace of it.
 */
export const MAX_WIRE_LEN: u32 = 1 << 18;

// ---- Link types (LINKTYPE_*) ----
export const LINK_NULL: u32 = 0;
export const LINK_ETHERNET: u32 = 1;
export const LINK_RAW_BSD: u32 = 12;
export const LINK_RAW_OPENBSD: u32 = 14;
export const LINK_RAW: u32 = 101;
export const LINK_SLL: u32 = 113;
export const LINK_IPV4: u32 = 228;
export const LINK_IPV6: u32 = 229;
export const LINK_SLL2: u32 = 276;

// ---- EtherTypes ----
export const ETH_IPV4: u32 = 0x0800;
export const ETH_ARP: u32 = 0x0806;
export const ETH_IPV6: u32 = 0x86dd;
export const ETH_VLAN: u32 = 0x8100;
export const ETH_QINQ: u32 = 0x88a8;
/** VLAN tags passed over in an Ethernet frame. */
export const MAX_VLAN_TAGS = 2;

// ---- IP protocol numbers ----
export const IPPROTO_HOPOPTS: u32 = 0;
export const IPPROTO_ICMP: u32 = 1;
export const IPPROTO_TCP: u32 = 6;
export const IPPROTO_UDP: u32 = 17;
export const IPPROTO_ROUTING: u32 = 43;
export const IPPROTO_FRAGMENT: u32 = 44;
export const IPPROTO_ICMPV6: u32 = 58;
export const IPPROTO_DSTOPTS: u32 = 60;
/** IPv6 extension headers walked before the transport header. */
export const MAX_IPV6_EXTENSIONS = 8;

// ---- Packet metadata (pce_packet_meta_ptr; docs/engine-abi.md, "Packet metadata") ----
/** Bytes of the metadata record. */
export const META_BYTES = 48;
export const META_IP_VERSION = 0; // u8: 4 or 6 when both addresses were captured, else 0 (and the record is all zero)
export const META_PROTO = 1; // u8: IPv4 protocol / last IPv6 next header
export const META_FLAGS = 2; // u8: META_HAS_PORTS | META_HAS_TCP_FLAGS
export const META_TCP_FLAGS = 3; // u8: the TCP flags byte (valid with META_HAS_TCP_FLAGS)
export const META_SRC_PORT = 4; // u16 (little-endian, as all engine memory): valid with META_HAS_PORTS
export const META_DST_PORT = 6; // u16
export const META_FLOW_LO = 8; // u32: flow id bits 0..31
export const META_FLOW_HI = 12; // u32: flow id bits 32..52 (the id is below 2^53, a safe integer in JSON)
export const META_SRC_ADDR = 16; // u8[16]: network byte order; IPv4 in the first 4 bytes, the rest 0
export const META_DST_ADDR = 32; // u8[16]
/** Flag bits of META_FLAGS. */
export const META_HAS_PORTS: u8 = 1;
export const META_HAS_TCP_FLAGS: u8 = 2;
