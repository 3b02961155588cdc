/*
 * pce-sense: the native packetclip-edge detector (docs/firmware.md).
 *
 *   pce-sense -r FILE|-  [options]   classify a pcap / pcapng capture
 *   pce-sense -i IFACE   [options]   classify live traffic (AF_PACKET)
 *
 * With --format jsonl (the default) it writes exactly the bytes
 * `packetclip run FILE --format jsonl` writes; with --format eve (or
 * --alerts-only) the alert lines of `packetclip run FILE --format eve`
 * (alerts.c, thresholds from --config or the file shipped beside the default
 * model). SIGINT / SIGTERM stop, flush
 * and print the summary; SIGHUP reloads the model file between two packets
 * (a model the engine refuses is reported and the old one keeps running).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "sense.h"

#ifndef PCE_DEFAULT_MODEL
#define PCE_DEFAULT_MODEL "/usr/share/packetclip/packetclip-edge.pclip"
#endif
#define MODEL_MAX_BYTES (1u << 20)

enum pce_format { PCE_FORMAT_JSONL, PCE_FORMAT_EVE };

static struct {
  const char* model_path;
  const char* read_path;
  const char* iface;
  const char* out_path;
  enum pce_format format;
  pce_build build;
  int use_syslog;
  int alerts_to_syslog;
  const char* config_path; /* thresholds file (--config) */
  int model_given;
  uint64_t max_packets;
  int info;
} opt;

static volatile sig_atomic_t got_stop, got_hup;
static volatile int stop_flag; /* mirrors got_stop for the capture loops */
static pce_engine* engine;
static uint8_t model_buf[MODEL_MAX_BYTES];
static uint64_t n_packets, n_decode_errors, n_reloads;

static const char* thresholds_path; /* --format eve: the thresholds file in use, NULL for the built-in defaults */

static void say(int prio, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int prio, const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (opt.use_syslog)
    syslog(prio, "%s", line);
  else
    fprintf(stderr, "pce-sense: %s\n", line);
}

static void on_signal(int sig) {
  if (sig == SIGHUP) {
    got_hup = 1;
  } else {
    got_stop = 1;
    stop_flag = 1;
  }
}

/* Reads the whole model file into model_buf; its length, or -1 with errno. */
static long read_model(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, model_buf + n, sizeof model_buf - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      return -1;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n == sizeof model_buf) {
      char extra;
      if (read(fd, &extra, 1) == 1) {
        close(fd);
        errno = EFBIG;
        return -1;
      }
      break;
    }
  }
  close(fd);
  return (long)n;
}

/* Loads `path`; on success the new engine replaces the old one. */
static int load_model(const char* path, int reload) {
  long n = read_model(path);
  if (n < 0) {
    say(LOG_ERR, "%s model %s: %s%s", reload ? "cannot reload" : "cannot read", path, strerror(errno),
        reload ? "; the old model keeps running" : "");
    return -1;
  }
  pce_error err;
  pce_engine* e = pce_engine_open(model_buf, (size_t)n, opt.build, &err);
  if (e == NULL) {
    if (err.status == PCE_STATUS_ENGINE)
      say(LOG_ERR, "%s model %s: %s (engine error %d at byte %d)%s", reload ? "refused new" : "bad", path,
          err.message, err.code, err.offset, reload ? "; the old model keeps running" : "");
    else
      say(LOG_ERR, "%s model %s: %s%s", reload ? "refused new" : err.status == PCE_STATUS_TOO_LARGE ? "bad" : "cannot load",
          path, err.message, reload ? "; the old model keeps running" : "");
    return -1;
  }
  int alerts = reload && opt.format == PCE_FORMAT_EVE;
  if (alerts) pce_alerts_stop(); /* the open episodes' alerts, under the old model's class names */
  pce_engine_close(engine); /* between two packets: the switch is atomic for the stream */
  engine = e;
  pce_out_set_classes(engine);
  if (alerts) {
    char aerr[1024];
    if ((thresholds_path != NULL && pce_thresholds_load(thresholds_path, aerr, sizeof aerr) != 0) ||
        pce_alerts_start(engine, thresholds_path, aerr, sizeof aerr) != 0)
      say(LOG_ERR, "alerts stopped after the reload: %s", aerr);
  }
  pce_info info;
  pce_engine_info(engine, &info);
  if (reload) {
    n_reloads++;
    say(LOG_NOTICE, "reloaded model %s", path);
  } else {
    say(LOG_INFO, "model %s (%s engine)", path, info.build == PCE_BUILD_SIMD ? "SIMD" : "scalar");
  }
  return 0;
}

