#version 450
// Prefill matrix product on NVIDIA tensor cores (GL_NV_cooperative_matrix, fp16 x fp16 -> fp32):
// Y[n][y_col0 + r] (+)= sum_c W[r][c] * X[n][c] for the rows of one weight part.
// A workgroup of 8 subgroups of 32 computes a 128 (rows) x 128 (tokens) tile; subgroup s owns
// rows (s % 4) * 32 .. +32 and tokens (s / 4) * 64 .. +64, i.e. 2 x 4 accumulators of 16 x 16.
// W and X tiles of BK = 32 columns are staged as f16 in shared memory; the next tile's global
// loads (16-byte vectors) are issued into registers before the current tile's products, so the
// loads overlap the tensor-core work (register double buffering).
// Needs: subgroup size 32, cols % 8 == 0, W / X / Y bindings 16-byte aligned, x_stride % 4 == 0.
// Bindings: 0 = W part (uint words), 1 = X [n_tokens][x_stride] f32, 2 = Y [n_tokens][y_stride] f32.
// Variants: -DWTYPE_F16 (vector loads), or a quantized WTYPE_* (decoded by dequant.glsl's dq_load8).
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

#define BM 128
#define BN 128
#define BK 32
#define SK (BK + 8) // shared row stride in halves (16-byte padding against bank conflicts)

