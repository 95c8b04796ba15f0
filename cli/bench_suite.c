/* lil bench suite: a fixed, versioned set of benchmarks per device, for comparing devices (of any
 * vendor) with `lil report`: copy bandwidth, matvec per weight type as a fraction of it, prefill
 * and decode tokens per second on random-weight models of real shapes (written by lil synth into a
 * temporary folder, removed at the end) and decode attention at 4k and 32k tokens, dense and
 * quest. Each benchmark is the `lil bench` command of the same name, run as a child process with
 * --json (one context per benchmark, as by hand; a failure is noted and the suite goes on).
 *
 * Every result carries its value and a ratio to the device's own copy bandwidth ("vs_copy"):
 * copy 1; matvec and attention: achieved GB/s / copy GB/s; decode: tok/s / (copy GB/s / weight
 * bytes), the fraction of the bandwidth floor; prefill: tok/s per GB/s of copy bandwidth.
 * SUITE_VERSION changes whenever an item, a shape or a ratio's meaning does: `lil report` refuses
 * to put files of different versions side by side. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_bench.h"
#include "cli_spawn.h"
#include "cli_suite.h"
#include "cli_util.h"
#include "lil_ggml_types.h"
#include "lil_synth.h"
#include "lil_vk.h"

typedef struct suite_model {
  const char *shape, *type;
  int tiny; /* short runs: the tiny shapes measure per-token overheads, not bandwidth */
  char path[PATH_MAX];
  uint64_t weight_bytes, kv_bytes; /* kv: the longest prefill's K/V in f16 */
  int written;
} suite_model;

enum { G_MATVEC = 1, G_ATTENTION = 2, G_MODELS = 4, G_ALL = 7 };

typedef struct suite_run {
  int quick, groups;
  uint64_t cpu_max_mib;
  char dir[PATH_MAX];
  suite_model models[4];
  uint32_t n_models;
  uint32_t step, n_steps;
  int failures;
} suite_run;

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench suite [--json OUT] [--device SEL | --all-devices] [--quick] [--only LIST]\n"
             "                       [--cpu-max-mib N]\n"
             "The comparison suite (version %d) on one device or every device: copy bandwidth, matvec per\n"
             "weight type (fraction of copy), decode and prefill tok/s of random-weight models of real\n"
             "shapes (qwen3-0.6b q8_0, llama-1b q4_0, llama-8b q4_0, and the tiny test shape for per-token\n"
             "overheads; written to a temporary folder and removed), decode attention at 4k and 32k tokens\n"
             "(dense, quest). Progress on stderr; `lil report` puts the JSON of several machines side by side.\n"
             "On CPU devices (lavapipe) matvec and attention run small shapes (ids marked '(small)').\n"
             "  --json OUT        write the results to OUT (JSON); without it, a table on stdout\n"
             "  --device SEL      the device (index or name substring; default: lil's choice)\n"
             "  --all-devices     every Vulkan device in turn\n"
             "  --quick           tiny shapes (seconds on lavapipe; results are not comparable to full)\n"
             "  --cpu-max-mib N   on CPU devices (lavapipe), skip models over N MiB of weights (default 16:\n"
             "                    only the tiny shape; the real ones would take minutes there)\n"
             "  --only LIST       only these groups: matvec, attention, models (the copy bandwidth, the\n"
             "                    reference of the ratios, always runs; default all)\n"
             "Models that do not fit a device are skipped with a note in the JSON, as is a benchmark that\n"
             "fails (with its error; the suite goes on and exits 1 at the end).\n"
             "Temporary models go to $TMPDIR (default /tmp).\n",
          LIL_SUITE_VERSION);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void progress(suite_run *r, const char *dev, const char *what) {
  r->step++;
  int w = 20, done = r->n_steps ? (int)(w * (r->step - 1) / r->n_steps) : 0;
  fprintf(stderr, "lil bench suite: [");
  for (int i = 0; i < w; i++) fputc(i < done ? '#' : '.', stderr);
  fprintf(stderr, "] %u/%u %s: %s\n", r->step, r->n_steps, dev, what);
}

