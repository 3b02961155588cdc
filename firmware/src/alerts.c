/*
 * Alert episodes and their eve.json lines: src/alerts/ (episodes.ts,
 * alert.ts, evidence.ts, eve.ts, packet-facts.ts, thresholds.ts) in C, for
 * `pce-sense --format eve` (docs/alerts-format.md, docs/firmware.md). The same
 * episodes and the same bytes as `packetclip run --format eve`.
 *
 * Numbers: integers only. Counts, thresholds and times are integers, as in
 * the TypeScript; where the TypeScript prints a double (mean probabilities,
 * duration, the evidence's seconds, rates, kB/MB), jsnum.c computes the same
 * IEEE double with integers and prints it by JavaScript's rules.
 *
 * Memory is static (nothing is allocated): see the AL_* limits below and
 * docs/firmware.md, "Alerts".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sense.h"

/* Classes a model may have for alerts (probabilities kept as uint16 Q15). */
#define AL_MAX_CLASSES 16
/* Hosts with a live k-of-n window at most (src/alerts MAX_HOSTS is 100,000), and at most AL_WINDOW_SLOTS / n. */
#define AL_MAX_HOSTS 4096
#define AL_WINDOW_SLOTS 65536
/* Counted packets held by windows at once. */
#define AL_RECORDS 16384
/* Episodes open at once; opening one more first closes the oldest (its alert is written early). */
#define AL_MAX_OPEN 8
/* Distinct peers, ports, flows an episode remembers (src/alerts MAX_DISTINCT). */
#define AL_MAX_DISTINCT 4096
#define AL_BUCKETS 4096
#define AL_HOST_BUCKETS 8192
#define AL_REFUSALS 5
#define AL_DEFAULT_Q15 26214
#define AL_NEVER 0x7fffffff

typedef struct { uint8_t a[17]; } al_addr; /* a[0] = IP version, a[1..16] the address (IPv4 zero-padded) */

/* One counted packet: what an episode takes from it. */
typedef struct {
  uint64_t index, flow_id;
  int64_t ts;
  uint32_t bytes;
  uint16_t sport, dport;
  uint8_t proto, mflags, tcp_flags, cls;
  int8_t refusal;
  al_addr src, dst;
  uint16_t q[AL_MAX_CLASSES];
} al_rec;

static const char* const REFUSAL_NAME[AL_REFUSALS] = {"FTP 530", "HTTP 401", "MQTT refused", "POP3 -ERR", "Telnet incorrect"};

typedef struct {
  uint32_t n;
  int full;
  int16_t head[AL_BUCKETS];
  int16_t next[AL_MAX_DISTINCT];
  uint32_t count[AL_MAX_DISTINCT];
} al_counter;

typedef struct {
  int used;
  uint32_t id;
  al_addr host;
  int host_is_source;
  al_rec first;
  int64_t last_ts;
  uint64_t packets, bytes;
  uint64_t class_packets[AL_MAX_CLASSES], prob_sums[AL_MAX_CLASSES];
  al_counter peers, ports, flows;
  al_addr peer_key[AL_MAX_DISTINCT];
  uint8_t peer_owner[AL_MAX_DISTINCT]; /* peerOf[peer] is this episode */
  uint16_t port_key[AL_MAX_DISTINCT];
  uint64_t flow_key[AL_MAX_DISTINCT];
  uint64_t tcp, syn_only, udp, icmp;
  uint32_t nref;
  int8_t ref_kind[AL_REFUSALS];
  uint32_t ref_count[AL_REFUSALS];
} al_episode;

typedef struct {
  al_addr host;
  uint64_t seq; /* creation order (Map insertion order) */
  int64_t newest;
  uint32_t at;
  int32_t next; /* hash chain */
  int used;
} al_window;

static char class_name[AL_MAX_CLASSES][PCE_MAX_NAME_BYTES + 1]; /* copied: a SIGHUP reload frees the old engine */

static struct {
  int on;
  uint32_t classes;
  int32_t thr[PCE_MAX_CLASSES];
  uint32_t k, n;
  int64_t quiet;
  uint32_t max_hosts;
  uint32_t next_id;
  int64_t last_sweep;
  int swept;
  uint64_t closed;
  al_episode ep[AL_MAX_OPEN];
  al_window win[AL_MAX_HOSTS];
  uint32_t nwin;
  uint64_t win_seq;
  int32_t win_head[AL_HOST_BUCKETS];
  uint16_t slot[AL_WINDOW_SLOTS]; /* record index + 1, 0 = a packet that did not count */
  al_rec rec[AL_RECORDS];
  uint8_t rec_refs[AL_RECORDS];
  uint16_t free_rec[AL_RECORDS];
  uint32_t nfree;
} A;

size_t pce_alerts_ram_bytes(void) { return sizeof A; }

/* ---------------------------------------------------------------- thresholds */

static char thr_text[65536];
static struct {
  char name[PCE_MAX_CLASSES][PCE_MAX_NAME_BYTES + 1];
  int32_t q[PCE_MAX_CLASSES];
  uint32_t count;
  uint32_t k, n;
  int64_t quiet;
  int from_file;
} T;

static int thr_fail(char* err, size_t errlen, const char* fmt, const char* a, const char* b) {
  snprintf(err, errlen, fmt, a, b);
  return -1;
}

/* JSON.stringify of a short value, for messages. */
static void quote_short(const char* s, size_t n, char* out, size_t cap) {
  size_t k = 0;
  out[k++] = '"';
  for (size_t i = 0; i < n && k + 8 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { out[k++] = '\\'; out[k++] = (char)c; }
    else if (c < 0x20) k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
    else out[k++] = (char)c;
  }
  out[k++] = '"';
  out[k] = '\0';
}

