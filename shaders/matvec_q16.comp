#version 450
// Decode matvec for Q8_0 / Q4_0 weights read through 16-bit storage (plan.use_storage16), one
// weight part per dispatch:  y[n][y_base + r] (+)= sum_c W[r][c] * x[n][c]   (n < ncols).
// Q8_0 blocks are 17 uint16 (d, 32 int8), Q4_0 blocks 9 uint16 (d, 32 nibbles), so every block
// starts 2-byte aligned and is read with plain 16-bit loads (no funnel shifts, no dq_unit).
//
// Shape: a workgroup computes NROWS consecutive rows (compile-time, as is NCOLS: every register
// array below has a #define size and is indexed only by fully unrolled loops). TPB = 4 threads
// share one block, 8 elements each; the WG threads walk the row's blocks (thread t takes block
// t / 4 + k * WG / 4), UNROLL blocks per thread in flight per row, all loads issued before use.
// x (F32, small, cached) is read as vec4 from global. Reduction: subgroupAdd, then (only when the
// workgroup has more than one subgroup) one shared-memory slot per subgroup.
// NCOLS is the variant's column capacity; pc.ncols <= NCOLS columns are real (the others read
// column 0 and are not written). Workgroups beyond 65535 continue in the y dimension.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;

#ifndef NROWS
#define NROWS 2u
#endif
#ifndef NCOLS
#define NCOLS 1u
#endif

layout(std430, set = 0, binding = 0) readonly buffer W { uint16_t w16[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { vec4 xv[]; };
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows of this part
  uint row_u16;    // row bytes / 2
  uint nb;         // blocks per row
  uint y_base;     // index in y of this part's first row
  uint y_stride;   // floats between the columns of y
  uint x_stride4;  // vec4s between the columns of x
  uint accumulate; // 1: y += W x
  uint ncols;      // real columns (1..NCOLS)
} pc;

#define TPB 4u
#if defined(WTYPE_Q8_0)
#define BLOCK_U16 17u
#define UNROLL 2u
#define RAW uvec3 // d, int8 x 4, int8 x 4 (8 consecutive elements from 8 * part)
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 4u * part;
  return uvec3(uint(w16[o]), uint(w16[q]) | (uint(w16[q + 1u]) << 16u),
               uint(w16[q + 2u]) | (uint(w16[q + 3u]) << 16u));
}
// Bytes to floats without integer conversions (quarter rate on NVIDIA): 0x4B000000 | b is the
// float 2^23 + b; flipping the sign bit first makes b = q + 128, one FADD removes both offsets.
vec4 s8x4(uint w) {
  uvec4 b = (uvec4(w ^ 0x80808080u) >> uvec4(0u, 8u, 16u, 24u)) & 0xffu;
  return uintBitsToFloat(b | 0x4B000000u) - 8388736.0; // 2^23 + 128
}
// vec4 index (within the block's 8) of the first and second group of 4 elements
#define XA(part) (2u * (part))
#define XB(part) (2u * (part) + 1u)
void decode(RAW raw, out float d, out vec4 wa, out vec4 wb) {
  d = unpackHalf2x16(raw.x).x;
  wa = s8x4(raw.y);
  wb = s8x4(raw.z);
}
#elif defined(WTYPE_Q4_0)
#define BLOCK_U16 9u
#define UNROLL 4u
#define RAW uvec2 // d, bytes 4*part..4*part+3: low nibbles = elements 4p.., high = 16+4p..
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 2u * part;
  return uvec2(uint(w16[o]), uint(w16[q]) | (uint(w16[q + 1u]) << 16u));
}
#define XA(part) (part)
#define XB(part) ((part) + 4u)
void decode(RAW raw, out float d, out vec4 wa, out vec4 wb) {
  d = unpackHalf2x16(raw.x).x;
  // nibble q as the float 2^23 + q (no integer conversion); one FADD removes 2^23 and the bias 8
  wa = uintBitsToFloat(((uvec4(raw.y) >> uvec4(0u, 8u, 16u, 24u)) & 15u) | 0x4B000000u) - 8388616.0;
  wb = uintBitsToFloat(((uvec4(raw.y) >> uvec4(4u, 12u, 20u, 28u)) & 15u) | 0x4B000000u) - 8388616.0;
}
#else
#error "matvec_q16.comp: define WTYPE_Q8_0 or WTYPE_Q4_0"
#endif

const uint WG = gl_WorkGroupSize.x;
const uint NP = NROWS * NCOLS;
shared float red[((WG + 3u) / 4u) * NP]; // one slot per subgroup (subgroups have >= 4 invocations)

float acc[NROWS][NCOLS];
uint xc[NCOLS]; // vec4 index of column n of x

// Adds block blk of the NROWS rows (already loaded) to acc.
void process(uint blk, uint part, RAW raw[NROWS]) {
  float d[NROWS];
  vec4 wa[NROWS], wb[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) decode(raw[r], d[r], wa[r], wb[r]);
  uint xo = blk * 8u;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xa = xv[xc[n] + xo + XA(part)], xb = xv[xc[n] + xo + XB(part)];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) acc[r][n] += d[r] * (dot(wa[r], xa) + dot(wb[r], xb));
  }
}

void main() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint row0 = group * NROWS;
  if (row0 >= pc.rows) return; // uniform over the workgroup
  uint tid = gl_LocalInvocationID.x;
  uint part = tid % TPB, step = WG / TPB;
  uint rb[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) rb[r] = min(row0 + r, pc.rows - 1u) * pc.row_u16;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) xc[n] = min(n, pc.ncols - 1u) * pc.x_stride4;
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) acc[r][n] = 0.0;

  uint b = tid / TPB;
  for (; b + (UNROLL - 1u) * step < pc.nb; b += UNROLL * step) {
    RAW raw[UNROLL][NROWS];
    [[unroll]] for (uint u = 0u; u < UNROLL; u++)
      [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[u][r] = load_raw(rb[r] + (b + u * step) * BLOCK_U16, part);
    [[unroll]] for (uint u = 0u; u < UNROLL; u++) process(b + u * step, part, raw[u]);
  }
  for (; b < pc.nb; b += step) {
    RAW raw[NROWS];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[r] = load_raw(rb[r] + b * BLOCK_U16, part);
    process(b, part, raw);
  }

  bool one = gl_NumSubgroups == 1u;
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
      float s = subgroupAdd(acc[r][n]);
      if (gl_SubgroupInvocationID == 0u) {
        if (!one) {
          red[gl_SubgroupID * NP + r * NCOLS + n] = s;
        } else if (row0 + r < pc.rows && n < pc.ncols) {
          uint o = n * pc.y_stride + pc.y_base + row0 + r;
          y[o] = pc.accumulate != 0u ? y[o] + s : s;
        }
      }
    }
  if (one) return; // uniform
  barrier();
  for (uint i = tid; i < NP; i += WG) {
    float s = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) s += red[g * NP + i];
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows && n < pc.ncols) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      y[o] = pc.accumulate != 0u ? y[o] + s : s;
    }
  }
}