static void add_result(json_t *results, const char *id, const char *group, double value, const char *unit,
                       double vs_copy, const char *vs_unit) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(id));
  json_object_set_new(o, "group", json_string(group));
  json_object_set_new(o, "value", json_real(value));
  json_object_set_new(o, "unit", json_string(unit));
  json_object_set_new(o, "vs_copy", json_real(vs_copy));
  json_object_set_new(o, "vs_copy_unit", json_string(vs_unit));
  json_array_append_new(results, o);
}

static void add_skip(json_t *skipped, const char *id, const char *note) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(id));
  json_object_set_new(o, "note", json_string(note));
  json_array_append_new(skipped, o);
  fprintf(stderr, "lil bench suite:   skipped %s: %s\n", id, note);
}

/* Runs `lil bench ...` for one item; the parsed JSON (one document, or an array of the JSON Lines
 * when lines is set) or NULL with the failure noted in skipped. */
static json_t *run_bench(suite_run *r, const char *const *args, int lines, const char *id, json_t *skipped) {
  char errp[PATH_MAX + 16];
  snprintf(errp, sizeof(errp), "%s/stderr.txt", r->dir);
  cli_child_result cr;
  lil_error err = {0};
  double t0 = now_s();
  if (cli_run_self(args, errp, &cr, &err)) {
    add_skip(skipped, id, err.msg);
    r->failures++;
    return NULL;
  }
  json_t *doc = NULL;
  char note[1200];
  if (cr.exit_code == 0) {
    json_error_t je;
    if (lines) {
      doc = json_array();
      for (char *save = NULL, *l = strtok_r(cr.out, "\n", &save); l && doc; l = strtok_r(NULL, "\n", &save)) {
        json_t *o = json_loads(l, 0, &je);
        if (o) json_array_append_new(doc, o);
        else json_decref(doc), doc = NULL;
      }
    } else {
      doc = json_loads(cr.out, 0, &je);
    }
    if (!doc) snprintf(note, sizeof(note), "failed: unreadable JSON from lil %s %s", args[0], args[1]);
  } else if (cr.exit_code == 3) {
    snprintf(note, sizeof(note), "failed: Vulkan validation messages (lil %s %s)", args[0], args[1]);
  } else {
    snprintf(note, sizeof(note), "failed (exit %d): %s", cr.exit_code, cr.err_last[0] ? cr.err_last : "no message");
  }
  if (!doc) {
    add_skip(skipped, id, note);
    r->failures++;
  } else {
    fprintf(stderr, "lil bench suite:   %.1f s\n", now_s() - t0);
  }
  cli_child_result_free(&cr);
  remove(errp);
  return doc;
}

static double num(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_number(v) ? json_number_value(v) : 0;
}

static const char *str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : "";
}

