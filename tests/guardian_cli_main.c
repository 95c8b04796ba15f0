/* Temporary stand-in for `lil` until cli/ is built: `lil_guardian_cli guardian ...` and
 * `lil_guardian_cli bench guardian ...` dispatch exactly as cli/main.c will. */
#include <stdio.h>
#include <string.h>

#include "cli_guardian.h"

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "guardian")) return cmd_guardian(argc - 1, argv + 1);
  if (argc >= 3 && !strcmp(argv[1], "bench") && !strcmp(argv[2], "guardian")) return bench_guardian(argc - 2, argv + 2);
  fprintf(stderr, "usage: lil_guardian_cli guardian ARGS | bench guardian ARGS\n");
  return 2;
}