static void maybe_reload(void) {
  if (!got_hup) return;
  got_hup = 0;
  load_model(opt.model_path, 1);
}

/* One frame through the engine and out. Returns 0, or -1 on an engine trap. */
static int classify(uint64_t i, const uint8_t* data, uint32_t len, uint32_t wire, int64_t ts, uint32_t link) {
  pce_verdict v;
  maybe_reload();
  if (pce_engine_push(engine, data, len, ts, link, wire, &v) != PCE_STATUS_OK) {
    say(LOG_ERR, "the engine trapped on packet %llu", (unsigned long long)i);
    return -1;
  }
  n_packets++;
  if (v.decode_status != 0) n_decode_errors++;
  if (opt.format == PCE_FORMAT_JSONL) pce_out_decision(i, ts, &v);
  else pce_alerts_push(i, ts, data, len, wire ? wire : len, link, &v);
  return 0;
}

static int live_packet(const uint8_t* frame, uint32_t len, uint32_t wire, int64_t ts, uint32_t link, void* ctx) {
  uint64_t* index = ctx;
  int r = classify((*index)++, frame, len, wire, ts, link);
  if (opt.max_packets && n_packets >= opt.max_packets) return 1;
  return r;
}

static void usage(FILE* f) {
  fprintf(f,
          "usage: pce-sense (-r FILE|- | -i IFACE) [--model FILE] [--format jsonl|eve] [--alerts-only]\n"
          "                 [--config FILE] [-o FILE] [--count N] [--scalar] [--syslog] [--info]\n"
          "  -r FILE|-        read a pcap or pcapng capture (- = standard input)\n"
          "  -i IFACE         capture live on IFACE (AF_PACKET, TPACKET_V3 ring)\n"
          "  --model FILE     model blob (default %s)\n"
          "  --format jsonl   one line per packet, as `packetclip run --format jsonl` (default)\n"
          "  --format eve     one eve.json alert line per attack episode, as `packetclip run --format eve`\n"
          "  --alerts-only    the same as --format eve\n"
          "  --config FILE    alert thresholds file (default: the .thresholds file beside the default model)\n"
          "  -o FILE          write lines to FILE (default standard output)\n"
          "  --count N        stop after N packets\n"
          "  --scalar         run the scalar engine even where the SIMD one is built in\n"
          "  --syslog         notes, errors and the summary go to syslog (and eve alerts, without -o)\n"
          "  --info           print the engine's memory figures as JSON and exit\n"
          "signals: SIGINT/SIGTERM stop and print the summary; SIGHUP reloads the model\n",
          PCE_DEFAULT_MODEL);
}

/* Peak RSS of this program: VmHWM (getrusage's ru_maxrss survives execve and
 * would report the parent's size when a big process started us). */
static long max_rss_kib(void) {
  static char status[4096];
  long kib = -1;
  int fd = open("/proc/self/status", O_RDONLY); /* not fopen: that would allocate */
  if (fd >= 0) {
    ssize_t n = read(fd, status, sizeof status - 1);
    close(fd);
    status[n > 0 ? n : 0] = '\0';
    const char* p = strstr(status, "VmHWM:");
    if (p != NULL) kib = strtol(p + 6, NULL, 10);
  }
  if (kib < 0) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    kib = ru.ru_maxrss;
  }
  return kib;
}