static void suite_device(suite_run *r, uint32_t index, const lil_device_snapshot *s, const lil_device_plan *p,
                         json_t *dev) {
  char sel[16], idbuf[160], note[256];
  snprintf(sel, sizeof(sel), "%u", index);
  int cpu = s->kind == LIL_DEVICE_CPU, small = r->quick || cpu;
  json_t *results = json_array(), *skipped = json_array(), *raw = json_object();
  json_object_set_new(dev, "results", results);
  json_object_set_new(dev, "skipped", skipped);
  json_object_set_new(dev, "raw", raw);
  /* copy bandwidth: the reference of every ratio */
  progress(r, s->name, "copy bandwidth");
  const char *copy_q[] = {"bench", "copy", "--json", "--device", sel, "--size", "64", "--iters", "5", NULL};
  const char *copy_f[] = {"bench", "copy", "--json", "--device", sel, NULL};
  json_t *copy = run_bench(r, small ? copy_q : copy_f, 0, "copy", skipped);
  double cgbps = copy ? num(copy, "gbps") : 0;
  if (copy) {
    json_object_set(raw, "copy", copy);
    add_result(results, "copy", "copy", cgbps, "GB/s", 1.0, "copy");
    json_object_set_new(dev, "copy_gbps", json_real(cgbps));
    json_decref(copy);
  }
  /* matvec per type: the largest shape (bandwidth bound) of lil bench kernels */
  if (r->groups & G_MATVEC) progress(r, s->name, small ? "matvec per type (small shapes)" : "matvec per type");
  const char *mv_q[] = {"bench", "kernels", "--json", "--device", sel, "--filter", "matvec", "--quick", NULL};
  const char *mv_f[] = {"bench", "kernels", "--json", "--device", sel, "--filter", "matvec", NULL};
  json_t *mv = r->groups & G_MATVEC ? run_bench(r, small ? mv_q : mv_f, 1, "matvec", skipped) : NULL;
  if (mv) {
    json_object_set(raw, "kernels", mv);
    const char *types[] = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
      json_t *best = NULL;
      size_t i;
      json_t *row;
      json_array_foreach(mv, i, row) {
        if (strcmp(str(row, "family"), "matvec") || strcmp(str(row, "type"), types[t]) || strchr(str(row, "kernel"), '+'))
          continue;
        if (!best || num(row, "bytes") > num(best, "bytes")) best = row;
      }
      snprintf(idbuf, sizeof(idbuf), "matvec %s%s", types[t], small ? " (small)" : "");
      for (char *c = idbuf; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
      if (!best) {
        add_skip(skipped, idbuf, "no matvec row of this type");
        continue;
      }
      add_result(results, idbuf, "matvec", num(best, "gbps"), "GB/s", num(best, "frac_copy"), "fraction of copy");
    }
    json_decref(mv);
  }
  /* decode attention of one layer (Qwen3-0.6B heads), dense and quest */
  if (r->groups & G_ATTENTION) progress(r, s->name, "attention 4k / 32k, dense and quest");
  const char *at_q[] = {"bench", "attention", "--json", "--device", sel, "--quick", "--contexts", "4096,32768",
                        "--policies", "dense,quest", NULL};
  const char *at_f[] = {"bench", "attention", "--json", "--device", sel, "--contexts", "4096,32768",
                        "--policies", "dense,quest", NULL};
  json_t *at = r->groups & G_ATTENTION ? run_bench(r, small ? at_q : at_f, 0, "attention", skipped) : NULL;
  if (at) {
    json_object_set(raw, "attention", at);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(at, "rows"), i, row) {
      snprintf(idbuf, sizeof(idbuf), "attention %s %gk%s", str(row, "policy"), num(row, "context") / 1024,
               small ? " (small)" : "");
      add_result(results, idbuf, "attention", num(row, "step_us_nots") - num(row, "book_us_nots"), "us/layer",
                 num(row, "fraction_of_copy_nots"), "fraction of copy");
    }
    json_decref(at);
  }
  /* decode and prefill of each model */
  json_t *rdec = json_array(), *rpre = json_array();
  json_object_set_new(raw, "decode", rdec);
  json_object_set_new(raw, "prefill", rpre);
  for (uint32_t mi = 0; (r->groups & G_MODELS) && mi < r->n_models; mi++) {
    suite_model *m = &r->models[mi];
    char name[96];
    snprintf(name, sizeof(name), "%s %s", m->shape, m->type);
    progress(r, s->name, name);
    snprintf(idbuf, sizeof(idbuf), "decode %s", name);
    uint64_t need = m->weight_bytes + m->kv_bytes + (m->weight_bytes >> 3);
    if (cpu && m->weight_bytes > (r->cpu_max_mib << 20)) {
      snprintf(note, sizeof(note), "%.1f MiB of weights on a CPU device (over --cpu-max-mib %llu)",
               m->weight_bytes / 1048576.0, (unsigned long long)r->cpu_max_mib);
      add_skip(skipped, idbuf, note);
      snprintf(idbuf, sizeof(idbuf), "prefill %s", name);
      add_skip(skipped, idbuf, note);
      continue;
    }
    if (p->device_local_bytes && need > p->device_local_bytes) {
      snprintf(note, sizeof(note), "does not fit: needs about %.0f MiB, the device has %.0f MiB", need / 1048576.0,
               p->device_local_bytes / 1048576.0);
      add_skip(skipped, idbuf, note);
      snprintf(idbuf, sizeof(idbuf), "prefill %s", name);
      add_skip(skipped, idbuf, note);
      continue;
    }
    if (!m->written) {
      lil_error err = {0};
      char vbuf[PATH_MAX];
      lil_synth_options so = {.seed = 1, .out_path = m->path};
      so.shape = lil_synth_find_shape(m->shape, &err);
      so.vocab_path = cli_asset_path("stories260K.gguf", vbuf, sizeof(vbuf));
      if (!so.vocab_path) lil_error_set(&err, LIL_ERR_IO, "the bundled stories260K.gguf (the vocabulary) was not found");
      double t0 = now_s();
      if (so.shape && so.vocab_path && !lil_synth_parse_type(m->type, &so.type, &err) && !lil_synth_write(&so, &err)) {
        m->written = 1;
        fprintf(stderr, "lil bench suite:   wrote %s (%.1f MiB) in %.1f s\n", name, m->weight_bytes / 1048576.0,
                now_s() - t0);
      } else {
        snprintf(note, sizeof(note), "lil synth failed: %s", err.msg);
        add_skip(skipped, idbuf, note);
        r->failures++;
        continue;
      }
    }
    const char *it = cpu || r->quick ? "1" : "3";
    const char *dq[] = {"bench", "decode", "--json", "--device", sel, "-m", m->path, "--prompt", "64", "--tokens",
                        r->quick ? "16" : "64", "--iters", it, NULL};
    const char *df[] = {"bench", "decode", "--json", "--device", sel, "-m", m->path, "--prompt", "512", "--tokens",
                        "128", "--iters", "3", NULL};
    json_t *d = run_bench(r, m->tiny ? dq : df, 0, idbuf, skipped);
    if (d) {
      json_object_set_new(d, "model", json_string(name)); /* not the temporary path */
      add_result(results, idbuf, "decode", num(d, "tok_per_s"), "tok/s", num(d, "fraction_of_floor"),
                 "fraction of the weight-bytes / copy floor");
      json_array_append_new(rdec, d);
    }
    snprintf(idbuf, sizeof(idbuf), "prefill %s", name);
    const char *pq[] = {"bench", "prefill", "--json", "--device", sel, "-m", m->path, "--lengths", "64,256",
                        "--iters", it, NULL};
    const char *pf[] = {"bench", "prefill", "--json", "--device", sel, "-m", m->path, "--lengths", "512,4096",
                        "--iters", "3", NULL};
    json_t *pr = run_bench(r, m->tiny ? pq : pf, 0, idbuf, skipped);
    if (pr) {
      json_object_set_new(pr, "model", json_string(name));
      size_t i;
      json_t *row;
      json_array_foreach(json_object_get(pr, "rows"), i, row) {
        char pid[200];
        snprintf(pid, sizeof(pid), "prefill %s %g", name, num(row, "tokens"));
        double tps = num(row, "tok_per_s");
        add_result(results, pid, "prefill", tps, "tok/s", cgbps > 0 ? tps / cgbps : 0, "tok/s per GB/s of copy");
      }
      json_array_append_new(rpre, pr);
    }
  }
}

