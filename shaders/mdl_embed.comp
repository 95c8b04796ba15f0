#version 450
// Private to runtime/model: out[t][i] = W[ids[ids_off + t]][i] for ids inside this part's rows.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Wb { uint W[]; };
layout(std430, binding = 1) readonly buffer Ib { uint ids[]; };
layout(std430, binding = 2) buffer Ob { float O[]; };
layout(push_constant) uniform P { uint cols, row_bytes, first_row, n_rows, ids_off; } pc;
#include "mdl_weight.glsl"
void main() {
  uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
  uint id = ids[pc.ids_off + t];
  if (i >= pc.cols || id < pc.first_row || id >= pc.first_row + pc.n_rows) return;
  O[t * pc.cols + i] = mdl_wload((id - pc.first_row) * pc.row_bytes, i);
}
