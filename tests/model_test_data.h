/* Reference data shared by the model tests: stories260K's expected greedy ids (llama.cpp and a
 * float64 llama2.c transcription agree; assets/README.md) and the
 * golden logits of tests/data/golden (HF transformers, random-weight models). */
#ifndef LIL_TEST_MODEL_DATA_H
#define LIL_TEST_MODEL_DATA_H

#include <stdint.h>

#define STORIES_N_EXPECTED 200
extern const int32_t stories_expected_ids[STORIES_N_EXPECTED];

#define GOLDEN_MAX_MODELS 8
#define GOLDEN_MAX_TOKENS 64

typedef struct golden_model {
  char arch[16], type[16];
  char gguf_path[1024]; /* absolute */
  float *logits;        /* [n_tokens][n_vocab], malloc'ed */
} golden_model;

typedef struct golden_set {
  uint32_t n_tokens, n_vocab, n_models;
  int32_t tokens[GOLDEN_MAX_TOKENS];
  golden_model models[GOLDEN_MAX_MODELS];
} golden_set;

/* Reads tests/data/golden/golden.json and every logits file; ck_abort on any problem. */
void golden_load(golden_set *g);
void golden_free(golden_set *g);

/* max |a - b| over n values, and max |b|. */
void golden_compare(const float *a, const float *b, uint32_t n, double *max_err, double *max_ref);

#endif