/* --only matvec,attention,models */
static int parse_groups(const char *s, int *groups) {
  static const char *const names[] = {"matvec", "attention", "models"};
  char *dup = strdup(s), *save = NULL;
  *groups = 0;
  int ok = dup != NULL;
  for (char *t = ok ? strtok_r(dup, ",", &save) : NULL; t && ok; t = strtok_r(NULL, ",", &save)) {
    int k = 0;
    while (k < 3 && strcmp(t, names[k])) k++;
    if (k == 3) {
      fprintf(stderr, "lil bench suite: --only: unknown group '%s' (matvec, attention, models)\n", t);
      ok = 0;
    } else {
      *groups |= 1 << k;
    }
  }
  free(dup);
  if (ok && !*groups) fprintf(stderr, "lil bench suite: --only: no group given\n");
  return ok && *groups;
}

static void print_table(json_t *root) {
  size_t di;
  json_t *dev;
  json_array_foreach(json_object_get(root, "devices"), di, dev) {
    printf("%s (%s, Vulkan %s)\n%-34s %12s %-9s %9s\n", str(dev, "device"), str(dev, "driver"),
           str(dev, "api_version"), "result", "value", "unit", "vs copy");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(dev, "results"), i, r)
      printf("%-34s %12.3f %-9s %9.4f\n", str(r, "id"), num(r, "value"), str(r, "unit"), num(r, "vs_copy"));
    json_array_foreach(json_object_get(dev, "skipped"), i, r) printf("%-34s skipped: %s\n", str(r, "id"), str(r, "note"));
  }
}

