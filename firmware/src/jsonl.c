/*
 * The lines `packetclip run --format jsonl` writes (src/run/jsonl.ts,
 * docs/run-format.md, version 2), byte for byte, in integers only: a
 * probability q/32768 is printed as JavaScript prints round6(q / 32768), i.e.
 * Math.round (half up) of q·10^6/32768 = q·15625/512, then the shortest
 * decimal of r/10^6. Addresses are written by put_address (the rules of
 * src/flows/address-text.ts), not inet_ntop, whose IPv6 text differs between
 * C libraries (glibc writes IPv4-compatible addresses as ::a.b.c.d, musl not).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sense.h"

#define OUT_BYTES (64u * 1024u)
#define QUOTED_BYTES (PCE_MAX_NAME_BYTES * 6 + 3)

static struct {
  int fd;
  size_t len;
  char buf[OUT_BYTES];
  uint32_t classes;
  char quoted[PCE_MAX_CLASSES][QUOTED_BYTES];
  uint16_t quoted_len[PCE_MAX_CLASSES];
} O;

static const char* const PACKET_STATUS[] = {
    "ok",
    "empty frame (0 captured bytes)",
    "unsupported link type",
    "frame shorter than its link-layer header",
    "raw IP frame whose version nibble is neither 4 nor 6",
    "frame ends inside the fixed IP header",
    "bad IPv4 header length (IHL below 5, or the header runs past the frame)",
    "IPv6 extension headers run past the frame or exceed 8",
    "frame ends inside the TCP/UDP/ICMP header",
    "TCP data offset below 5",
};

const char* pce_packet_status_text(uint32_t status, char* scratch, size_t n) {
  if (status < sizeof PACKET_STATUS / sizeof PACKET_STATUS[0]) return PACKET_STATUS[status];
  snprintf(scratch, n, "decode status %u", status);
  return scratch;
}

void pce_out_open(int fd) {
  O.fd = fd;
  O.len = 0;
}

void pce_out_flush(void) {
  size_t done = 0;
  while (done < O.len) {
    ssize_t w = write(O.fd, O.buf + done, O.len - done);
    if (w <= 0) break; /* a closed pipe: nothing more can be said */
    done += (size_t)w;
  }
  O.len = 0;
}

/* When set, put() appends here instead (pce_format_address, pce_format_proto). */
static char* redirect;
static size_t redirect_len;

static void put_slow(const char* s, size_t n) {
  if (redirect != NULL) {
    memcpy(redirect + redirect_len, s, n);
    redirect_len += n;
    return;
  }
  if (O.len + n > OUT_BYTES) pce_out_flush();
  if (n > OUT_BYTES) {
    O.len = 0;
    return;
  }
  memcpy(O.buf + O.len, s, n);
  O.len += n;
}

/* Inlined, so a literal's length and copy are known where it is written (a line is ~30 pieces);
 * left to the compiler in size-optimised (-Os) builds. */
#ifdef __OPTIMIZE_SIZE__
#define PUT_INLINE static inline
#else
#define PUT_INLINE static inline __attribute__((always_inline))
#endif
PUT_INLINE void put(const char* s, size_t n) {
  if (__builtin_expect(redirect == NULL && O.len + n <= OUT_BYTES, 1)) {
    memcpy(O.buf + O.len, s, n);
    O.len += n;
    return;
  }
  put_slow(s, n);
}

PUT_INLINE void puts_(const char* s) { put(s, strlen(s)); }

static void put_u64(uint64_t v) {
  char t[24];
  int k = sizeof t;
  do {
    t[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(t + k, sizeof t - (size_t)k);
}

/* JSON.stringify of a UTF-8 string into out (at least 6n+3 bytes); returns the length. */
static size_t json_quote(const char* s, char* out) {
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  out[k++] = '"';
  for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      out[k++] = '\\';
      out[k++] = (char)c;
    } else if (c < 0x20) {
      out[k++] = '\\';
      switch (c) {
        case '\b': out[k++] = 'b'; break;
        case '\f': out[k++] = 'f'; break;
        case '\n': out[k++] = 'n'; break;
        case '\r': out[k++] = 'r'; break;
        case '\t': out[k++] = 't'; break;
        default:
          out[k++] = 'u';
          out[k++] = '0';
          out[k++] = '0';
          out[k++] = hex[c >> 4];
          out[k++] = hex[c & 15];
      }
    } else {
      out[k++] = (char)c;
    }
  }
  out[k++] = '"';
  return k;
}

static void put_quoted(const char* s) {
  char t[2 * 320 * 6 + 3];
  if (strlen(s) > 640) s = "(message too long)";
  put(t, json_quote(s, t));
}

void pce_out_set_classes(const pce_engine* e) {
  pce_info info;
  pce_engine_info(e, &info);
  O.classes = info.class_count;
  for (uint32_t k = 0; k < O.classes; k++) O.quoted_len[k] = (uint16_t)json_quote(pce_engine_class_name(e, k), O.quoted[k]);
}

/* formatSeconds: sign, whole seconds, '.', six digits. */
static void put_seconds(int64_t ts) {
  uint64_t a = ts < 0 ? (uint64_t)0 - (uint64_t)ts : (uint64_t)ts;
  char frac[8];
  uint32_t f = (uint32_t)(a % 1000000);
  if (ts < 0) put("-", 1);
  put_u64(a / 1000000);
  for (int i = 6; i >= 1; i--) {
    frac[i] = (char)('0' + f % 10);
    f /= 10;
  }
  frac[0] = '.';
  put(frac, 7);
}

