#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets (fuzz/, run by tools/fuzz.sh).

    python3 tools/fuzz_seeds.py OUT_DIR

Writes OUT_DIR/<target>/... : small GGUFs made with tools/gguf_writer.py (every metadata type; a
1-layer llama with a SentencePiece vocabulary; qwen2 and llama3-style byte-level BPE vocabularies
with chat templates) plus the first 64 KiB of the real test files (their metadata and vocabularies
come first); tokenizer texts from tests/data/tokenizer/*.inp (one file per test string, a
selector byte first); chat messages; Guardian JSON Lines; `lil run` argument vectors.
"""
import glob
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gguf_writer import GGMLType, GGUFWriter, ValueType, _example, pack_f32  # noqa: E402

E, HEADS, FF = 8, 2, 16


def byte_chars():
    """GPT-2's byte -> printable character table (every byte a token of byte-level BPE)."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def llama_weights(w, arch, n_vocab):
    w.add_string("general.architecture", arch)
    w.add_u32(arch + ".context_length", 64)
    w.add_u32(arch + ".embedding_length", E)
    w.add_u32(arch + ".block_count", 1)
    w.add_u32(arch + ".feed_forward_length", FF)
    w.add_u32(arch + ".attention.head_count", HEADS)
    w.add_u32(arch + ".attention.head_count_kv", HEADS)
    w.add_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5)
    w.add_f32(arch + ".rope.freq_base", 10000.0)

    def t(name, *ne):
        n = 1
        for d in ne:
            n *= d
        w.add_tensor(name, GGMLType.F32, ne, pack_f32([0.01 * (i % 7) for i in range(n)]))

    t("token_embd.weight", E, n_vocab)
    t("output_norm.weight", E)
    t("blk.0.attn_norm.weight", E)
    for m in "qkv":
        t("blk.0.attn_%s.weight" % m, E, E)
        if arch == "qwen2":
            t("blk.0.attn_%s.bias" % m, E)
    t("blk.0.attn_output.weight", E, E)
    t("blk.0.ffn_norm.weight", E)
    t("blk.0.ffn_gate.weight", E, FF)
    t("blk.0.ffn_up.weight", E, FF)
    t("blk.0.ffn_down.weight", FF, E)


def spm_model(path):
    toks = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    toks += ["\u2581", "\u2581a", "\u2581the", "a", "b", "c", "he", "llo", "\u2581hello", "\u2581wor", "ld",
             "\u2581\u2581", "\u00e9", "\u4e16"]
    types = [2, 3, 3] + [6] * 256 + [1] * (len(toks) - 259)
    w = GGUFWriter()
    llama_weights(w, "llama", len(toks))
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", ValueType.STRING, toks)
    w.add_array("tokenizer.ggml.scores", ValueType.FLOAT32, [-float(i) for i in range(len(toks))])
    w.add_array("tokenizer.ggml.token_type", ValueType.INT32, types)
    w.add_u32("tokenizer.ggml.bos_token_id", 1)
    w.add_u32("tokenizer.ggml.eos_token_id", 2)
    w.add_u32("tokenizer.ggml.unknown_token_id", 0)
    w.add_bool("tokenizer.ggml.add_bos_token", True)
    w.write(path)


def bpe_model(path, arch, pre, template, specials):
    bc = byte_chars()
    merges = ["\u0120 t", "h e", "\u0120t he", "l l", "ll o", "\u0120 a", "1 2", "\u0120 \u0120"]
    toks = bc + ["\u0120t", "he", "\u0120the", "ll", "llo", "\u0120a", "12", "\u0120\u0120"] + specials
    types = [1] * (len(toks) - len(specials)) + [3] * len(specials)
    w = GGUFWriter()
    llama_weights(w, arch, len(toks))
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", pre)
    w.add_array("tokenizer.ggml.tokens", ValueType.STRING, toks)
    w.add_array("tokenizer.ggml.token_type", ValueType.INT32, types)
    w.add_array("tokenizer.ggml.merges", ValueType.STRING, merges)
    w.add_u32("tokenizer.ggml.eos_token_id", len(toks) - 1)
    w.add_string("tokenizer.chat_template", template)
    w.write(path)


def put(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz_seeds.py OUT_DIR")
    out = sys.argv[1]
    g = os.path.join(out, "fuzz_gguf")
    os.makedirs(g, exist_ok=True)
    _example(os.path.join(g, "example.gguf"))
    spm_model(os.path.join(g, "spm-llama.gguf"))
    bpe_model(os.path.join(g, "bpe-qwen2.gguf"), "qwen2", "qwen2",
              "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}",
              ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    bpe_model(os.path.join(g, "bpe-llama3.gguf"), "llama", "llama-bpe",
              "<|start_header_id|>{{ role }}<|end_header_id|>\n\n{{ content }}<|eot_id|>",
              ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"])
    vocabs = os.path.join(ROOT, "tests", "data", "tokenizer")  # the test vocabularies (gzip) and vectors
    reals = [os.path.join(ROOT, "assets", "stories260K.gguf")] + sorted(glob.glob(os.path.join(vocabs, "*.gguf.gz")))
    reals += sorted(glob.glob(os.path.join(ROOT, "tests", "data", "golden", "*.gguf")))
    for p in reals:
        with (gzip.open if p.endswith(".gz") else open)(p, "rb") as f:
            put(g, "head-" + os.path.basename(p).removesuffix(".gz"), f.read(65536))
    # tokenizer texts: selector byte (vocabulary = b % 5, add_bos = b & 8, parse_special = b & 16)
    t = os.path.join(out, "fuzz_tokenize")
    n = 0
    for inp in sorted(glob.glob(os.path.join(vocabs, "*.inp"))):
        with open(inp, "rb") as f:
            for s in f.read().split(b"\n__ggml_vocab_test__\n"):
                put(t, "t%03d" % n, bytes([n % 32]) + s)
                n += 1
    put(t, "special", bytes([16 + 4]) + "<|im_start|>user\nhi<|im_end|>".encode())
    put(t, "bytes", bytes([0]) + "a\u2581b <0x41> \U0001F600 \u00e9\u0301".encode())
    # chat: selector byte (format = b % 6, generation prompt = b & 8), messages split by NUL
    c = os.path.join(out, "fuzz_chat")
    for i, msgs in enumerate([["You are terse.", "Hi", "Hello!"], ["", "What is 2+2?"],
                              ["sys", "<think>a</think>b", "x</think>y"], ["  padded  ", "\n\nq\n"]]):
        for f in range(6):
            put(c, "c%d-%d" % (i, f), bytes([f | (8 if i % 2 else 0)]) + "\0".join(msgs).encode())
    # guardian JSON Lines: option byte (every = 1 + (b & 7), include-prompt 8, paper rule 16, json 32)
    j = os.path.join(out, "fuzz_guardian_jsonl")
    loop = "Lily was sad and didn't know what to do. " * 8
    put(j, "loop", bytes([3 | 32]) + ('{"output": "%s"}\n' % loop).encode())
    put(j, "prompt", bytes([1 | 8]) + '{"prompt": "Q?", "output": "A \\u00e9 \\ud83d\\ude00 b"}\n{"output": ""}\n'.encode())
    put(j, "bad", bytes([0]) + b'{"output": 5}\n[1,2]\n{"output": "x"')
    # lil run argument vectors (NUL-separated)
    a = os.path.join(out, "fuzz_cli_run")
    for i, args in enumerate([["-n", "200", "--json"], ["--temp", "1", "--top-k", "40", "--top-p", "0.95", "--seed", "5"],
                              ["--sparse", "h2o", "--budget", "32", "--recent", "8", "-p", "x"],
                              ["--guardian", "f=50,t=20,action=answer,inject=The end.,answer-tokens=16"],
                              ["--guardian=f=250", "--kv-type", "f32", "-c", "64", "--page-size", "8"],
                              ["-hx"], ["-p", "a", "-f", "b"], ["--chat", "--system", "s", "--no-bos", "-cnv"]]):
        put(a, "a%d" % i, "\0".join(args).encode())


if __name__ == "__main__":
    main()
