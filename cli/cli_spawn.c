#include "cli_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *last_line(const char *path) {
  FILE *f = fopen(path, "r");
  char line[1024], keep[1024] = "";
  while (f && fgets(line, sizeof(line), f)) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
    if (n) memcpy(keep, line, n + 1);
  }
  if (f) fclose(f);
  return strdup(keep);
}

lil_status cli_run_self(const char *const *args, const char *err_path, cli_child_result *r, lil_error *err) {
  memset(r, 0, sizeof(*r));
  char exe[PATH_MAX];
  ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (l <= 0) return lil_error_set(err, LIL_ERR_IO, "cannot find the lil executable (/proc/self/exe)");
  exe[l] = 0;
  size_t n = 0;
  while (args[n]) n++;
  const char **argv = calloc(n + 2, sizeof(char *));
  if (!argv) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "child arguments");
  argv[0] = exe;
  memcpy(argv + 1, args, n * sizeof(char *));
  int pfd[2];
  if (pipe(pfd)) {
    free(argv);
    return lil_error_set(err, LIL_ERR_IO, "pipe: %s", strerror(errno));
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (efd < 0 || dup2(pfd[1], 1) < 0 || dup2(efd, 2) < 0) _exit(127);
    close(pfd[0]), close(pfd[1]), close(efd);
    execv(exe, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", exe, strerror(errno));
    _exit(127);
  }
  free(argv);
  close(pfd[1]);
  if (pid < 0) {
    close(pfd[0]);
    return lil_error_set(err, LIL_ERR_IO, "fork: %s", strerror(errno));
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (buf && cap - len < 2048) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) free(buf);
      buf = nb, cap *= 2;
    }
    char scratch[2048];
    ssize_t got = read(pfd[0], buf ? buf + len : scratch, 2047);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (buf) len += (size_t)got;
  }
  close(pfd[0]);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  r->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 1;
  if (!buf) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "child output");
  buf[len] = 0;
  r->out = buf;
  r->err_last = last_line(err_path);
  if (!r->err_last) {
    cli_child_result_free(r);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "child output");
  }
  return LIL_OK;
}

void cli_child_result_free(cli_child_result *r) {
  free(r->out);
  free(r->err_last);
  r->out = r->err_last = NULL;
}
