#version 450
// F32 -> F16 staging of a matmul's activations (lil_op_matmul_ex with an x16 scratch): element
// i of src becomes half i of dst (packHalf2x16: even element in the low 16 bits), 8 per invocation
// (two vec4 loads, one uvec4 store). n8 = elements / 8; invocation g = x + y * gl_NumWorkGroups.x * wg.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { uvec4 dst[]; };
layout(push_constant) uniform Push { uint n8; } pc;

void main() {
  uint g = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  if (g >= pc.n8) return;
  vec4 lo = src[2u * g], hi = src[2u * g + 1u];
  dst[g] = uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}
