#version 450
// Quest page selection in one dispatch: page scores and, in the last workgroup of each KV head to
// finish, the top-k (replaces quest_score + page_topk; same scores, same order and ties).
//
// Scoring: workgroup x of KV head h scores list entries [x*PPB, x*PPB + PPB) of the head's count[h]
// pages: the upper bound of q.k inside the page, sum_i max(q_i*max_i, q_i*min_i), combined over
// the G query heads of the KV head by MAX. LPP lanes per page (a power of two <= the subgroup size
// dividing the row's 16-byte chunks; partial sums by subgroup shuffles). Each working workgroup
// writes its scores, then counts itself in the head's arrival counter; the last one to arrive
// (the others' score writes are visible to it: coherent buffer + memoryBarrierBuffer before the
// atomic) resets the counter and selects.
//
// Selection (one workgroup, subgroup scans): order = key(score) descending with the newest page
// (list index n-1) forced to the top, ties to the lower list index (= attn_ref_topk; -0.0 counts
// as +0.0). The k-th largest key T is found by a radix select over order-preserving uint keys in
// 3 passes of 11/11/10 bits (a 2048-bin shared histogram, counts above each bin by one subgroup
// exclusive scan + the subgroup totals; stops early when the bin holding the k-th key is taken
// whole). Keys are cached in shared memory up to KCAP pages (the rest are re-read). Selected:
// key > T, and the first k - #(key > T) entries with key == T in list order.
// MODE 0 (quest): k = min(k, n); writes the selected physical pages in list order to
// sel[h*cap + j] and k to sel[cnt_off + h].
// MODE 1 (raas): k = ceil(n / 2); stamps ts[page] = step[0] of the selected pages (protected pages,
// ts = 0xffffffff, are left alone) and writes the victim: the unprotected list entry with the oldest
// stamp (lower list index on ties) to victim[h] (0xffffffff: none).
// Grid: (ceil(cap / PPB), nh). Workgroups past the head's pages return at once.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "attn_common.glsl"
layout(local_size_x_id = 0) in;                  // a power of two in 64..2048, a multiple of the subgroup size
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint G = 1;
layout(constant_id = 3) const uint LPP = 1;      // lanes per page
layout(constant_id = 4) const uint PPB = 64;     // pages per workgroup, a multiple of WG / LPP
layout(constant_id = 5) const uint KCAP = 4096;  // keys cached in shared memory
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer MM { uvec4 minmax[]; };
layout(std430, set = 0, binding = 2) readonly buffer TC { uint tc[]; };  // table [nh * cap]; count [nh] at cnt_off
layout(std430, set = 0, binding = 3) coherent buffer SC { uint sc[]; };  // scores (float bits); counters at cnt_off
layout(std430, set = 0, binding = 4) writeonly buffer Sel { uint sel[]; };  // selection; its count at cnt_off
layout(std430, set = 0, binding = 5) buffer Ts { uint ts[]; };              // by segment-local page
layout(std430, set = 0, binding = 6) writeonly buffer Victim { uint victim[]; };
layout(std430, set = 0, binding = 7) readonly buffer Step { uint step[]; };  // step[0]: position
layout(push_constant) uniform Push { uint cap, h0, k, mode, cnt_off; } pc;

const uint C = D / EPC;    // 16-byte chunks per min/max row
const uint CPL = C / LPP;  // chunks per lane
const uint CE = CPL * EPC;
const uint WG = gl_WorkGroupSize.x;
const uint NPG = WG / LPP;  // pages scored per round
const uint NB = 2048;       // histogram bins
const uint BPT = NB / WG;   // bins per thread
const uint NONE = 0xffffffffu;
shared uint s_key[KCAP];
shared uint s_hist[NB];
shared uint s_ta[128], s_tb[128];  // per-subgroup totals (at most 128 subgroups)
shared uint s_misc[4];

uint key_load(uint h, uint i, uint n) {
  if (i == n - 1) return NONE;
  uint b = sc[h * pc.cap + i];
  if (b == 0x80000000u) b = 0u;  // -0.0 ties with +0.0
  return (b & 0x80000000u) != 0 ? ~b : (b | 0x80000000u);
}

