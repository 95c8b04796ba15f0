#version 450
// Per-head page selection from Quest scores. One workgroup per KV head.
// Order: key(score) with the newest page (list index count-1) forced to the top; ties are broken
// by the lower list index. k = min(k, count) pages (MODE 0) or ceil(count / 2) (MODE 1).
// The k-th largest key is found by a 32-step radix select (bit by bit from the top).
// MODE 0 (quest): writes the selected physical pages, in list order, to sel[h*cap + j], sel_count[h].
// MODE 1 (raas): stamps ts[page] = step of the selected pages (protected pages: ts = 0xffffffff,
// left alone) and writes the eviction victim: the unprotected list entry with the oldest stamp
// (lower list index on ties) to victim[h] (0xffffffff: none).
// Grid: (1, nh).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, set = 0, binding = 1) readonly buffer Table { uint table[]; };
layout(std430, set = 0, binding = 2) readonly buffer Count { uint count[]; };
layout(std430, set = 0, binding = 3) buffer Sel { uint sel[]; };
layout(std430, set = 0, binding = 4) buffer SelCount { uint sel_count[]; };
layout(std430, set = 0, binding = 5) buffer Ts { uint ts[]; };       // by segment-local page
layout(std430, set = 0, binding = 6) buffer Victim { uint victim[]; };
layout(std430, set = 0, binding = 7) readonly buffer Step { uint step[]; };  // step[0]: position
layout(push_constant) uniform Push { uint cap, k, mode; } pc;

const uint WG = gl_WorkGroupSize.x;
shared uint s_cnt, s_gt;
shared uint s_pre_eq[WG], s_pre_sel[WG];
shared uint s_best_ts[WG], s_best_i[WG];

uint key_of(uint h, uint i, uint n) {
  if (i == n - 1) return 0xffffffffu;
  uint b = floatBitsToUint(scores[h * pc.cap + i]);
  return (b & 0x80000000u) != 0 ? ~b : (b | 0x80000000u);
}

void main() {
  uint h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint n = count[h];
  uint k = pc.mode == 0 ? min(pc.k, n) : (n + 1) / 2;
  uint chunk = (n + WG - 1) / WG;
  uint i0 = min(n, tid * chunk), i1 = min(n, i0 + chunk);
  uint T = 0;
  if (k < n && k > 0) {
    for (int bit = 31; bit >= 0; bit--) {
      uint cand = T | (1u << uint(bit));
      if (tid == 0) s_cnt = 0;
      barrier();
      uint c = 0;
      for (uint i = i0; i < i1; i++) c += key_of(h, i, n) >= cand ? 1u : 0u;
      if (c > 0) atomicAdd(s_cnt, c);
      barrier();
      if (s_cnt >= k) T = cand;
      barrier();
    }
  }
  // with k >= n every entry is selected (T = 0 and every key >= 0)
  uint gt = 0, eq = 0;
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    gt += key > T ? 1u : 0u;
    eq += key == T ? 1u : 0u;
  }
  if (tid == 0) s_gt = 0;
  s_pre_eq[tid] = eq;
  barrier();
  if (gt > 0) atomicAdd(s_gt, gt);
  barrier();
  uint need_eq = k - min(k, s_gt);
  if (k >= n) need_eq = n;
  // exclusive prefix of the equal counts (rank of ties in list order)
  if (tid == 0) {
    uint run = 0;
    for (uint t = 0; t < WG; t++) {
      uint v = s_pre_eq[t];
      s_pre_eq[t] = run;
      run += v;
    }
  }
  barrier();
  uint rank = s_pre_eq[tid], nsel = 0;
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    if (key > T || (key == T && rank++ < need_eq)) nsel++;
  }
  s_pre_sel[tid] = nsel;
  barrier();
  if (tid == 0) {
    uint run = 0;
    for (uint t = 0; t < WG; t++) {
      uint v = s_pre_sel[t];
      s_pre_sel[t] = run;
      run += v;
    }
  }
  barrier();
  uint out_i = s_pre_sel[tid];
  rank = s_pre_eq[tid];
  uint best_ts = 0xffffffffu, best_i = 0xffffffffu;
  uint now = step[0];
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    bool selected = key > T || (key == T && rank++ < need_eq);
    uint page = table[h * pc.cap + i];
    if (pc.mode == 0) {
      if (selected) sel[h * pc.cap + out_i++] = page;
    } else {
      uint t = ts[page];
      if (t != 0xffffffffu) {
        if (selected) {
          t = now;
          ts[page] = now;
        }
        if (t < best_ts) {
          best_ts = t;
          best_i = i;
        }
      }
    }
  }
  if (pc.mode == 0) {
    if (tid == 0) sel_count[h] = k;
    return;
  }
  s_best_ts[tid] = best_ts;
  s_best_i[tid] = best_i;
  barrier();
  if (tid == 0) {
    for (uint t = 1; t < WG; t++)
      if (s_best_ts[t] < best_ts) {  // chunks are in list order: strict < keeps the lower index
        best_ts = s_best_ts[t];
        best_i = s_best_i[t];
      }
    victim[h] = best_i;
  }
}
