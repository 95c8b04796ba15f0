/* CPU reference for the GGUF weight types lil runs: f32 <-> f16/bf16 conversions, dequantization
 * of a row of F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K to float, and simple round-to-nearest
 * quantizers (for test data and benchmarks, not for model quality).
 * Layouts (little-endian, ggml's):
 *   Q8_0 (34 B / 32): f16 d; int8 qs[32];                  x[i] = d * qs[i]
 *   Q4_0 (18 B / 32): f16 d; uint8 qs[16];                 x[j] = d * ((qs[j] & 15) - 8),
 *                                                           x[j+16] = d * ((qs[j] >> 4) - 8)
 *   Q4_K (144 B / 256): f16 d, dmin; uint8 scales[12]; uint8 qs[128]. Sub-block s (32 elements)
 *        has 6-bit scale sc[s] and min m[s] (packed, see lil_q4k_get_scale_min); element e is
 *        nibble (e/32 odd ? high : low) of qs[32*(e/64) + e%32], x = d*sc*q - dmin*m.
 *   Q6_K (210 B / 256): uint8 ql[128], qh[64]; int8 scales[16]; f16 d. Element e: h = e/128,
 *        g = (e%128)/32, l = e%32; low 4 bits: nibble (g/2) of ql[64h + 32*(g&1) + l]; high 2 bits:
 *        bits 2g..2g+1 of qh[32h + l]; x = d * scales[e/16] * (q - 32). */
#ifndef LIL_QUANT_H
#define LIL_QUANT_H

#include <stdint.h>

#include "lil_ggml_types.h"
#include "lil_status.h"

uint16_t lil_f32_to_f16(float f);  /* round to nearest even; overflow -> inf */
float lil_f16_to_f32(uint16_t h);
uint16_t lil_f32_to_bf16(float f); /* round to nearest even; NaN stays NaN */
float lil_bf16_to_f32(uint16_t h);

/* Q4_K: the 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes, and the inverse. */
void lil_q4k_get_scale_min(const uint8_t scales[12], int j, uint8_t *sc, uint8_t *m);
void lil_q4k_pack_scales(const uint8_t sc[8], const uint8_t m[8], uint8_t scales[12]);

/* n elements of type (n a multiple of the block size) at src -> dst floats. */
lil_status lil_dequantize_row(uint32_t type, const void *src, float *dst, uint64_t n, lil_error *err);
/* n floats -> lil_type_row_bytes(type, n) bytes at dst. All seven types. */
lil_status lil_quantize_row(uint32_t type, const float *src, void *dst, uint64_t n, lil_error *err);
/* 1 for the seven types above. */
int lil_quant_supported(uint32_t type);

#endif