/* integerIn(): digits only, min..max. */
static int integer_in(const char* v, size_t n, uint64_t min, uint64_t max, uint64_t* out) {
  uint64_t x = 0;
  if (n == 0) return -1;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    if (x > max) continue; /* already too large: stays so */
    x = x * 10 + (uint64_t)(v[i] - '0');
  }
  if (x < min || x > max) return -1;
  *out = x;
  return 0;
}

int pce_thresholds_load(const char* path, char* err, size_t errlen) {
  int fd = open(path, O_RDONLY); /* not fopen: that would allocate */
  if (fd < 0) return thr_fail(err, errlen, "%s: cannot read the thresholds file: %s", path, strerror(errno));
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, thr_text + len, sizeof thr_text - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len == sizeof thr_text - 1) break;
  }
  char extra;
  int big = len == sizeof thr_text - 1 && read(fd, &extra, 1) == 1;
  close(fd);
  if (big) return thr_fail(err, errlen, "%s: thresholds file larger than 64 KiB%s", path, "");
  thr_text[len] = '\0';
  memset(&T, 0, sizeof T);
  T.k = 32;
  T.n = 64;
  T.quiet = 5000000;
  T.from_file = 1;
  char* line = thr_text;
  int seen_k = 0, seen_n = 0, seen_q = 0;
  for (int no = 1; line != NULL; no++) {
    char* nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[--n] = '\0';
    char at[600], q[400];
    snprintf(at, sizeof at, "%s: line %d", path, no);
    if (no == 1) {
      char* tab = strchr(line, '\t');
      size_t head = tab ? (size_t)(tab - line) : n;
      if (head != strlen("#packetclip-thresholds") || strncmp(line, "#packetclip-thresholds", head) != 0)
        return thr_fail(err, errlen, "%s: not a thresholds file (first line must start with %s)", path, "#packetclip-thresholds");
      const char* version = NULL;
      size_t vlen = 0;
      for (char* p = tab; p != NULL;) {
        char* fld = p + 1;
        char* e = strchr(fld, '\t');
        size_t fl = e ? (size_t)(e - fld) : strlen(fld);
        if (fl >= 8 && strncmp(fld, "version=", 8) == 0) {
          version = fld + 8;
          vlen = fl - 8;
          break;
        }
        p = e;
      }
      if (version == NULL || vlen != 1 || version[0] != '1') {
        char v[200];
        snprintf(v, sizeof v, "%.*s", version ? (int)(vlen > 150 ? 150 : vlen) : 6, version ? version : "(none)");
        snprintf(err, errlen, "%s: thresholds version %s is not supported (this build reads 1)", path, v);
        return -1;
      }
    } else if (n != 0 && line[0] != '#') {
      char* tab = strchr(line, '\t');
      if (tab == NULL) {
        quote_short(line, n, q, sizeof q);
        return thr_fail(err, errlen, "%s: expected key<TAB>value, got %s", at, q);
      }
      *tab = '\0';
      const char* key = line;
      const char* value = tab + 1;
      size_t vn = strlen(value);
      uint64_t x;
      char where[900];
      snprintf(where, sizeof where, "%s (%s)", at, key);
      quote_short(value, vn, q, sizeof q);
      if (strncmp(key, "threshold.", 10) == 0) {
        const char* name = key + 10;
        for (uint32_t c = 0; c < T.count; c++)
          if (strcmp(T.name[c], name) == 0) return thr_fail(err, errlen, "%s: duplicate key %s", at, key);
        if (T.count == PCE_MAX_CLASSES || strlen(name) > PCE_MAX_NAME_BYTES)
          return thr_fail(err, errlen, "%s: too many classes or too long a name (%s)", at, key);
        if (integer_in(value, vn, 1, 32768, &x)) return thr_fail(err, errlen, "%s: expected an integer in 1..32768, got %s", where, q);
        strcpy(T.name[T.count], name);
        T.q[T.count++] = (int32_t)x;
      } else if (strcmp(key, "episode.k") == 0 || strcmp(key, "episode.n") == 0) {
        int* seen = key[8] == 'k' ? &seen_k : &seen_n;
        if (*seen) return thr_fail(err, errlen, "%s: duplicate key %s", at, key);
        *seen = 1;
        if (integer_in(value, vn, 1, 1024, &x)) return thr_fail(err, errlen, "%s: expected an integer in 1..1024, got %s", where, q);
        if (key[8] == 'k') T.k = (uint32_t)x;
        else T.n = (uint32_t)x;
      } else if (strcmp(key, "episode.quiet_us") == 0) {
        if (seen_q) return thr_fail(err, errlen, "%s: duplicate key %s", at, key);
        seen_q = 1;
        if (integer_in(value, vn, 1, 86400000000ull, &x))
          return thr_fail(err, errlen, "%s: expected an integer in 1..86400000000, got %s", where, q);
        T.quiet = (int64_t)x;
      } else {
        return thr_fail(err, errlen, "%s: unknown key %s", at, key);
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  if (T.k > T.n) {
    snprintf(err, errlen, "%s: episode.k (%u) is larger than episode.n (%u)", path, T.k, T.n);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ tracker */

static void rec_unref(uint16_t s) {
  if (s == 0) return;
  uint32_t r = s - 1u;
  if (--A.rec_refs[r] == 0) A.free_rec[A.nfree++] = (uint16_t)r;
}

static uint32_t addr_hash(const al_addr* a) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 17; i++) h = (h ^ a->a[i]) * 16777619u;
  return h;
}

static int addr_eq(const al_addr* x, const al_addr* y) { return memcmp(x->a, y->a, 17) == 0; }

static int32_t win_find(const al_addr* h) {
  for (int32_t w = A.win_head[addr_hash(h) % AL_HOST_BUCKETS]; w >= 0; w = A.win[w].next)
    if (addr_eq(&A.win[w].host, h)) return w;
  return -1;
}

static void win_delete(int32_t w) {
  int32_t* p = &A.win_head[addr_hash(&A.win[w].host) % AL_HOST_BUCKETS];
  while (*p != w) p = &A.win[*p].next;
  *p = A.win[w].next;
  uint16_t* s = A.slot + (size_t)w * A.n;
  for (uint32_t i = 0; i < A.n; i++) {
    rec_unref(s[i]);
    s[i] = 0;
  }
  A.win[w].used = 0;
  A.nwin--;
}

/* Drops the least recently opened window. */
static void win_evict_oldest(void) {
  int32_t best = -1;
  for (uint32_t w = 0; w < A.max_hosts; w++)
    if (A.win[w].used && (best < 0 || A.win[w].seq < A.win[best].seq)) best = (int32_t)w;
  if (best >= 0) win_delete(best);
}

static int32_t win_get(const al_addr* h) {
  int32_t w = win_find(h);
  if (w >= 0) return w;
  if (A.nwin >= A.max_hosts) win_evict_oldest();
  for (w = 0; A.win[w].used; w++) {}
  al_window* x = &A.win[w];
  x->used = 1;
  x->host = *h;
  x->seq = A.win_seq++;
  x->newest = 0;
  x->at = 0;
  uint32_t b = addr_hash(h) % AL_HOST_BUCKETS;
  x->next = A.win_head[b];
  A.win_head[b] = w;
  A.nwin++;
  return w;
}

static void win_push(int32_t w, uint16_t s, int64_t ts) {
  al_window* x = &A.win[w];
  uint16_t* slots = A.slot + (size_t)w * A.n;
  rec_unref(slots[x->at]);
  slots[x->at] = s;
  if (s) A.rec_refs[s - 1]++;
  x->at = (x->at + 1) % A.n;
  if (s) x->newest = ts;
}

static uint32_t win_count(int32_t w, int64_t since) {
  const uint16_t* slots = A.slot + (size_t)w * A.n;
  uint32_t c = 0;
  for (uint32_t i = 0; i < A.n; i++)
    if (slots[i] && A.rec[slots[i] - 1].ts >= since) c++;
  return c;
}

/* ---- episode counters (CappedCounter) ---- */

static void counter_reset(al_counter* c) {
  c->n = 0;
  c->full = 0;
  memset(c->head, 0xff, sizeof c->head);
}

/* Index of key (hash h, equal(i) compares entry i), or -1. */
#define COUNTER_FIND(c, h, EQ)                                              \
  ({                                                                        \
    int32_t found_ = -1;                                                    \
    for (int32_t i = (c)->head[(h) % AL_BUCKETS]; i >= 0; i = (c)->next[i]) \
      if (EQ) {                                                             \
        found_ = i;                                                         \
        break;                                                              \
      }                                                                     \
    found_;                                                                 \
  })

/* add(): count an existing key, take a new one while there is room, else mark full. Returns the index or -1. */
static int32_t counter_new(al_counter* c, uint32_t h) {
  if (c->n >= AL_MAX_DISTINCT) {
    c->full = 1;
    return -1;
  }
  int32_t i = (int32_t)c->n++;
  c->count[i] = 1;
  c->next[i] = c->head[h % AL_BUCKETS];
  c->head[h % AL_BUCKETS] = (int16_t)i;
  return i;
}

static int32_t peer_find(al_episode* e, const al_addr* a) {
  return COUNTER_FIND(&e->peers, addr_hash(a), addr_eq(&e->peer_key[i], a));
}

static int32_t peer_add(al_episode* e, const al_addr* a) {
  int32_t i = peer_find(e, a);
  if (i >= 0) {
    e->peers.count[i]++;
    return i;
  }
  i = counter_new(&e->peers, addr_hash(a));
  if (i >= 0) {
    e->peer_key[i] = *a;
    e->peer_owner[i] = 0;
  }
  return i;
}

static void port_add(al_episode* e, uint16_t p) {
  uint32_t h = (uint32_t)p * 2654435761u >> 7;
  int32_t i = COUNTER_FIND(&e->ports, h, e->port_key[i] == p);
  if (i >= 0) e->ports.count[i]++;
  else if ((i = counter_new(&e->ports, h)) >= 0) e->port_key[i] = p;
}

static void flow_add(al_episode* e, uint64_t f) {
  uint32_t h = (uint32_t)(f ^ (f >> 29)) * 2654435761u >> 5;
  int32_t i = COUNTER_FIND(&e->flows, h, e->flow_key[i] == f);
  if (i >= 0) e->flows.count[i]++;
  else if ((i = counter_new(&e->flows, h)) >= 0) e->flow_key[i] = f;
}

/* top(k): indices by count, largest first, ties first seen first. */
static uint32_t counter_top(const al_counter* c, uint32_t k, int32_t* out) {
  uint32_t m = 0;
  while (m < k && m < c->n) {
    int32_t best = -1;
    for (uint32_t i = 0; i < c->n; i++) {
      int taken = 0;
      for (uint32_t j = 0; j < m; j++) taken |= out[j] == (int32_t)i;
      if (!taken && (best < 0 || c->count[i] > c->count[best])) best = (int32_t)i;
    }
    out[m++] = best;
  }
  return m;
}

static void refusal_add(al_episode* e, int kind) {
  for (uint32_t i = 0; i < e->nref; i++)
    if (e->ref_kind[i] == kind) {
      e->ref_count[i]++;
      return;
    }
  e->ref_kind[e->nref] = (int8_t)kind;
  e->ref_count[e->nref++] = 1;
}

static al_episode* open_get(const al_addr* h) {
  for (int i = 0; i < AL_MAX_OPEN; i++)
    if (A.ep[i].used && addr_eq(&A.ep[i].host, h)) return &A.ep[i];
  return NULL;
}

/* peerOf.get(addr). */
static al_episode* peer_of(const al_addr* a) {
  for (int i = 0; i < AL_MAX_OPEN; i++) {
    al_episode* e = &A.ep[i];
    if (!e->used) continue;
    int32_t j = peer_find(e, a);
    if (j >= 0 && e->peer_owner[j]) return e;
  }
  return NULL;
}

static uint32_t episode_class(const al_episode* e) {
  uint32_t best = 0;
  for (uint32_t c = 1; c < A.classes; c++)
    if (e->class_packets[c] > e->class_packets[best]) best = c;
  return best;
}

static void episode_add(al_episode* e, const al_rec* f) {
  e->last_ts = f->ts;
  e->packets++;
  e->bytes += f->bytes;
  e->class_packets[f->cls]++;
  for (uint32_t c = 0; c < A.classes; c++) e->prob_sums[c] += f->q[c];
  const al_addr* peer = addr_eq(&f->src, &e->host) ? &f->dst
                        : addr_eq(&f->dst, &e->host) ? &f->src
                        : peer_of(&f->dst) == e   ? &f->src
                                                  : &f->dst;
  int32_t j = peer_add(e, peer);
  if (j >= 0) { /* peerOf.set(peer, e) */
    for (int i = 0; i < AL_MAX_OPEN; i++) {
      al_episode* o = &A.ep[i];
      if (!o->used || o == e) continue;
      int32_t m = peer_find(o, peer);
      if (m >= 0) o->peer_owner[m] = 0;
    }
    e->peer_owner[j] = 1;
  }
  int from_attacker = e->host_is_source ? addr_eq(&f->src, &e->host) : addr_eq(&f->dst, &e->host);
  if (from_attacker) {
    if (f->mflags & PCE_META_HAS_PORTS) port_add(e, f->dport);
    flow_add(e, f->flow_id);
    if (f->proto == 6) {
      e->tcp++;
      if ((f->mflags & PCE_META_HAS_TCP_FLAGS) && (f->tcp_flags & 0x12) == 0x02) e->syn_only++;
    } else if (f->proto == 17) {
      e->udp++;
    } else if (f->proto == 1 || f->proto == 58) {
      e->icmp++;
    }
  }
  if (f->refusal >= 0) refusal_add(e, f->refusal);
}

static void alert_write(const al_episode* e);

static void episode_close(al_episode* e) {
  alert_write(e);
  A.closed++;
  e->used = 0;
}

/* Opens an episode on `host` from its window's live slots (oldest first). */
static void open_on(const al_addr* host, int32_t w, int64_t since) {
  al_episode* e = NULL;
  for (int i = 0; i < AL_MAX_OPEN && e == NULL; i++)
    if (!A.ep[i].used) e = &A.ep[i];
  if (e == NULL) { /* every slot open: the oldest closes first (docs/firmware.md, "Alerts") */
    al_episode* old = &A.ep[0];
    for (int i = 1; i < AL_MAX_OPEN; i++)
      if (A.ep[i].id < old->id) old = &A.ep[i];
    episode_close(old);
    e = old;
  }
  const uint16_t* slots = A.slot + (size_t)w * A.n;
  uint32_t at = A.win[w].at;
  const al_rec* first = NULL;
  for (uint32_t i = 0; i < A.n && first == NULL; i++) {
    uint16_t s = slots[(at + i) % A.n];
    if (!s || A.rec[s - 1].ts < since) continue;
    const al_rec* r = &A.rec[s - 1];
    uint8_t fl = (r->mflags & PCE_META_HAS_TCP_FLAGS) ? r->tcp_flags : 0;
    if (r->proto != 6 || (fl & 0x12) == 0x02) first = r;
  }
  if (first == NULL)
    for (uint32_t i = 0; i < A.n && first == NULL; i++) {
      uint16_t s = slots[(at + i) % A.n];
      if (s && A.rec[s - 1].ts >= since) first = &A.rec[s - 1];
    }
  e->used = 1;
  e->id = A.next_id++;
  e->host = *host;
  e->first = *first;
  e->host_is_source = addr_eq(&first->src, host);
  e->last_ts = first->ts;
  e->packets = e->bytes = 0;
  memset(e->class_packets, 0, sizeof e->class_packets);
  memset(e->prob_sums, 0, sizeof e->prob_sums);
  counter_reset(&e->peers);
  counter_reset(&e->ports);
  counter_reset(&e->flows);
  e->tcp = e->syn_only = e->udp = e->icmp = 0;
  e->nref = 0;
  for (uint32_t i = 0; i < A.n; i++) { /* add() each live slot before the window goes */
    uint16_t s = slots[(at + i) % A.n];
    if (s && A.rec[s - 1].ts >= since) episode_add(e, &A.rec[s - 1]);
  }
  win_delete(w);
}

static void close_quiet(int64_t now) {
  for (;;) { /* in order of opening */
    al_episode* next = NULL;
    for (int i = 0; i < AL_MAX_OPEN; i++)
      if (A.ep[i].used && now - A.ep[i].last_ts > A.quiet && (next == NULL || A.ep[i].id < next->id)) next = &A.ep[i];
    if (next == NULL) break;
    episode_close(next);
  }
  if (!A.swept || now - A.last_sweep > A.quiet) {
    A.swept = 1;
    A.last_sweep = now;
    for (uint32_t w = 0; w < A.max_hosts; w++)
      if (A.win[w].used && now - A.win[w].newest > A.quiet) win_delete((int32_t)w);
  }
}

void pce_alerts_close_quiet(int64_t now) {
  if (A.on) close_quiet(now);
}

/* Called once per run: the tables start as the program's zeroed static memory (nothing else is touched). */
int pce_alerts_start(const pce_engine* eng, const char* path, char* err, size_t errlen) {
  pce_info info;
  pce_engine_info(eng, &info);
  if (info.class_count > AL_MAX_CLASSES) {
    snprintf(err, errlen, "the model has %u classes; alerts take at most %d", info.class_count, AL_MAX_CLASSES);
    return -1;
  }
  const char* where = path;
  if (path == NULL) {
    memset(&T, 0, sizeof T);
    T.k = 32;
    T.n = 64;
    T.quiet = 5000000;
  } else {
    /* checkClasses() */
    for (uint32_t t = 0; t < T.count; t++) {
      int ok = strcmp(T.name[t], "Benign") != 0;
      int known = 0;
      for (uint32_t c = 0; c < info.class_count; c++) known |= strcmp(T.name[t], pce_engine_class_name(eng, c)) == 0;
      if (!ok || !known) {
        char q[700], list[1200] = "";
        quote_short(T.name[t], strlen(T.name[t]), q, sizeof q);
        for (uint32_t c = 0; c < info.class_count; c++)
          snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? ", " : "", pce_engine_class_name(eng, c));
        snprintf(err, errlen, "%s: threshold for %s, which is not an attack class of the model (%s)", where, q, list);
        return -1;
      }
    }
    char missing[1200] = "";
    for (uint32_t c = 0; c < info.class_count; c++) {
      const char* name = pce_engine_class_name(eng, c);
      if (strcmp(name, "Benign") == 0) continue;
      int have = 0;
      for (uint32_t t = 0; t < T.count; t++) have |= strcmp(T.name[t], name) == 0;
      if (!have) {
        char q[700];
        quote_short(name, strlen(name), q, sizeof q);
        snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", missing[0] ? ", " : "", q);
      }
    }
    if (missing[0]) {
      snprintf(err, errlen, "%s: no threshold for %s", where, missing);
      return -1;
    }
  }
  if (A.on) { /* a restart (new model): the caller flushed the episodes; the windows go */
    for (uint32_t w = 0; w < AL_MAX_HOSTS; w++)
      if (A.win[w].used) win_delete((int32_t)w);
  }
  A.classes = info.class_count;
  for (uint32_t c = 0; c < A.classes; c++) strcpy(class_name[c], pce_engine_class_name(eng, c));
  for (uint32_t c = 0; c < A.classes; c++) {
    const char* name = pce_engine_class_name(eng, c);
    A.thr[c] = AL_NEVER;
    if (strcmp(name, "Benign") == 0) continue;
    if (path == NULL) A.thr[c] = AL_DEFAULT_Q15;
    for (uint32_t t = 0; t < T.count; t++)
      if (strcmp(T.name[t], name) == 0) A.thr[c] = T.q[t];
  }
  A.k = T.k;
  A.n = T.n;
  A.quiet = T.quiet;
  A.max_hosts = AL_WINDOW_SLOTS / A.n < AL_MAX_HOSTS ? AL_WINDOW_SLOTS / A.n : AL_MAX_HOSTS;
  if (A.next_id == 0) A.next_id = 1; /* a restart after a reload numbers on */
  A.swept = 0;
  A.nwin = 0;
  A.win_seq = 0;
  memset(A.win_head, 0xff, sizeof A.win_head);
  A.nfree = AL_RECORDS;
  for (uint32_t r = 0; r < AL_RECORDS; r++) A.free_rec[r] = (uint16_t)(AL_RECORDS - 1 - r);
  A.on = 1;
  return 0;
}

/* ---- packet facts: the login refusal (packet-facts.ts) over src/flows' decoder ---- */

static uint32_t u16(const uint8_t* f, uint32_t at) { return (uint32_t)f[at] << 8 | f[at + 1]; }

/* locateNetworkLayer(): offset of the IP header and its version (4/6), or -1. */
static int64_t network_layer(uint32_t link, const uint8_t* f, uint32_t n, int* ver) {
  uint32_t type, off;
  switch (link) {
    case 1: if (n < 14) return -1; type = u16(f, 12); off = 14; break;
    case 113: if (n < 16) return -1; type = u16(f, 14); off = 16; break;
    case 276: if (n < 20) return -1; type = u16(f, 0); off = 20; break;
    case 101: case 12: case 14:
      if (n == 0) return -1;
      *ver = f[0] >> 4;
      return (*ver == 4 || *ver == 6) ? 0 : -1;
    case 228: if (n < 1) return -1; *ver = 4; return 0;
    case 229: if (n < 1) return -1; *ver = 6; return 0;
    case 0: case 108: {
      if (n < 4) return -1;
      uint32_t be = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
      uint32_t le = (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[1] << 8 | f[0];
      uint32_t fam = link == 108 || le > 0xffff ? be : le;
      if (fam == 2) { *ver = 4; return 4; }
      if (fam == 10 || fam == 23 || fam == 24 || fam == 28 || fam == 30) { *ver = 6; return 4; }
      return -1;
    }
    default: return -1;
  }
  for (;;) {
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
      if (n < off + 4) return -1;
      type = u16(f, off + 2);
      off += 4;
    }
    if (type >= 0x0600) break;
    if (n >= off + 8 && f[off] == 0xaa && f[off + 1] == 0xaa && f[off + 2] == 0x03) {
      type = u16(f, off + 6);
      off += 8;
      continue;
    }
    return -1;
  }
  *ver = type == 0x0800 ? 4 : type == 0x86dd ? 6 : 0;
  return *ver ? (int64_t)off : -1;
}

static int starts(const uint8_t* f, uint32_t n, uint32_t at, const char* s) {
  size_t k = strlen(s);
  return n >= at + k && memcmp(f + at, s, k) == 0;
}

/* The refusal kind (REFUSAL_NAME index) this TCP packet carries, or -1. */
static int refusal_of(const uint8_t* f, uint32_t n, uint32_t wire, uint32_t link, const pce_packet_meta* m) {
  if (m->protocol != 6 || !(m->flags & PCE_META_HAS_PORTS)) return -1;
  int ver = 0;
  int64_t at0 = network_layer(link, f, n, &ver);
  if (at0 < 0) return -1;
  uint32_t at = (uint32_t)at0, wire_end = wire > n ? wire : n;
  uint32_t t, declared, proto, frag = 0;
  if (ver == 4) {
    if (n < at + 20 || f[at] >> 4 != 4) return -1;
    uint32_t hl = (f[at] & 15u) * 4;
    if (hl < 20 || n < at + hl) return -1;
    uint32_t ip_len = u16(f, at + 2);
    if (ip_len == 0) ip_len = wire_end > at ? wire_end - at : 0;
    if (ip_len < hl) return -1;
    proto = f[at + 9];
    t = at + hl;
    declared = ip_len - hl;
    frag = (u16(f, at + 6) & 0x1fff) * 8;
  } else {
    if (n < at + 40 || f[at] >> 4 != 6) return -1;
    uint32_t pl = u16(f, at + 4);
    if (pl == 0) pl = wire_end > at + 40 ? wire_end - at - 40 : 0;
    uint32_t end = at + 40 + pl;
    uint32_t next = f[at + 6], cur = at + 40;
    for (int count = 0;; count++) {
      int32_t len;
      switch (next) {
        case 0: case 43: case 60: case 135: case 139: case 140: len = n < cur + 2 ? -1 : (f[cur + 1] + 1) * 8; break;
        case 44: len = 8; break;
        case 51: len = n < cur + 2 ? -1 : (f[cur + 1] + 2) * 4; break;
        default: len = 0;
      }
      if (len == 0) break;
      if (count == 16 || len < 0 || cur + (uint32_t)len > end || n < cur + (uint32_t)len) return -1;
      uint32_t header = next;
      next = f[cur];
      if (header == 44) {
        frag = u16(f, cur + 2) & 0xfff8;
        cur += (uint32_t)len;
        if (frag != 0) break;
        continue;
      }
      cur += (uint32_t)len;
    }
    proto = next;
    t = cur;
    declared = end - cur;
  }
  if (frag == 0) {
    uint32_t need = proto == 6 ? 20 : proto == 17 || proto == 136 ? 8 : proto == 132 ? 12 : proto == 1 || proto == 58 ? 8 : 0;
    if (need) {
      if (declared < need || n < t + need) return -1;
      if (proto == 6) {
        uint32_t hl = (f[t + 12] >> 4) * 4u;
        if (hl < 20 || hl > declared) return -1;
      }
    }
  }
  if (!(t + 13 < n)) return -1;
  uint32_t p = t + (f[t + 12] >> 4) * 4u, sport = m->src_port;
  if (p >= n) return -1;
  if (sport == 21 && starts(f, n, p, "530")) return 0;
  if (sport == 110 && starts(f, n, p, "-ERR")) return 3;
  if ((sport == 80 || sport == 8000 || sport == 8080 || sport == 8888) &&
      (starts(f, n, p, "HTTP/1.1 401") || starts(f, n, p, "HTTP/1.0 401")))
    return 1;
  if (sport == 1883 && f[p] == 0x20 && p + 1 < n && f[p + 1] == 2 && p + 3 < n && f[p + 3] != 0) return 2;
  if (sport == 23 && starts(f, n, p, "Login incorrect")) return 4;
  return -1;
}

static void addr_of(al_addr* a, uint8_t ver, const uint8_t* ip) {
  memset(a, 0, sizeof *a);
  a->a[0] = ver;
  memcpy(a->a + 1, ip, ver == 4 ? 4 : 16);
}

void pce_alerts_push(uint64_t index, int64_t ts, const uint8_t* frame, uint32_t len, uint32_t wire, uint32_t link,
                     const pce_verdict* v) {
  if (!A.on) return;
  close_quiet(ts);
  const pce_packet_meta* m = &v->meta;
  if (m->ip_version == 0) return;
  al_rec r;
  memset(&r, 0, sizeof r);
  r.index = index;
  r.ts = ts;
  r.flow_id = m->flow_id;
  r.bytes = wire;
  r.proto = m->protocol;
  r.mflags = m->flags;
  r.tcp_flags = m->tcp_flags;
  r.sport = m->src_port;
  r.dport = m->dst_port;
  addr_of(&r.src, m->ip_version, m->src);
  addr_of(&r.dst, m->ip_version, m->dst);
  r.refusal = (int8_t)refusal_of(frame, len, wire, link, m);
  int cls = -1;
  if (v->decode_status == 0)
    for (uint32_t c = 0; c < A.classes; c++)
      if (v->probs_q15[c] >= A.thr[c] && (cls < 0 || v->probs_q15[c] > v->probs_q15[cls])) cls = (int)c;
  if (cls < 0) {
    if (r.refusal >= 0) {
      al_episode* e = open_get(&r.src);
      if (e == NULL) e = open_get(&r.dst);
      if (e != NULL) refusal_add(e, r.refusal);
    }
    int32_t w = win_find(&r.src);
    if (w >= 0) win_push(w, 0, ts);
    w = win_find(&r.dst);
    if (w >= 0) win_push(w, 0, ts);
    return;
  }
  r.cls = (uint8_t)cls;
  for (uint32_t c = 0; c < A.classes; c++) r.q[c] = (uint16_t)v->probs_q15[c];
  al_episode* e = open_get(&r.src);
  if (e == NULL) e = open_get(&r.dst);
  if (e == NULL && (e = peer_of(&r.dst)) != NULL && episode_class(e) != (uint32_t)cls) e = NULL;
  if (e == NULL && (e = peer_of(&r.src)) != NULL && episode_class(e) != (uint32_t)cls) e = NULL;
  if (e != NULL) {
    episode_add(e, &r);
    return;
  }
  while (A.nfree == 0) win_evict_oldest(); /* every record is in a window: drop the oldest window */
  uint16_t ri = A.free_rec[--A.nfree];
  A.rec[ri] = r;
  A.rec_refs[ri] = 1; /* held while the hosts' windows take it */
  int64_t since = ts - A.quiet;
  const al_addr* hosts[2] = {&r.src, &r.dst};
  for (int h = 0; h < 2; h++) {
    al_addr host = *hosts[h];
    int32_t w = win_get(&host);
    win_push(w, (uint16_t)(ri + 1), ts);
    if (win_count(w, since) >= A.k) {
      open_on(&host, w, since);
      break;
    }
  }
  rec_unref((uint16_t)(ri + 1));
}

void pce_alerts_flush(void) {
  if (!A.on) return;
  for (;;) {
    al_episode* next = NULL;
    for (int i = 0; i < AL_MAX_OPEN; i++)
      if (A.ep[i].used && (next == NULL || A.ep[i].id < next->id)) next = &A.ep[i];
    if (next == NULL) break;
    episode_close(next);
  }
}

uint64_t pce_alerts_count(void) { return A.closed; }

void pce_alerts_stop(void) {
  pce_alerts_flush();
  for (uint32_t w = 0; w < AL_MAX_HOSTS; w++)
    if (A.win[w].used) win_delete((int32_t)w);
  A.on = 0;
}

/* ------------------------------------------------------- numbers as JS prints them */

static char line[65536];
static size_t ll;

static void add(const char* s, size_t n) {
  if (ll + n < sizeof line) {
    memcpy(line + ll, s, n);
    ll += n;
  }
}
static void adds(const char* s) { add(s, strlen(s)); }
static void addu(uint64_t v) {
  char t[24];
  int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
  add(t, (size_t)n);
}

static char num[64];
#define ADD_NUM(call) add(num, (call))
static void add_bytes(uint64_t b) {
  if (b < 1000) {
    addu(b);
    adds(" B");
  } else if (b < 1000000) {
    ADD_NUM(pce_js_fixed_ratio(b, 1000, 1, num));
    adds(" kB");
  } else {
    ADD_NUM(pce_js_fixed_ratio(b, 1000000, 2, num));
    adds(" MB");
  }
}

static void add_percent(uint64_t part, uint64_t whole) {
  addu((200 * part + whole) / (2 * whole));
  add("%", 1);
}

static void add_plural(uint64_t n, const char* one, const char* many) {
  addu(n);
  add(" ", 1);
  adds(n == 1 ? one : many);
}

static const char* service(uint32_t p) {
  switch (p) {
    case 21: return "FTP";
    case 22: return "SSH";
    case 23: return "Telnet";
    case 25: return "SMTP";
    case 53: return "DNS";
    case 80: return "HTTP";
    case 110: return "POP3";
    case 123: return "NTP";
    case 143: return "IMAP";
    case 443: return "HTTPS";
    case 1883: return "MQTT";
    case 3306: return "MySQL";
    case 3389: return "RDP";
    case 5683: return "CoAP";
    case 8080: return "HTTP";
  }
  return NULL;
}

static int login_port(uint32_t p) {
  return p == 21 || p == 22 || p == 23 || p == 80 || p == 110 || p == 143 || p == 1883 || p == 3306 || p == 3389 || p == 8080;
}

/* eveTimestamp(). */
static void add_timestamp(int64_t ts) {
  int64_t us = ((ts % 1000000) + 1000000) % 1000000;
  int64_t secs = (ts - us) / 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  /* civil_from_days (H. Hinnant) */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  char t[64];
  int n = snprintf(t, sizeof t, "%lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lld+0000", (long long)y, (long long)m, (long long)d,
                   (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60), (long long)us);
  add(t, (size_t)n);
}

static void add_addr(const al_addr* a) {
  char t[64];
  size_t n = pce_format_address(a->a[0], a->a + 1, t);
  add(t, n);
}

/* ,"<side>_ip":"<address>" and, when the packet has ports, ,"<side>_port":<port>. */
static void add_endpoint(const char* side, const al_addr* a, uint16_t port, int has_ports) {
  adds(",\"");
  adds(side);
  adds("_ip\":\"");
  add_addr(a);
  adds("\"");
  if (has_ports) {
    adds(",\"");
    adds(side);
    adds("_port\":");
    addu(port);
  }
}

/* evidenceSentence(). */
static void add_evidence(const al_episode* e) {
  uint64_t dur = (uint64_t)(e->last_ts - e->first.ts);
  add_plural(e->packets, "packet", "packets");
  adds(" (");
  add_bytes(e->bytes);
  if (dur > 0) {
    adds(") in ");
    ADD_NUM(pce_js_fixed_ratio(dur, 1000000, 1, num));
    adds(" s, ");
    ADD_NUM(pce_js_rate_per_micros(e->packets, dur, num));
    adds(" packets/s");
  } else {
    adds(") at one instant");
  }
  adds("; from ");
  if (e->host_is_source) {
    add_addr(&e->host);
    adds(" to ");
    if (e->peers.full) adds("at least ");
    addu(e->peers.n);
    adds(e->peers.n == 1 ? " host" : " hosts");
  } else {
    if (e->peers.full) adds("at least ");
    addu(e->peers.n);
    adds(e->peers.n == 1 ? " source to " : " sources to ");
    add_addr(&e->host);
  }
  uint32_t ports = e->ports.n;
  int32_t top = -1;
  if (ports > 0) counter_top(&e->ports, 1, &top);
  if (ports > 1) {
    adds("; ");
    if (e->ports.full) adds("at least ");
    addu(ports);
    adds(" distinct destination ports");
  } else if (ports == 1) {
    uint32_t p = e->port_key[top];
    adds("; to port ");
    addu(p);
    if (service(p)) {
      adds(" (");
      adds(service(p));
      adds(")");
    }
  }
  uint64_t attacking = e->tcp + e->udp + e->icmp;
  if (e->tcp > 0) {
    adds("; SYN without ACK in ");
    add_percent(e->syn_only, e->tcp);
    adds(" of ");
    add_plural(e->tcp, "TCP packet", "TCP packets");
  }
  if (attacking > 0 && 2 * e->udp >= attacking) {
    adds("; ");
    add_percent(e->udp, attacking);
    adds(" UDP");
  }
  if (attacking > 0 && 2 * e->icmp >= attacking) {
    adds("; ");
    add_percent(e->icmp, attacking);
    adds(" ICMP");
  }
  if (top >= 0 && login_port(e->port_key[top]) && ports <= 3 && e->flows.n >= 5) {
    uint32_t p = e->port_key[top];
    adds("; ");
    if (e->flows.full) adds("at least ");
    addu(e->flows.n);
    adds(" connections to ");
    adds(service(p));
    adds(" (port ");
    addu(p);
    adds("), ");
    ADD_NUM(pce_js_rate_ratio(e->packets, e->flows.n, num));
    adds(" packets per connection");
    if (e->nref > 0) adds(": a failed-login pattern");
  }
  if (e->nref > 0) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < e->nref; i++) total += e->ref_count[i];
    adds("; ");
    add_plural(total, "login refusal", "login refusals");
    adds(" from the server (");
    uint32_t taken = 0;
    for (uint32_t m = 0; m < 4 && m < e->nref; m++) { /* top(4): by count, first seen first */
      int32_t best = -1;
      for (uint32_t i = 0; i < e->nref; i++)
        if (!(taken >> i & 1) && (best < 0 || e->ref_count[i] > e->ref_count[best])) best = (int32_t)i;
      taken |= 1u << best;
      if (m) adds(", ");
      adds(REFUSAL_NAME[(int)e->ref_kind[best]]);
      adds(": ");
      addu(e->ref_count[best]);
    }
    adds(")");
  }
  adds(".");
}

