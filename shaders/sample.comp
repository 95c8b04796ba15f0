#version 450
// Sampling with a seed, deterministic given (seed, step); mirrored exactly by the CPU reference
// runtime/ops/lil_sampling_ref.c (same candidate set, same order of float operations, same RNG).
// PASS1: workgroup (g, row) selects the top K of its chunk of logits (see topk_select.glsl) into
//        cand[((row * n_groups + g) * K + s) * 2 + {0, 1}] = (ordered key, index); unused slots
//        get index 0xFFFFFFFF.
// PASS2: one workgroup per row selects the top K of the n_groups*K candidates, ranks them (larger
//        logit first, lower index first), then invocation 0, sequentially:
//          p[r]  = exp((l[r] - l[0]) * inv_temp)
//          top-p: keep the shortest prefix whose sum >= top_p * sum(all p)   (top_p < 1)
//          min-p: drop p[r] < min_p * p[0]                                   (min_p > 0)
//          u = uniform(seed, step + row); pick the first r with u * sum(kept) < cumsum(p[0..r])
//        greedy (temperature <= 0, or K == 1, or a non-finite top logit): r = 0.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#ifdef PASS1
#define NO_WRITE_TOKEN
layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Cand { uint cand[]; };
layout(push_constant) uniform Push { uint n_vocab, row_stride, chunk, n_groups, K; } pc;
#else
layout(std430, set = 0, binding = 0) readonly buffer Cand { uint cand[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { uint params[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { uint out_ids[]; };
layout(std430, set = 0, binding = 3) coherent buffer Ring { uint ring[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Next { uint next_ids[]; };
layout(push_constant) uniform Push {
  uint n_groups, K, greedy; float inv_temp, top_p, min_p; uint seed_lo, seed_hi;
  uint step_index, out_index, out_at_step, ring_capacity, has_next, next_index;
} pc;
#endif
#include "token_out.glsl"

#ifdef PASS1
uint sel_count() { return min(pc.chunk, pc.n_vocab - gl_WorkGroupID.x * pc.chunk); }
bool sel_valid(uint j) { return true; }
uint sel_hi(uint j) { return float_key(logits[gl_WorkGroupID.y * pc.row_stride + gl_WorkGroupID.x * pc.chunk + j]); }
uint sel_lo(uint j) { return 0xFFFFFFu - (gl_WorkGroupID.x * pc.chunk + j); }
#else
uint cand_base() { return gl_WorkGroupID.y * pc.n_groups * pc.K; }
uint sel_count() { return pc.n_groups * pc.K; }
bool sel_valid(uint j) { return cand[(cand_base() + j) * 2 + 1] != 0xFFFFFFFFu; }
uint sel_hi(uint j) { return cand[(cand_base() + j) * 2]; }
uint sel_lo(uint j) { return 0xFFFFFFu - cand[(cand_base() + j) * 2 + 1]; }
#endif
#include "topk_select.glsl"

shared uint s_n;
#ifndef PASS1
shared uint c_hi[256], c_lo[256], o_hi[256], o_idx[256];
shared float o_p[256];
#endif

void main() {
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint row = gl_WorkGroupID.y;
  uint m = topk_select(pc.K);
  if (lid == 0) s_n = 0u;
  barrier();
#ifdef PASS1
  uint out0 = (row * pc.n_groups + gl_WorkGroupID.x) * pc.K;
  uint gidx0 = gl_WorkGroupID.x * pc.chunk;
  for (uint j = lid; j < sel_count(); j += wsz) {
    if (!sel_taken(j)) continue;
    uint s = atomicAdd(s_n, 1u);
    cand[(out0 + s) * 2] = sel_hi(j);
    cand[(out0 + s) * 2 + 1] = gidx0 + j;
  }
  for (uint s = m + lid; s < pc.K; s += wsz) {
    cand[(out0 + s) * 2] = 0u;
    cand[(out0 + s) * 2 + 1] = 0xFFFFFFFFu;
  }
#else
  for (uint j = lid; j < sel_count(); j += wsz) {
    if (!sel_taken(j)) continue;
    uint s = atomicAdd(s_n, 1u);
    c_hi[s] = sel_hi(j);
    c_lo[s] = sel_lo(j);
  }
  barrier();
  // rank: composites are unique, so the ranks are a permutation of 0..m-1
  for (uint a = lid; a < m; a += wsz) {
    uint r = 0u;
    for (uint b = 0u; b < m; b++)
      if (c_hi[b] > c_hi[a] || (c_hi[b] == c_hi[a] && c_lo[b] > c_lo[a])) r++;
    o_hi[r] = c_hi[a];
    o_idx[r] = 0xFFFFFFu - c_lo[a];
  }
  barrier();
  float l0 = key_float(o_hi[0]);
  bool greedy = pc.greedy != 0u || m <= 1u || isinf(l0) || isnan(l0);
  for (uint r = lid; r < m; r += wsz) {
    float l = key_float(o_hi[r]);
    precise float x = (l - l0) * pc.inv_temp;
    o_p[r] = isnan(l) ? 0.0 : exp(x);
  }
  barrier();
  if (lid != 0u) return;
  uint pick = 0u;
  if (!greedy) {
    precise float total = 0.0;
    for (uint r = 0u; r < m; r++) total += o_p[r];
    uint keep = m;
    if (pc.top_p < 1.0) {
      precise float cum = 0.0;
      precise float lim = pc.top_p * total;
      for (uint r = 0u; r < m; r++) {
        cum += o_p[r];
        if (cum >= lim) { keep = r + 1u; break; }
      }
    }
    if (pc.min_p > 0.0) {
      precise float lim = pc.min_p * o_p[0];
      for (uint r = 1u; r < keep; r++)
        if (o_p[r] < lim) { keep = r; break; }
    }
    precise float kept = 0.0;
    for (uint r = 0u; r < keep; r++) kept += o_p[r];
    uint h = lil_pcg(pc.seed_lo ^ lil_pcg(pc.seed_hi ^ lil_pcg(params[pc.step_index] + row)));
    precise float u = float(h >> 8) * (1.0 / 16777216.0);
    precise float target = u * kept;
    precise float cum = 0.0;
    pick = keep - 1u;
    for (uint r = 0u; r < keep; r++) {
      cum += o_p[r];
      if (target < cum) { pick = r; break; }
    }
  }
  write_token(row, o_idx[pick]);
#endif
}
