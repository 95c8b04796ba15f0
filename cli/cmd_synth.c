/* lil synth: writes a random-weight GGUF in the shape of a real model (runtime/model/lil_synth.h),
 * for benchmarks on machines without the real weights; no Python needed. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "cli_commands.h"
#include "cli_util.h"
#include "lil_ggml_types.h"
#include "lil_synth.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lil synth SHAPE TYPE -o OUT.gguf [--seed N] [--vocab GGUF]\n"
             "       lil synth --list\n"
             "Writes a GGUF with random weights in the shape of a real model (for speed measurements:\n"
             "the output is noise). TYPE: f16, q8_0 or q4_0 (the matrices; norms are f32).\n"
             "  -o, --output FILE   the GGUF to write\n"
             "  --seed N            random seed (default 1; the same seed writes the same file)\n"
             "  --vocab GGUF        tokenizer source, padded with filler tokens to the shape's vocabulary\n"
             "                      (default: the bundled stories260K.gguf)\n"
             "  --list              the known shapes, their dimensions and sizes\n");
}

static void list_shapes(void) {
  printf("%-12s %-6s %6s %6s %6s %6s %6s %6s %7s %6s %10s\n", "shape", "arch", "embd", "layers", "heads", "kv",
         "hdim", "ffn", "vocab", "tied", "q4_0 MiB");
  for (size_t i = 0; i < lil_synth_shape_count(); i++) {
    const lil_synth_shape *s = lil_synth_shape_at(i);
    printf("%-12s %-6s %6u %6u %6u %6u %6u %6u %7u %6s %10.1f\n", s->name, s->arch, s->n_embd, s->n_layer, s->n_head,
           s->n_head_kv, s->head_dim, s->n_ff, s->n_vocab, s->tied ? "yes" : "no",
           lil_synth_weight_bytes(s, LIL_TYPE_Q4_0) / 1048576.0);
  }
}

int cmd_synth(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, 0, 'o'}, {"seed", required_argument, 0, 's'},
                                       {"vocab", required_argument, 0, 'v'},  {"list", no_argument, 0, 'l'},
                                       {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
  const char *out = NULL, *vocab = NULL;
  uint64_t seed = 1;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 's': if (!cli_parse_u64("synth", "--seed", optarg, 0, UINT64_MAX, &seed)) return 2; break;
    case 'v': vocab = optarg; break;
    case 'l': list_shapes(); return 0;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil synth: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "lil synth: expected SHAPE and TYPE (see lil synth --help, --list)\n");
    return 2;
  }
  if (!out) {
    fprintf(stderr, "lil synth: -o OUT.gguf is required\n");
    return 2;
  }
  lil_error err = {0};
  char vbuf[PATH_MAX];
  lil_synth_options o = {.seed = seed, .out_path = out};
  if (!(o.shape = lil_synth_find_shape(argv[optind], &err))) return cli_fail("synth", &err);
  if (lil_synth_parse_type(argv[optind + 1], &o.type, &err)) return cli_fail("synth", &err);
  if (!(o.vocab_path = vocab ? vocab : cli_asset_path("stories260K.gguf", vbuf, sizeof(vbuf)))) {
    fprintf(stderr, "lil synth: no --vocab given and the bundled stories260K.gguf was not found\n");
    return 1;
  }
  if (lil_synth_write(&o, &err)) return cli_fail("synth", &err);
  fprintf(stderr, "lil synth: %s: %s %s, %.1f MiB of weights, seed %llu\n", out, o.shape->name,
          lil_type_get(o.type)->name, lil_synth_weight_bytes(o.shape, o.type) / 1048576.0, (unsigned long long)seed);
  return 0;
}
