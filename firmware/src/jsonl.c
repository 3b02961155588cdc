/*
 * The lines `packetclip run --format jsonl` writes (src/run/jsonl.ts,
 * docs/run-format.md), byte for byte, in integers only: a probability q/32768
 * is printed as JavaScript prints round6(q / 32768), i.e. Math.round (half up)
 * of q·10^6/32768 = q·15625/512, then the shortest decimal of r/10^6.
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

static void put(const char* s, size_t n) {
  if (O.len + n > OUT_BYTES) pce_out_flush();
  if (n > OUT_BYTES) {
    O.len = 0;
    return;
  }
  memcpy(O.buf + O.len, s, n);
  O.len += n;
}

static void puts_(const char* s) { put(s, strlen(s)); }

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

void pce_out_decision(uint64_t i, int64_t ts_us, const pce_verdict* v) {
  puts_("{\"i\":");
  put_u64(i);
  puts_(",\"ts\":");
  put_seconds(ts_us);
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

void pce_out_alert(uint64_t i, int64_t ts_us, const pce_verdict* v, const char* iface) {
  uint32_t k = (uint32_t)v->class_index;
  puts_("{\"alert\":");
  put(O.quoted[k], O.quoted_len[k]);
  puts_(",\"i\":");
  put_u64(i);
  puts_(",\"ts\":");
  put_seconds(ts_us);
  puts_(",\"prob\":");
  put_prob(v->probs_q15[k]);
  if (iface != NULL) {
    puts_(",\"iface\":");
    put_quoted(iface);
  }
  put("}\n", 2);
}
