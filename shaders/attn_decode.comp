#version 450
// Flash-decoding over paged K/V: one workgroup per (split, KV head) serves all G query heads of the
// KV head, so each K and V row is read once. The head's page list (count[h] pages, read per step)
// is cut into n_splits ranges of at least min_pages pages (short lists use fewer splits; the rest
// write an empty partial); each workgroup writes its unnormalized partial output, running max and
// sum, merged by attn_merge. Slots whose bit is clear in the page's mask are skipped.
//
// Threads: the workgroup is NG = WG / LPR independent row groups of LPR lanes. A group takes R
// consecutive tokens (one page: R divides P) per iteration, every NG * R tokens; lane c0 of a group
// loads 16-byte chunks c0, c0 + LPR, ... of each row (CPL = C / LPR chunks), so the LPR lanes of a
// group read whole rows, coalesced. Partial dot products are summed over the group's lanes with
// subgroup shuffles (USE_SHUFFLE; LPR is a power of two <= the subgroup size and groups are aligned
// in the subgroup) or, without, LPR = 1 (a lane reads whole rows). Each group keeps its own online
// softmax (max, sum per query head) and output in registers: no barrier in the main loop. The
// groups are merged at the end through shared memory, NS groups per round.
// FUSED_MERGE: no attn_merge dispatch: each working split counts itself in its KV head's arrival
// counter after writing its partial (coherent buffer + memoryBarrierBuffer before the atomic); the
// last split to arrive resets the counter and merges the head's working splits with log-sum-exp
// into out and lse (as attn_merge does).
// QK_APPEND (decode, dense / window lists): the step's q/k transform and KV append folded in (one
// dependent dispatch less per layer: kv_append.comp with QK no longer runs before this kernel): every
// workgroup normalizes (q_has_norm) and rotates its G query heads from the raw projection into
// shared memory; the workgroup whose split holds the step's slot (append_base[h]) does the same for
// the head's K row, uses the new K and V for that slot in its loop (the cache is not read there)
// and stores them in the cache after the loop. The math is kv_append.comp's (QK), element for
// element; the RoPE (cos, sin) pairs once per workgroup in shared memory.
// Grid: (n_splits, nh).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef USE_SHUFFLE
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#include "attn_common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint G = 1;
layout(constant_id = 3) const uint R = 4;    // rows per group per iteration (divides P)
layout(constant_id = 4) const uint LPR = 1;  // lanes per row (1 without USE_SHUFFLE)
layout(constant_id = 5) const uint NS = 1;   // groups merged per round (shared memory: NS * D floats)
layout(constant_id = 6) const uint PF = 1;   // 1: load the next block before computing this one
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
#ifdef QK_APPEND
layout(std430, set = 0, binding = 1) buffer KP { uvec4 kpool[]; };  // the step's row stored after the loop
layout(std430, set = 0, binding = 2) buffer VP { uvec4 vpool[]; };
layout(std430, set = 0, binding = 8) readonly buffer Kin { float kin[]; };  // [KV heads of the layer][D], raw
layout(std430, set = 0, binding = 9) readonly buffer Vin { float vin[]; };
layout(std430, set = 0, binding = 10) readonly buffer Base { uint append_base[]; };  // this segment's
layout(std430, set = 0, binding = 11) readonly buffer QW { float q_norm[]; };
layout(std430, set = 0, binding = 12) readonly buffer KW { float k_norm[]; };
layout(std430, set = 0, binding = 13) readonly buffer Pos { uint positions[]; };  // [0]: the step's position
layout(std430, set = 0, binding = 14) readonly buffer FF { float freq_factors[]; };
#include "rope_common.glsl"
#else
layout(std430, set = 0, binding = 1) readonly buffer KP { uvec4 kpool[]; };
layout(std430, set = 0, binding = 2) readonly buffer VP { uvec4 vpool[]; };
#endif
layout(std430, set = 0, binding = 3) readonly buffer TC { uint table[]; };  // table [nh * cap]; count [nh] at cnt_off
layout(std430, set = 0, binding = 4) readonly buffer Mask { uint mask[]; };
#ifdef FUSED_MERGE
// partials (float bits), lse [n_qheads] at lse_off, arrival counters [KV heads] at arr_off
layout(std430, set = 0, binding = 5) coherent buffer Part { uint part[]; };
layout(std430, set = 0, binding = 5) coherent buffer Part4 { uvec4 part4[]; };  // the same, 16 bytes a load
layout(std430, set = 0, binding = 7) writeonly buffer Out { float outv[]; };
#define PART_W(i, x) part[i] = floatBitsToUint(x)
#define PART_R(i) uintBitsToFloat(part[i])
#else
layout(std430, set = 0, binding = 5) writeonly buffer Part { float part[]; };
#define PART_W(i, x) part[i] = (x)
#endif
layout(std430, set = 0, binding = 6) writeonly buffer Scores { float scores[]; };
layout(push_constant) uniform Push {
  uint P, cap, n_splits, n_qheads;  // n_qheads: query heads of the layer (partials' row count)
  uint h0;                          // first KV head of this segment
  uint ml_off;                      // float offset of the (max, sum) pairs in part
  uint write_scores;                // 1: raw scores to scores[h][slot][g] (h2o)
  float scale;
  uint min_pages;                   // fewest pages per split
  uint cnt_off;                     // word offset of count[] in the TC binding
  uint lse_off, arr_off;            // FUSED_MERGE: lse and arrival counters in part
#ifdef QK_APPEND
  uint n_q;  // kv_append's transform constants (qk_push on the host); n_q unused here
  uint rot_dim, neox, has_ff, q_has_norm, k_has_norm;
  float theta_scale, freq_scale, eps;
#endif
} pc;

