/* Reads "op a b [c]" lines, prints jsnum.c's text for each (test/firmware-eve.test.ts compares with V8).
 * ops: mean Q n | micros us | fixed p q f | ratep packets us | rater p q */
#include <stdio.h>
#include <string.h>

#include "../src/sense.h"

int main(void) {
  char op[16], out[128];
  unsigned long long a, b;
  int f;
  while (scanf("%15s %llu", op, &a) == 2) {
    size_t n = 0;
    if (!strcmp(op, "micros")) n = pce_js_micros(a, out);
    else if (scanf("%llu", &b) != 1) return 2;
    else if (!strcmp(op, "mean")) n = pce_js_mean_round6(a, b, out);
    else if (!strcmp(op, "ratep")) n = pce_js_rate_per_micros(a, b, out);
    else if (!strcmp(op, "rater")) n = pce_js_rate_ratio(a, b, out);
    else if (!strcmp(op, "fixed") && scanf("%d", &f) == 1) n = pce_js_fixed_ratio(a, b, f, out);
    else return 2;
    fwrite(out, 1, n, stdout);
    putchar('\n');
  }
  return 0;
}
