/* CPU references for the matmul tests: random GGUF weight rows and their exact f32 values. */
#ifndef LIL_TEST_MATMUL_REF_H
#define LIL_TEST_MATMUL_REF_H

#include <stdint.h>

float ref_half_to_float(uint16_t h);
/* Fills rows x cols weights of type (packed GGUF rows) with random data whose values are finite
 * and of moderate size: out must hold rows * lil_type_row_bytes(type, cols) bytes. */
void ref_random_weight(uint32_t type, uint32_t rows, uint32_t cols, uint8_t *out, uint64_t *rng);
/* Decodes one row of type into f32 values. */
void ref_dequant_row(uint32_t type, const uint8_t *row, uint32_t cols, float *out);
/* y[n][r] = sum_c w[r][c] x[n][c] in double, and asum[n][r] = sum_c |w x| (for tolerances). */
void ref_matmul(const float *w, const float *x, uint32_t rows, uint32_t cols, uint32_t n, double *y, double *asum);

#endif