const uint C = D / EPC;    // 16-byte chunks per row
const uint CPL = C / LPR;  // chunks per lane
const uint CE = CPL * EPC; // elements per lane
const uint WG = gl_WorkGroupSize.x;
const uint NG = WG / LPR;
const uint OPT = (D + WG - 1) / WG;  // output elements per thread in the merge
shared float s_m[NG * G], s_l[NG * G];
shared float s_o[NS * D];
#ifdef FUSED_MERGE
const uint SWC = 1024 / G;  // G <= 32  // splits per round of the merge (weights in shared memory)
const uint NQ = G * D / 4;          // output quads of the KV head
const uint NSL = WG >= NQ ? WG / NQ : 1u;   // thread slices over the splits
shared uint s_last;
shared float s_w[G * SWC];          // e^(m_s - M) / L per (query head, split of the round)
shared vec4 s_acc[NSL > 1 ? WG : 1];
#if defined(USE_SHUFFLE)
shared float s_red[G * (WG / 4 + 1)];  // per-subgroup partial results (subgroups of >= 4 lanes)
#endif
#endif
#ifdef QK_APPEND
shared float s_row[(G + 1) * D];  // rows 0..G-1: the query heads; row G: the step's K row
shared float s_inv[G + 1];        // their inverse RMS (rows with a norm)
shared vec2 s_cs[D / 2];          // the step's RoPE (cos, sin) per pair

