/* CPU reference quantization: exact bytes of hand-computed blocks, conversions, round trips. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lil_quant.h"
#include "test_common.h"

START_TEST(test_f16_bf16) {
  ck_assert_uint_eq(lil_f32_to_f16(1.0f), 0x3c00);
  ck_assert_uint_eq(lil_f32_to_f16(-2.0f), 0xc000);
  ck_assert_uint_eq(lil_f32_to_f16(65504.0f), 0x7bff);
  ck_assert_uint_eq(lil_f32_to_f16(1e6f), 0x7c00);
  ck_assert_uint_eq(lil_f32_to_f16(5.9604645e-8f), 0x0001); /* smallest subnormal */
  ck_assert_uint_eq(lil_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00); /* tie -> even */
  ck_assert_uint_eq(lil_f32_to_f16(1.0f + 3.0f / 2048), 0x3c02); /* tie -> even (up) */
  ck_assert(lil_f16_to_f32(0x0001) == 5.9604645e-8f);
  ck_assert(lil_f16_to_f32(0x3555) == 0.333251953125f);
  ck_assert(isnan(lil_f16_to_f32(lil_f32_to_f16(NAN))));
  for (uint32_t h = 0; h < 0x7c00; h++) ck_assert_uint_eq(lil_f32_to_f16(lil_f16_to_f32((uint16_t)h)), h);
  ck_assert_uint_eq(lil_f32_to_bf16(1.0f), 0x3f80);
  ck_assert_uint_eq(lil_f32_to_bf16(-3.0f), 0xc040);
  ck_assert(lil_bf16_to_f32(0x3f81) == 1.0078125f);
  ck_assert_uint_eq(lil_f32_to_bf16(1.00390625f), 0x3f80); /* tie -> even */
  ck_assert(isnan(lil_bf16_to_f32(lil_f32_to_bf16(NAN))));
}
END_TEST

START_TEST(test_q8_0_bytes) {
  float x[32];
  for (int i = 0; i < 32; i++) x[i] = (float)i;
  uint8_t b[34];
  ck_assert_int_eq(lil_quantize_row(LIL_TYPE_Q8_0, x, b, 32, NULL), LIL_OK);
  uint16_t d = (uint16_t)(b[0] | (b[1] << 8));
  ck_assert_uint_eq(d, lil_f32_to_f16(31.0f / 127.0f));
  ck_assert_uint_eq(d, 0x33d0); /* 31/127 = 0.244094... -> f16 0x33d0 (0.244140625) */
  static const int8_t want[32] = {0,  4,  8,  12, 16, 20, 25, 29, 33, 37,  41,  45,  49,  53,  57,  61,
                                  66, 70, 74, 78, 82, 86, 90, 94, 98, 102, 107, 111, 115, 119, 123, 127};
  for (int i = 0; i < 32; i++) ck_assert_int_eq((int8_t)b[2 + i], want[i]);
  float y[32];
  ck_assert_int_eq(lil_dequantize_row(LIL_TYPE_Q8_0, b, y, 32, NULL), LIL_OK);
  for (int i = 0; i < 32; i++) ck_assert(y[i] == lil_f16_to_f32(d) * want[i]);
}
END_TEST

START_TEST(test_q4_0_bytes) {
  float x[32];
  for (int j = 0; j < 32; j++) x[j] = (float)(j % 16) - 8.0f; /* max magnitude -8: d = 1 */
  uint8_t b[18];
  ck_assert_int_eq(lil_quantize_row(LIL_TYPE_Q4_0, x, b, 32, NULL), LIL_OK);
  ck_assert_uint_eq(b[0] | (b[1] << 8), 0x3c00);
  for (int j = 0; j < 16; j++) ck_assert_uint_eq(b[2 + j], (uint32_t)(j | (j << 4)));
  /* hand-made block: d = 0.5, byte j = (15 - j) | (j << 4) */
  uint8_t h[18] = {0x00, 0x38};
  for (int j = 0; j < 16; j++) h[2 + j] = (uint8_t)((15 - j) | (j << 4));
  float y[32];
  ck_assert_int_eq(lil_dequantize_row(LIL_TYPE_Q4_0, h, y, 32, NULL), LIL_OK);
  for (int j = 0; j < 16; j++) {
    ck_assert(y[j] == 0.5f * (float)(15 - j - 8));
    ck_assert(y[j + 16] == 0.5f * (float)(j - 8));
  }
}
END_TEST

