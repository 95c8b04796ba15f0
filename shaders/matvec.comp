#version 450
// Decode matrix-vector product for one weight part: for each column n < NCOLS of x,
//   y[n][y_base + r] (+)= sum_c W[r][c] * x[n][c]     (r < rows of this part)
// W is read as uint words and decoded in registers (dequant.glsl); activations and accumulation
// are F32. A workgroup computes ROWS rows; its threads stride over the row's units (consecutive
// threads read consecutive bytes) and each thread reuses its x loads over the ROWS rows.
// Reduction: subgroupAdd (USE_SUBGROUP) or a shared-memory tree (workgroup size a power of two).
// Workgroups beyond 65535 continue in the y dimension of the dispatch.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 2;
layout(constant_id = 2) const uint NCOLS = 1;

layout(std430, set = 0, binding = 0) readonly buffer WU { uint w_words[]; };
layout(std430, set = 0, binding = 0) readonly buffer WV { uvec4 w_vec4[]; };
layout(std430, set = 0, binding = 1) readonly buffer XS { float x_s[]; };
layout(std430, set = 0, binding = 1) readonly buffer XV { vec4 x_v[]; };
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows of this part
  uint cols;
  uint row_bytes;
  uint y_base;     // index in y of this part's first row
  uint y_stride;   // floats between the columns of y
  uint x_stride;   // floats between the columns of x (a multiple of 4 for the unit path)
  uint accumulate; // 1: y += W x
  uint units;      // 1: coalesced unit path (dq_units_ok and x_stride % 4 == 0), 0: per element
} pc;

#define DQ_WORD(i) w_words[i]
#define DQ_VEC4(i) w_vec4[i]
#include "dequant.glsl"

const uint WG = gl_WorkGroupSize.x;
const uint NP = ROWS * NCOLS;
#ifdef USE_SUBGROUP
shared float red[((WG + 3u) / 4u) * NP]; // one slot per subgroup (subgroups have >= 4 invocations)
#else
shared float red[WG * NP];
#endif

void main() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint row0 = group * ROWS;
  if (row0 >= pc.rows) return; // uniform over the workgroup
  uint tid = gl_LocalInvocationID.x;
  uint last = pc.rows - 1u;

  float acc[ROWS][NCOLS];
  [[unroll]] for (uint r = 0u; r < ROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) acc[r][n] = 0.0;

  uint rb[ROWS];
  [[unroll]] for (uint r = 0u; r < ROWS; r++) rb[r] = min(row0 + r, last) * pc.row_bytes;

  if (pc.units != 0u) {
    uint nu = dq_units(pc.cols);
    for (uint u = tid; u < nu; u += WG) {
      dq_unit wu[ROWS];
      [[unroll]] for (uint r = 0u; r < ROWS; r++) wu[r] = dq_load_unit(rb[r], u);
      [[unroll]] for (uint v = 0u; v < DQ_NV; v++) {
        uint c4 = dq_unit_col(u, v) >> 2u;
        vec4 wv[ROWS];
        [[unroll]] for (uint r = 0u; r < ROWS; r++) wv[r] = dq_unit_vec4(wu[r], v);
        [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
          vec4 xv = x_v[n * (pc.x_stride >> 2u) + c4];
          [[unroll]] for (uint r = 0u; r < ROWS; r++) acc[r][n] += dot(wv[r], xv);
        }
      }
    }
  } else {
    for (uint c = tid; c < pc.cols; c += WG) {
      float wv[ROWS];
      [[unroll]] for (uint r = 0u; r < ROWS; r++) wv[r] = dq_elem(rb[r], c);
      [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
        float xv = x_s[n * pc.x_stride + c];
        [[unroll]] for (uint r = 0u; r < ROWS; r++) acc[r][n] += wv[r] * xv;
      }
    }
  }

#ifdef USE_SUBGROUP
  [[unroll]] for (uint r = 0u; r < ROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
      float s = subgroupAdd(acc[r][n]);
      if (gl_SubgroupInvocationID == 0u) red[gl_SubgroupID * NP + r * NCOLS + n] = s;
    }
  barrier();
  for (uint i = tid; i < NP; i += WG) {
    float s = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) s += red[g * NP + i];
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      y[o] = pc.accumulate != 0u ? y[o] + s : s;
    }
  }
#else
  [[unroll]] for (uint r = 0u; r < ROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) red[(r * NCOLS + n) * WG + tid] = acc[r][n];
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s)
      for (uint p = 0u; p < NP; p++) red[p * WG + tid] += red[p * WG + tid + s];
    barrier();
  }
  for (uint i = tid; i < NP; i += WG) {
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      y[o] = pc.accumulate != 0u ? y[o] + red[i * WG] : red[i * WG];
    }
  }
#endif
}
