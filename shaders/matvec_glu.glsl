// The gate / up pairs' epilogue of the matvec kernels (matvec_q16.comp, matvec_x8.comp): rows
// 0..HR-1 of a workgroup are gate rows, rows HR..2HR-1 the up rows with the same index; after the
// products, y = silu(gate) * up for column 0.
// The includer declares NROWS, NCOLS, acc[NROWS][NCOLS], the shared red[] with RED_STRIDE floats per
// subgroup, y[] and pc.{rows, y_base}, and enables GL_KHR_shader_subgroup_arithmetic. Called in
// uniform control flow; scale multiplies both sums (the row scale 1 / rms(x) or 1).
void glu_store(uint tid, uint row0, uint HR, float scale, bool one) {
  float t[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) t[r] = subgroupAdd(acc[r][0]);
  if (!one) {
    if (gl_SubgroupInvocationID == 0u)
      [[unroll]] for (uint r = 0u; r < NROWS; r++) red[gl_SubgroupID * RED_STRIDE + r * NCOLS] = t[r];
    barrier();
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      t[r] = 0.0;
      for (uint g = 0u; g < gl_NumSubgroups; g++) t[r] += red[g * RED_STRIDE + r * NCOLS];
    }
  }
  if (tid == 0u)
    [[unroll]] for (uint r = 0u; r < HR; r++)
      if (row0 + r < pc.rows) {
        float g = t[r] * scale, u = t[r + HR] * scale;
        y[pc.y_base + row0 + r] = g / (1.0 + exp(-g)) * u;
      }
}
