// Workgroup top-K selection by radix select over a 56-bit composite (hi = ordered float key,
// lo = 0xFFFFFF - index), so keys are unique, larger logit first and the lowest index first on
// ties: the selected set is exactly the K largest composites (or all elements when fewer).
// The includer defines, before including:
//   uint sel_count();            elements j in [0, sel_count())
//   bool sel_valid(uint j);      false for padding
//   uint sel_hi(uint j); uint sel_lo(uint j);
// topk_select(K) returns the number selected m = min(K, valid count), after which
// sel_taken(j) tells whether element j is in the set. All invocations call it (uniform flow).
shared uint ts_hist[256];
shared uint ts_prefix_hi, ts_prefix_lo, ts_mask_hi, ts_mask_lo, ts_remaining, ts_m, ts_done;

uint ts_digit(uint hi, uint lo, uint d) {
  return d < 4u ? (hi >> (24u - 8u * d)) & 255u : (lo >> (16u - 8u * (d - 4u))) & 255u;
}

bool sel_taken(uint j) {
  if (!sel_valid(j)) return false;
  uint h = sel_hi(j) & ts_mask_hi, l = sel_lo(j) & ts_mask_lo;
  return h > ts_prefix_hi || (h == ts_prefix_hi && l >= ts_prefix_lo);
}

uint topk_select(uint K) {
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x, n = sel_count();
  if (lid == 0) {
    ts_prefix_hi = 0u; ts_prefix_lo = 0u; ts_mask_hi = 0u; ts_mask_lo = 0u; ts_done = 0u;
  }
  for (uint d = 0u; d < 7u; d++) {
    for (uint b = lid; b < 256u; b += wsz) ts_hist[b] = 0u;
    barrier();
    for (uint j = lid; j < n; j += wsz) {
      if (!sel_valid(j)) continue;
      uint h = sel_hi(j), l = sel_lo(j);
      if ((h & ts_mask_hi) == ts_prefix_hi && (l & ts_mask_lo) == ts_prefix_lo) atomicAdd(ts_hist[ts_digit(h, l, d)], 1u);
    }
    barrier();
    if (lid == 0) {
      if (d == 0u) {
        uint total = 0u;
        for (uint b = 0u; b < 256u; b++) total += ts_hist[b];
        ts_m = min(K, total);
        ts_remaining = ts_m;
        if (ts_m == total) ts_done = 1u; // everything is taken (mask 0 selects all valid)
      }
      if (ts_done == 0u) {
        uint cum = 0u, b = 255u;
        for (;; b--) {
          if (cum + ts_hist[b] >= ts_remaining || b == 0u) break;
          cum += ts_hist[b];
        }
        ts_remaining -= cum;
        if (d < 4u) {
          ts_prefix_hi |= b << (24u - 8u * d);
          ts_mask_hi |= 255u << (24u - 8u * d);
        } else {
          ts_prefix_lo |= b << (16u - 8u * (d - 4u));
          ts_mask_lo |= 255u << (16u - 8u * (d - 4u));
        }
        if (ts_hist[b] == ts_remaining) ts_done = 1u;
      }
    }
    barrier();
    if (ts_done != 0u) break;
  }
  return ts_m;
}
