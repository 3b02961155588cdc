/*
 * pce-bench: the engine microbenchmark for any board (issue 13,
 * docs/bench-format.md). Runs the wasm2c translation directly (no Node, no
 * libc beyond stdio and clock_gettime) and prints one result file in the
 * project's benchmark schema (JSON, version 1) on stdout:
 *
 *   pce-bench [-m MODEL] [--build simd|scalar] [--packets N] [--reps R]
 *             [--warmup W] [--peak-model FILE] [--count N [--count-kind K]]
 *
 * Inputs come from fixed seeds (the project LCG), so every board runs the same
 * packets. Each repetition times N packets; the median, minimum and median
 * absolute deviation are over R repetitions, after W warm-up repetitions.
 * Measured: `push_packet` (frame bytes to decision: features and model),
 * `push` (model only, quantized features), `recompute` (full-window decision),
 * `explain` (concept activations after a push). With --peak-model (the
 * 1024 x 1024 GEMV blob `npm run bench` writes to build/gemv-peak.pclip) it
 * also measures the arithmetic peak. `--count N [--count-kind K]` runs N
 * items of kind K (push_packet, the default; push; recompute; explain) and
 * nothing else (no timing, no output): an instruction counter run twice (N
 * and 2N) gives instructions per item by difference (bench/instructions.ts
 * does so under valgrind and qemu-user).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pce_blob.h"
#include "pce_instance.h"

#define BENCH_MODEL_MAX (3u << 20) /* the GEMV peak model is about 1.05 MB */
#define BENCH_STREAM 1024u /* distinct packets, reused cyclically */
#define BENCH_FRAME_MAX 256u

/* One engine instance of either translation. */
typedef struct bench_engine {
  int simd; /* 1: packetclip.simd.wasm's translation */
  pce_instance inst;
  wasm_rt_memory_t* mem;
} bench_engine;

/* Calls export `fn` of whichever translation e runs. */
#if PCE_HAVE_SIMD
#define BENCH_CALL(e, fn, ...) \
  ((e)->simd ? w2c_pcesimd_##fn(&(e)->inst.simd, ##__VA_ARGS__) : w2c_pcescalar_##fn(&(e)->inst.scalar, ##__VA_ARGS__))
#else
#define BENCH_CALL(e, fn, ...) w2c_pcescalar_##fn(&(e)->inst.scalar, ##__VA_ARGS__)
#endif

/* The project LCG (test/helpers/rng.ts): Numerical Recipes constants. */
static uint32_t bench_lcg_state;
static uint32_t bench_lcg(void) {
  bench_lcg_state = bench_lcg_state * 1664525u + 1013904223u;
  return bench_lcg_state;
}

static int bench_open(bench_engine* e, int simd, const uint8_t* blob, size_t len) {
  memset(e, 0, sizeof *e);
  e->simd = simd;
  if (!wasm_rt_is_initialized()) wasm_rt_init();
#if PCE_HAVE_SIMD
  if (simd) {
    wasm2c_pcesimd_instantiate(&e->inst.simd);
    e->mem = w2c_pcesimd_memory(&e->inst.simd);
  } else
#endif
  {
    wasm2c_pcescalar_instantiate(&e->inst.scalar);
    e->mem = w2c_pcescalar_memory(&e->inst.scalar);
  }
  uint32_t ptr = BENCH_CALL(e, pce_blob_alloc, (uint32_t)len);
  if (ptr == 0 || (uint64_t)ptr + len > e->mem->size) return -1;
  pce_mem_write(e->mem, ptr, blob, len);
  return (int)BENCH_CALL(e, pce_init, ptr, (uint32_t)len);
}

static uint8_t* bench_read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t* buf = malloc(BENCH_MODEL_MAX);
  *len = buf ? fread(buf, 1, BENCH_MODEL_MAX, f) : 0;
  fclose(f);
  return buf;
}

/* ---- inputs ---- */

static int16_t (*bench_features)[PCE_BLOB_LIMIT_P];
static uint8_t bench_frames[BENCH_STREAM][BENCH_FRAME_MAX];
static uint32_t bench_frame_len[BENCH_STREAM];

