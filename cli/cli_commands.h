/* The `lil` subcommands. Each takes argc/argv starting at the subcommand name (getopt_long
 * style) and returns the process exit status. */
#ifndef LIL_CLI_COMMANDS_H
#define LIL_CLI_COMMANDS_H

typedef struct lil_cli_command {
  const char *name;
  const char *summary;
  int (*main)(int argc, char **argv);
} lil_cli_command;

int cmd_devices(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_eval(int argc, char **argv);

#endif
