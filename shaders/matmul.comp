#version 450
// Prefill matrix product: Y[n][y_col0 + r] (+)= sum_c W[r][c] * X[n][c] for the rows of one
// weight part. Each workgroup computes a BM x BN tile (BM weight rows x BN tokens): tiles of W
// (decoded to f32) and X are staged in shared memory BK columns at a time, and each of the
// (BM/TM)*(BN/TN) threads accumulates a TM x TN register tile.
// Bindings: 0 = W part (uint words), 1 = X [n_tokens][x_stride] f32, 2 = Y [n_tokens][y_stride] f32.
// Grid: x = row tiles (from row0), y = token tiles. Variants: -DWTYPE_{F32,F16,BF16,Q8_0,Q4_0,Q4_K,Q6_K}.
#extension GL_GOOGLE_include_directive : require

#define BM 64
#define BN 64
#define BK 32
#define TM 4
#define TN 4
#define TPR (BM / TM) // threads along rows
#define NT ((BM / TM) * (BN / TN))

layout(local_size_x_id = 0) in; // must be NT (256)
layout(std430, set = 0, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, set = 0, binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float xv[]; };
layout(std430, set = 0, binding = 2) buffer Y { float yv[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows in this part
  uint cols;
  uint n_tokens;
  uint row0;       // first part row of this dispatch
  uint x_stride;   // floats between tokens in X
  uint y_stride;   // floats between tokens in Y
  uint y_col0;     // Y column of the part's row 0 (the part's first_row)
  uint accumulate; // 1: Y += W X
} pc;

#define DQ_WORD(i) wq[i]
#define DQ_VEC4(i) wq4[i]
#include "dequant.glsl"

shared float ws[BK * (BM + 1)];
shared float xs[BK * (BN + 1)];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint r_base = pc.row0 + gl_WorkGroupID.x * BM;
  const uint n_base = gl_WorkGroupID.y * BN;
  // loader mapping: thread t loads 8 consecutive k of row/token t/4 (BM = BN = 64, BK = 32)
  const uint ld_i = t / 4u, ld_k = (t % 4u) * 8u;
  const uint tr = t % TPR, tc = t / TPR;

  float acc[TM * TN];
  for (uint i = 0; i < TM * TN; i++) acc[i] = 0.0;

  const uint wr = r_base + ld_i;
  const uint wrb = wr * dq_row_bytes(pc.cols);
  const uint xn = n_base + ld_i;
  for (uint k0 = 0; k0 < pc.cols; k0 += BK) {
    float v[8];
    if (wr < pc.rows) {
      dq_load8(wrb, k0 + ld_k, pc.cols, v);
    } else {
      for (uint i = 0; i < 8u; i++) v[i] = 0.0;
    }
    for (uint i = 0; i < 8u; i++) ws[(ld_k + i) * (BM + 1) + ld_i] = v[i];
    for (uint i = 0; i < 8u; i++) {
      uint k = k0 + ld_k + i;
      xs[(ld_k + i) * (BN + 1) + ld_i] = (xn < pc.n_tokens && k < pc.cols) ? xv[xn * pc.x_stride + k] : 0.0;
    }
    barrier();
    for (uint k = 0; k < BK; k++) {
      float a[TM], b[TN];
      for (uint i = 0; i < TM; i++) a[i] = ws[k * (BM + 1) + tr + i * TPR];
      for (uint j = 0; j < TN; j++) b[j] = xs[k * (BN + 1) + tc + j * (NT / TPR)];
      for (uint j = 0; j < TN; j++)
        for (uint i = 0; i < TM; i++) acc[j * TM + i] = fma(a[i], b[j], acc[j * TM + i]);
    }
    barrier();
  }

  for (uint j = 0; j < TN; j++) {
    uint n = n_base + tc + j * (NT / TPR);
    if (n >= pc.n_tokens) continue;
    for (uint i = 0; i < TM; i++) {
      uint r = r_base + tr + i * TPR;
      if (r >= pc.rows) continue;
      uint o = n * pc.y_stride + pc.y_col0 + r;
      float y = acc[j * TM + i];
      if (pc.accumulate != 0u) y += yv[o];
      yv[o] = y;
    }
  }
}