/* round6(q / 32768) as JavaScript prints it. */
static void put_prob(int32_t q) {
  int64_t r = ((int64_t)q * 15625 + 256) >> 9; /* floor((q*15625 + 256) / 512): Math.round, half up */
  if (r < 0) { /* never for probabilities; kept exact for completeness */
    put("-", 1);
    r = -r;
  }
  put_u64((uint64_t)(r / 1000000));
  uint32_t f = (uint32_t)(r % 1000000);
  if (f) {
    char t[8];
    int n = 6;
    while (f % 10 == 0) {
      f /= 10;
      n--;
    }
    t[0] = '.';
    for (int i = n; i >= 1; i--) {
      t[i] = (char)('0' + f % 10);
      f /= 10;
    }
    put(t, (size_t)n + 1);
  }
}

/* Suricata's proto names (src/flows/packet-row.ts, PROTOCOL_NAMES), the number as text otherwise. */
static void put_proto(uint8_t p) {
  const char* name = NULL;
  switch (p) {
    case 1: name = "ICMP"; break;
    case 2: name = "IGMP"; break;
    case 6: name = "TCP"; break;
    case 17: name = "UDP"; break;
    case 41: name = "IPv6"; break;
    case 47: name = "GRE"; break;
    case 50: name = "ESP"; break;
    case 51: name = "AH"; break;
    case 58: name = "IPv6-ICMP"; break;
    case 132: name = "SCTP"; break;
    case 136: name = "UDPLite"; break;
  }
  if (name != NULL) puts_(name);
  else put_u64(p);
}

static void put_hex16(uint32_t g) {
  static const char hex[] = "0123456789abcdef";
  char t[4];
  int k = 4;
  do {
    t[--k] = hex[g & 15];
    g >>= 4;
  } while (g);
  put(t + k, 4 - (size_t)k);
}

static void put_dotted(const uint8_t* a) {
  for (int i = 0; i < 4; i++) {
    if (i) put(".", 1);
    put_u64(a[i]);
  }
}

/* An address as text: dotted quad (IPv4); RFC 5952 (IPv6): lowercase hex, the first longest run
 * of two or more zero groups as "::", IPv4-mapped addresses as ::ffff:a.b.c.d. */
static void put_address(uint8_t version, const uint8_t* a) {
  if (version == 4) {
    put_dotted(a);
    return;
  }
  uint32_t g[8];
  for (int i = 0; i < 8; i++) g[i] = (uint32_t)a[2 * i] << 8 | a[2 * i + 1];
  if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
    puts_("::ffff:");
    put_dotted(a + 12);
    return;
  }
  int best_at = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) {
      best_at = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  for (int i = 0; i < 8; i++) {
    if (i == best_at) {
      put("::", 2);
      i += best_len - 1;
      continue;
    }
    if (i && i != best_at + best_len) put(":", 1);
    put_hex16(g[i]);
  }
}

/* `,"<side>_ip":"addr"` and, when the packet has ports, `,"<side>_port":port`. */
static void put_endpoint(const char* side, const pce_packet_meta* m, const uint8_t* addr, uint16_t port) {
  puts_(",\"");
  puts_(side);
  puts_("_ip\":\"");
  put_address(m->ip_version, addr);
  put("\"", 1);
  if (m->flags & PCE_META_HAS_PORTS) {
    puts_(",\"");
    puts_(side);
    puts_("_port\":");
    put_u64(port);
  }
}

/* "flow_id", addresses, ports and "proto", when the engine found the packet's addresses. */
static void put_location(const pce_packet_meta* m) {
  if (m->ip_version == 0) return;
  puts_(",\"flow_id\":");
  put_u64(m->flow_id);
  put_endpoint("src", m, m->src, m->src_port);
  put_endpoint("dest", m, m->dst, m->dst_port);
  puts_(",\"proto\":\"");
  put_proto(m->protocol);
  put("\"", 1);
}

size_t pce_format_address(uint8_t version, const uint8_t* a, char* out) {
  redirect = out;
  redirect_len = 0;
  put_address(version, a);
  redirect = NULL;
  return redirect_len;
}

size_t pce_format_proto(uint8_t p, char* out) {
  redirect = out;
  redirect_len = 0;
  put_proto(p);
  redirect = NULL;
  return redirect_len;
}

size_t pce_json_quote(const char* s, char* out) { return json_quote(s, out); }

const char* pce_out_class_quoted(uint32_t k) { return O.quoted[k]; }
size_t pce_out_class_quoted_len(uint32_t k) { return O.quoted_len[k]; }

void pce_out_line(const char* s, size_t n) { put(s, n); }

void pce_out_decision(uint64_t i, int64_t ts_us, const pce_verdict* v) {
  puts_("{\"i\":");
  put_u64(i);
  puts_(",\"ts\":");
  put_seconds(ts_us);
  put_location(&v->meta);
  puts_(",\"label\":");
  uint32_t k = (uint32_t)v->class_index;
  put(O.quoted[k], O.quoted_len[k]);
  puts_(",\"probs\":{");
  for (uint32_t c = 0; c < O.classes; c++) {
    if (c) put(",", 1);
    put(O.quoted[c], O.quoted_len[c]);
    put(":", 1);
    put_prob(v->probs_q15[c]);
  }
  put("}", 1);
  puts_(v->decode_status == 0 ? ",\"decoded\":true" : ",\"decoded\":false");
  if (v->decode_status != 0) {
    char s[32];
    puts_(",\"status\":");
    put_u64(v->decode_status);
    puts_(",\"error\":");
    put_quoted(pce_packet_status_text(v->decode_status, s, sizeof s));
  }
  put("}\n", 2);
}

void pce_out_capture_error(const char* message, uint64_t offset, uint64_t packets) {
  puts_("{\"error\":");
  put_quoted(message);
  puts_(",\"offset\":");
  put_u64(offset);
  puts_(",\"packets\":");
  put_u64(packets);
  put("}\n", 2);
}
