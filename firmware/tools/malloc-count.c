/*
 * LD_PRELOAD allocation counter (docs/firmware.md, "Zero allocations per
 * packet"): counts every malloc, calloc, realloc, posix_memalign,
 * aligned_alloc and memalign call of the process and prints the totals to
 * stderr at exit as "malloc-count: N calls, B bytes". Test and size-script
 * use only; never linked into pce-sense.
 *   gcc -shared -fPIC -O2 -o malloc-count.so malloc-count.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned long calls, bytes;

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

void* malloc(size_t n) {
  calls++;
  bytes += n;
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  calls++;
  bytes += a * b;
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  calls++;
  bytes += n;
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  calls++;
  bytes += n;
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  void* p = memalign(a, n);
  if (p == NULL) return 12;
  *out = p;
  return 0;
}

__attribute__((destructor)) static void report(void) {
  char line[96];
  int k = snprintf(line, sizeof line, "malloc-count: %lu calls, %lu bytes\n", calls, bytes);
  if (write(2, line, (size_t)k) < 0) return;
}
