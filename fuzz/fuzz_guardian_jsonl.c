/* libFuzzer target: `lil guardian` on a JSON Lines file (the CLI's JSONL reader, then the Guardian
 * on each record's text). Byte 0 picks the options (checks every 1-8 tokens, --include-prompt,
 * the paper rule, --json); the rest is the file. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_guardian.h"
#include "fuzz_common.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(path, sizeof(path), "/dev/shm/lil-fuzz-%d.jsonl", (int)getpid());
  if (!freopen("/dev/null", "w", stdout)) return 1; /* the reports: not what is tested */
  return 0; /* (errors go to stderr: tools/fuzz.sh runs this target with -close_fd_mask=2) */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  char every[8];
  snprintf(every, sizeof(every), "%u", 1 + (data[0] & 7));
  char *argv[12];
  int argc = 0;
  argv[argc++] = "guardian";
  argv[argc++] = "--jsonl";
  argv[argc++] = "-f";
  argv[argc++] = every;
  argv[argc++] = "--min-tokens";
  argv[argc++] = "0";
  if (data[0] & 8) argv[argc++] = "--include-prompt";
  if (data[0] & 16) argv[argc++] = "--rule=paper";
  if (data[0] & 32) argv[argc++] = "--json";
  argv[argc++] = path;
  argv[argc] = NULL;
  int rc = cmd_guardian(argc, argv);
  FUZZ_CHECK(rc == 0 || rc == 1, "exit code %d", rc);
  unlink(path);
  return 0;
}