/* An Ethernet + IPv4 + TCP/UDP frame from a few hosts and ports, random flags and payload length. */
static void bench_make_frame(uint8_t* f, uint32_t* len) {
  uint32_t r = bench_lcg(), payload = bench_lcg() % (BENCH_FRAME_MAX - 54);
  int udp = (r & 3) == 0;
  memset(f, 0, BENCH_FRAME_MAX);
  for (int i = 0; i < 12; i++) f[i] = (uint8_t)(0x02 + (i % 6));
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t* ip = f + 14;
  uint32_t total = 20 + (udp ? 8 : 20) + payload;
  ip[0] = 0x45;
  ip[2] = (uint8_t)(total >> 8);
  ip[3] = (uint8_t)total;
  ip[8] = 64;
  ip[9] = udp ? 17 : 6;
  ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = (uint8_t)(1 + (r >> 8) % 8);
  ip[16] = 10; ip[17] = 0; ip[18] = 1; ip[19] = (uint8_t)(1 + (r >> 12) % 4);
  uint8_t* l4 = ip + 20;
  uint16_t sport = (uint16_t)(1024 + (bench_lcg() % 4096)), dport = (uint16_t)((r >> 16) % 3 == 0 ? 22 : 80 + (r >> 20) % 1024);
  l4[0] = (uint8_t)(sport >> 8); l4[1] = (uint8_t)sport;
  l4[2] = (uint8_t)(dport >> 8); l4[3] = (uint8_t)dport;
  if (udp) {
    l4[4] = (uint8_t)((8 + payload) >> 8); l4[5] = (uint8_t)(8 + payload);
  } else {
    l4[12] = 0x50;
    l4[13] = (uint8_t)(bench_lcg() & 0x3f);
  }
  uint8_t* p = l4 + (udp ? 8 : 20);
  for (uint32_t i = 0; i < payload; i++) p[i] = (uint8_t)bench_lcg();
  *len = 14 + total;
}

static void bench_make_inputs(uint32_t P) {
  bench_features = calloc(BENCH_STREAM, sizeof *bench_features);
  bench_lcg_state = 42;
  for (uint32_t k = 0; k < BENCH_STREAM; k++) {
    for (uint32_t i = 0; i < P; i++) bench_features[k][i] = (int16_t)(bench_lcg() >> 16);
    bench_make_frame(bench_frames[k], &bench_frame_len[k]);
  }
}

/* ---- timing ---- */

static uint64_t bench_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

typedef enum bench_kind { BENCH_PUSH_PACKET, BENCH_PUSH, BENCH_RECOMPUTE, BENCH_EXPLAIN } bench_kind;
static const char* const bench_kind_names[] = {"push_packet", "push", "recompute", "explain"};

static uint32_t bench_sink;
static uint32_t bench_next;

static void bench_push_features(bench_engine* e, uint32_t P) {
  const int16_t* q = bench_features[bench_next++ % BENCH_STREAM];
  uint8_t bytes[2 * PCE_BLOB_LIMIT_P];
  for (uint32_t i = 0; i < P; i++) {
    bytes[2 * i] = (uint8_t)q[i];
    bytes[2 * i + 1] = (uint8_t)((uint16_t)q[i] >> 8);
  }
  pce_mem_write(e->mem, BENCH_CALL(e, pce_input_ptr), bytes, 2u * P);
  bench_sink += BENCH_CALL(e, pce_push);
}

static void bench_push_frame(bench_engine* e, uint32_t buf) {
  uint32_t k = bench_next++ % BENCH_STREAM;
  uint64_t ts = 1700000000000000ull + (uint64_t)bench_next * 1000u;
  pce_mem_write(e->mem, buf, bench_frames[k], bench_frame_len[k]);
  bench_sink += BENCH_CALL(e, pce_push_packet, bench_frame_len[k], 1, (uint32_t)ts, (uint32_t)(ts >> 32), bench_frame_len[k]);
}

/* One repetition of n items of `kind`; nanoseconds. */
static uint64_t bench_rep(bench_engine* e, bench_kind kind, uint32_t n, uint32_t P, uint32_t buf) {
  uint64_t t0 = bench_now_ns();
  for (uint32_t i = 0; i < n; i++) {
    switch (kind) {
      case BENCH_PUSH_PACKET: bench_push_frame(e, buf); break;
      case BENCH_PUSH: bench_push_features(e, P); break;
      case BENCH_RECOMPUTE: bench_sink += BENCH_CALL(e, pce_recompute); break;
      case BENCH_EXPLAIN: bench_push_features(e, P); bench_sink += BENCH_CALL(e, pce_explain); break;
    }
  }
  return bench_now_ns() - t0;
}

static int bench_cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

typedef struct bench_stat { double median, min, mad; } bench_stat;

static bench_stat bench_stats(double* v, uint32_t n) {
  bench_stat s;
  qsort(v, n, sizeof *v, bench_cmp);
  s.min = v[0];
  s.median = v[n / 2];
  double* d = malloc(n * sizeof *d);
  for (uint32_t i = 0; i < n; i++) d[i] = v[i] > s.median ? v[i] - s.median : s.median - v[i];
  qsort(d, n, sizeof *d, bench_cmp);
  s.mad = d[n / 2];
  free(d);
  return s;
}

