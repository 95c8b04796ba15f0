#version 450
// Argmax over rows of logits in two passes (lowest index wins ties; NaN counts as below -inf).
// PASS1: workgroup (g, row) reduces logits[row * row_stride + g*chunk ..] to one (key, ~index) pair
//        in partial[(row * n_groups + g) * 2 + {0, 1}] (key: ordered float bits, see token_out.glsl).
// PASS2: one workgroup per row reduces the n_groups pairs and writes the id (write_token).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
#ifdef PASS1
#define NO_WRITE_TOKEN
layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Partial { uint partial[]; };
layout(push_constant) uniform Push { uint n_vocab, row_stride, chunk, n_groups; } pc;
#else
layout(std430, set = 0, binding = 0) readonly buffer Partial { uint partial[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { uint params[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { uint out_ids[]; };
layout(std430, set = 0, binding = 3) coherent buffer Ring { uint ring[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Next { uint next_ids[]; };
layout(push_constant) uniform Push {
  uint n_groups, step_index, out_index, out_at_step, ring_capacity, has_next, next_index;
} pc;
#endif
#include "token_out.glsl"

shared uint rk[1024], rl[1024];

void main() {
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  uint row = gl_WorkGroupID.y;
  uint bk = 0u, bl = 0u; // (key, ~index); (0, 0) loses to everything real
#ifdef PASS1
  uint g = gl_WorkGroupID.x;
  uint begin = g * pc.chunk, end = min(pc.n_vocab, begin + pc.chunk);
  for (uint j = begin + lid; j < end; j += wsz) {
    uint k = float_key(logits[row * pc.row_stride + j]), l = ~j;
    if (k > bk || (k == bk && l > bl)) { bk = k; bl = l; }
  }
#else
  for (uint j = lid; j < pc.n_groups; j += wsz) {
    uint b = (row * pc.n_groups + j) * 2;
    uint k = partial[b], l = partial[b + 1];
    if (k > bk || (k == bk && l > bl)) { bk = k; bl = l; }
  }
#endif
  rk[lid] = bk;
  rl[lid] = bl;
  barrier();
  for (uint s = wsz / 2; s > 0; s >>= 1) {
    if (lid < s) {
      uint k = rk[lid + s], l = rl[lid + s];
      if (k > rk[lid] || (k == rk[lid] && l > rl[lid])) { rk[lid] = k; rl[lid] = l; }
    }
    barrier();
  }
  if (lid != 0) return;
#ifdef PASS1
  partial[(row * pc.n_groups + g) * 2] = rk[0];
  partial[(row * pc.n_groups + g) * 2 + 1] = rl[0];
#else
  write_token(row, ~rl[0]);
#endif
}
