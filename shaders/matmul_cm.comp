#version 450
// Prefill matrix product on NVIDIA tensor cores (GL_NV_cooperative_matrix, fp16 x fp16 -> fp32),
// second design: Y[n][y_col0 + r] (+)= sum_c W[r][c] * X[n][c] for the rows of one weight part.
//
// Tile parameters (-D macros, one SPIR-V variant each; runtime/ops/lil_ops_matmul.c has the table):
//   TM x TN   rows x tokens per workgroup; SGM x SGN subgroups of 32 (TM/SGM x TN/SGN each, a grid
//             of 16 x 16 fp32 accumulators);  BK  columns per k step (multiple of 16);
//   X16       1: X is f16 ([n][x_stride] halves, converted once by the op), 0: X is f32 (converted
//             to f16 when staged);
//   PF        register sets for tiles in flight (1 or 2, default 1): how many k steps ahead of
//             their shared-memory store the global loads are issued.
// Pipeline: two shared-memory stages. PF 1: each k step issues the global loads of tile k+1 into
// registers (raw: f16 words / f32 vectors, so no instruction waits on them before the products),
// runs the products of tile k from one stage, then converts/stores tile k+1 into the other stage:
// one barrier per k step; the load latency is hidden behind one k step of products. PF 2: loads
// are issued two k steps ahead (two register sets, the k loop unrolled by two), see main(). Shared arrays are uvec4 (16-byte stores; 16-byte aligned fragment rows);
// row stride BK + 8 halves (80 / 48 / 144 bytes: the 8 rows of an 8x8 fragment piece fall in
// distinct 16-byte bank groups).
// The weights: F16 (one 16-byte load per 8 halves) or a quantized WTYPE_* decoded by dequant.glsl's
// dq_load8 (decoded when loaded) and rounded to f16.
// Output: accumulators whose 16 x 16 block lies inside Y go straight to Y (direct flag: y_stride and
// y_col0 multiples of 4); the others go through a per-subgroup 16 x 16 scratch in shared memory.
// Needs: subgroup size 32, cols % 8 == 0, W / X / Y bindings 16-byte aligned, x_stride % 8 == 0.
// Bindings: 0 = W part (uint words), 1 = X, 2 = Y [n_tokens][y_stride] f32.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require

#if !defined(TM) || !defined(TN) || !defined(SGM) || !defined(SGN) || !defined(BK) || !defined(X16)
#error "matmul_cm.comp: define TM, TN, SGM, SGN, BK, X16"
#endif
#ifndef PF
#define PF 1
#endif
#if PF != 1 && PF != 2
#error "matmul_cm.comp: PF is 1 or 2"
#endif
#define NSG (SGM * SGN)
#define NT (NSG * 32)  // threads
#define WM (TM / SGM)  // rows per subgroup
#define WN (TN / SGN)  // tokens per subgroup
#define FM (WM / 16)   // accumulators along rows
#define FN (WN / 16)   // along tokens
#define KV (BK / 8)    // uvec4 (8 halves) per tile row
#define SKV (KV + 1)   // shared row stride in uvec4
#define WSZ (TM * SKV) // uvec4 of one stage's W tile
#define STAGE ((TM + TN) * SKV)
#define WCH ((TM * KV) / NT) // W chunks (8 halves) per thread and k step
#define XCH ((TN * KV) / NT)
#if (TM * KV) % NT != 0 || (TN * KV) % NT != 0 || WM % 16 != 0 || WN % 16 != 0 || BK % 16 != 0
#error "matmul_cm.comp: tile shape does not divide"
#endif
#if 2 * STAGE < NSG * 64
#error "matmul_cm.comp: shared stages smaller than the output scratch"
#endif