START_TEST(test_q4_k_scales_and_block) {
  /* sc = {1, 2, 3, 4, 50, 17, 63, 5}, m = {0, 7, 63, 1, 33, 16, 2, 60}: packed bytes by hand */
  const uint8_t sc[8] = {1, 2, 3, 4, 50, 17, 63, 5}, m[8] = {0, 7, 63, 1, 33, 16, 2, 60};
  uint8_t packed[12];
  lil_q4k_pack_scales(sc, m, packed);
  /* q[j] = sc[j] | (sc[j+4] >> 4) << 6; q[j+4] = m[j] | (m[j+4] >> 4) << 6; q[j+8] = sc[j+4]&15 | (m[j+4]&15)<<4 */
  static const uint8_t want[12] = {0xc1, 0x42, 0xc3, 0x04, 0x80, 0x47, 0x3f, 0xc1, 0x12, 0x01, 0x2f, 0xc5};
  ck_assert_mem_eq(packed, want, 12);
  for (int j = 0; j < 8; j++) {
    uint8_t a, b;
    lil_q4k_get_scale_min(want, j, &a, &b);
    ck_assert_uint_eq(a, sc[j]);
    ck_assert_uint_eq(b, m[j]);
  }
  /* block: d = 2, dmin = 0.25, qs[i] = i & 255 (low nibble i%16, high nibble (i/16)%16) */
  uint8_t blk[144] = {0x00, 0x40, 0x00, 0x34};
  memcpy(blk + 4, want, 12);
  for (int i = 0; i < 128; i++) blk[16 + i] = (uint8_t)i;
  float y[256];
  ck_assert_int_eq(lil_dequantize_row(LIL_TYPE_Q4_K, blk, y, 256, NULL), LIL_OK);
  /* element 0: sub 0, q = low(qs[0]) = 0 -> -0.25*0 = 0 */
  ck_assert(y[0] == 0.0f);
  /* element 33: sub 1 (high nibbles of qs[0..31]), qs[1] = 1 -> high 0: 2*2*0 - 0.25*7 */
  ck_assert(y[33] == -1.75f);
  /* element 50: sub 1, qs[18] = 18 -> high nibble 1: 2*2*1 - 0.25*7 = 2.25 */
  ck_assert(y[50] == 2.25f);
  /* element 64+5 = 69: sub 2, low nibble of qs[32+5] = 37 & 15 = 5: 2*3*5 - 0.25*63 = 14.25 */
  ck_assert(y[69] == 14.25f);
  /* element 128+31 = 159: sub 4, low nibble of qs[64+31] = 95 & 15 = 15: 2*50*15 - 0.25*33 = 1491.75 */
  ck_assert(y[159] == 1491.75f);
  /* element 192+32+7 = 231: sub 7, high nibble of qs[96+7] = 103 >> 4 = 6: 2*5*6 - 0.25*60 = 45 */
  ck_assert(y[231] == 45.0f);
  /* element 160: sub 5, high nibble of qs[64] = 64 >> 4 = 4: 2*17*4 - 0.25*16 = 132 */
  ck_assert(y[160] == 132.0f);
}
END_TEST

