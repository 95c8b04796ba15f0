#version 450
// Token embedding lookup for one weight part: out[t][c] = W[ids[ids_offset + t]][c], decoded to F32.
// The ids come from a buffer (written by an earlier GPU step), so decode never needs the CPU.
// Tokens whose id is not in [first_row, first_row + n_rows) are left to the other parts' dispatches;
// ids >= total_rows give a zero row (written by the dispatch of the last part).
// Dispatch: x covers cols in groups of 4 elements per invocation, y = token.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer WU { uint w_words[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float outv[]; };
layout(push_constant) uniform Push {
  uint cols;
  uint row_bytes;
  uint first_row;
  uint n_rows;
  uint total_rows;
  uint ids_offset;
  uint is_last;
  uint vec4_ok; // cols % 4 == 0
} pc;

#define DQ_WORD(i) w_words[i]
#include "dequant.glsl"

void main() {
  uint t = gl_WorkGroupID.y;
  uint c = gl_GlobalInvocationID.x * 4u;
  if (c >= pc.cols) return;
  uint id = ids[pc.ids_offset + t];
  uint o = t * pc.cols + c;
  if (id >= pc.first_row && id - pc.first_row < pc.n_rows) {
    uint rb = (id - pc.first_row) * pc.row_bytes;
    if (pc.vec4_ok != 0u) {
      vec4 v = dq_vec4(rb, c);
      outv[o] = v.x;
      outv[o + 1u] = v.y;
      outv[o + 2u] = v.z;
      outv[o + 3u] = v.w;
    } else {
      for (uint i = 0u; i < 4u && c + i < pc.cols; i++) outv[o + i] = dq_elem(rb, c + i);
    }
  } else if (pc.is_last != 0u && id >= pc.total_rows) {
    for (uint i = 0u; i < 4u && c + i < pc.cols; i++) outv[o + i] = 0.0;
  }
}
