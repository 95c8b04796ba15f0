#version 450
// RMSNorm with an F32 weight, one workgroup per row:
//   y[r][i] = x[r][i] / sqrt(mean(x[r]^2) + eps) * w[i]      (i < dim)
// Row r of x starts at x[r * x_stride], of y at y[r * y_stride] (in floats). Per-token norm: rows =
// tokens, dim = n_embd; per-head norm (Qwen3 Q/K): rows = tokens * heads, dim = head_dim, stride =
// head_dim, one shared [head_dim] weight. In place (x and y bound to the same range) is allowed:
// every element is read before the reduction's barriers and written after them by the same invocation.
// OUT_F16: y is f16 (pairs packed in uints, y_stride in halves; dim and y_stride even): the input of
// a tensor-core matmul written directly, without an F32 copy and a conversion pass.
#extension GL_GOOGLE_include_directive : require
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer W { float w[]; };
#ifdef OUT_F16
layout(std430, set = 0, binding = 2) writeonly buffer Y { uint y2[]; };
#else
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
#endif
layout(push_constant) uniform Push { uint n_rows; uint dim; uint x_stride; uint y_stride; float eps; } pc;

#include "ops_reduce.glsl"

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= pc.n_rows) return; // whole workgroup: uniform
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint xb = row * pc.x_stride, yb = row * pc.y_stride;
  float acc = 0.0;
  for (uint i = lid; i < pc.dim; i += wsz) {
    float v = x[xb + i];
    acc += v * v;
  }
  float ss = wg_sum(acc);
  float inv = inversesqrt(ss / float(pc.dim) + pc.eps);
#ifdef OUT_F16
  for (uint i = lid; i < pc.dim / 2u; i += wsz)
    y2[yb / 2u + i] = packHalf2x16(vec2(x[xb + 2u * i], x[xb + 2u * i + 1u]) * inv * vec2(w[2u * i], w[2u * i + 1u]));
#else
  for (uint i = lid; i < pc.dim; i += wsz) y[yb + i] = x[xb + i] * inv * w[i];
#endif
}