static bench_stat bench_measure(bench_engine* e, bench_kind kind, uint32_t n, uint32_t reps, uint32_t warmup, uint32_t P, uint32_t buf) {
  double* t = malloc(reps * sizeof *t);
  for (uint32_t r = 0; r < warmup; r++) bench_rep(e, kind, n, P, buf);
  for (uint32_t r = 0; r < reps; r++) t[r] = (double)bench_rep(e, kind, n, P, buf) / n;
  bench_stat s = bench_stats(t, reps);
  free(t);
  return s;
}

/* ---- output ---- */

static void bench_json_string(const char* s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    if ((unsigned char)*s >= 0x20) putchar(*s);
  }
  putchar('"');
}

/* First "model name" line of /proc/cpuinfo (or "cpu model", "Processor"), and its MHz if given. */
static void bench_cpu(char* model, size_t cap, double* mhz) {
  char line[256];
  FILE* f = fopen("/proc/cpuinfo", "r");
  snprintf(model, cap, "unknown");
  *mhz = 0;
  if (!f) return;
  int have = 0;
  while (fgets(line, sizeof line, f)) {
    char* colon = strchr(line, ':');
    if (!colon) continue;
    char* v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    v[strcspn(v, "\n")] = '\0';
    if (!have && (!strncmp(line, "model name", 10) || !strncmp(line, "cpu model", 9) || !strncmp(line, "Processor", 9))) {
      snprintf(model, cap, "%s", v);
      have = 1;
    } else if (*mhz == 0 && !strncmp(line, "cpu MHz", 7)) {
      *mhz = atof(v);
    }
  }
  fclose(f);
}

/* FNV-1a 64 of the blob: the schema's model hash is SHA-256, written by hosts that have it; pce-bench names its own. */
static uint64_t bench_fnv(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* opsPerItem stays null: the MACs per item come from the counted table of the same model (docs/bench-format.md). */
static void bench_result(const char* name, const char* scope, uint32_t n, uint32_t reps, bench_stat s, int last) {
  printf("        {\"name\": \"%s\", \"scope\": \"%s\", \"iterations\": %u, \"medianNs\": %.1f, \"minNs\": %.1f, \"madNs\": %.1f, "
         "\"perSecond\": %.1f, \"opsPerItem\": null, \"opsPerSecond\": null}%s\n",
         name, scope, n * reps, s.median, s.min, s.mad, 1e9 / s.median, last ? "" : ",");
}

static long bench_rss_kb(void) {
  char line[256];
  long kb = 0;
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  }
  fclose(f);
  return kb;
}

static int bench_usage(void) {
  fprintf(stderr, "usage: pce-bench [-m MODEL] [--build simd|scalar] [--packets N] [--reps R] [--warmup W] [--peak-model FILE] [--count N [--count-kind push_packet|push|recompute|explain]]\n");
  return 2;
}

