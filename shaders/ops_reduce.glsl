// Workgroup reductions shared by the basic ops (rmsnorm, softmax).
// The includer declares layout(local_size_x_id = 0) in; and, when USE_SUBGROUP is defined, enables
// GL_KHR_shader_subgroup_arithmetic. The workgroup size must be a power of two <= 1024 (the ops
// layer guarantees it). Every invocation must call these in uniform control flow; all get the result.
shared float lil_red[1024];

float wg_sum(float v) {
#ifdef USE_SUBGROUP
  v = subgroupAdd(v);
  if (gl_SubgroupInvocationID == 0) lil_red[gl_SubgroupID] = v;
  barrier();
  float s = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; i++) s += lil_red[i];
  barrier();
  return s;
#else
  uint lid = gl_LocalInvocationID.x;
  lil_red[lid] = v;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (lid < s) lil_red[lid] += lil_red[lid + s];
    barrier();
  }
  float r = lil_red[0];
  barrier();
  return r;
#endif
}

float wg_max(float v) {
#ifdef USE_SUBGROUP
  v = subgroupMax(v);
  if (gl_SubgroupInvocationID == 0) lil_red[gl_SubgroupID] = v;
  barrier();
  float m = lil_red[0];
  for (uint i = 1; i < gl_NumSubgroups; i++) m = max(m, lil_red[i]);
  barrier();
  return m;
#else
  uint lid = gl_LocalInvocationID.x;
  lil_red[lid] = v;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (lid < s) lil_red[lid] = max(lil_red[lid], lil_red[lid + s]);
    barrier();
  }
  float r = lil_red[0];
  barrier();
  return r;
#endif
}
