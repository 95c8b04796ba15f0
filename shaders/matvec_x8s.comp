#version 450
// Decode matvec for Q8_0 / Q4_0 weights, one column, integer dot products with x quantized once per
// workgroup into shared memory (variants matvecx8s_{q8_0,q4_0}_r{2,4,8}):
//   y[y_base + r] (+)= scale * sum_c W[r][c] * x'[c]
// x' = x, or x * aux (FUSE 1, RMSNorm: scale = 1 / rms(x), the statistics summed in the prologue),
// or silu(x) * aux (FUSE 2); GLU: gate / up row pairs, y = silu(g) * u (matvec_glu.glsl's meaning).
//
// Why: the inline-x8 kernels (matvec_q16.comp -DX8_INLINE) quantize every 8-element slice of x
// again in every workgroup, for the NROWS rows of that workgroup only: at 4 rows that x side is about
// half of their instructions (docs/kernels-perf.md). Here the workgroup's threads first quantize all
// of x in blocks of 32 (x8_block.glsl, quantize_x8.comp's numbers) into shared memory, once for
// NROWS rows per subgroup times the subgroups of the workgroup (16 rows at 4 x 4); then each
// subgroup computes its own rows over the whole row (no cross-subgroup reduction), reading x from
// shared memory. The first blocks of each subgroup's rows are loaded before the prologue, so the
// weight reads are in flight while x is quantized.
//
// Rows: a workgroup owns pc.wg_rows outputs from group * pc.wg_rows (the host's NROWS x subgroups,
// GLU: halved); subgroup s takes outputs s * HR.., s + gl_NumSubgroups.. until wg_rows, so any
// subgroup size the driver picks covers them. Lane l of a subgroup: part l % 4 of block l / 4 + k * step
// (step = subgroup size / 4), as matvec_x8.comp's slices (Q8_0: elements 8p..8p+7; Q4_0: nibbles
// 4p..4p+3, low = elements 4p.., high = 16 + 4p..). x words in shared memory per block in the
// order the parts read them: uvec2 (p) = the two words part p multiplies.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x_id = 0) in;

// OpSDot (4450) with PackedVectorFormat4x8Bit (0) (as matvec_x8.comp)
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int sdot4(uint a, uint b, spirv_literal int fmt);
#define DOT4(a, b) sdot4((a), (b), 0)

#include "x8_block.glsl"

#ifndef NROWS
#define NROWS 4u
#endif

layout(std430, set = 0, binding = 0) readonly buffer W { uint16_t w16[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { vec4 xv[]; };
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
layout(std430, set = 0, binding = 3) readonly buffer AUX { vec4 aux[]; }; // FUSE: norm weight or up
layout(constant_id = 1) const uint FUSE = 0u;     // 0 none, 1 RMSNorm (aux = weight), 2 SwiGLU (aux = up)
layout(constant_id = 2) const uint GLU = 0u;      // 1: gate / up row pairs
layout(constant_id = 3) const uint XBLOCKS = 1u;  // blocks of 32 in a row (cols / 32)
layout(push_constant) uniform Push {
  uint rows;       // outputs of this dispatch (GLU: pairs)
  uint row_units;  // row bytes / 2
  uint y_base;     // index in y of output 0
  uint accumulate; // 1: y += ...
  float eps;       // FUSE 1
  uint glu_up;     // GLU: gate row r pairs with row glu_up + r
  uint wg_rows;    // outputs per workgroup
} pc;

const uint WG = gl_WorkGroupSize.x;
const uint TPB = 4u;
shared uvec2 sx[XBLOCKS * 4u]; // block b, part p: the two x words part p multiplies
shared vec2 sd[XBLOCKS];       // block b: (d, d * sum q)
shared float red[(WG + 3u) / 4u];

uint ld32(uint o) { return uint(w16[o]) | (uint(w16[o + 1u]) << 16u); }
// A small int (|i| < 2^22) as float without an integer conversion (quarter rate on NVIDIA).
float i2f(int i) { return uintBitsToFloat(uint(i + 0x4B400000)) - 12582912.0; }

#if defined(WTYPE_Q8_0)
#define BLOCK_UNITS 17u
#define UNROLL 2u
#define RAW uvec3 // d, elements 8p..8p+3, 8p+4..8p+7
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 4u * part;
  return uvec3(uint(w16[o]), ld32(q), ld32(q + 2u));
}
#define WA(raw) (raw).y
#define WB(raw) (raw).z
#define SX_WORDS(w, p) uvec2(w[2u * (p)], w[2u * (p) + 1u])
#define OFFSET 0.0
#elif defined(WTYPE_Q4_0)
#define BLOCK_UNITS 9u
#define UNROLL 4u
#define RAW uvec2 // d, nibbles: low = elements 4p.., high = 16 + 4p..
RAW load_raw(uint o, uint part) { return uvec2(uint(w16[o]), ld32(o + 1u + 2u * part)); }
#define WA(raw) ((raw).y & 0x0f0f0f0fu)
#define WB(raw) (((raw).y >> 4u) & 0x0f0f0f0fu)
#define SX_WORDS(w, p) uvec2(w[(p)], w[(p) + 4u])
// sum (q - 8) x over a block = d_x idot - 8 s; each of the 4 parts takes 2 s
#define OFFSET 2.0
#else
#error "matvec_x8s.comp: define WTYPE_Q8_0 or WTYPE_Q4_0"
#endif

float acc[NROWS];

void process(uint b, uint part, RAW raw[NROWS]) {
  uvec2 xw = sx[4u * b + part];
  vec2 ds = sd[b];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) {
    int i = DOT4(WA(raw[r]), xw.x) + DOT4(WB(raw[r]), xw.y);
    acc[r] += unpackHalf2x16(raw[r].x).x * (ds.x * i2f(i) - OFFSET * ds.y);
  }
}

