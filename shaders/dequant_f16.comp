#version 450
// A quantized weight part decoded to f16 once, for the F16 tensor-core matmul (lil_matmul_cfg.w16):
// out[r][c] = W[r][c] as [rows][cols] halves, 8 per invocation (one dq_load8, one uvec4 store).
// Needs cols % 8 == 0. Invocation g = x + y * gl_NumWorkGroups.x * wg covers halves 8g..8g+7.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, set = 0, binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer O { uvec4 outq[]; };
layout(push_constant) uniform Push { uint rows, cols; } pc;

#define DQ_WORD(i) wq[i]
#define DQ_VEC4(i) wq4[i]
#include "dequant.glsl"

void main() {
  uint g = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  uint per_row = pc.cols / 8u;
  if (g >= pc.rows * per_row) return;
  uint r = g / per_row, c = (g % per_row) * 8u;
  float v[8];
  dq_load8(r * dq_row_bytes(pc.cols), c, pc.cols, v);
  outq[g] = uvec4(packHalf2x16(vec2(v[0], v[1])), packHalf2x16(vec2(v[2], v[3])), packHalf2x16(vec2(v[4], v[5])),
                  packHalf2x16(vec2(v[6], v[7])));
}
