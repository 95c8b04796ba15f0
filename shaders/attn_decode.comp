#version 450
// Flash-decoding over paged K/V: one workgroup per (split, KV head) serves all G query heads of the
// KV head, so each K and V row is read once. The head's page list (count[h] pages, read per step)
// is cut into n_splits ranges; each workgroup writes its unnormalized partial output, running max
// and sum, merged by attn_merge. Slots whose bit is clear in the page's mask are skipped.
// Threads: lane = tid / C over tokens, c = tid % C over 16-byte chunks of a row (C = D / EPC).
// Grid: (n_splits, nh).
#extension GL_GOOGLE_include_directive : require
#include "attn_common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint G = 1;
layout(constant_id = 3) const uint R = 4;  // rows per lane per tile (independent 16-byte loads)
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer KP { uvec4 kpool[]; };
layout(std430, set = 0, binding = 2) readonly buffer VP { uvec4 vpool[]; };
layout(std430, set = 0, binding = 3) readonly buffer Table { uint table[]; };
layout(std430, set = 0, binding = 4) readonly buffer Count { uint count[]; };
layout(std430, set = 0, binding = 5) readonly buffer Mask { uint mask[]; };
layout(std430, set = 0, binding = 6) writeonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 7) writeonly buffer Scores { float scores[]; };
layout(push_constant) uniform Push {
  uint P, cap, n_splits, n_qheads;  // n_qheads: query heads of the layer (partials' row count)
  uint h0;                          // first KV head of this segment
  uint ml_off;                      // float offset of the (max, sum) pairs in part
  uint write_scores;                // 1: raw scores to scores[h][slot][g] (h2o)
  float scale;
} pc;

const uint C = D / EPC;
const uint WG = gl_WorkGroupSize.x;
const uint L = WG / C;
const uint TT = L * R;
shared float red[TT * G * C];
shared float s_p[TT * G];
shared float s_m[G], s_l[G], s_alpha[G];
shared float s_o[L * D];

void main() {
  uint split = gl_WorkGroupID.x, h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint lane = tid / C, c = tid % C;
  bool in_lane = lane < L;
  uint n = count[h];
  uint pps = (n + pc.n_splits - 1) / pc.n_splits;
  uint p_begin = min(n, split * pps), p_end = min(n, p_begin + pps);
  uint u_begin = p_begin * pc.P, u_end = p_end * pc.P;
  uint qh0 = (pc.h0 + h) * G;
  float qv[G][EPC];
  float acc[G][EPC];
  for (uint g = 0; g < G; g++)
    for (uint e = 0; e < EPC; e++) {
      qv[g][e] = in_lane ? q[(qh0 + g) * D + c * EPC + e] * pc.scale : 0.0;
      acc[g][e] = 0.0;
    }
  if (tid < G) {
    s_m[tid] = M_INIT;
    s_l[tid] = 0.0;
  }
  barrier();
  for (uint t0 = u_begin; t0 < u_end; t0 += TT) {
    // scores: partial dot products per chunk
    for (uint r = 0; r < R; r++) {
      uint t = lane + r * L, u = t0 + t;
      bool valid = false;
      uint row = 0;
      if (in_lane && u < u_end) {
        uint page = table[h * pc.cap + u / pc.P];
        valid = (mask[page] & (1u << (u % pc.P))) != 0;
        row = page * pc.P + u % pc.P;
      }
      float e[EPC];
      if (valid) unpack_chunk(kpool[row * C + c], e);
      for (uint g = 0; g < G; g++) {
        float d = 0.0;
        if (valid)
          for (uint i = 0; i < EPC; i++) d += qv[g][i] * e[i];
        if (in_lane) red[(t * G + g) * C + c] = d;
      }
    }
    barrier();
    for (uint i = tid; i < TT * G; i += WG) {
      uint t = i / G, u = t0 + t;
      bool valid = false;
      if (u < u_end) {
        uint page = table[h * pc.cap + u / pc.P];
        valid = (mask[page] & (1u << (u % pc.P))) != 0;
      }
      float s = 0.0;
      for (uint k = 0; k < C; k++) s += red[i * C + k];
      s = valid ? s : NEG_SCORE;
      s_p[i] = s;
      if (pc.write_scores != 0 && u < u_end) scores[(h * pc.cap * pc.P + u) * G + i % G] = s;
    }
    barrier();
    if (tid < G) {
      float mx = M_INIT;
      for (uint t = 0; t < TT; t++) mx = max(mx, s_p[t * G + tid]);
      float m_old = s_m[tid], m_new = max(m_old, mx);
      s_alpha[tid] = exp(m_old - m_new);
      s_m[tid] = m_new;
    }
    barrier();
    for (uint i = tid; i < TT * G; i += WG) {
      float s = s_p[i];
      s_p[i] = s > 0.5 * NEG_SCORE ? exp(s - s_m[i % G]) : 0.0;
    }
    barrier();
    if (tid < G) {
      float sum = 0.0;
      for (uint t = 0; t < TT; t++) sum += s_p[t * G + tid];
      s_l[tid] = s_l[tid] * s_alpha[tid] + sum;
    }
    for (uint g = 0; g < G; g++)
      for (uint e = 0; e < EPC; e++) acc[g][e] *= s_alpha[g];
    for (uint r = 0; r < R; r++) {
      uint t = lane + r * L, u = t0 + t;
      if (!in_lane || u >= u_end) continue;
      uint page = table[h * pc.cap + u / pc.P];
      if ((mask[page] & (1u << (u % pc.P))) == 0) continue;
      float e[EPC];
      unpack_chunk(vpool[(page * pc.P + u % pc.P) * C + c], e);
      for (uint g = 0; g < G; g++) {
        float p = s_p[t * G + g];
        for (uint i = 0; i < EPC; i++) acc[g][i] += p * e[i];
      }
    }
    barrier();
  }
  // reduce the lanes' partial outputs, one query head at a time
  for (uint g = 0; g < G; g++) {
    if (in_lane)
      for (uint e = 0; e < EPC; e++) s_o[lane * D + c * EPC + e] = acc[g][e];
    barrier();
    for (uint d = tid; d < D; d += WG) {
      float o = 0.0;
      for (uint l = 0; l < L; l++) o += s_o[l * D + d];
      part[(split * pc.n_qheads + qh0 + g) * D + d] = o;
    }
    barrier();
  }
  if (tid < G) {
    part[pc.ml_off + (split * pc.n_qheads + qh0 + tid) * 2] = s_m[tid];
    part[pc.ml_off + (split * pc.n_qheads + qh0 + tid) * 2 + 1] = s_l[tid];
  }
}
