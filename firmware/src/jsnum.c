/*
 * The few JavaScript number texts the alert lines hold (src/alerts/eve.ts,
 * evidence.ts), computed with integers only: no floating-point instruction,
 * so pce-sense stays free of FPU code on soft-float boards (tools/fpu-check.sh).
 *
 * Each value is a quotient the TypeScript computes in IEEE double. Here a
 * double is an integer pair (m, e), value m * 2^e with m < 2^53: sf_div()
 * rounds a quotient of integers to nearest, ties to even, as IEEE division
 * does; sf_mul() rounds a product the same way; the printing rules of
 * Number#toFixed, Number#toPrecision, Math.round and String are applied to the
 * exact value of that pair (ties "pick the larger n", as ECMA-262 says).
 * test/firmware-eve.test.ts checks every function against V8 on random and
 * edge inputs.
 */
#include <stdio.h>
#include <string.h>

#include "sense.h"

typedef struct {
  uint64_t m; /* 0, or in [2^52, 2^53) */
  int e;
} sf;

#define TOP53 (1ull << 53)

/* m * 2^e rounded to nearest, ties to even: `half` is the first bit cut off, `rest` whether any later one was set. */
static sf sf_round(uint64_t m, int e, int half, int rest) {
  sf r;
  if (half && (rest || (m & 1))) m++;
  if (m == TOP53) {
    m >>= 1;
    e++;
  }
  r.m = m;
  r.e = e;
  return r;
}

/* RN(p / q), q in 1..2^62, p / q < 2^53. */
static sf sf_div(uint64_t p, uint64_t q) {
  sf r = {0, 0};
  if (p == 0) return r;
  uint64_t m = p / q, rem = p % q;
  int e = 0;
  while (m < (TOP53 >> 1)) {
    rem <<= 1;
    m <<= 1;
    e--;
    if (rem >= q) {
      rem -= q;
      m |= 1;
    }
  }
  rem <<= 1;
  int guard = rem >= q;
  if (guard) rem -= q;
  return sf_round(m, e, guard, rem != 0);
}

