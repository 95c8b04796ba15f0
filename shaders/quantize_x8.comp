#version 450
// Activation quantization for the integer-dot decode matvec (matvec_x8.comp): x (F32, contiguous
// blocks of 32) -> per block b:
//   q[32] = roundEven(x * 127 / amax) (int8, |q| <= 127), d = amax / 127, s = d * sum(q)
// (amax = max |x| of the block; a zero block gives d = 0, q = 0, s = 0).
// Layout of the output buffer (one binding, read through two aliased views):
//   qs: uvec4 [n_blocks][2]  (block b's bytes 0..31 = q[0..31], in order)
//   ds: vec2  [n_blocks] from vec2 index ds_base: (d, s)
// One invocation per block (two vec4 stores, one vec2 store); invocation
// g = x + y * gl_NumWorkGroups.x * wg.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer X { vec4 xv[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Q { uvec4 qs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer D { vec2 ds[]; };
layout(push_constant) uniform Push {
  uint n_blocks; // blocks of 32 in all columns
  uint ds_base;  // vec2 index of ds[0] in binding 1
} pc;

uint pack4(ivec4 q) {
  uvec4 b = uvec4(q) & 0xffu;
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}

void main() {
  uint g = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  if (g >= pc.n_blocks) return;
  vec4 v[8];
  float amax = 0.0;
  for (uint i = 0u; i < 8u; i++) {
    v[i] = xv[8u * g + i];
    vec4 a = abs(v[i]);
    amax = max(amax, max(max(a.x, a.y), max(a.z, a.w)));
  }
  float d = amax / 127.0;
  float id = amax > 0.0 ? 127.0 / amax : 0.0;
  uint w[8];
  int sum = 0;
  for (uint i = 0u; i < 8u; i++) {
    ivec4 q = ivec4(roundEven(v[i] * id));
    sum += q.x + q.y + q.z + q.w;
    w[i] = pack4(q);
  }
  qs[2u * g] = uvec4(w[0], w[1], w[2], w[3]);
  qs[2u * g + 1u] = uvec4(w[4], w[5], w[6], w[7]);
  ds[pc.ds_base + g] = vec2(d, d * float(sum));
}
