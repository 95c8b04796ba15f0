/* libFuzzer target: `lil run`'s argument parsing (getopt_long_only, number parsing, --sparse,
 * --kv-type, --guardian specs) on arbitrary argument vectors: the input split at NUL bytes. The
 * command's own file is included so its static parser is reached without loading a model. */
#include "../cli/cmd_run.c"

#include "fuzz_common.h"

/* The parser's usage text and errors go to stdout / stderr: tools/fuzz.sh runs this target with
 * -close_fd_mask=3 (libFuzzer keeps its own output). */

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = 0;
  char *argv[MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = "run";
  for (char *p = buf; argc < MAX_ARGS && p <= buf + size; p += strlen(p) + 1) argv[argc++] = p;
  argv[argc] = NULL;
  run_opts o = {0};
  o.sampling.top_p = 1.0f;
  lil_attention_config ac;
  lil_attention_config_default(&ac);
  o.policy = ac.policy;
  int rc = parse(argc, argv, &o);
  FUZZ_CHECK(rc == -1 || rc == 0 || rc == 2, "parse returned %d", rc);
  if (rc == -1) {
    FUZZ_CHECK(!(o.prompt && o.file), "-p and -f both accepted");
    if (o.use_guardian) { /* the --guardian spec, as run() parses it */
      char *spec = strdup(o.guardian ? o.guardian : "");
      lil_guardian_opts go;
      lil_error e = {0};
      if (spec && cli_guardian_spec_parse(spec, &go, &e)) FUZZ_CHECK(e.msg[0], "guardian spec error without a message");
      free(spec);
    }
  }
  /* no state carried over: a known command line parses the same after any input (with optind = 1,
   * glibc resumed inside a cluster like "-hx" left by the previous call; buf is still alive here,
   * so the stale position reads the old text rather than freed memory) */
  char a0[] = "run", a1[] = "-n", a2[] = "5";
  char *known[] = {a0, a1, a2, NULL};
  run_opts k = {0};
  rc = parse(3, known, &k);
  FUZZ_CHECK(rc == -1 && k.n_predict == 5, "'run -n 5' after the input: %d, n_predict %llu", rc,
             (unsigned long long)k.n_predict);
  free(buf);
  return 0;
}