layout(local_size_x_id = 0) in; // must be 256
layout(std430, set = 0, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, set = 0, binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { vec4 xv4[]; };
layout(std430, set = 0, binding = 2) buffer Y { float yv[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows in this part
  uint cols;
  uint n_tokens;
  uint row0;       // first part row of this dispatch
  uint x_stride;   // floats between tokens in X (multiple of 4)
  uint y_stride;   // floats between tokens in Y
  uint y_col0;     // Y column of the part's row 0
  uint accumulate; // 1: Y += W X
  uint direct;     // 1: full tiles may load/store Y directly (y_stride, y_col0 multiples of 4)
} pc;

#ifndef WTYPE_F16
#define DQ_WORD(i) wq[i]
#define DQ_VEC4(i) wq4[i]
#include "dequant.glsl"
#endif

#define MA fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

shared float16_t ws[BM * SK];
shared float16_t xs[BN * SK];
shared float scratch[8 * 256];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint sg = t / 32u, lane = t % 32u;
  const uint sm = sg % 4u, sn = sg / 4u;
  const uint r_base = pc.row0 + gl_WorkGroupID.x * BM;
  const uint n_base = gl_WorkGroupID.y * BN;
  const bool full = pc.direct != 0u && r_base + BM <= pc.rows && n_base + BN <= pc.n_tokens;

  MC acc[2][4];
  for (uint i = 0; i < 2u; i++)
    for (uint j = 0; j < 4u; j++) {
      if (full && pc.accumulate != 0u) {
        uint o = (n_base + sn * 64u + j * 16u) * pc.y_stride + pc.y_col0 + r_base + sm * 32u + i * 16u;
        coopMatLoadNV(acc[i][j], yv, o, pc.y_stride, true);
      } else {
        acc[i][j] = MC(0.0);
      }
    }

  // W loader: rows t/4 and t/4 + 64, halves (t%4)*8 .. +8 of the k tile.
  // X loader: tokens t/8 + 32*i (i < 4), floats (t%8)*4 .. +4 of the k tile.
  const uint wl_r = t / 4u, wl_c = (t % 4u) * 8u;
  const uint xl_n = t / 8u, xl_c = (t % 8u) * 4u;
#ifdef WTYPE_F16
  uvec4 wreg[2];
#else
  float wreg[2][8];
#endif
  vec4 xreg[4];

  for (uint k0 = 0; k0 < pc.cols + BK; k0 += BK) {
    // (1) stage the tile loaded in the previous iteration
    if (k0 > 0u) {
      barrier(); // everyone is done reading the previous tile
      for (uint i = 0; i < 2u; i++) {
        uint o = (wl_r + i * 64u) * SK + wl_c;
#ifdef WTYPE_F16
        f16vec2 h0 = unpackFloat2x16(wreg[i].x), h1 = unpackFloat2x16(wreg[i].y);
        f16vec2 h2 = unpackFloat2x16(wreg[i].z), h3 = unpackFloat2x16(wreg[i].w);
        ws[o + 0u] = h0.x; ws[o + 1u] = h0.y; ws[o + 2u] = h1.x; ws[o + 3u] = h1.y;
        ws[o + 4u] = h2.x; ws[o + 5u] = h2.y; ws[o + 6u] = h3.x; ws[o + 7u] = h3.y;
#else
        for (uint e = 0; e < 8u; e++) ws[o + e] = float16_t(wreg[i][e]);
#endif
      }
      for (uint i = 0; i < 4u; i++) {
        uint o = (xl_n + i * 32u) * SK + xl_c;
        f16vec4 h = f16vec4(xreg[i]);
        xs[o + 0u] = h.x; xs[o + 1u] = h.y; xs[o + 2u] = h.z; xs[o + 3u] = h.w;
      }
      barrier();
    }
    // (2) issue the global loads of the next tile
    if (k0 < pc.cols) {
      for (uint i = 0; i < 2u; i++) {
        uint r = r_base + wl_r + i * 64u, k = k0 + wl_c;
#ifdef WTYPE_F16
        wreg[i] = (r < pc.rows && k < pc.cols) ? wq4[(r * pc.cols + k) / 8u] : uvec4(0);
#else
        if (r < pc.rows) {
          float v[8];
          dq_load8(r * dq_row_bytes(pc.cols), k, pc.cols, v);
          wreg[i] = v;
        } else {
          for (uint e = 0; e < 8u; e++) wreg[i][e] = 0.0;
        }
#endif
      }
      for (uint i = 0; i < 4u; i++) {
        uint n = n_base + xl_n + i * 32u, k = k0 + xl_c;
        xreg[i] = (n < pc.n_tokens && k < pc.cols) ? xv4[(n * pc.x_stride + k) / 4u] : vec4(0.0);
      }
    }
    // (3) products on the staged tile
    if (k0 > 0u) {
      for (uint kk = 0; kk < BK; kk += 16u) {
        MA a[2], b[4];
        for (uint i = 0; i < 2u; i++) coopMatLoadNV(a[i], ws, (sm * 32u + i * 16u) * SK + kk, SK, false);
        for (uint j = 0; j < 4u; j++) coopMatLoadNV(b[j], xs, (sn * 64u + j * 16u) * SK + kk, SK, true);
        for (uint i = 0; i < 2u; i++)
          for (uint j = 0; j < 4u; j++) acc[i][j] = coopMatMulAddNV(a[i], b[j], acc[i][j]);
      }
    }
  }

  if (full) {
    for (uint i = 0; i < 2u; i++)
      for (uint j = 0; j < 4u; j++) {
        uint o = (n_base + sn * 64u + j * 16u) * pc.y_stride + pc.y_col0 + r_base + sm * 32u + i * 16u;
        coopMatStoreNV(acc[i][j], yv, o, pc.y_stride, true);
      }
    return;
  }
  // ragged tile: each subgroup goes through its own 16 x 16 scratch (column-major: [n][m])
  for (uint i = 0; i < 2u; i++)
    for (uint j = 0; j < 4u; j++) {
      coopMatStoreNV(acc[i][j], scratch, sg * 256u, 16u, true);
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      for (uint e = lane; e < 256u; e += 32u) {
        uint m = e % 16u, nn = e / 16u;
        uint r = r_base + sm * 32u + i * 16u + m;
        uint n = n_base + sn * 64u + j * 16u + nn;
        if (r < pc.rows && n < pc.n_tokens) {
          uint o = n * pc.y_stride + pc.y_col0 + r;
          float y = scratch[sg * 256u + e];
          if (pc.accumulate != 0u) y += yv[o];
          yv[o] = y;
        }
      }
      subgroupMemoryBarrierShared();
      subgroupBarrier();
    }
}
