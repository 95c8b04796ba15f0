#version 450
// Decode matrix-vector product for one weight part: for each column n < NCOLS of x,
//   y[n][y_base + r] (+)= sum_c W[r][c] * x[n][c]     (r < rows of this part)
// W is read as uint words and decoded in registers (dequant.glsl); activations and accumulation
// are F32. A workgroup computes ROWS rows; its threads stride over the row's units (consecutive
// threads read consecutive bytes) and each thread reuses its x loads over the ROWS rows.
// Reduction: subgroupAdd (USE_SUBGROUP) or a shared-memory tree (workgroup size a power of two).
// Workgroups beyond 65535 continue in the y dimension of the dispatch.
// FUSE (one column only) transforms x as it is read (as matvec_q16.comp): 1 = RMSNorm with the
// weight in aux (the sum of squares is reduced with the dot products, the rows scaled by
// 1 / rms(x)), 2 = SwiGLU (x = gate, aux = up: silu(x) * aux).
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
layout(std430, set = 0, binding = 3) readonly buffer AS { float aux_s[]; }; // FUSE: norm weight or up
layout(std430, set = 0, binding = 3) readonly buffer AV { vec4 aux_v[]; };
layout(constant_id = 3) const uint FUSE = 0; // 0 none, 1 RMSNorm, 2 SwiGLU
layout(push_constant) uniform Push {
  uint rows;       // rows of this part
  uint cols;
  uint row_bytes;
  uint y_base;     // index in y of this part's first row
  uint y_stride;   // floats between the columns of y
  uint x_stride;   // floats between the columns of x (a multiple of 4 for the unit path)
  uint accumulate; // 1: y += W x
  uint units;      // 1: coalesced unit path (dq_units_ok and x_stride % 4 == 0), 0: per element
  float eps;       // FUSE 1
} pc;

#define DQ_WORD(i) w_words[i]
#define DQ_VEC4(i) w_vec4[i]
#include "dequant.glsl"

const uint WG = gl_WorkGroupSize.x;
const uint NP = ROWS * NCOLS;
const uint NPS = NP + 1u; // the dot products and the sum of squares (FUSE 1)
#ifdef USE_SUBGROUP
shared float red[((WG + 3u) / 4u) * NPS]; // one slot per subgroup (subgroups have >= 4 invocations)
#else
shared float red[WG * NPS];
#endif
float ssq = 0.0; // FUSE 1: this thread's share of sum x^2 (column 0)

// x as the kernel uses it: vec4 c4 / element c of column n (FUSE: one column, n == 0)
vec4 xload4(uint c4, uint n) {
  vec4 v = x_v[n * (pc.x_stride >> 2u) + c4];
  if (FUSE == 1u) {
    if (n == 0u) ssq += dot(v, v);
    return v * aux_v[c4];
  }
  if (FUSE == 2u) return v / (1.0 + exp(-v)) * aux_v[c4];
  return v;
}
float xload1(uint c, uint n) {
  float v = x_s[n * pc.x_stride + c];
  if (FUSE == 1u) {
    if (n == 0u) ssq += v * v;
    return v * aux_s[c];
  }
  if (FUSE == 2u) return v / (1.0 + exp(-v)) * aux_s[c];
  return v;
}

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
          vec4 xv = xload4(c4, n);
          [[unroll]] for (uint r = 0u; r < ROWS; r++) acc[r][n] += dot(wv[r], xv);
        }
      }
    }
  } else {
    for (uint c = tid; c < pc.cols; c += WG) {
      float wv[ROWS];
      [[unroll]] for (uint r = 0u; r < ROWS; r++) wv[r] = dq_elem(rb[r], c);
      [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
        float xv = xload1(c, n);
        [[unroll]] for (uint r = 0u; r < ROWS; r++) acc[r][n] += wv[r] * xv;
      }
    }
  }

#ifdef USE_SUBGROUP
  [[unroll]] for (uint r = 0u; r < ROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
      float s = subgroupAdd(acc[r][n]);
      if (gl_SubgroupInvocationID == 0u) red[gl_SubgroupID * NPS + r * NCOLS + n] = s;
    }
  if (FUSE == 1u) {
    float s = subgroupAdd(ssq);
    if (gl_SubgroupInvocationID == 0u) red[gl_SubgroupID * NPS + NP] = s;
  }
  barrier();
  float scale = 1.0;
  if (FUSE == 1u) {
    float ss = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) ss += red[g * NPS + NP];
    scale = inversesqrt(ss / float(pc.cols) + pc.eps);
  }
  for (uint i = tid; i < NP; i += WG) {
    float s = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) s += red[g * NPS + i];
    s *= scale;
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      y[o] = pc.accumulate != 0u ? y[o] + s : s;
    }
  }
#else
  [[unroll]] for (uint r = 0u; r < ROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) red[(r * NCOLS + n) * WG + tid] = acc[r][n];
  red[NP * WG + tid] = ssq;
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s)
      for (uint p = 0u; p < NPS; p++) red[p * WG + tid] += red[p * WG + tid + s];
    barrier();
  }
  float scale = FUSE == 1u ? inversesqrt(red[NP * WG] / float(pc.cols) + pc.eps) : 1.0;
  for (uint i = tid; i < NP; i += WG) {
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      float s = red[i * WG] * scale;
      y[o] = pc.accumulate != 0u ? y[o] + s : s;
    }
  }
#endif
}
