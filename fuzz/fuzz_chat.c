/* libFuzzer target: chat templates. Byte 0 picks the format and the generation prompt; the rest,
 * split at NUL bytes, gives the messages (roles in turn system, user, assistant, and an odd role
 * now and then). Also the template detector on the raw text. Checks: the size query and the
 * rendering agree, the output is NUL-terminated where it says, a buffer one byte short is refused. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lil_chat.h"

#define MAX_MSGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  char *text = malloc(size);
  if (!text) return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = 0;
  lil_chat_format_detect(text);
  static const lil_chat_format formats[] = {LIL_CHAT_UNKNOWN, LIL_CHAT_CHATML, LIL_CHAT_LLAMA3,
                                            LIL_CHAT_DEEPSEEK_R1, LIL_CHAT_DEEPSEEK3, LIL_CHAT_PLAIN};
  lil_chat_format f = formats[data[0] % 6];
  int gen = (data[0] >> 3) & 1;
  static const char *const roles[] = {"system", "user", "assistant", "tool"};
  lil_chat_message m[MAX_MSGS];
  size_t n = 0;
  for (char *p = text; n < MAX_MSGS && p <= text + size - 1; p += strlen(p) + 1) {
    unsigned r = (unsigned)(n + (data[0] >> 4)) % 3;
    if (((data[0] >> 6) & 3) == 3 && n == 2) r = 3;
    m[n].role = roles[r];
    m[n].content = p;
    n++;
  }
  size_t need = 0;
  lil_error e = {0};
  lil_status st = lil_chat_apply_messages(f, m, n, gen, NULL, 0, &need, &e);
  if (!st) {
    char *out = malloc(need + 1);
    FUZZ_CHECK(out, "malloc");
    size_t need2 = 0;
    if (need) {
      st = lil_chat_apply_messages(f, m, n, gen, out, need, &need2, &e);
      FUZZ_CHECK(st == LIL_ERR_RANGE, "a buffer one byte short: status %d", (int)st);
    }
    st = lil_chat_apply_messages(f, m, n, gen, out, need + 1, &need2, &e);
    FUZZ_CHECK(st == LIL_OK && need2 == need && out[need] == 0, "render: status %d, %zu vs %zu", (int)st, need2, need);
    free(out);
  } else {
    FUZZ_CHECK(e.msg[0], "error without a message");
  }
  /* one turn */
  if (n >= 2 && !lil_chat_apply(f, m[0].content, m[1].content, gen, NULL, 0, &need, &e)) {
    char *out = malloc(need + 1);
    FUZZ_CHECK(out, "malloc");
    FUZZ_CHECK(!lil_chat_apply(f, m[0].content, m[1].content, gen, out, need + 1, &need, &e) && out[need] == 0,
               "one turn: %s", e.msg);
    free(out);
  }
  free(text);
  return 0;
}
