/* Chat prompt rendering for the families documented in lil_chat.h. */
#include "lil_chat.h"

#include <string.h>

#define DS_USER "<\xEF\xBD\x9CUser\xEF\xBD\x9C>"
#define DS_ASSISTANT "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>"
#define DS_EOS "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"

lil_chat_format lil_chat_format_detect(const char *t) {
  if (!t) return LIL_CHAT_UNKNOWN;
  if (strstr(t, "<|im_start|>")) return LIL_CHAT_CHATML;
  if (strstr(t, "<|start_header_id|>")) return LIL_CHAT_LLAMA3;
  if (strstr(t, DS_ASSISTANT) || strstr(t, DS_USER)) return strstr(t, "<think>") ? LIL_CHAT_DEEPSEEK_R1 : LIL_CHAT_DEEPSEEK3;
  return LIL_CHAT_UNKNOWN;
}

lil_chat_format lil_chat_format_from_gguf(const lil_gguf *g) {
  const char *s;
  uint64_t len;
  if (lil_gguf_find_key(g, "tokenizer.chat_template") < 0 || lil_gguf_get_str(g, "tokenizer.chat_template", &s, &len, NULL))
    return LIL_CHAT_UNKNOWN;
  /* Not NUL-terminated in the file: look for the markers within len bytes. */
  static const struct {
    const char *mark;
    lil_chat_format f;
  } marks[] = {{"<|im_start|>", LIL_CHAT_CHATML}, {"<|start_header_id|>", LIL_CHAT_LLAMA3}, {DS_ASSISTANT, LIL_CHAT_DEEPSEEK3}, {DS_USER, LIL_CHAT_DEEPSEEK3}};
  for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
    size_t ml = strlen(marks[m].mark);
    for (uint64_t i = 0; i + ml <= len; i++)
      if (!memcmp(s + i, marks[m].mark, ml)) {
        if (marks[m].f != LIL_CHAT_DEEPSEEK3) return marks[m].f;
        for (uint64_t j = 0; j + 7 <= len; j++)
          if (!memcmp(s + j, "<think>", 7)) return LIL_CHAT_DEEPSEEK_R1;
        return LIL_CHAT_DEEPSEEK3;
      }
  }
  return LIL_CHAT_UNKNOWN;
}

const char *lil_chat_format_name(lil_chat_format f) {
  switch (f) {
    case LIL_CHAT_CHATML: return "chatml";
    case LIL_CHAT_LLAMA3: return "llama3";
    case LIL_CHAT_DEEPSEEK_R1: return "deepseek-r1";
    case LIL_CHAT_DEEPSEEK3: return "deepseek3";
    case LIL_CHAT_PLAIN: return "plain";
    default: return "unknown";
  }
}

/* Output sink that counts always and copies while it fits. */
typedef struct sink {
  char *out;
  size_t cap, n;
} sink;

static void put_n(sink *s, const char *p, size_t len) {
  if (s->out && s->n + len < s->cap) memcpy(s->out + s->n, p, len);
  s->n += len;
}
static void put(sink *s, const char *p) { put_n(s, p, strlen(p)); }

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void put_trimmed(sink *s, const char *p) {
  size_t len = strlen(p), a = 0;
  while (a < len && is_ws(p[a])) a++;
  while (len > a && is_ws(p[len - 1])) len--;
  put_n(s, p + a, len - a);
}

/* R1: the answer only, after the last "</think>". */
static const char *after_think(const char *p) {
  const char *last = NULL;
  for (const char *q = strstr(p, "</think>"); q; q = strstr(q + 1, "</think>")) last = q;
  return last ? last + 8 : p;
}

enum { ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT };

static int role_of(const char *r) {
  if (!r) return -1;
  if (!strcmp(r, "system")) return ROLE_SYSTEM;
  if (!strcmp(r, "user")) return ROLE_USER;
  if (!strcmp(r, "assistant")) return ROLE_ASSISTANT;
  return -1;
}

