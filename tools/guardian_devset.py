#!/usr/bin/env python3
"""Builds the Guardian's development set of real reasoning traces (docs/guardian.md).

Reads model outputs from two public GitHub repositories, pinned to one commit each, and writes
JSON Lines, one run per line:

  {"id", "source", "model", "task", "text", "tokens", "cap", "finished", "loop", "correct",
   "answer", "split"}

- tokens: length of the output in the model family's tokenizer, counted by `lil guardian -m VOCAB`
  (Qwen2 vocabulary for Qwen models, Llama 3 vocabulary for Llama models).
- finished: the run ended on its own. Thinking models must also have closed their reasoning
  (`</think>`). A run whose token count reaches 97% of the generation cap is counted as cut by
  the cap (re-tokenizing decoded text gives a few tokens fewer than were generated).
- loop: the run did not finish and its last quarter repeats itself: at least half of its
  non-empty lines, with digits masked, already occur earlier in the text.
- correct: the final answer (last \\boxed{...}, else the last number for GSM8K) matches the
  reference; null where the source gives no reference.
- answer: the reference answer as text (null where unknown).
- split: "tune" or "eval", from the first byte of sha256(id): even = tune, odd = eval.

Only python3's standard library. The repositories come as bare git directories (the snapshot
that `git clone --bare` gives); every file read is checked against its sha256 below, so a
different snapshot fails loudly instead of giving a different set.

  python3 tools/guardian_devset.py --interp DIR --cs6493 DIR --lil build/cli/lil \\
      --vocab-dir build/tests/data -o devset.jsonl
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

INTERP_COMMIT = "501921e28720cd12361fe6f4a0eeec5fe4214f03"  # thaotnguyen/thinking-llms-interp
CS6493_COMMIT = "c414c49f2d8b156828635c6c2faa4dca33ef03f1"  # YuFish131416/CS6493-NLP-...

# path -> (sha256 of the file, task). All generated with max_new_tokens 2000 (hybrid/run_*.sh).
INTERP_FILES = {
    "hybrid/results/benchmark_results_llama-3.1-8b_aime.json": "aime",
    "hybrid/results/benchmark_results_llama-3.1-8b_gsm8k.json": "gsm8k",
    "hybrid/results/benchmark_results_qwen2.5-14b_math500.json": "math500",
    "hybrid/results/benchmark_results_qwen2.5-32b-on-deepseek-r1-distill-qwen-32b_gsm8k.json": "gsm8k",
    "hybrid/results/benchmark_results_qwen2.5-32b_gsm8k.json": "gsm8k",
    "hybrid/results/benchmark_results_qwen2.5-32b_math500.json": "math500",
    "hybrid/results/benchmark_results_qwen2.5-32b_math500_bias-only.json": "math500",
    "hybrid/results/benchmark_results_qwen2.5-32b_math500_random-firing.json": "math500",
    "hybrid/results/benchmark_results_qwen2.5-32b_math500_random-vectors.json": "math500",
    "hybrid/results/benchmark_results_qwen2.5-math-1.5b_gsm8k.json": "gsm8k",
}
CS6493_FILE = "results/json/final_results.json"  # max_tokens 2048 (config/config.example.yaml)
# DeepSeek-R1-Distill-Llama-8B on open questions, max_tokens 1000 (generate-responses/run.sh); no reference
LEGACY_FILE = "generate-responses/results/vars/responses_deepseek-r1-distill-llama-8b-legacy-messages.json"
LEGACY_CAP = 1000
SHA256 = {}  # filled from tools/guardian_devset.sha256
INTERP_CAP, CS6493_CAP = 2000, 2048


def load_sums(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                digest, name = line.split(None, 1)
                SHA256[name] = digest


def git_show(gitdir, commit, path, check):
    try:
        data = subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"], check=True,
                              capture_output=True).stdout
    except subprocess.CalledProcessError as e:
        sys.exit(f"guardian_devset: cannot read {path} at {commit[:12]} from {gitdir}: "
                 f"{e.stderr.decode(errors='replace').strip()}")
    digest = hashlib.sha256(data).hexdigest()
    if check and SHA256.get(path) != digest:
        sys.exit(f"guardian_devset: {path}: sha256 {digest} differs from the pinned "
                 f"{SHA256.get(path, '(none)')}")
    return data


def last_boxed(text):
    i = text.rfind("\\boxed")
    if i < 0:
        return None
    j = text.find("{", i)
    if j < 0:
        return None
    depth, k = 0, j
    while k < len(text):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[j + 1:k]
        k += 1
    return None


def norm_math(s):
    s = s.strip().strip("$").strip()
    for a, b in (("\\left", ""), ("\\right", ""), ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"),
                 ("^\\circ", ""), ("^{\\circ}", ""), ("\\!", ""), ("\\,", ""), ("\\ ", ""), ("$", "")):
        s = s.replace(a, b)
    s = re.sub(r"\\text\{\s*([^}]*)\}", r"\1", s)
    s = re.sub(r"\s+", "", s)
    s = s.rstrip(".")
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", s):
        s = s.replace(",", "")
        try:
            s = repr(float(s))
        except ValueError:
            pass
    return s


def last_number(text):
    nums = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    if not nums:
        return None
    try:
        return float(nums[-1].replace(",", ""))
    except ValueError:
        return None


def is_correct(text, ref, task):
    """True/False against the reference answer; None without a reference."""
    if ref is None:
        return None
    tail = text.split("</think>")[-1]
    box = last_boxed(tail)
    if task == "gsm8k" or task == "aime":
        want = last_number(ref.split("####")[-1])
        got = last_number(box) if box is not None else last_number(tail[-300:])
        return want is not None and got is not None and abs(want - got) < 1e-6
    return box is not None and norm_math(box) == norm_math(ref)


def loops(text):
    """The last quarter mostly repeats lines (digits masked) that occur earlier in the text."""
    cut = len(text) * 3 // 4
    mask = lambda l: re.sub(r"\d+", "0", " ".join(l.split()))
    seen = {mask(l) for l in text[:cut].split("\n") if l.strip()}
    tail = [mask(l) for l in text[cut:].split("\n") if l.strip()]
    if not tail:
        return False
    again = sum(1 for l in tail if l in seen)
    # one very long line (no line breaks) repeating: fall back to 64-char chunks
    if len(tail) < 4:
        head = text[:cut]
        chunks = [text[i:i + 64] for i in range(cut, len(text) - 64, 64)]
        return bool(chunks) and sum(1 for c in chunks if c in head) * 2 >= len(chunks)
    return again * 2 >= len(tail)


def split_of(run_id):
    return "tune" if hashlib.sha256(run_id.encode()).digest()[0] % 2 == 0 else "eval"


def interp_runs(gitdir, check):
    for path, task in INTERP_FILES.items():
        d = json.loads(git_show(gitdir, INTERP_COMMIT, path, check))
        meta = d.get("metadata", {})
        base = meta.get("base_model", "Qwen/Qwen2.5-32B")
        think = meta.get("thinking_model", "Qwen/QwQ-32B")
        stem = os.path.basename(path)[len("benchmark_results_"):-len(".json")]
        for i, t in enumerate(d["tasks"]):
            ref = t.get("correct_answer")
            for role, model in (("base_model", base), ("thinking_model", think),
                                ("hybrid_model", f"hybrid({base}+{think})")):
                text = (t.get("model_answers") or {}).get(role) or ""
                if not text.strip():
                    continue
                yield {"id": f"interp/{stem}/{i}/{role}", "source": f"thaotnguyen/thinking-llms-interp:{path}",
                       "model": model, "task": task, "text": text, "cap": INTERP_CAP,
                       "thinking": role == "thinking_model", "ref": ref}


def legacy_runs(gitdir, check):
    d = json.loads(git_show(gitdir, INTERP_COMMIT, LEGACY_FILE, check))
    for r in d:
        text = r["full_response"]
        start = text.find("<｜Assistant｜>")  # the record holds the prompt too
        if start >= 0:
            text = text[start + len("<｜Assistant｜>"):]
        if text.startswith("<think>"):
            text = text[len("<think>"):].lstrip("\n")
        yield {"id": f"interp/legacy-messages/{r['question_id']}", "source": f"thaotnguyen/thinking-llms-interp:{LEGACY_FILE}",
               "model": "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "task": "open-questions", "text": text,
               "cap": LEGACY_CAP, "thinking": True, "ref": None}


def cs6493_runs(gitdir, check):
    d = json.loads(git_show(gitdir, CS6493_COMMIT, CS6493_FILE, check))
    for r in d["responses"]:
        if r.get("prompt_method") == "self_consistency":
            continue  # several samples joined into one text
        model = {"deepseek-r1": "DeepSeek-R1-Distill-Qwen-1.5B (q4_k_m)",
                 "qwen2.5-math": "Qwen2.5-Math"}.get(r["model_name"], r["model_name"])
        yield {"id": f"cs6493/{r['model_name']}/{r['prompt_method']}/{r['problem_id']}",
               "source": f"YuFish131416/CS6493-NLP-Group-Project--Mathematical-Reasoning-in-LLMs:{CS6493_FILE}",
               "model": model, "task": r["dataset"], "text": r["raw_response"], "cap": CS6493_CAP,
               "thinking": r["model_name"] == "deepseek-r1", "ref": None, "given_correct": r.get("is_correct")}


def count_tokens(lil, vocab, runs):
    """Token counts by `lil guardian -m VOCAB --json` (one process for all runs)."""
    if not runs:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in runs:
            f.write(json.dumps({"output": r["text"]}) + "\n")
        name = f.name
    try:
        out = subprocess.run([lil, "guardian", "-m", vocab, "--json", "--rule", "paper", name], check=True,
                             capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as e:
        sys.exit(f"guardian_devset: {lil} guardian failed: {e.stderr.strip()}")
    finally:
        os.unlink(name)
    counts = [json.loads(l)["tokens"] for l in out.splitlines() if l.strip()]
    if len(counts) != len(runs):
        sys.exit(f"guardian_devset: got {len(counts)} token counts for {len(runs)} runs")
    return counts


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--interp", required=True, help="bare git dir of thaotnguyen/thinking-llms-interp")
    ap.add_argument("--cs6493", required=True,
                    help="bare git dir of YuFish131416/CS6493-NLP-Group-Project--Mathematical-Reasoning-in-LLMs")
    ap.add_argument("--lil", default="build/cli/lil", help="the lil binary (token counts)")
    ap.add_argument("--vocab-dir", default="build/tests/data",
                    help="folder with ggml-vocab-qwen2.gguf and ggml-vocab-llama-bpe.gguf")
    ap.add_argument("--no-check", action="store_true", help="skip the sha256 checks of the source files")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    load_sums(os.path.join(here, "guardian_devset.sha256"))
    runs = (list(interp_runs(a.interp, not a.no_check)) + list(legacy_runs(a.interp, not a.no_check)) +
            list(cs6493_runs(a.cs6493, not a.no_check)))
    llama = [r for r in runs if "llama" in r["model"].lower()]
    qwen = [r for r in runs if "llama" not in r["model"].lower()]
    for group, vocab in ((llama, "ggml-vocab-llama-bpe.gguf"), (qwen, "ggml-vocab-qwen2.gguf")):
        for r, n in zip(group, count_tokens(a.lil, os.path.join(a.vocab_dir, vocab), group)):
            r["tokens"] = n
    with open(a.output, "w") as f:
        for r in runs:
            capped = r["tokens"] >= 0.97 * r["cap"]
            finished = not capped and (not r["thinking"] or "</think>" in r["text"])
            if "given_correct" in r:
                correct = r["given_correct"]
            else:
                correct = is_correct(r["text"], r["ref"], r["task"])
            rec = {"id": r["id"], "source": r["source"], "model": r["model"], "task": r["task"],
                   "text": r["text"], "tokens": r["tokens"], "cap": r["cap"], "finished": finished,
                   "loop": (not finished) and loops(r["text"]), "correct": correct,
                   "answer": r["ref"], "split": split_of(r["id"])}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"guardian_devset: wrote {len(runs)} runs to {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
