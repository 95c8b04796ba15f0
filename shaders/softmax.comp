#version 450
// Row softmax (numerically stable), one workgroup per row. Row (t, h) (token t < n_tokens, h <
// rows_per_token) is the cols floats at x[(t * rows_per_token + h) * row_stride]:
//   len = has_len ? clamp(int(lens[len_index]) + len_add + int(causal * t), 0, cols) : cols
//   y[j] = exp(scale * x[j] - max) / sum            for j < len
//   y[j] = 0                                        for len <= j < cols
// (max and sum over j < len). In place allowed (x and y bound to the same range).
#extension GL_GOOGLE_include_directive : require
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
layout(std430, set = 0, binding = 2) readonly buffer L { uint lens[]; };
layout(push_constant) uniform Push {
  uint n_tokens, rows_per_token, cols, row_stride; float scale;
  uint has_len, len_index; int len_add; uint causal;
} pc;

#include "ops_reduce.glsl"

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= pc.n_tokens * pc.rows_per_token) return; // whole workgroup
  uint t = row / pc.rows_per_token;
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint len = pc.cols;
  if (pc.has_len != 0) {
    int l = int(lens[pc.len_index]) + pc.len_add + int(pc.causal * t);
    len = uint(clamp(l, 0, int(pc.cols)));
  }
  uint b = row * pc.row_stride;
  float m = -1.0 / 0.0;
  for (uint j = lid; j < len; j += wsz) m = max(m, pc.scale * x[b + j]);
  m = wg_max(m);
  float acc = 0.0;
  for (uint j = lid; j < len; j += wsz) acc += exp(pc.scale * x[b + j] - m);
  float inv = 1.0 / wg_sum(acc);
  for (uint j = lid; j < pc.cols; j += wsz) y[b + j] = j < len ? exp(pc.scale * x[b + j] - m) * inv : 0.0;
}
