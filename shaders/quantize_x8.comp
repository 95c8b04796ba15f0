#version 450
// Activation quantization for the integer-dot decode matvec (matvec_x8.comp): x (F32, contiguous
// blocks of 32) -> per block b its int8 values and (d, s), as x8_block.glsl defines them.
// Layout of the output buffer (one binding, read through two aliased views):
//   qs: uvec4 [n_blocks][2]  (block b's bytes 0..31 = q[0..31], in order)
//   ds: vec2  [n_blocks] from vec2 index ds_base: (d, s)
// One invocation per block (two vec4 stores, one vec2 store); invocation
// g = x + y * gl_NumWorkGroups.x * wg.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "x8_block.glsl"
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer X { vec4 xv[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Q { uvec4 qs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer D { vec2 ds[]; };
layout(push_constant) uniform Push {
  uint n_blocks; // blocks of 32 in all columns
  uint ds_base;  // vec2 index of ds[0] in binding 1
} pc;

void main() {
  uint g = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  if (g >= pc.n_blocks) return;
  vec4 v[8];
  [[unroll]] for (uint i = 0u; i < 8u; i++) v[i] = xv[8u * g + i];
  uint w[8];
  vec2 dsb;
  x8_quantize_block(v, w, dsb);
  qs[2u * g] = uvec4(w[0], w[1], w[2], w[3]);
  qs[2u * g + 1u] = uvec4(w[4], w[5], w[6], w[7]);
  ds[pc.ds_base + g] = dsb;
}