uint key_of(uint h, uint i, uint n) { return i < KCAP ? s_key[i] : key_load(h, i, n); }

// Sum of s_ta (which = 0) or s_tb (which = 1) over subgroups [0, end) (end uniform in the subgroup).
uint totals_before(uint end, uint which) {
  uint off = 0;
  for (uint j0 = 0; j0 < end; j0 += gl_SubgroupSize) {
    uint j = j0 + gl_SubgroupInvocationID;
    off += subgroupAdd(j < end ? (which == 0 ? s_ta[j] : s_tb[j]) : 0u);
  }
  return off;
}

void main() {
  uint h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint sgid = gl_SubgroupID, lane = gl_SubgroupInvocationID, last_lane = gl_SubgroupSize - 1;
  uint n = tc[pc.cnt_off + h];
  if (n == 0) {  // nothing cached: empty selection / no victim
    if (gl_WorkGroupID.x == 0 && tid == 0) {
      if (pc.mode == 0) sel[pc.cnt_off + h] = 0;
      else victim[h] = NONE;
    }
    return;
  }
  uint nblk = (n + PPB - 1) / PPB;
  if (gl_WorkGroupID.x >= nblk) return;

  // ---- scores of this workgroup's pages
  uint pg = sgid * (gl_SubgroupSize / LPP) + lane / LPP, c0 = lane % LPP;
  uint qh0 = (pc.h0 + h) * G;
  float qv[G][CE];
  [[unroll]] for (uint g = 0; g < G; g++)
    [[unroll]] for (uint k = 0; k < CPL; k++)
      [[unroll]] for (uint e = 0; e < EPC; e++) qv[g][k * EPC + e] = q[(qh0 + g) * D + (c0 + k * LPP) * EPC + e];
  uint pbeg = gl_WorkGroupID.x * PPB, pend = min(n, pbeg + PPB);
  for (uint p = pbeg + pg; p < pbeg + PPB; p += NPG) {  // the same trip count in every lane
    bool ok = p < pend;
    uvec4 lo[CPL], hi[CPL];
    if (ok) {
      uint page = tc[h * pc.cap + p];
      [[unroll]] for (uint k = 0; k < CPL; k++) {
        lo[k] = minmax[page * 2 * C + c0 + k * LPP];
        hi[k] = minmax[page * 2 * C + C + c0 + k * LPP];
      }
    } else {
      [[unroll]] for (uint k = 0; k < CPL; k++) lo[k] = hi[k] = uvec4(0);
    }
    float best = 0.0;
    [[unroll]] for (uint g = 0; g < G; g++) {
      float s = 0.0;
      [[unroll]] for (uint k = 0; k < CPL; k++) {
        float l[EPC], u[EPC];
        unpack_chunk(lo[k], l);
        unpack_chunk(hi[k], u);
        [[unroll]] for (uint e = 0; e < EPC; e++) {
          float x = qv[g][k * EPC + e];
          s += max(x * l[e], x * u[e]);
        }
      }
      [[unroll]] for (uint o = 1; o < LPP; o <<= 1) s += subgroupShuffleXor(s, o);
      best = g == 0 ? s : max(best, s);
    }
    if (ok && c0 == 0) sc[h * pc.cap + p] = floatBitsToUint(best);
  }

  // ---- arrival: the last workgroup of the head selects
  memoryBarrierBuffer();
  barrier();
  if (tid == 0) s_misc[0] = atomicAdd(sc[pc.cnt_off + h], 1u) + 1u == nblk ? 1u : 0u;
  barrier();
  if (s_misc[0] == 0u) return;
  if (tid == 0) atomicExchange(sc[pc.cnt_off + h], 0u);
  memoryBarrierBuffer();

  uint k = pc.mode == 0 ? min(pc.k, n) : (n + 1) / 2;
  for (uint i = tid; i < min(n, KCAP); i += WG) s_key[i] = key_load(h, i, n);
  for (uint b = tid; b < NB; b += WG) s_hist[b] = 0;
  barrier();
  uint T = 0;
  if (k < n) {
    uint prefix = 0, pmask = 0, need = k;  // need: keys still to take among those matching prefix on pmask
    [[unroll]] for (uint pass = 0; pass < 3; pass++) {
      uint shift = pass == 0 ? 21u : pass == 1 ? 10u : 0u;
      uint wmask = pass == 2 ? 1023u : 2047u;
      for (uint i = tid; i < n; i += WG) {
        uint key = key_of(h, i, n);
        if ((key & pmask) == prefix) atomicAdd(s_hist[(key >> shift) & wmask], 1u);
      }
      barrier();
      // thread t owns bins NB-1 - (t*BPT + j), j < BPT (descending); it clears them after reading
      uint cnts[BPT];
      uint local = 0;
      [[unroll]] for (uint j = 0; j < BPT; j++) {
        uint b = NB - 1 - (tid * BPT + j);
        cnts[j] = s_hist[b];
        s_hist[b] = 0;
        local += cnts[j];
      }
      uint above = subgroupExclusiveAdd(local);
      if (lane == last_lane) s_ta[sgid] = above + local;
      barrier();
      above += totals_before(sgid, 0);
      if (above < need && above + local >= need) {  // the bin holding the need-th key is one of mine
        [[unroll]] for (uint j = 0; j < BPT; j++) {
          if (above + cnts[j] >= need) {
            s_misc[1] = NB - 1 - (tid * BPT + j);
            s_misc[2] = above;
            s_misc[3] = cnts[j];
            break;
          }
          above += cnts[j];
        }
      }
      barrier();
      uint bin = s_misc[1], cnt = s_misc[3];
      prefix |= bin << shift;
      pmask |= wmask << shift;
      need -= s_misc[2];
      if (cnt == need) break;  // every key of the bin is taken: prefix (low bits 0) is a valid threshold
    }
    T = prefix;
  }

  // ---- selected entries in list order: contiguous chunks per thread, counts above / equal to T
  uint chunk = (n + WG - 1) / WG;
  uint i0 = min(n, tid * chunk), i1 = min(n, i0 + chunk);
  uint gt = 0, eq = 0;
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    gt += key > T ? 1u : 0u;
    eq += key == T ? 1u : 0u;
  }
  uint gt_before = subgroupExclusiveAdd(gt), eq_before = subgroupExclusiveAdd(eq);
  if (lane == last_lane) {
    s_ta[sgid] = gt_before + gt;
    s_tb[sgid] = eq_before + eq;
  }
  barrier();
  gt_before += totals_before(sgid, 0);
  eq_before += totals_before(sgid, 1);
  uint total_gt = totals_before(gl_NumSubgroups, 0);
  uint need_eq = k - min(k, total_gt);
  uint rank = eq_before;                               // equal keys before this chunk
  uint out_i = gt_before + min(rank, need_eq);         // selected entries before this chunk
  uint best_ts = NONE, best_i = NONE, now = step[0];
  for (uint i = i0; i < i1; i++) {
    uint key = key_of(h, i, n);
    bool selected = key > T || (key == T && rank++ < need_eq);
    uint page = tc[h * pc.cap + i];
    if (pc.mode == 0) {
      if (selected) sel[h * pc.cap + out_i++] = page;
    } else {
      uint t = ts[page];
      if (t != NONE) {
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
    if (tid == 0) sel[pc.cnt_off + h] = k;
    return;
  }
  // victim: lexicographic min of (stamp, list index)
  uint mt = subgroupMin(best_ts);
  uint mi = subgroupMin(best_ts == mt ? best_i : NONE);
  barrier();  // the totals above are read
  if (lane == 0) {
    s_ta[sgid] = mt;
    s_tb[sgid] = mi;
  }
  barrier();
  if (tid == 0) {
    uint bt = NONE, bi = NONE;
    for (uint j = 0; j < gl_NumSubgroups; j++)
      if (s_ta[j] < bt || (s_ta[j] == bt && s_tb[j] < bi)) {
        bt = s_ta[j];
        bi = s_tb[j];
      }
    victim[h] = bi;
  }
}
