#version 450
// Applies the host's per-step update list to the attention state buffer (page tables, counts,
// append slots, masks, timestamps, scores): state[idx[i]] = val[i] for i < n.
// The list lives in host-visible memory: word 0 = n, pairs (index, value) from word 4.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) buffer State { uint state[]; };
layout(std430, set = 0, binding = 1) readonly buffer Updates { uint upd[]; };

void main() {
  uint n = upd[0];
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) state[upd[4 + 2 * i]] = upd[5 + 2 * i];
}