int main(int argc, char** argv) {
  const char* model = PCE_DEFAULT_MODEL;
  const char* peak_model = NULL;
  int simd = PCE_HAVE_SIMD;
  uint32_t packets = 2000, reps = 31, warmup = 3;
  long count = -1;
  bench_kind count_kind = BENCH_PUSH_PACKET;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-m") && v) model = v, i++;
    else if (!strcmp(a, "--peak-model") && v) peak_model = v, i++;
    else if (!strcmp(a, "--packets") && v) packets = (uint32_t)atol(v), i++;
    else if (!strcmp(a, "--reps") && v) reps = (uint32_t)atol(v), i++;
    else if (!strcmp(a, "--warmup") && v) warmup = (uint32_t)atol(v), i++;
    else if (!strcmp(a, "--count") && v) count = atol(v), i++;
    else if (!strcmp(a, "--count-kind") && v) {
      i++;
      int k = 0;
      while (k < 4 && strcmp(v, bench_kind_names[k])) k++;
      if (k == 4) return bench_usage();
      count_kind = (bench_kind)k;
    }
    else if (!strcmp(a, "--build") && v) {
      i++;
      if (!strcmp(v, "scalar")) simd = 0;
#if PCE_HAVE_SIMD
      else if (!strcmp(v, "simd")) simd = 1;
#endif
      else return bench_usage();
    } else return bench_usage();
  }
  if (packets == 0 || reps == 0) return bench_usage();
  size_t len = 0;
  uint8_t* blob = bench_read_file(model, &len);
  static bench_engine e;
  int code = blob ? bench_open(&e, simd, blob, len) : -1;
  if (code != 0) {
    fprintf(stderr, "pce-bench: cannot load %s (%d)\n", model, code);
    return 1;
  }
  uint32_t P = BENCH_CALL(&e, pce_dim, PCE_BLOB_DIM_P), A = BENCH_CALL(&e, pce_dim, PCE_BLOB_DIM_A);
  uint32_t buf = BENCH_CALL(&e, pce_packet_buf_ptr);
  bench_make_inputs(P);
  if (count >= 0) { /* instruction counting: the items only */
    bench_rep(&e, count_kind, (uint32_t)count, P, buf);
    return (int)(bench_sink & 0);
  }
  bench_stat st[4];
  for (int k = 0; k < 4; k++) st[k] = bench_measure(&e, (bench_kind)k, k == BENCH_RECOMPUTE ? packets / 8 + 1 : packets, reps, warmup, P, buf);
  uint32_t arena = BENCH_CALL(&e, pce_arena_bytes), mem_bytes = BENCH_CALL(&e, pce_memory_bytes);

  double peak = 0, peak_macs = 0;
  bench_stat peak_st = {0, 0, 0};
  if (peak_model) {
    static bench_engine pe;
    size_t plen = 0;
    uint8_t* pblob = bench_read_file(peak_model, &plen);
    int pcode = pblob ? bench_open(&pe, simd, pblob, plen) : -1;
    if (pcode == 0) {
      uint32_t rows = BENCH_CALL(&pe, pce_dim, PCE_BLOB_DIM_OUT_DIMS), cols = BENCH_CALL(&pe, pce_dim, PCE_BLOB_DIM_P);
      free(bench_features);
      bench_make_inputs(cols);
      peak_st = bench_measure(&pe, BENCH_PUSH, 50, 21, 2, cols, 0);
      peak_macs = (double)rows * cols;
      peak = peak_macs * 1e9 / peak_st.median;
    } else {
      fprintf(stderr, "pce-bench: cannot load the peak model %s (%d)\n", peak_model, pcode);
    }
    free(pblob);
  }

  struct utsname u;
  uname(&u);
  char cpu[160];
  double mhz;
  bench_cpu(cpu, sizeof cpu, &mhz);
  time_t now = time(NULL);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  printf("{\n  \"format\": \"packetclip-bench\",\n  \"version\": 1,\n  \"date\": \"%s\",\n  \"tool\": \"pce-bench\",\n", date);
  printf("  \"machine\": {\"uname\": ");
  char un[512];
  snprintf(un, sizeof un, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
  bench_json_string(un);
  printf(", \"arch\": ");
  bench_json_string(u.machine);
  printf(", \"cpuModel\": ");
  bench_json_string(cpu);
  printf(", \"cores\": %ld, \"clockMHz\": ", sysconf(_SC_NPROCESSORS_ONLN));
  if (mhz > 0) printf("%.0f}", mhz); else printf("null}");
  printf(",\n  \"model\": {\"name\": ");
  bench_json_string(model);
  printf(", \"hash\": \"fnv1a64:%016llx\", \"blobBytes\": %zu, \"window\": %u},\n", (unsigned long long)bench_fnv(blob, len), len, A);
  if (peak > 0) {
    printf("  \"peak\": {\"kernel\": \"gemv int8 x int16\", \"runtime\": \"wasm2c\", \"build\": \"%s\", \"macsPerItem\": %.0f, \"medianNs\": %.1f, \"macsPerSecond\": %.1f},\n",
           simd ? "simd" : "scalar", peak_macs, peak_st.median, peak);
  } else {
    printf("  \"peak\": null,\n");
  }
  printf("  \"runs\": [\n    {\n      \"runtime\": \"wasm2c\", \"build\": \"%s\", \"version\": \"wabt 1.0.39 wasm2c, gcc %s\",\n      \"results\": [\n",
         simd ? "simd" : "scalar", __VERSION__);
  for (int k = 0; k < 4; k++) {
    bench_result(bench_kind_names[k], k == BENCH_PUSH_PACKET ? "end-to-end" : "kernel", k == BENCH_RECOMPUTE ? packets / 8 + 1 : packets, reps, st[k], k == 3);
  }
  printf("      ]\n    }\n  ],\n");
  printf("  \"memory\": {\"blobBytes\": %zu, \"arenaBytes\": %u, \"linearMemoryBytes\": %u, \"hostRssBytes\": %ld}\n}\n",
         len, arena, mem_bytes, bench_rss_kb() * 1024);
  free(blob);
  return (int)(bench_sink & 0);
}