/* 128-bit product of two 64-bit numbers: hi:lo. */
static void mul_wide(uint64_t m, uint64_t k, uint64_t* hi, uint64_t* lo) {
  uint64_t ml = m & 0xffffffffu, mh = m >> 32;
  uint64_t kl = k & 0xffffffffu, kh = k >> 32;
  uint64_t ll = ml * kl, lh = ml * kh, hl = mh * kl, hh = mh * kh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  *lo = (ll & 0xffffffffu) | (mid << 32);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* hi:lo >> s (s < 128), and whether the bits shifted out are >= half (half_up) / exactly half (tie) / nonzero. */
static uint64_t shr_wide(uint64_t hi, uint64_t lo, int s, int* ge_half, int* sticky_below_half) {
  uint64_t q;
  int half_bit;
  int rest;
  if (s == 0) {
    *ge_half = 0;
    *sticky_below_half = 0;
    return lo;
  }
  if (s < 64) {
    q = (lo >> s) | (hi << (64 - s));
    half_bit = (int)((lo >> (s - 1)) & 1);
    rest = (lo & ((1ull << (s - 1)) - 1)) != 0;
  } else if (s == 64) {
    q = hi;
    half_bit = (int)(lo >> 63);
    rest = (lo & ((1ull << 63) - 1)) != 0;
  } else {
    q = hi >> (s - 64);
    half_bit = (int)((hi >> (s - 65)) & 1);
    rest = lo != 0 || (s - 65 > 0 && (hi & ((1ull << (s - 65)) - 1)) != 0);
  }
  *ge_half = half_bit;
  *sticky_below_half = rest;
  return q;
}

static int bitlen_wide(uint64_t hi, uint64_t lo) {
  int n = 0;
  if (hi) {
    while (hi) {
      hi >>= 1;
      n++;
    }
    return n + 64;
  }
  while (lo) {
    lo >>= 1;
    n++;
  }
  return n;
}

/* RN(x * k). */
static sf sf_mul(sf x, uint64_t k) {
  sf r = {0, 0};
  if (x.m == 0 || k == 0) return r;
  uint64_t hi, lo;
  mul_wide(x.m, k, &hi, &lo);
  int len = bitlen_wide(hi, lo);
  if (len <= 53) {
    r.m = lo;
    r.e = x.e;
    while (r.m < (TOP53 >> 1)) {
      r.m <<= 1;
      r.e--;
    }
    return r;
  }
  int s = len - 53, half, rest;
  uint64_t m = shr_wide(hi, lo, s, &half, &rest);
  return sf_round(m, x.e + s, half, rest);
}

/* floor(x * k), or round-half-up(x * k) when `round` (the result must fit 64 bits). */
static uint64_t sf_scaled(sf x, uint64_t k, int round) {
  if (x.m == 0) return 0;
  uint64_t hi, lo;
  mul_wide(x.m, k, &hi, &lo);
  if (x.e >= 0) return lo << x.e;
  int s = -x.e;
  if (s >= 128) return 0;
  int half, rest;
  uint64_t q = shr_wide(hi, lo, s, &half, &rest);
  return round && half ? q + 1 : q;
}

static size_t put_u(char* out, uint64_t v) { return (size_t)sprintf(out, "%llu", (unsigned long long)v); }

/* x.toFixed(f), f <= 6. */
static size_t fixed(sf x, int f, char* out) {
  uint64_t p = 1;
  for (int i = 0; i < f; i++) p *= 10;
  uint64_t n = sf_scaled(x, p, 1);
  size_t k = put_u(out, n / p);
  if (f) k += (size_t)sprintf(out + k, ".%0*llu", f, (unsigned long long)(n % p));
  return k;
}

/* String(n / 10^s): the decimal with trailing zeros dropped (s <= 18). */
static size_t decimal(uint64_t n, int s, char* out) {
  while (s > 0 && n % 10 == 0) {
    n /= 10;
    s--;
  }
  char d[24];
  int len = sprintf(d, "%llu", (unsigned long long)n);
  if (s <= 0) return (size_t)sprintf(out, "%s", d);
  if (len > s) return (size_t)sprintf(out, "%.*s.%s", len - s, d, d + len - s);
  size_t k = (size_t)sprintf(out, "0.");
  for (int i = len; i < s; i++) out[k++] = '0';
  return k + (size_t)sprintf(out + k, "%s", d);
}

/* formatRate(r): r >= 100 as String(Math.round(r)), else String(Number(r.toPrecision(3))). */
static size_t rate(sf r, char* out) {
  if (r.m == 0) return (size_t)sprintf(out, "0");
  if (sf_scaled(r, 1, 0) >= 100) return put_u(out, sf_scaled(r, 1, 1));
  int s = 0;
  uint64_t p = 1;
  while (sf_scaled(r, p, 0) < 100) {
    s++;
    p *= 10;
    if (s > 18) return (size_t)sprintf(out, "0"); /* below 1e-16: never for a rate of packets */
  }
  uint64_t n = sf_scaled(r, p, 1);
  if (n >= 1000) {
    n /= 10;
    s--;
  }
  if (s - 2 > 6) { /* below 1e-6 String() writes an exponent: d.dde-X */
    while (n % 10 == 0) n /= 10;
    char d[24];
    int len = sprintf(d, "%llu", (unsigned long long)n);
    return (size_t)sprintf(out, "%c%s%se-%d", d[0], len > 1 ? "." : "", d + 1, s - 2);
  }
  return decimal(n, s, out);
}

size_t pce_js_mean_round6(uint64_t q15_sum, uint64_t n, char* out) {
  sf x = sf_div(q15_sum, n); /* (sum / 32768) / n: the 2^-15 is exact */
  x.e -= 15;
  sf y = sf_mul(x, 1000000);
  return decimal(sf_scaled(y, 1, 1), 6, out);
}

size_t pce_js_micros(uint64_t us, char* out) { return decimal(us, 6, out); }

size_t pce_js_fixed_ratio(uint64_t p, uint64_t q, int f, char* out) { return fixed(sf_div(p, q), f, out); }

size_t pce_js_rate_per_micros(uint64_t packets, uint64_t us, char* out) {
  sf s = sf_div(us, 1000000);
  sf r = sf_div(packets, s.m); /* packets / (m * 2^e) = (packets / m) * 2^-e */
  r.e -= s.e;
  return rate(r, out);
}

size_t pce_js_rate_ratio(uint64_t p, uint64_t q, char* out) { return rate(sf_div(p, q), out); }
