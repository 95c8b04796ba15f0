#include "model_test_data.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

const int32_t stories_expected_ids[STORIES_N_EXPECTED] = {
    403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
    410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352,
    266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415,
    426, 13,  438, 310, 439, 419, 357, 336, 432, 313, 438, 310, 432, 278, 316, 439, 419, 298, 414, 267,
    265, 282, 295, 433, 426, 436, 317, 286, 296, 418, 269, 279, 292, 416, 439, 413, 409, 416, 327, 263,
    415, 294, 267, 400, 426, 338, 336, 432, 313, 442, 391, 267, 337, 335, 364, 420, 268, 388, 432, 398,
    359, 280, 303, 439, 413, 272, 417, 264, 312, 426, 436, 13,  438, 310, 286, 296, 418, 269, 279, 292,
    416, 439, 413, 409, 416, 327, 263, 415, 294, 267, 400, 426, 338, 336, 432, 313, 442, 439, 423, 262,
    304, 420, 422, 432, 317, 426, 359, 279, 292, 416, 439, 413, 409, 416, 327, 263, 415, 294, 267, 400,
    426, 436, 13,  438, 310, 279, 292, 416, 439, 413, 391, 267, 281, 421, 427, 311, 357, 432, 384, 358,
};

void golden_load(golden_set *g) {
  memset(g, 0, sizeof(*g));
  char dir[1024];
  snprintf(dir, sizeof(dir), "%s", test_source_path("tests/data/golden"));
  char path[1100];
  snprintf(path, sizeof(path), "%s/golden.json", dir);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  ck_assert_msg(root, "%s: %s", path, je.text);
  json_t *toks = json_object_get(root, "tokens"), *models = json_object_get(root, "models");
  ck_assert(json_is_array(toks) && json_is_array(models));
  g->n_tokens = (uint32_t)json_array_size(toks);
  ck_assert(g->n_tokens > 0 && g->n_tokens <= GOLDEN_MAX_TOKENS);
  for (uint32_t i = 0; i < g->n_tokens; i++) g->tokens[i] = (int32_t)json_integer_value(json_array_get(toks, i));
  g->n_vocab = (uint32_t)json_integer_value(json_object_get(root, "n_vocab"));
  g->n_models = (uint32_t)json_array_size(models);
  ck_assert(g->n_models > 0 && g->n_models <= GOLDEN_MAX_MODELS);
  for (uint32_t i = 0; i < g->n_models; i++) {
    json_t *m = json_array_get(models, i);
    golden_model *gm = &g->models[i];
    snprintf(gm->arch, sizeof(gm->arch), "%s", json_string_value(json_object_get(m, "arch")));
    snprintf(gm->type, sizeof(gm->type), "%s", json_string_value(json_object_get(m, "type")));
    snprintf(gm->gguf_path, sizeof(gm->gguf_path), "%s/%s", dir, json_string_value(json_object_get(m, "gguf")));
    snprintf(path, sizeof(path), "%s/%s", dir, json_string_value(json_object_get(m, "logits")));
    size_t size = 0;
    char *data = test_read_file(path, &size);
    ck_assert_msg(data, "cannot read %s", path);
    ck_assert_uint_eq(size, (size_t)g->n_tokens * g->n_vocab * 4);
    gm->logits = malloc(size);
    memcpy(gm->logits, data, size);
    free(data);
  }
  json_decref(root);
}

void golden_free(golden_set *g) {
  for (uint32_t i = 0; i < g->n_models; i++) free(g->models[i].logits);
}

void golden_compare(const float *a, const float *b, uint32_t n, double *max_err, double *max_ref) {
  double e = 0, r = 0;
  for (uint32_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= e)) e = isnan(d) ? INFINITY : d;
    if (fabs(b[i]) > r) r = fabs(b[i]);
  }
  *max_err = e;
  *max_ref = r;
}