static void render(lil_chat_format f, const lil_chat_message *m, size_t n, int gen, sink *s) {
  if (f == LIL_CHAT_DEEPSEEK_R1 || f == LIL_CHAT_DEEPSEEK3) {
    int first = 1;
    for (size_t i = 0; i < n; i++)
      if (role_of(m[i].role) == ROLE_SYSTEM) {
        if (!first) put(s, "\n\n");
        put(s, m[i].content);
        first = 0;
      }
  }
  for (size_t i = 0; i < n; i++) {
    int role = role_of(m[i].role);
    const char *c = m[i].content;
    switch (f) {
      case LIL_CHAT_CHATML:
        put(s, "<|im_start|>");
        put(s, m[i].role);
        put(s, "\n");
        put(s, c);
        put(s, "<|im_end|>\n");
        break;
      case LIL_CHAT_LLAMA3:
        put(s, "<|start_header_id|>");
        put(s, m[i].role);
        put(s, "<|end_header_id|>\n\n");
        put_trimmed(s, c);
        put(s, "<|eot_id|>");
        break;
      case LIL_CHAT_DEEPSEEK_R1:
      case LIL_CHAT_DEEPSEEK3:
        if (role == ROLE_USER) {
          put(s, DS_USER);
          put(s, c);
        } else if (role == ROLE_ASSISTANT) {
          put(s, DS_ASSISTANT);
          put(s, f == LIL_CHAT_DEEPSEEK_R1 ? after_think(c) : c);
          put(s, DS_EOS);
        }
        break;
      default: /* PLAIN */
        if (s->n) put(s, "\n\n");
        put(s, c);
        break;
    }
  }
  if (!gen) return;
  if (f == LIL_CHAT_CHATML) put(s, "<|im_start|>assistant\n");
  else if (f == LIL_CHAT_LLAMA3) put(s, "<|start_header_id|>assistant<|end_header_id|>\n\n");
  else if (f == LIL_CHAT_DEEPSEEK_R1) put(s, DS_ASSISTANT "<think>\n");
  else if (f == LIL_CHAT_DEEPSEEK3) put(s, DS_ASSISTANT);
}

lil_status lil_chat_apply_messages(lil_chat_format f, const lil_chat_message *msgs, size_t n,
                                   int add_generation_prompt, char *out, size_t cap, size_t *needed,
                                   lil_error *err) {
  *needed = 0;
  if (f <= LIL_CHAT_UNKNOWN || f > LIL_CHAT_PLAIN)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "chat: unknown chat template format (use LIL_CHAT_PLAIN for plain text)");
  for (size_t i = 0; i < n; i++) {
    if (role_of(msgs[i].role) < 0)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "chat: message %zu has role '%s' (system, user, assistant)", i,
                           msgs[i].role ? msgs[i].role : "(null)");
    if (!msgs[i].content) return lil_error_set(err, LIL_ERR_INVALID_ARG, "chat: message %zu has no content", i);
  }
  sink s = {out, cap, 0};
  render(f, msgs, n, add_generation_prompt, &s);
  *needed = s.n;
  if (!out) return LIL_OK;
  if (s.n >= cap) return lil_error_set(err, LIL_ERR_RANGE, "chat: prompt needs %zu bytes, buffer holds %zu", s.n + 1, cap);
  out[s.n] = 0;
  return LIL_OK;
}

lil_status lil_chat_apply(lil_chat_format f, const char *system, const char *user,
                          int add_generation_prompt, char *out, size_t cap, size_t *needed,
                          lil_error *err) {
  lil_chat_message m[2];
  size_t n = 0;
  if (system && *system) m[n++] = (lil_chat_message){"system", system};
  m[n++] = (lil_chat_message){"user", user};
  return lil_chat_apply_messages(f, m, n, add_generation_prompt, out, cap, needed, err);
}
