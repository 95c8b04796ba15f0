#version 450
// Fused per-head RMSNorm + RoPE of Q and K in one dispatch, in place, equal to running rmsnorm.comp
// (per head, when the norm's flag is set) then rope.comp on each of them. Q is [n_tokens][n_q][head_dim]
// (token t at q[t * q_stride]), K [n_tokens][n_k][head_dim] (at k[t * k_stride]). The heads of a token
// are ordered its n_q Q heads then its n_k K heads; one workgroup takes heads_per_group consecutive
// heads of one token (workgroup w: token w / groups, heads from (w % groups) * heads_per_group), one
// after another. The (cos, sin) of each pair depend only on the token's position, so the workgroup
// computes them once into shared memory (rot_dim/2 <= CS_MAX; wider rotations compute them per head).
// Per row: inv = 1 / sqrt(mean(x^2) + eps), x[i] *= inv * w[i] (w the Q or K norm weight, [head_dim]),
// then the pairs i < rot_dim/2 rotated as in rope.comp (angle from rope_common.glsl); elements
// rot_dim.. are only normalized. In place is safe: the sum of squares reads the row before the
// reduction's barriers; after them every element is read and written by the one invocation owning
// its pair (or its tail index).
#extension GL_GOOGLE_include_directive : require
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) buffer K { float k[]; };
layout(std430, set = 0, binding = 2) readonly buffer QW { float qw[]; };
layout(std430, set = 0, binding = 3) readonly buffer KW { float kw[]; };
layout(std430, set = 0, binding = 4) readonly buffer Pos { uint positions[]; };
layout(std430, set = 0, binding = 5) readonly buffer FF { float freq_factors[]; };
layout(push_constant) uniform Push {
  uint n_tokens, n_q, n_k, head_dim, rot_dim, q_stride, k_stride, neox, has_ff, q_has_norm, k_has_norm;
  float theta_scale, freq_scale, eps;
  uint heads_per_group;
} pc;

#define CS_MAX 256
shared vec2 cs_sh[CS_MAX];

#include "ops_reduce.glsl"
#include "rope_common.glsl"

float load(bool is_q, uint idx) { return is_q ? q[idx] : k[idx]; }
void store(bool is_q, uint idx, float v) {
  if (is_q) q[idx] = v;
  else k[idx] = v;
}
float weight(bool is_q, uint i) { return is_q ? qw[i] : kw[i]; }

void main() {
  uint heads = pc.n_q + pc.n_k;
  uint groups = (heads + pc.heads_per_group - 1) / pc.heads_per_group;
  uint wgi = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (wgi >= pc.n_tokens * groups) return; // whole workgroup: uniform
  uint t = wgi / groups, h0 = (wgi % groups) * pc.heads_per_group;
  uint h1 = min(heads, h0 + pc.heads_per_group);
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint half_rot = pc.rot_dim / 2;
  uint pos = positions[t];
  bool has_ff = pc.has_ff != 0;
  bool table = half_rot <= CS_MAX; // uniform
  if (table) {
    for (uint i = lid; i < half_rot; i += wsz)
      cs_sh[i] = rope_cos_sin(pos, i, pc.theta_scale, has_ff, has_ff ? freq_factors[i] : 1.0, pc.freq_scale);
    barrier();
  }
  for (uint h = h0; h < h1; h++) { // uniform
    bool is_q = h < pc.n_q;
    uint base = is_q ? t * pc.q_stride + h * pc.head_dim : t * pc.k_stride + (h - pc.n_q) * pc.head_dim;
    bool norm = is_q ? pc.q_has_norm != 0 : pc.k_has_norm != 0;
    float inv = 1.0;
    if (norm) {
      float acc = 0.0;
      for (uint i = lid; i < pc.head_dim; i += wsz) {
        float v = load(is_q, base + i);
        acc += v * v;
      }
      float ss = wg_sum(acc);
      inv = inversesqrt(ss / float(pc.head_dim) + pc.eps);
    }
    for (uint i = lid; i < half_rot; i += wsz) {
      uint a = pc.neox != 0 ? i : 2 * i;
      uint b = pc.neox != 0 ? i + half_rot : 2 * i + 1;
      float x0 = load(is_q, base + a), x1 = load(is_q, base + b);
      if (norm) {
        x0 = x0 * inv * weight(is_q, a);
        x1 = x1 * inv * weight(is_q, b);
      }
      vec2 cs = table ? cs_sh[i]
                      : rope_cos_sin(pos, i, pc.theta_scale, has_ff, has_ff ? freq_factors[i] : 1.0, pc.freq_scale);
      vec2 y = rope_rotate(x0, x1, cs);
      store(is_q, base + a, y.x);
      store(is_q, base + b, y.y);
    }
    if (norm)
      for (uint i = pc.rot_dim + lid; i < pc.head_dim; i += wsz)
        store(is_q, base + i, load(is_q, base + i) * inv * weight(is_q, i));
  }
}