// s_row = rope(norm(raw rows)) for the G query heads from qh0 and, when with_k, KV head kh's K row.
// Uniform control flow; s_row is complete and visible to the workgroup on return.
void qk_transform(uint qh0, uint kh, bool with_k) {
  uint tid = gl_LocalInvocationID.x, NR = with_k ? G + 1 : G, half_rot = pc.rot_dim / 2;
  uint pos = positions[0];
  bool has_ff = pc.has_ff != 0;
  for (uint i = tid; i < NR * D; i += WG) {
    uint r = i / D, d = i % D;
    s_row[i] = r < G ? q[(qh0 + r) * D + d] : kin[kh * D + d];
  }
  for (uint j = tid; j < half_rot; j += WG)
    s_cs[j] = rope_cos_sin(pos, j, pc.theta_scale, has_ff, has_ff ? freq_factors[j] : 1.0, pc.freq_scale);
  barrier();
  if (pc.q_has_norm != 0 || pc.k_has_norm != 0) {
#ifdef USE_SHUFFLE
    for (uint r = gl_SubgroupID; r < NR; r += gl_NumSubgroups) {
      float a = 0.0;
      for (uint d = gl_SubgroupInvocationID; d < D; d += gl_SubgroupSize) a += s_row[r * D + d] * s_row[r * D + d];
      a = subgroupAdd(a);
      if (gl_SubgroupInvocationID == 0) s_inv[r] = inversesqrt(a / float(D) + pc.eps);
    }
#else
    if (tid < NR) {
      float a = 0.0;
      for (uint d = 0; d < D; d++) a += s_row[tid * D + d] * s_row[tid * D + d];
      s_inv[tid] = inversesqrt(a / float(D) + pc.eps);
    }
#endif
    barrier();
  }
  // per row: half_rot rotated pairs, then the D - rot_dim elements past the rotation (each element
  // read and written by one task only)
  uint T = D - half_rot;
  for (uint i = tid; i < NR * T; i += WG) {
    uint r = i / T, j = i % T;
    bool norm = r < G ? pc.q_has_norm != 0 : pc.k_has_norm != 0;
    float inv = norm ? s_inv[r] : 1.0;
    if (j < half_rot) {
      uint a = pc.neox != 0 ? j : 2 * j, b = pc.neox != 0 ? j + half_rot : 2 * j + 1;
      float xa = s_row[r * D + a], xb = s_row[r * D + b];
      if (norm) {
        xa = xa * inv * (r < G ? q_norm[a] : k_norm[a]);
        xb = xb * inv * (r < G ? q_norm[b] : k_norm[b]);
      }
      vec2 y = rope_rotate(xa, xb, s_cs[j]);
      s_row[r * D + a] = y.x;
      s_row[r * D + b] = y.y;
    } else if (norm) {
      uint e = pc.rot_dim + (j - half_rot);
      s_row[r * D + e] = s_row[r * D + e] * inv * (r < G ? q_norm[e] : k_norm[e]);
    }
  }
  barrier();
}

// Chunk c of the step's K row (s_row[G]) / V row (vin), as the cache stores it.
uvec4 new_chunk(bool is_k, uint kh, uint c) {
  float e[EPC];
  [[unroll]] for (uint i = 0; i < EPC; i++) e[i] = is_k ? s_row[G * D + c * EPC + i] : vin[kh * D + c * EPC + i];
  return pack_chunk(e);
}
#endif