void main() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint HR = GLU != 0u ? NROWS / 2u : NROWS; // outputs per subgroup pass
  uint out0 = group * pc.wg_rows;
  uint tid = gl_LocalInvocationID.x, lane = gl_SubgroupInvocationID;
  uint part = lane % TPB, step = gl_SubgroupSize / TPB, b0 = lane / TPB;
  uint nsub = gl_NumSubgroups;

  // the first UNROLL blocks of this subgroup's first rows, loaded before x is quantized
  uint s = gl_SubgroupID;
  uint row0 = out0 + s * HR;
  bool pre = s * HR < pc.wg_rows && row0 < pc.rows && b0 + (UNROLL - 1u) * step < XBLOCKS;
  uint rb[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    rb[r] = (min(row0 + r % HR, pc.rows - 1u) + (r >= HR ? pc.glu_up : 0u)) * pc.row_units;
  RAW first[UNROLL][NROWS];
  if (pre)
    [[unroll]] for (uint u = 0u; u < UNROLL; u++)
      [[unroll]] for (uint r = 0u; r < NROWS; r++) first[u][r] = load_raw(rb[r] + (b0 + u * step) * BLOCK_UNITS, part);

  // prologue: x (transformed) quantized in blocks of 32 into shared memory
  float ssq = 0.0;
  for (uint b = tid; b < XBLOCKS; b += WG) {
    vec4 v[8];
    [[unroll]] for (uint i = 0u; i < 8u; i++) {
      vec4 t = xv[8u * b + i];
      if (FUSE == 1u) {
        ssq += dot(t, t);
        t *= aux[8u * b + i];
      } else if (FUSE == 2u) {
        t = t / (1.0 + exp(-t)) * aux[8u * b + i];
      }
      v[i] = t;
    }
    uint w[8];
    vec2 ds;
    x8_quantize_block(v, w, ds);
    [[unroll]] for (uint p = 0u; p < 4u; p++) sx[4u * b + p] = SX_WORDS(w, p);
    sd[b] = ds;
  }
  if (FUSE == 1u) {
    float t = subgroupAdd(ssq);
    if (lane == 0u) red[gl_SubgroupID] = t;
  }
  barrier(); // sx, sd, red written
  float scale = 1.0;
  if (FUSE == 1u) {
    float t = 0.0;
    for (uint g = 0u; g < nsub; g++) t += red[g];
    scale = inversesqrt(t / float(XBLOCKS * 32u) + pc.eps);
  }

  for (; s * HR < pc.wg_rows; s += nsub) {
    row0 = out0 + s * HR;
    if (row0 >= pc.rows) break; // uniform over the subgroup
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      rb[r] = (min(row0 + r % HR, pc.rows - 1u) + (r >= HR ? pc.glu_up : 0u)) * pc.row_units;
      acc[r] = 0.0;
    }
    uint b = b0;
    if (pre) { // the blocks loaded before the prologue (first pass only)
      [[unroll]] for (uint u = 0u; u < UNROLL; u++) process(b + u * step, part, first[u]);
      b += UNROLL * step;
      pre = false;
    }
    for (; b + (UNROLL - 1u) * step < XBLOCKS; b += UNROLL * step) {
      RAW raw[UNROLL][NROWS];
      [[unroll]] for (uint u = 0u; u < UNROLL; u++)
        [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[u][r] = load_raw(rb[r] + (b + u * step) * BLOCK_UNITS, part);
      [[unroll]] for (uint u = 0u; u < UNROLL; u++) process(b + u * step, part, raw[u]);
    }
    for (; b < XBLOCKS; b += step) {
      RAW raw[NROWS];
      [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[r] = load_raw(rb[r] + b * BLOCK_UNITS, part);
      process(b, part, raw);
    }
    float t[NROWS];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) t[r] = subgroupAdd(acc[r]) * scale;
    if (lane == 0u)
      [[unroll]] for (uint r = 0u; r < HR; r++)
        if (row0 + r < pc.rows) {
          uint o = pc.y_base + row0 + r;
          float v = GLU != 0u ? t[r] / (1.0 + exp(-t[r])) * t[r + HR] : t[r];
          y[o] = pc.accumulate != 0u ? y[o] + v : v;
        }
  }
}