layout(local_size_x_id = 0) in; // must be NT
layout(std430, set = 0, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, set = 0, binding = 0) readonly buffer W4 { uvec4 wq4[]; };
#if X16
layout(std430, set = 0, binding = 1) readonly buffer X { uvec4 xq4[]; };
#else
layout(std430, set = 0, binding = 1) readonly buffer X { vec4 xv4[]; };
#endif
layout(std430, set = 0, binding = 2) buffer Y { float yv[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows in this part
  uint cols;
  uint n_tokens;
  uint row0;       // first part row of this dispatch
  uint x_stride;   // elements between tokens in X (multiple of 8)
  uint y_stride;   // floats between tokens in Y
  uint y_col0;     // Y column of the part's row 0
  uint accumulate; // 1: Y += W X
  uint direct;     // 1: 16 x 16 blocks inside Y may be loaded/stored directly
} pc;

#ifndef WTYPE_F16
#define DQ_WORD(i) wq[i]
#define DQ_VEC4(i) wq4[i]
#include "dequant.glsl"
#endif

#define MA fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

shared uvec4 sh[2 * STAGE]; // stage s: W tile at s * STAGE ([TM][SKV]), X tile after it ([TN][SKV])

uvec4 pack8(vec4 lo, vec4 hi) {
  return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}

// The 16 x 16 block of part rows r0.. and tokens n0.. is inside Y and may be loaded/stored directly.
bool direct_block(uint r0, uint n0) { return pc.direct != 0u && r0 + 16u <= pc.rows && n0 + 16u <= pc.n_tokens; }

// Tile loads, stores and products (inlined; k tiles at or past nk are never loaded).
// Chunk c = t + q * NT of a tile is row c / KV, halves (c % KV) * 8.
struct Regs {
  uvec4 w[WCH];
#if X16
  uvec4 x[XCH];
#else
  vec4 x[2 * XCH];
#endif
};

// Issue the global loads of k tile kt into R (X first: a quantized W is decoded as soon as it arrives).
void load_tile(uint t, uint r_base, uint n_base, uint kt, out Regs R) {
  const uint k0 = kt * BK;
  [[unroll]] for (uint q = 0; q < XCH; q++) {
    uint c = t + q * NT;
    uint n = n_base + c / KV, k = k0 + (c % KV) * 8u;
    bool ok = n < pc.n_tokens && k < pc.cols;
#if X16
    R.x[q] = ok ? xq4[(n * pc.x_stride + k) / 8u] : uvec4(0u);
#else
    uint o = (n * pc.x_stride + k) / 4u;
    R.x[2u * q] = ok ? xv4[o] : vec4(0.0);
    R.x[2u * q + 1u] = ok ? xv4[o + 1u] : vec4(0.0);
#endif
  }
  [[unroll]] for (uint q = 0; q < WCH; q++) {
    uint c = t + q * NT;
    uint r = r_base + c / KV, k = k0 + (c % KV) * 8u;
#ifdef WTYPE_F16
    R.w[q] = (r < pc.rows && k < pc.cols) ? wq4[(r * pc.cols + k) / 8u] : uvec4(0u);
#else
    float v[8];
    if (r < pc.rows) {
      dq_load8(r * dq_row_bytes(pc.cols), k, pc.cols, v);
    } else {
      [[unroll]] for (uint e = 0; e < 8u; e++) v[e] = 0.0;
    }
    R.w[q] = pack8(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
#endif
  }
}

// Store R into the stage at uvec4 s0.
void store_tile(uint t, uint s0, Regs R) {
  [[unroll]] for (uint q = 0; q < WCH; q++) {
    uint c = t + q * NT;
    sh[s0 + (c / KV) * SKV + c % KV] = R.w[q];
  }
  [[unroll]] for (uint q = 0; q < XCH; q++) {
    uint c = t + q * NT;
#if X16
    sh[s0 + WSZ + (c / KV) * SKV + c % KV] = R.x[q];
#else
    sh[s0 + WSZ + (c / KV) * SKV + c % KV] = pack8(R.x[2u * q], R.x[2u * q + 1u]);
#endif
  }
}

// The products of the tile in the stage at s0: per 16-column step, the FN B fragments and the FM A
// fragments are loaded once and feed FM x FN products.
void products(uint s0, uint wm0, uint wn0, inout MC acc[FM][FN]) {
  [[unroll]] for (uint kk = 0; kk < KV; kk += 2u) {
    MA a[FM], b[FN];
    [[unroll]] for (uint j = 0; j < FN; j++)
      coopMatLoadNV(b[j], sh, s0 + WSZ + (wn0 + j * 16u) * SKV + kk, SKV, true);
    [[unroll]] for (uint i = 0; i < FM; i++)
      coopMatLoadNV(a[i], sh, s0 + (wm0 + i * 16u) * SKV + kk, SKV, false);
    [[unroll]] for (uint i = 0; i < FM; i++)
      [[unroll]] for (uint j = 0; j < FN; j++) acc[i][j] = coopMatMulAddNV(a[i], b[j], acc[i][j]);
  }
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint sg = t / 32u, lane = t % 32u;
  const uint wm0 = (sg % SGM) * WM, wn0 = (sg / SGM) * WN;
  const uint r_base = pc.row0 + gl_WorkGroupID.x * TM;
  const uint n_base = gl_WorkGroupID.y * TN;
  const uint nk = (pc.cols + BK - 1u) / BK;

  // Accumulators start at 0, or (accumulate) at Y for the blocks stored directly at the end
  // (coopmat + coopmat would be simpler there, but crashes spirv-opt -O of glslang 12).
  MC acc[FM][FN];
  [[unroll]] for (uint i = 0; i < FM; i++)
    [[unroll]] for (uint j = 0; j < FN; j++) {
      const uint r0 = r_base + wm0 + i * 16u, n0 = n_base + wn0 + j * 16u;
      if (pc.accumulate != 0u && direct_block(r0, n0)) {
        coopMatLoadNV(acc[i][j], yv, n0 * pc.y_stride + pc.y_col0 + r0, pc.y_stride, true);
      } else {
        acc[i][j] = MC(0.0);
      }
    }

#if PF == 1
  // One register set: iteration kt stores tile kt - 1 (loaded last iteration) into stage
  // (kt - 1) & 1, barrier, issues the loads of tile kt, runs the products of tile kt - 1.
  Regs R;
  for (uint kt = 0; kt <= nk; kt++) {
    if (kt > 0u) {
      store_tile(t, ((kt - 1u) & 1u) * STAGE, R);
      barrier(); // the stage is complete; also: everyone is done with the products of tile kt - 2
    }
    if (kt < nk) load_tile(t, r_base, n_base, kt, R);
    if (kt > 0u) products(((kt - 1u) & 1u) * STAGE, wm0, wn0, acc);
  }
#else
  // Two register sets (loads issued two k tiles ahead of their store). Tile k lives in stage k & 1
  // and register set k & 1. Iteration k (stage k & 1 complete): store tile k + 1 (set (k + 1) & 1)
  // into stage (k + 1) & 1 (last read by the products of tile k - 1, before the previous barrier),
  // issue the loads of tile k + 3 into that set, products of tile k, barrier. Unrolled by two so
  // that register sets and stages are compile-time constants.
  Regs R0, R1;
  load_tile(t, r_base, n_base, 0u, R0);
  if (nk > 1u) load_tile(t, r_base, n_base, 1u, R1);
  store_tile(t, 0u, R0);
  if (nk > 2u) load_tile(t, r_base, n_base, 2u, R0);
  barrier();
  for (uint kt = 0; kt < nk; kt += 2u) {
    if (kt + 1u < nk) store_tile(t, STAGE, R1);
    if (kt + 3u < nk) load_tile(t, r_base, n_base, kt + 3u, R1);
    products(0u, wm0, wn0, acc);
    barrier();
    if (kt + 1u >= nk) break;
    if (kt + 2u < nk) store_tile(t, 0u, R0);
    if (kt + 4u < nk) load_tile(t, r_base, n_base, kt + 4u, R0);
    products(STAGE, wm0, wn0, acc);
    barrier();
  }
#endif
  // The stages become the output scratch: wait until every subgroup is done with its last products.
  barrier();

  [[unroll]] for (uint i = 0; i < FM; i++)
    [[unroll]] for (uint j = 0; j < FN; j++) {
      const uint r0 = r_base + wm0 + i * 16u, n0 = n_base + wn0 + j * 16u;
      if (r0 >= pc.rows || n0 >= pc.n_tokens) continue;
      if (direct_block(r0, n0)) {
        coopMatStoreNV(acc[i][j], yv, n0 * pc.y_stride + pc.y_col0 + r0, pc.y_stride, true);
        continue;
      }
      // element (m, nn) at float sg * 256 + nn * 16 + m of the scratch
      coopMatStoreNV(acc[i][j], sh, sg * 64u, 4u, true);
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      for (uint e = lane; e < 256u; e += 32u) {
        uint r = r0 + e % 16u, n = n0 + e / 16u;
        if (r < pc.rows && n < pc.n_tokens) {
          uint o = n * pc.y_stride + pc.y_col0 + r;
          float y = uintBitsToFloat(sh[sg * 64u + e / 4u][e % 4u]);
          if (pc.accumulate != 0u) y += yv[o];
          yv[o] = y;
        }
      }
      subgroupMemoryBarrierShared();
      subgroupBarrier();
    }
}
