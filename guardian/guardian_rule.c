/* Stopping rules: the paper's fixed threshold, the run-relative threshold, and the loop rule
 * (run-relative threshold and repeated n-grams). */
#include "guardian_rule.h"

/* Median of a[0..n) (n >= 1), by insertion sort of a small copy; the mean of the two middle
 * values for even n. */
static double median_gain(const lil_guardian_check *c, size_t n) {
  int64_t v[64];
  if (n > 64) n = 64;
  for (size_t i = 0; i < n; i++) {
    int64_t x = c[i].gain;
    size_t j = i;
    while (j > 0 && v[j - 1] > x) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
  return (n & 1) ? (double)v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
}

double gd_rule_threshold(const lil_guardian_opts *o, const lil_guardian_check *checks, size_t n) {
  double t = (double)o->threshold;
  if (o->rule == LIL_GUARDIAN_RULE_PAPER || n == 0) return t;
  size_t k = n < o->baseline_checks ? n : o->baseline_checks;
  double rel;
  if (o->rule == LIL_GUARDIAN_RULE_LOOP) {
    /* the largest early gain: a loop that starts at the second check must not lower its own bar */
    int64_t m = checks[0].gain;
    for (size_t i = 1; i < k; i++) m = checks[i].gain > m ? checks[i].gain : m;
    rel = o->loop_ratio * (double)m;
  } else {
    rel = o->ratio * median_gain(checks, k);
  }
  return rel > t ? rel : t;
}

bool gd_rule_is_low(const lil_guardian_opts *o, const lil_guardian_check *checks, size_t n) {
  const lil_guardian_check *c = &checks[n - 1];
  if ((double)c->gain >= c->threshold) return false;
  if (o->rule != LIL_GUARDIAN_RULE_LOOP) return true;
  /* one repetitive window (a table, a diagram's code) in healthy text is not enough: the share
   * is averaged over the last two windows */
  double share = n >= 2 ? 0.5 * (c->share + checks[n - 2].share) : c->share;
  double digits = n >= 2 ? 0.5 * (c->share_digits + checks[n - 2].share_digits) : c->share_digits;
  return share >= o->share || digits >= o->share_digits;
}
