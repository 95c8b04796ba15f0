#version 450
// Rotary position embedding, in place on Q or K laid out [n_tokens][n_heads][head_dim] (token t at
// data[t * token_stride], head h at + h * head_dim). For pair i < rot_dim/2 of every head the angle
// is rope_common.glsl's (freq_factors[i] divides it when HAS_FF) and
//   normal: (x[2i], x[2i+1]) rotated;  neox: (x[i], x[i + rot_dim/2]) rotated
// Elements at rot_dim.. are untouched. pos = positions[t] (a uint32 binding, per-token dynamic).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) buffer Data { float data[]; };
layout(std430, set = 0, binding = 1) readonly buffer Pos { uint positions[]; };
layout(std430, set = 0, binding = 2) readonly buffer FF { float freq_factors[]; };
layout(push_constant) uniform Push {
  uint n_tokens, n_heads, head_dim, rot_dim, token_stride, neox, has_ff;
  float theta_scale, freq_scale;
} pc;

#include "rope_common.glsl"

void main() {
  uint half_rot = pc.rot_dim / 2;
  uint j = gl_GlobalInvocationID.x; // pair index over heads
  uint t = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y;
  if (j >= pc.n_heads * half_rot || t >= pc.n_tokens) return;
  uint h = j / half_rot, i = j % half_rot;
  bool has_ff = pc.has_ff != 0;
  vec2 cs = rope_cos_sin(positions[t], i, pc.theta_scale, has_ff, has_ff ? freq_factors[i] : 1.0, pc.freq_scale);
  uint base = t * pc.token_stride + h * pc.head_dim;
  uint a = pc.neox != 0 ? base + i : base + 2 * i;
  uint b = pc.neox != 0 ? base + i + half_rot : base + 2 * i + 1;
  vec2 y = rope_rotate(data[a], data[b], cs);
  data[a] = y.x;
  data[b] = y.y;
}
