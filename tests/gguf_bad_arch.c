/* Writes a small GGUF whose general.architecture is one lil does not know ("gpt-neo"), for the
 * `lil run` error test. usage: gguf_bad_arch OUT.gguf */
#include <stdio.h>

#include "lil_gguf_writer.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  lil_gguf_writer *w;
  lil_error e = {0};
  float zeros[64] = {0};
  uint64_t ne[2] = {64, 1};
  if (lil_gguf_writer_create(3, &w, &e) || lil_gguf_writer_add_string(w, "general.architecture", "gpt-neo", &e) ||
      lil_gguf_writer_add_u32(w, "gpt-neo.block_count", 1, &e) ||
      lil_gguf_writer_add_tensor(w, "token_embd.weight", 0, 2, ne, zeros, &e) ||
      lil_gguf_writer_write_file(w, argv[1], &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  lil_gguf_writer_free(w);
  return 0;
}