static const char* capture_name;
static int to_syslog;

void pce_alerts_to_syslog(int on) { to_syslog = on; }

void pce_alerts_set_capture_name(const char* name) { capture_name = name; }

/* formatEveAlert(alertOf(e)). */
static void alert_write(const al_episode* e) {
  const al_rec* f = &e->first;
  uint32_t cls = episode_class(e);
  const char* name = class_name[cls];
  const char* category = "Misc activity";
  int severity = 3;
  if (!strcmp(name, "DoS")) category = "Attempted Denial of Service", severity = 2;
  else if (!strcmp(name, "Reconnaissance")) category = "Detection of a Network Scan", severity = 3;
  else if (!strcmp(name, "Brute Force")) category = "Attempted User Privilege Gain", severity = 1;
  ll = 0;
  adds("{\"timestamp\":\"");
  add_timestamp(f->ts);
  adds("\",\"flow_id\":");
  addu(f->flow_id);
  adds(",\"pcap_cnt\":");
  addu(f->index + 1);
  if (capture_name != NULL) {
    adds(",\"pcap_filename\":");
    char q[2048];
    add(q, pce_json_quote(strlen(capture_name) < 300 ? capture_name : "(name too long)", q));
  }
  adds(",\"event_type\":\"alert\"");
  add_endpoint("src", &f->src, f->sport, f->mflags & PCE_META_HAS_PORTS);
  add_endpoint("dest", &f->dst, f->dport, f->mflags & PCE_META_HAS_PORTS);
  adds(",\"proto\":\"");
  {
    char t[8];
    add(t, pce_format_proto(f->proto, t));
  }
  adds("\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
  addu(1000000 + cls);
  adds(",\"rev\":1,\"signature\":");
  {
    char sig[PCE_MAX_NAME_BYTES + 32], q[sizeof sig * 6 + 3];
    snprintf(sig, sizeof sig, "PacketCLIP %.255s episode", name);
    add(q, pce_json_quote(sig, q));
  }
  adds(",\"category\":\"");
  adds(category);
  adds("\",\"severity\":");
  addu((uint64_t)severity);
  adds("},\"packetclip\":{\"version\":1,\"episode\":");
  addu(e->id);
  adds(",\"class\":");
  add(pce_out_class_quoted(cls), pce_out_class_quoted_len(cls));
  adds(",\"host\":\"");
  add_addr(&e->host);
  adds("\",\"first\":\"");
  add_timestamp(f->ts);
  adds("\",\"last\":\"");
  add_timestamp(e->last_ts);
  adds("\",\"duration\":");
  ADD_NUM(pce_js_micros((uint64_t)(e->last_ts - f->ts), num));
  adds(",\"packets\":");
  addu(e->packets);
  adds(",\"bytes\":");
  addu(e->bytes);
  adds(",\"peers\":");
  addu(e->peers.n);
  adds(",\"ports\":");
  addu(e->ports.n);
  adds(",\"top_peers\":[");
  int32_t top[5];
  uint32_t m = counter_top(&e->peers, 5, top);
  for (uint32_t i = 0; i < m; i++) {
    adds(i ? ",\"" : "\"");
    add_addr(&e->peer_key[top[i]]);
    adds("\"");
  }
  adds("],\"top_ports\":[");
  m = counter_top(&e->ports, 5, top);
  for (uint32_t i = 0; i < m; i++) {
    if (i) adds(",");
    addu(e->port_key[top[i]]);
  }
  adds("],\"probs\":{");
  for (uint32_t c = 0; c < A.classes; c++) {
    if (c) adds(",");
    add(pce_out_class_quoted(c), pce_out_class_quoted_len(c));
    adds(":");
    ADD_NUM(pce_js_mean_round6(e->prob_sums[c], e->packets, num));
  }
  adds("},\"concepts\":[],\"evidence\":\"");
  add_evidence(e);
  adds("\"}}\n");
  if (to_syslog) syslog(LOG_WARNING, "%.*s", (int)(ll - 1), line);
  else pce_out_line(line, ll);
}