int bench_suite(int argc, char **argv) {
  static const struct option opts[] = {{"json", required_argument, 0, 'j'},   {"device", required_argument, 0, 'd'},
                                       {"all-devices", no_argument, 0, 'a'},  {"quick", no_argument, 0, 'q'},
                                       {"cpu-max-mib", required_argument, 0, 'c'}, {"only", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  suite_run r = {.cpu_max_mib = 16, .groups = G_ALL};
  const char *out = NULL, *device = NULL;
  int all = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'j': out = optarg; break;
    case 'd': device = optarg; break;
    case 'a': all = 1; break;
    case 'q': r.quick = 1; break;
    case 'c': if (!cli_parse_u64("bench suite", "--cpu-max-mib", optarg, 0, 1u << 24, &r.cpu_max_mib)) return 2; break;
    case 'o':
      if (!parse_groups(optarg, &r.groups)) return 2;
      break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench suite: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil bench suite: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (all && device) {
    fprintf(stderr, "lil bench suite: --device and --all-devices exclude each other\n");
    return 2;
  }
  /* the output must be writable before minutes of benchmarks */
  FILE *of = out ? fopen(out, "w") : NULL;
  if (of) fclose(of);
  if (out && !of) {
    fprintf(stderr, "lil bench suite: %s: cannot write: %s\n", out, strerror(errno));
    return 1;
  }
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = device;
  lil_device_snapshot *snaps = NULL;
  uint32_t n = 0, def = UINT32_MAX;
  lil_error err = {0};
  lil_disable dis;
  lil_status st = lil_disable_parse(getenv("LIL_DISABLE"), &dis, &err);
  if (!st) st = lil_enumerate_devices(&co, &snaps, &n, &def, &err);
  if (!st && !n) st = lil_error_set(&err, LIL_ERR_UNSUPPORTED, "no Vulkan device");
  /* the chosen device: enumerate reports lil's choice for --device / LIL_DEVICE as the default */
  if (!st && !all && def == UINT32_MAX)
    st = lil_error_set(&err, LIL_ERR_INVALID_ARG, "no device matches '%s'", device ? device : "");
  if (st) {
    if (of) remove(out);
    free(snaps);
    return cli_fail("bench suite", &err);
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(r.dir, sizeof(r.dir), "%s/lil-suite-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(r.dir)) {
    fprintf(stderr, "lil bench suite: cannot create a temporary folder %s: %s\n", r.dir, strerror(errno));
    if (of) remove(out);
    free(snaps);
    return 1;
  }
  static const char *const quick_models[][2] = {{"tiny", "q8_0"}, {"tiny-qwen3", "q4_0"}};
  static const char *const full_models[][2] = {
      {"tiny", "q8_0"}, {"qwen3-0.6b", "q8_0"}, {"llama-1b", "q4_0"}, {"llama-8b", "q4_0"}};
  r.n_models = r.quick ? 2 : 4;
  for (uint32_t i = 0; i < r.n_models; i++) {
    suite_model *m = &r.models[i];
    m->shape = r.quick ? quick_models[i][0] : full_models[i][0];
    m->type = r.quick ? quick_models[i][1] : full_models[i][1];
    m->tiny = !strncmp(m->shape, "tiny", 4);
    const lil_synth_shape *sh = lil_synth_find_shape(m->shape, &err);
    uint32_t ty = 0;
    lil_synth_parse_type(m->type, &ty, &err);
    m->weight_bytes = lil_synth_weight_bytes(sh, ty);
    m->kv_bytes = 2ull * 2 * sh->n_layer * sh->n_head_kv * sh->head_dim * (m->tiny ? 512 : 4608);
    snprintf(m->path, sizeof(m->path), "%s/%s-%s.gguf", r.dir, m->shape, m->type);
  }
  uint32_t first = all ? 0 : def, last = all ? n : def + 1;
  r.n_steps = (last - first) * (1 + !!(r.groups & G_MATVEC) + !!(r.groups & G_ATTENTION) +
                                 ((r.groups & G_MODELS) ? r.n_models : 0));
  json_t *root = json_object(), *devs = json_array();
  json_object_set_new(root, "suite", json_string("lil bench suite"));
  json_object_set_new(root, "suite_version", json_integer(LIL_SUITE_VERSION));
  json_object_set_new(root, "size", json_string(r.quick ? "quick" : "full"));
  json_t *gr = json_array();
  static const char *const gnames[] = {"matvec", "attention", "models"};
  for (int k = 0; k < 3; k++)
    if (r.groups & (1 << k)) json_array_append_new(gr, json_string(gnames[k]));
  json_object_set_new(root, "groups", gr);
  json_object_set_new(root, "lil_version", json_string(LIL_VERSION));
  json_object_set_new(root, "devices", devs);
  for (uint32_t i = first; i < last; i++) {
    lil_device_plan p;
    lil_plan_device(&snaps[i], &dis, &p);
    char ver[24];
    snprintf(ver, sizeof(ver), "%u.%u.%u", snaps[i].api_version >> 22, (snaps[i].api_version >> 12) & 0x3ff,
             snaps[i].api_version & 0xfff);
    json_t *dev = json_object();
    json_object_set_new(dev, "device", json_string(snaps[i].name));
    json_object_set_new(dev, "index", json_integer(i));
    json_object_set_new(dev, "kind", json_string(snaps[i].kind == LIL_DEVICE_CPU ? "cpu"
                                                 : snaps[i].kind == LIL_DEVICE_DISCRETE ? "discrete"
                                                 : snaps[i].kind == LIL_DEVICE_INTEGRATED ? "integrated" : "other"));
    json_object_set_new(dev, "vendor_id", json_integer(snaps[i].vendor_id));
    json_object_set_new(dev, "driver", json_string(snaps[i].driver_name));
    json_object_set_new(dev, "driver_info", json_string(snaps[i].driver_info));
    json_object_set_new(dev, "api_version", json_string(ver));
    json_object_set_new(dev, "device_local_mib", json_integer((json_int_t)(p.device_local_bytes >> 20)));
    json_array_append_new(devs, dev);
    suite_device(&r, i, &snaps[i], &p, dev);
    /* written after every device: a run cut short keeps the devices it finished */
    json_object_set_new(root, "complete", json_boolean(i + 1 == last));
    if (out && json_dump_file(root, out, JSON_INDENT(1))) {
      fprintf(stderr, "lil bench suite: %s: write failed\n", out);
      r.failures++;
    }
  }
  for (uint32_t i = 0; i < r.n_models; i++)
    if (r.models[i].written) remove(r.models[i].path);
  rmdir(r.dir);
  fprintf(stderr, "lil bench suite: [####################] done, %d failure%s\n", r.failures, r.failures == 1 ? "" : "s");
  int rc = r.failures ? 1 : 0;
  if (!out) print_table(root);
  json_decref(root);
  free(snaps);
  return rc;
}
