#version 450
// Per-head page selection from Quest scores. One workgroup per KV head; the keys are cached in
// shared memory when the list has at most KCAP pages.
// Order: key(score) with the newest page (list index count-1) forced to the top; ties are broken
// by the lower list index. k = min(k, count) pages (MODE 0) or ceil(count / 2) (MODE 1).
// The k-th largest key T is found by a radix select over order-preserving uint keys, 8 bits per
// pass (a 256-bin histogram in shared memory, suffix sums by a parallel scan; it stops early once
// the bin holding the k-th key is taken whole). Selected: key > T, and the first k - #(key > T)
// entries with key == T in list order (a parallel scan over contiguous per-thread chunks).
// MODE 0 (quest): writes the selected physical pages, in list order, to sel[h*cap + j], sel_count[h].
// MODE 1 (raas): stamps ts[page] = step of the selected pages (protected pages: ts = 0xffffffff,
// left alone) and writes the eviction victim: the unprotected list entry with the oldest stamp
// (lower list index on ties) to victim[h] (0xffffffff: none).
// Grid: (1, nh).
layout(local_size_x_id = 0) in;  // >= 256 (one thread per histogram bin), a power of two
layout(constant_id = 1) const uint KCAP = 4096;  // keys cached in shared memory (longer lists: read from L2)
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
shared uint s_a[WG], s_b[WG];
shared uint s_hist[256];
shared uint s_bin, s_above;
shared uint s_key[KCAP];

uint key_load(uint h, uint i, uint n) {
  if (i == n - 1) return 0xffffffffu;
  uint b = floatBitsToUint(scores[h * pc.cap + i]);
  if (b == 0x80000000u) b = 0u;  // -0.0 ties with +0.0 (as in attn_ref_topk)
  return (b & 0x80000000u) != 0 ? ~b : (b | 0x80000000u);
}

uint key_of(uint h, uint i, uint n) { return n <= KCAP ? s_key[i] : key_load(h, i, n); }

// Inclusive prefix sums over the workgroup of (a, b) (Hillis-Steele in shared memory).
uvec2 scan(uint tid, uvec2 v) {
  s_a[tid] = v.x;
  s_b[tid] = v.y;
  barrier();
  for (uint off = 1; off < WG; off <<= 1) {
    uint a = tid >= off ? s_a[tid - off] : 0u, b = tid >= off ? s_b[tid - off] : 0u;
    barrier();
    s_a[tid] += a;
    s_b[tid] += b;
    barrier();
  }
  uvec2 r = uvec2(s_a[tid], s_b[tid]);
  barrier();
  return r;
}

void main() {
  uint h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint n = count[h];
  uint k = pc.mode == 0 ? min(pc.k, n) : (n + 1) / 2;
  if (n <= KCAP) {
    for (uint i = tid; i < n; i += WG) s_key[i] = key_load(h, i, n);
    barrier();
  }
  uint T = 0;
  if (k < n && k > 0) {
    uint pmask = 0, need = k;  // need: keys still to take among those matching T on pmask
    for (int shift = 24; shift >= 0; shift -= 8) {
      if (tid < 256) s_hist[tid] = 0;
      barrier();
      for (uint i = tid; i < n; i += WG) {
        uint key = key_of(h, i, n);
        if ((key & pmask) == T) atomicAdd(s_hist[(key >> uint(shift)) & 255u], 1u);
      }
      barrier();
      // suffix sums from the top bin: thread t holds bin 255 - t
      uint cnt = tid < 256 ? s_hist[255 - tid] : 0u;
      uint incl = scan(tid, uvec2(cnt, 0)).x;
      if (tid < 256 && incl >= need && incl - cnt < need) {
        s_bin = 255 - tid;
        s_above = incl - cnt;
      }
      barrier();
      uint bin = s_bin, above = s_above;
      uint whole = s_hist[bin] == need - above ? 1u : 0u;
      barrier();
      T |= bin << uint(shift);
      pmask |= 255u << uint(shift);
      need -= above;
      if (whole != 0) break;  // every key of the bin is taken: T (low bits 0) is a valid threshold
    }
  }
  // contiguous chunks per thread (list order), counts above / equal to T
  uint chunk = (n + WG - 1) / WG;
  uint i0 = min(n, tid * chunk), i1 = min(n, i0 + chunk);
  uint gt = 0, eq = 0;
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    gt += key > T ? 1u : 0u;
    eq += key == T ? 1u : 0u;
  }
  uvec2 incl = scan(tid, uvec2(gt, eq));
  uint total_gt = s_a[WG - 1];
  barrier();
  uint need_eq = k - min(k, total_gt);
  uint rank = incl.y - eq;                           // equal keys before this chunk
  uint out_i = (incl.x - gt) + min(rank, need_eq);   // selected entries before this chunk
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
  // victim: lexicographic min of (stamp, list index), tree reduction
  s_a[tid] = best_ts;
  s_b[tid] = best_i;
  barrier();
  for (uint o = WG / 2; o > 0; o >>= 1) {
    if (tid < o) {
      uint ta = s_a[tid + o], ia = s_b[tid + o];
      if (ta < s_a[tid] || (ta == s_a[tid] && ia < s_b[tid])) {
        s_a[tid] = ta;
        s_b[tid] = ia;
      }
    }
    barrier();
  }
  if (tid == 0) victim[h] = s_b[0];
}