int main(int argc, char** argv) {
  opt.model_path = PCE_DEFAULT_MODEL;
  opt.build = PCE_BUILD_AUTO;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                         \
  if (v == NULL) {                                         \
    fprintf(stderr, "pce-sense: %s needs a value\n", a); \
    return 2;                                              \
  }                                                        \
  i++;
    if (!strcmp(a, "-r")) { NEED_VALUE opt.read_path = v; }
    else if (!strcmp(a, "-i")) { NEED_VALUE opt.iface = v; }
    else if (!strcmp(a, "--model") || !strcmp(a, "-m")) { NEED_VALUE opt.model_path = v; opt.model_given = 1; }
    else if (!strcmp(a, "--config")) { NEED_VALUE opt.config_path = v; }
    else if (!strcmp(a, "--alerts-only")) opt.format = PCE_FORMAT_EVE;
    else if (!strcmp(a, "-o") || !strcmp(a, "--output")) { NEED_VALUE opt.out_path = v; }
    else if (!strcmp(a, "--format")) {
      NEED_VALUE
      if (!strcmp(v, "jsonl")) opt.format = PCE_FORMAT_JSONL;
      else if (!strcmp(v, "eve")) opt.format = PCE_FORMAT_EVE;
      else {
        fprintf(stderr, "pce-sense: unknown --format \"%s\"; jsonl or eve\n", v);
        return 2;
      }
    }
    else if (!strcmp(a, "--count") || !strcmp(a, "-c")) { NEED_VALUE opt.max_packets = strtoull(v, NULL, 10); }
    else if (!strcmp(a, "--scalar")) opt.build = PCE_BUILD_SCALAR;
    else if (!strcmp(a, "--syslog")) opt.use_syslog = 1;
    else if (!strcmp(a, "--info")) opt.info = 1;
    else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
    else {
      fprintf(stderr, "pce-sense: unknown argument %s\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (opt.use_syslog) openlog("pce-sense", LOG_PID, LOG_DAEMON);
  int alerts_only = 0;
  for (int i = 1; i < argc; i++) alerts_only |= !strcmp(argv[i], "--alerts-only");
  if (alerts_only) opt.format = PCE_FORMAT_EVE; /* wins over --format, as in packetclip run */
  opt.alerts_to_syslog = opt.use_syslog && opt.out_path == NULL && opt.format == PCE_FORMAT_EVE;
  if (!opt.info && (opt.read_path == NULL) == (opt.iface == NULL)) {
    fprintf(stderr, "pce-sense: give exactly one of -r FILE and -i IFACE\n");
    usage(stderr);
    return 2;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (load_model(opt.model_path, 0) != 0) return 2;
  if (opt.format == PCE_FORMAT_EVE && !opt.info) {
    /* Thresholds: --config, else the file shipped beside the default model (as `packetclip run`), else built in. */
    static char shipped[4096];
    const char* path = opt.config_path;
    if (path == NULL && !opt.model_given) {
      size_t n = strlen(PCE_DEFAULT_MODEL);
      if (n > 6 && n < sizeof shipped - 16 && !strcmp(PCE_DEFAULT_MODEL + n - 6, ".pclip")) {
        memcpy(shipped, PCE_DEFAULT_MODEL, n - 6);
        strcpy(shipped + n - 6, ".thresholds");
        if (access(shipped, F_OK) == 0) path = shipped;
      }
    }
    char err[1024];
    thresholds_path = path;
    if ((path != NULL && pce_thresholds_load(path, err, sizeof err) != 0) || pce_alerts_start(engine, path, err, sizeof err) != 0) {
      say(LOG_ERR, "%s", err);
      return 2;
    }
    if (opt.read_path != NULL && strcmp(opt.read_path, "-") != 0) {
      const char* base = strrchr(opt.read_path, '/');
      pce_alerts_set_capture_name(base ? base + 1 : opt.read_path);
    }
    pce_alerts_to_syslog(opt.alerts_to_syslog);
  }
  if (opt.info) {
    pce_info info;
    pce_engine_info(engine, &info);
    printf("{\"build\":\"%s\",\"classes\":%u,\"concepts\":%u,\"window_sources\":%u,\"memory_bytes\":%u,\"arena_bytes\":%u,"
           "\"library_static_bytes\":%zu,\"capture_static_bytes\":%zu,\"alerts_static_bytes\":%zu,\"max_rss_kib\":%ld}\n",
           info.build == PCE_BUILD_SIMD ? "simd" : "scalar", info.class_count, info.concept_count, info.window_sources,
           info.memory_bytes, info.arena_bytes, pce_ram_bytes(), pce_capture_ram_bytes(), pce_alerts_ram_bytes(), max_rss_kib());
    return 0;
  }

  int out_fd = 1;
  if (opt.out_path != NULL) {
    out_fd = open(opt.out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0) {
      say(LOG_ERR, "cannot write %s: %s", opt.out_path, strerror(errno));
      return 2;
    }
  }
  pce_out_open(out_fd);

  int status = 0;
  const char* source = opt.read_path ? opt.read_path : opt.iface;
  if (opt.read_path != NULL) {
    int fd = strcmp(opt.read_path, "-") == 0 ? 0 : open(opt.read_path, O_RDONLY);
    if (fd < 0) {
      say(LOG_ERR, "cannot read %s: %s", opt.read_path, strerror(errno));
      return 2;
    }
    pce_capture_interrupt = &stop_flag;
    pce_capture_open(fd);
    pce_packet p;
    for (;;) {
      if (got_stop) break;
      if (opt.max_packets && n_packets >= opt.max_packets) break;
      pce_capture_step step = pce_capture_next(&p);
      if (step == PCE_CAPTURE_END) break;
      if (step == PCE_CAPTURE_ERROR) {
        pce_alerts_flush();
        pce_out_capture_error(pce_capture_error_message(), pce_capture_error_offset(), n_packets);
        pce_out_flush();
        say(LOG_ERR, "%s: %s; the %llu packets before it were classified", source, pce_capture_error_message(),
            (unsigned long long)n_packets);
        status = 1;
        break;
      }
      if (step == PCE_CAPTURE_IO) {
        if (got_stop) break;
        say(LOG_ERR, "%s: %s", source, pce_capture_error_message());
        status = 2;
        break;
      }
      if (!p.ts_safe) {
        say(LOG_ERR, "%s: packet %llu at byte %llu has a timestamp beyond 2^53 microseconds (packetclip run refuses it too)",
            source, (unsigned long long)p.index, (unsigned long long)p.file_offset);
        status = 2;
        break;
      }
      if (classify(p.index, p.data, p.cap_len, p.orig_len, p.ts_us, p.link_type) != 0) {
        status = 2;
        break;
      }
    }
    if (fd != 0) close(fd);
  } else {
    char err[256];
    int ring = 0;
    uint64_t index = 0;
    say(LOG_INFO, "capturing on %s", opt.iface);
    if (pce_live_run(opt.iface, &stop_flag, opt.max_packets, live_packet, &index, err, sizeof err, &ring) != 0) {
      say(LOG_ERR, "%s: %s", opt.iface, err);
      status = 2;
    }
    say(LOG_INFO, "capture used %s", ring ? "a TPACKET_V3 ring" : "recvfrom");
  }
  pce_alerts_flush();
  pce_out_flush();
  if (out_fd != 1) close(out_fd);
  char extra[96] = "";
  if (n_decode_errors) snprintf(extra, sizeof extra, ", %llu with a decode error", (unsigned long long)n_decode_errors);
  if (opt.format == PCE_FORMAT_EVE)
    snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %llu alerts", (unsigned long long)pce_alerts_count());
  if (n_reloads)
    snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %llu model reloads", (unsigned long long)n_reloads);
  say(LOG_NOTICE, "%llu packets classified%s%s (max RSS %ld KiB)", (unsigned long long)n_packets, extra,
      got_stop ? ", stopped by a signal" : "", max_rss_kib());
  pce_engine_close(engine);
  if (opt.use_syslog) closelog();
  return status;
}
