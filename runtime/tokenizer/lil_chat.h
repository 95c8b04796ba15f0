/* Chat prompt formats. No Jinja: the template string in tokenizer.chat_template is only used to
 * recognise the family, and the prompt is produced by fixed code that matches what each family's
 * official template renders. BOS is never written into the text: tokenize the prompt with
 * add_bos = lil_tokenizer_add_bos(tok) and parse_special = 1.
 *
 * LIL_CHAT_CHATML (Qwen2/2.5/3; template contains "<|im_start|>"):
 *   "<|im_start|>system\n{system}<|im_end|>\n" (only when a system prompt is given; no default
 *   system prompt is injected), "<|im_start|>user\n{user}<|im_end|>\n",
 *   "<|im_start|>assistant\n{assistant}<|im_end|>\n"; generation prompt "<|im_start|>assistant\n".
 * LIL_CHAT_LLAMA3 (template contains "<|start_header_id|>"):
 *   "<|start_header_id|>{role}<|end_header_id|>\n\n{content, ASCII-whitespace trimmed}<|eot_id|>";
 *   generation prompt "<|start_header_id|>assistant<|end_header_id|>\n\n". (Llama 3.1's dated
 *   "Cutting Knowledge" system preamble is not added.)
 * LIL_CHAT_DEEPSEEK_R1 (template contains "<｜Assistant｜>" and "<think>"):
 *   system prompts first (joined by "\n\n"), then "<｜User｜>{user}" and
 *   "<｜Assistant｜>{answer after the last </think>}<｜end▁of▁sentence｜>"; generation prompt
 *   "<｜Assistant｜><think>\n".
 * LIL_CHAT_DEEPSEEK3 (template contains "<｜Assistant｜>" but no "<think>"): as DEEPSEEK_R1 with
 *   the generation prompt "<｜Assistant｜>" and assistant text kept whole.
 * LIL_CHAT_PLAIN: contents joined by "\n\n", no markup, no generation prompt. Never detected:
 *   callers choose it explicitly for an unknown template (lil_chat_apply refuses UNKNOWN). */
#ifndef LIL_CHAT_H
#define LIL_CHAT_H

#include <stddef.h>

#include "lil_gguf.h"
#include "lil_status.h"

typedef enum lil_chat_format {
  LIL_CHAT_UNKNOWN = 0,
  LIL_CHAT_CHATML,
  LIL_CHAT_LLAMA3,
  LIL_CHAT_DEEPSEEK_R1,
  LIL_CHAT_DEEPSEEK3,
  LIL_CHAT_PLAIN,
} lil_chat_format;

typedef struct lil_chat_message {
  const char *role; /* "system", "user" or "assistant" */
  const char *content;
} lil_chat_message;

/* Family of a Jinja chat template (NUL-terminated; NULL -> UNKNOWN). */
lil_chat_format lil_chat_format_detect(const char *tmpl);
/* Same from a GGUF's tokenizer.chat_template (UNKNOWN when absent). */
lil_chat_format lil_chat_format_from_gguf(const lil_gguf *g);
const char *lil_chat_format_name(lil_chat_format f);

/* Renders messages. *needed receives the prompt length (without the NUL). out may be NULL (size
 * query); otherwise the prompt and a NUL are written when cap > *needed, else LIL_ERR_RANGE.
 * Unknown roles and LIL_CHAT_UNKNOWN are LIL_ERR_INVALID_ARG / LIL_ERR_UNSUPPORTED. */
lil_status lil_chat_apply_messages(lil_chat_format f, const lil_chat_message *msgs, size_t n,
                                   int add_generation_prompt, char *out, size_t cap, size_t *needed,
                                   lil_error *err);
/* One turn: optional system prompt (NULL or "" for none) and the user message. */
lil_status lil_chat_apply(lil_chat_format f, const char *system, const char *user,
                          int add_generation_prompt, char *out, size_t cap, size_t *needed,
                          lil_error *err);

#endif
