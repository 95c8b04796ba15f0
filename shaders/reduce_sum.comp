#version 450
// Partial sums: out[wg] = sum of in[wg*chunk .. min(n, (wg+1)*chunk)).
// Workgroup reduction through subgroupAdd when USE_SUBGROUP is defined, shared memory otherwise.
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float partial[]; };
layout(push_constant) uniform Push { uint n; uint chunk; } pc;

shared float red[1024];

void main() {
  uint wg = gl_WorkGroupID.x, lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint begin = wg * pc.chunk;
  uint end = min(pc.n, begin + pc.chunk);
  float acc = 0.0;
  for (uint i = begin + lid; i < end; i += wsz) acc += x[i];
#ifdef USE_SUBGROUP
  acc = subgroupAdd(acc);
  if (gl_SubgroupInvocationID == 0) red[gl_SubgroupID] = acc;
  barrier();
  if (lid == 0) {
    float s = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; i++) s += red[i];
    partial[wg] = s;
  }
#else
  red[lid] = acc;
  barrier();
  for (uint s = wsz / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  if (lid == 0) partial[wg] = red[0];
#endif
}
