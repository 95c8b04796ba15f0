/* lil: portable GPU runtime for long LLM decoding. Dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli_commands.h"
#include "cli_guardian.h"
#include "cli_tokenize.h"

static const lil_cli_command commands[] = {
    {"run", "generate text with a GGUF model (default: the bundled stories260K)", cmd_run},
    {"devices", "list Vulkan devices and the plan lil makes for each", cmd_devices},
    {"tokenize", "tokenize text with a model's tokenizer (ids or id:piece pairs)", cmd_tokenize},
    {"guardian", "where the Guardian would stop on existing outputs (text or JSON Lines)", cmd_guardian},
    {"bench", "benchmarks: copy bandwidth, kernels, attention, decode, prefill, the suite", cmd_bench},
    {"synth", "write a random-weight GGUF in the shape of a real model (for benchmarks)", cmd_synth},
    {"report", "side-by-side table and chart of `lil bench suite` results of several devices", cmd_report},
    {"eval", "sparse policies with and without the Guardian: tokens, time, KV memory, accuracy", cmd_eval},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f) {
  fprintf(f, "usage: lil [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n`lil COMMAND --help` describes each command.\n"
             "Environment: LIL_DEVICE (device index or name), LIL_DISABLE (e.g. fp16,coopmat),\n"
             "LIL_VALIDATE=1 (Vulkan validation layer).\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("lil %s\n", LIL_VERSION);
    return 0;
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (!strcmp(cmd, commands[i].name)) return commands[i].main(argc - 1, argv + 1);
  fprintf(stderr, "lil: unknown command '%s' (see lil --help)\n", cmd);
  return 2;
}