START_TEST(test_q6_k_block) {
  uint8_t blk[210] = {0};
  for (int i = 0; i < 128; i++) blk[i] = (uint8_t)(i * 7);        /* ql */
  for (int i = 0; i < 64; i++) blk[128 + i] = (uint8_t)(i * 13);  /* qh */
  for (int i = 0; i < 16; i++) blk[192 + i] = (uint8_t)(int8_t)(i - 8); /* scales */
  blk[208] = 0x00;
  blk[209] = 0x38; /* d = 0.5 */
  float y[256];
  ck_assert_int_eq(lil_dequantize_row(LIL_TYPE_Q6_K, blk, y, 256, NULL), LIL_OK);
  /* e = 0: h0 g0 l0: ql[0] = 0 low 0; qh[0] = 0 -> q = 0: 0.5 * (-8) * (0 - 32) = 128 */
  ck_assert(y[0] == 128.0f);
  /* e = 37: h0 g1 l5: ql[32+5] = 259 & 255 = 3 -> low 3; qh[5] = 65 -> bits 2..3 = 0 -> q 3;
   * scale[2] = -6: 0.5 * -6 * (3 - 32) = 87 */
  ck_assert(y[37] == 87.0f);
  /* e = 77: h0 g2 l13: ql[13] = 91 -> high nibble 5; qh[13] = 169 = 0b10101001 -> bits 4..5 = 2
   * -> q = 5 | 32 = 37; scale[4] = -4: 0.5 * -4 * 5 = -10 */
  ck_assert(y[77] == -10.0f);
  /* e = 128+96+20 = 244: h1 g3 l20: ql[64+32+20] = 116*7 = 812 & 255 = 44 -> high nibble 2;
   * qh[32+20] = 52*13 = 676 & 255 = 164 = 0b10100100 -> bits 6..7 = 2 -> q = 34; scale[15] = 7:
   * 0.5 * 7 * 2 = 7 */
  ck_assert(y[244] == 7.0f);
}
END_TEST

/* dequant(quant(x)) error bounds, per type, relative to the block's max |x|. */
START_TEST(test_round_trip) {
  static const struct {
    uint32_t type;
    float tol; /* max |error| / max |x| over a block */
  } cases[] = {{LIL_TYPE_F32, 0},        {LIL_TYPE_F16, 1e-3f},   {LIL_TYPE_BF16, 8e-3f},
               {LIL_TYPE_Q8_0, 0.57f / 127}, /* 0.5 d + f16 rounding of d */
               {LIL_TYPE_Q4_0, 1.01f / 8}, /* the +max end clamps at 15: up to 1 d */
               {LIL_TYPE_Q4_K, 0.1f},    {LIL_TYPE_Q6_K, 0.05f}};
  uint64_t rng = test_seed();
  const uint64_t n = 1024;
  float *x = malloc(n * 4), *y = malloc(n * 4);
  uint8_t *q = malloc(n * 4);
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    for (uint64_t i = 0; i < n; i++) x[i] = test_rand_uniform(&rng, -1.0f, 1.0f) * (1 + (float)(i / 256));
    ck_assert_int_eq(lil_quantize_row(cases[c].type, x, q, n, NULL), LIL_OK);
    ck_assert_int_eq(lil_dequantize_row(cases[c].type, q, y, n, NULL), LIL_OK);
    uint32_t blk = cases[c].type == LIL_TYPE_Q4_K || cases[c].type == LIL_TYPE_Q6_K ? 256 : 32;
    for (uint64_t b = 0; b < n / blk; b++) {
      float amax = 0, emax = 0;
      for (uint32_t i = 0; i < blk; i++) {
        amax = fmaxf(amax, fabsf(x[b * blk + i]));
        emax = fmaxf(emax, fabsf(x[b * blk + i] - y[b * blk + i]));
      }
      ck_assert_msg(emax <= cases[c].tol * amax, "type %u block %llu: error %g > %g * %g", cases[c].type,
                    (unsigned long long)b, emax, cases[c].tol, amax);
    }
  }
  lil_error err = {0};
  ck_assert_int_eq(lil_quantize_row(LIL_TYPE_Q4_K, x, q, 100, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_dequantize_row(LIL_TYPE_Q5_K, q, y, 256, &err), LIL_ERR_UNSUPPORTED);
  free(x);
  free(y);
  free(q);
}
END_TEST

int main(void) {
  Suite *s = suite_create("quant");
  TCase *tc = tcase_create("cpu");
  tcase_add_test(tc, test_f16_bf16);
  tcase_add_test(tc, test_q8_0_bytes);
  tcase_add_test(tc, test_q4_0_bytes);
  tcase_add_test(tc, test_q4_k_scales_and_block);
  tcase_add_test(tc, test_q6_k_block);
  tcase_add_test(tc, test_round_trip);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