void main() {
  uint split = gl_WorkGroupID.x, h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
#ifdef USE_SHUFFLE
  uint gi = gl_SubgroupID * (gl_SubgroupSize / LPR) + gl_SubgroupInvocationID / LPR;
  uint c0 = gl_SubgroupInvocationID % LPR;
#else
  uint gi = tid, c0 = 0;
#endif
  uint n = table[pc.cnt_off + h];
  uint pps = max((n + pc.n_splits - 1) / pc.n_splits, pc.min_pages);
  uint p_begin = min(n, split * pps), p_end = min(n, p_begin + pps);
  uint qh0 = (pc.h0 + h) * G;
  uint ml = pc.ml_off + (split * pc.n_qheads + qh0) * 2;
  if (p_begin == p_end) {  // empty split (uniform): max -1e30, sum 0; attn_merge skips its output
#ifdef FUSED_MERGE
    return;  // not counted: the merge reads the working splits only
#endif
    if (tid < G) {
      PART_W(ml + tid * 2, M_INIT);
      PART_W(ml + tid * 2 + 1, 0.0);
    }
    return;
  }
  uint u_begin = p_begin * pc.P, u_end = p_end * pc.P;
  // Software pipeline: the next block's page, mask and K/V rows are loaded (PF = 1) before the
  // current block is computed. Loads are unconditional (masked slots are in bounds; their scores
  // and values are dropped by selects).
  uint t0 = u_begin + gi * R;
  uint page = t0 < u_end ? table[h * pc.cap + t0 / pc.P] : 0u;
  uint bits = 0;
  uvec4 kw[R][CPL], vw[R][CPL], kn[R][CPL], vn[R][CPL];
  if (t0 < u_end) {
    bits = mask[page] >> (t0 % pc.P);
    [[unroll]] for (uint r = 0; r < R; r++)
      [[unroll]] for (uint k = 0; k < CPL; k++) {
        kw[r][k] = kpool[(page * pc.P + t0 % pc.P + r) * C + c0 + k * LPR];
        vw[r][k] = vpool[(page * pc.P + t0 % pc.P + r) * C + c0 + k * LPR];
      }
  }
  // (QK_APPEND: the first block's loads above are in flight during the transform)
#ifdef QK_APPEND
  uint kh = pc.h0 + h, u_new = append_base[h];  // the step's logical slot in head h's list
  bool mine = u_new >= u_begin && u_new < u_end;  // uniform: this split appends the step's K / V
  qk_transform(qh0, kh, mine);
#define QIN(g, d) s_row[(g) * D + (d)]
#else
#define QIN(g, d) q[(qh0 + (g)) * D + (d)]
#endif
  float qv[G][CE], acc[G][CE], m[G], l[G];
  [[unroll]] for (uint g = 0; g < G; g++) {
    [[unroll]] for (uint k = 0; k < CPL; k++)
      [[unroll]] for (uint e = 0; e < EPC; e++)
        qv[g][k * EPC + e] = QIN(g, (c0 + k * LPR) * EPC + e) * pc.scale;
    [[unroll]] for (uint i = 0; i < CE; i++) acc[g][i] = 0.0;
    m[g] = M_INIT;
    l[g] = 0.0;
  }
  while (t0 < u_end) {
    uint t1 = t0 + NG * R, bits_n = 0;
    if (PF != 0 && t1 < u_end) {
      uint pn = table[h * pc.cap + t1 / pc.P];
      bits_n = mask[pn] >> (t1 % pc.P);
      [[unroll]] for (uint r = 0; r < R; r++)
        [[unroll]] for (uint k = 0; k < CPL; k++) {
          kn[r][k] = kpool[(pn * pc.P + t1 % pc.P + r) * C + c0 + k * LPR];
          vn[r][k] = vpool[(pn * pc.P + t1 % pc.P + r) * C + c0 + k * LPR];
        }
    }
#ifdef QK_APPEND
    if (mine && u_new >= t0 && u_new < t0 + R)  // the step's slot: its K / V from this kernel
      [[unroll]] for (uint r = 0; r < R; r++)
        if (t0 + r == u_new)
          [[unroll]] for (uint k = 0; k < CPL; k++) {
            kw[r][k] = new_chunk(true, kh, c0 + k * LPR);
            vw[r][k] = new_chunk(false, kh, c0 + k * LPR);
          }
#endif
    float s[R][G];
    [[unroll]] for (uint r = 0; r < R; r++) {
      float d[G];
      [[unroll]] for (uint g = 0; g < G; g++) d[g] = 0.0;
      [[unroll]] for (uint k = 0; k < CPL; k++) {
        float e[EPC];
        unpack_chunk(kw[r][k], e);
        [[unroll]] for (uint g = 0; g < G; g++)
          [[unroll]] for (uint i = 0; i < EPC; i++) d[g] += qv[g][k * EPC + i] * e[i];
      }
#ifdef USE_SHUFFLE
      [[unroll]] for (uint o = 1; o < LPR; o <<= 1)
        [[unroll]] for (uint g = 0; g < G; g++) d[g] += subgroupShuffleXor(d[g], o);
#endif
      bool ok = (bits & (1u << r)) != 0;
      [[unroll]] for (uint g = 0; g < G; g++) s[r][g] = ok ? d[g] : NEG_SCORE;
    }
    if (pc.write_scores != 0 && c0 == 0)
      [[unroll]] for (uint r = 0; r < R; r++)
        [[unroll]] for (uint g = 0; g < G; g++) scores[(h * pc.cap * pc.P + t0 + r) * G + g] = s[r][g];
    float pr[R][G];
    [[unroll]] for (uint g = 0; g < G; g++) {
      float mx = m[g];
      [[unroll]] for (uint r = 0; r < R; r++) mx = max(mx, s[r][g]);
      float alpha = exp(m[g] - mx);
      m[g] = mx;
      float sum = 0.0;
      [[unroll]] for (uint r = 0; r < R; r++) {
        pr[r][g] = s[r][g] > 0.5 * NEG_SCORE ? exp(s[r][g] - mx) : 0.0;
        sum += pr[r][g];
      }
      l[g] = l[g] * alpha + sum;
      [[unroll]] for (uint i = 0; i < CE; i++) acc[g][i] *= alpha;
    }
    [[unroll]] for (uint r = 0; r < R; r++) {
      bool ok = (bits & (1u << r)) != 0;
      [[unroll]] for (uint k = 0; k < CPL; k++) {
        float e[EPC];
        unpack_chunk(ok ? vw[r][k] : uvec4(0), e);
        [[unroll]] for (uint g = 0; g < G; g++)
          [[unroll]] for (uint i = 0; i < EPC; i++) acc[g][k * EPC + i] += pr[r][g] * e[i];
      }
    }
    if (t1 < u_end) {
      if (PF != 0) {
        [[unroll]] for (uint r = 0; r < R; r++)
          [[unroll]] for (uint k = 0; k < CPL; k++) {
            kw[r][k] = kn[r][k];
            vw[r][k] = vn[r][k];
          }
        bits = bits_n;
      } else {
        uint pn = table[h * pc.cap + t1 / pc.P];
        bits = mask[pn] >> (t1 % pc.P);
        [[unroll]] for (uint r = 0; r < R; r++)
          [[unroll]] for (uint k = 0; k < CPL; k++) {
            kw[r][k] = kpool[(pn * pc.P + t1 % pc.P + r) * C + c0 + k * LPR];
            vw[r][k] = vpool[(pn * pc.P + t1 % pc.P + r) * C + c0 + k * LPR];
          }
      }
    }
    t0 = t1;
  }
  // merge the groups: common max M, scale factors exp(m - M), sum of the scaled outputs
  if (c0 == 0)
    [[unroll]] for (uint g = 0; g < G; g++) {
      s_m[gi * G + g] = m[g];
      s_l[gi * G + g] = l[g];
    }
  barrier();
#ifdef QK_APPEND
  if (mine) {  // every thread is past its loop: the step's K / V into the cache
    uint row = table[h * pc.cap + u_new / pc.P] * pc.P + u_new % pc.P;
    for (uint c = tid; c < C; c += WG) {
      kpool[row * C + c] = new_chunk(true, kh, c);
      vpool[row * C + c] = new_chunk(false, kh, c);
    }
  }
#endif
  [[unroll]] for (uint g = 0; g < G; g++) {
    float M = M_INIT;
    for (uint j = 0; j < NG; j++) M = max(M, s_m[j * G + g]);
    float f = exp(m[g] - M);
    float o[OPT];
    [[unroll]] for (uint j = 0; j < OPT; j++) o[j] = 0.0;
    for (uint r0 = 0; r0 < NG; r0 += NS) {
      if (gi >= r0 && gi < r0 + NS)
        [[unroll]] for (uint k = 0; k < CPL; k++)
          [[unroll]] for (uint e = 0; e < EPC; e++) s_o[(gi - r0) * D + (c0 + k * LPR) * EPC + e] = acc[g][k * EPC + e] * f;
      barrier();
      [[unroll]] for (uint j = 0; j < OPT; j++) {
        uint d = tid + j * WG;
        if (d < D)
          for (uint x = 0; x < NS && r0 + x < NG; x++) o[j] += s_o[x * D + d];
      }
      barrier();
    }
    [[unroll]] for (uint j = 0; j < OPT; j++) {
      uint d = tid + j * WG;
      if (d < D) PART_W((split * pc.n_qheads + qh0 + g) * D + d, o[j]);
    }
    if (tid == 0) {
      float L = 0.0;
      for (uint j = 0; j < NG; j++) L += s_l[j * G + g] * exp(s_m[j * G + g] - M);
      PART_W(ml + g * 2, M);
      PART_W(ml + g * 2 + 1, L);
    }
  }
#ifdef FUSED_MERGE
  // ---- arrival; the last working split of the head merges
  uint n_work = (n + pps - 1) / pps;
  memoryBarrierBuffer();
  barrier();
  if (tid == 0) s_last = atomicAdd(part[pc.arr_off + pc.h0 + h], 1u) + 1u == n_work ? 1u : 0u;
  barrier();
  if (s_last == 0u) return;
  if (tid == 0) atomicExchange(part[pc.arr_off + pc.h0 + h], 0u);
  memoryBarrierBuffer();
  float Mg[G], Lg[G];
#ifdef USE_SHUFFLE
  // threads over the splits; subgroup reductions, then the subgroups' results through shared memory
  const uint NSG = gl_NumSubgroups;
  [[unroll]] for (uint g = 0; g < G; g++) {
    float mx = M_INIT;
    for (uint sp = tid; sp < n_work; sp += WG) mx = max(mx, PART_R(pc.ml_off + (sp * pc.n_qheads + qh0 + g) * 2));
    mx = subgroupMax(mx);
    if (gl_SubgroupInvocationID == 0) s_red[g * NSG + gl_SubgroupID] = mx;
  }
  barrier();
  [[unroll]] for (uint g = 0; g < G; g++) {
    Mg[g] = M_INIT;
    for (uint j = 0; j < NSG; j++) Mg[g] = max(Mg[g], s_red[g * NSG + j]);
  }
  barrier();
  [[unroll]] for (uint g = 0; g < G; g++) {
    float ls = 0.0;
    for (uint sp = tid; sp < n_work; sp += WG) {
      uint i = pc.ml_off + (sp * pc.n_qheads + qh0 + g) * 2;
      ls += exp(PART_R(i) - Mg[g]) * PART_R(i + 1);
    }
    ls = subgroupAdd(ls);
    if (gl_SubgroupInvocationID == 0) s_red[g * NSG + gl_SubgroupID] = ls;
  }
  barrier();
  [[unroll]] for (uint g = 0; g < G; g++) {
    Lg[g] = 0.0;
    for (uint j = 0; j < NSG; j++) Lg[g] += s_red[g * NSG + j];
  }
#else
  // every thread reduces over all splits (the same loads in every thread)
  [[unroll]] for (uint g = 0; g < G; g++) {
    Mg[g] = M_INIT;
    for (uint sp = 0; sp < n_work; sp++) Mg[g] = max(Mg[g], PART_R(pc.ml_off + (sp * pc.n_qheads + qh0 + g) * 2));
    Lg[g] = 0.0;
    for (uint sp = 0; sp < n_work; sp++) {
      uint i = pc.ml_off + (sp * pc.n_qheads + qh0 + g) * 2;
      Lg[g] += exp(PART_R(i) - Mg[g]) * PART_R(i + 1);
    }
  }
#endif
  [[unroll]] for (uint g = 0; g < G; g++)  // constant indices only: a register array indexed by tid goes to local memory
    if (tid == g) PART_W(pc.lse_off + qh0 + g, Mg[g] + log(Lg[g]));
  // out = sum_s w_s O_s: rounds of SWC splits; weights in shared memory, 16-byte loads of O, the
  // round's splits cut into NSL slices (one per thread group), slices summed through shared memory
  vec4 macc[(NQ + WG - 1) / WG];
  [[unroll]] for (uint j = 0; j < (NQ + WG - 1) / WG; j++) macc[j] = vec4(0.0);
  uint slice = tid / NQ, qd = tid % NQ;  // NSL > 1: thread -> (slice, quad)
  for (uint r0 = 0; r0 < n_work; r0 += SWC) {
    uint rn = min(SWC, n_work - r0);
    barrier();  // the previous round's weights are read
    for (uint x = tid; x < G * rn; x += WG) {
      uint g = x / rn, sp = r0 + x % rn;
      [[unroll]] for (uint gg = 0; gg < G; gg++)
        if (gg == g) {
          uint i = pc.ml_off + (sp * pc.n_qheads + qh0 + gg) * 2;
          float l = PART_R(i + 1);
          s_w[gg * SWC + x % rn] = l > 0.0 ? exp(PART_R(i) - Mg[gg]) / Lg[gg] : 0.0;
        }
    }
    barrier();
    if (NSL > 1) {
      if (slice < NSL) {
        uint g = qd / (D / 4), sp = slice;
        for (; sp + 7 * NSL < rn; sp += 8 * NSL) {  // 8 loads in flight
          uvec4 v[8];
          [[unroll]] for (uint u = 0; u < 8; u++)
            v[u] = part4[(((r0 + sp + u * NSL) * pc.n_qheads + qh0) * D) / 4 + qd];
          [[unroll]] for (uint u = 0; u < 8; u++) macc[0] += s_w[g * SWC + sp + u * NSL] * uintBitsToFloat(v[u]);
        }
        for (; sp < rn; sp += NSL)
          macc[0] += s_w[g * SWC + sp] * uintBitsToFloat(part4[(((r0 + sp) * pc.n_qheads + qh0) * D) / 4 + qd]);
      }
    } else {
      [[unroll]] for (uint j = 0; j < (NQ + WG - 1) / WG; j++) {
        uint qj = tid + j * WG;
        if (qj < NQ) {
          uint g = qj / (D / 4), sp = 0;
          for (; sp + 8 <= rn; sp += 8) {  // 8 loads in flight
            uvec4 v[8];
            [[unroll]] for (uint u = 0; u < 8; u++) v[u] = part4[(((r0 + sp + u) * pc.n_qheads + qh0) * D) / 4 + qj];
            [[unroll]] for (uint u = 0; u < 8; u++) macc[j] += s_w[g * SWC + sp + u] * uintBitsToFloat(v[u]);
          }
          for (; sp < rn; sp++)
            macc[j] += s_w[g * SWC + sp] * uintBitsToFloat(part4[(((r0 + sp) * pc.n_qheads + qh0) * D) / 4 + qj]);
        }
      }
    }
  }
  if (NSL > 1) {
    s_acc[tid] = macc[0];
    barrier();
    if (tid < NQ) {
      vec4 o = vec4(0.0);
      for (uint x = 0; x < NSL; x++) o += s_acc[x * NQ + tid];
      uint g = tid / (D / 4), d = (tid % (D / 4)) * 4;
      [[unroll]] for (uint e = 0; e < 4; e++) outv[(qh0 + g) * D + d + e] = o[e];
    }
  } else {
    [[unroll]] for (uint j = 0; j < (NQ + WG - 1) / WG; j++) {
      uint qj = tid + j * WG;
      if (qj < NQ) {
        uint g = qj / (D / 4), d = (qj % (D / 4)) * 4;
        [[unroll]] for (uint e = 0; e < 4; e++) outv[(qh0 + g) * D + d + e] = macc[j][e];
      }
    }
  }
#endif
}
