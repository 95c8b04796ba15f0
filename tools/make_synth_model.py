#!/usr/bin/env python3
"""A random-weight model of a real model's shape, for end-to-end decode speed (not quality).

    python3 tools/make_synth_model.py OUT.gguf [--type q4_0|q8_0|f16] [--shape qwen3-0.6b|qwen3-8b|tiny]
                                      [--random-blocks]

qwen3-0.6b: hidden 1024, 28 layers, 16 query / 8 KV heads of 128, FFN 3072, vocabulary 151936
(byte tokens + filler pieces), tied embeddings. Weights N(0, 1/sqrt(cols)), norms 1. Matrices in
the chosen type (quantized here with numpy: ggml's Q4_0 / Q8_0 block layouts), norms F32. The
output is gibberish; the point is the bytes each decode step moves. Needs numpy; writes with the
project's own GGUF writer (tools/gguf_writer.py).
qwen3-8b: hidden 4096, 36 layers, 32 / 8 heads of 128, FFN 12288 (tied embeddings here): a model
whose decode step is bound by weight bytes rather than by dispatch count (4.7 GB in Q4_0).
--random-blocks (Q4_0 / Q8_0): random quant codes with one scale per matrix (values of about the
same spread, 1 / sqrt(cols)) written directly, no quantization: seconds instead of minutes for the
8B shape.
"""
import math
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_writer import GGMLType, GGUFWriter, ValueType  # noqa: E402
from ggml_quant import q4_0, q8_0  # noqa: E402

SHAPES = {
    "qwen3-0.6b": dict(hidden=1024, layers=28, heads=16, kv=8, head_dim=128, ffn=3072, vocab=151936),
    "qwen3-8b": dict(hidden=4096, layers=36, heads=32, kv=8, head_dim=128, ffn=12288, vocab=151936),
    "tiny": dict(hidden=256, layers=2, heads=4, kv=2, head_dim=64, ffn=512, vocab=1000),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--type", default="q4_0", choices=["q4_0", "q8_0", "f16"])
    ap.add_argument("--shape", default="qwen3-0.6b", choices=sorted(SHAPES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random-blocks", action="store_true", help="Q4_0/Q8_0: random codes, no quantization")
    a = ap.parse_args()
    s = SHAPES[a.shape]
    rng = np.random.default_rng(a.seed)
    gt = {"q4_0": GGMLType.Q4_0, "q8_0": GGMLType.Q8_0, "f16": GGMLType.F16}[a.type]
    pack = {"q4_0": q4_0, "q8_0": q8_0, "f16": lambda x: x.astype(np.float16).tobytes()}[a.type]
    arch = "qwen3"
    w = GGUFWriter()
    w.add_string("general.architecture", arch)
    w.add_string("general.name", "lil-synthetic-%s-%s" % (a.shape, a.type))
    w.add_u32(arch + ".context_length", 131072)
    w.add_u32(arch + ".embedding_length", s["hidden"])
    w.add_u32(arch + ".block_count", s["layers"])
    w.add_u32(arch + ".feed_forward_length", s["ffn"])
    w.add_u32(arch + ".attention.head_count", s["heads"])
    w.add_u32(arch + ".attention.head_count_kv", s["kv"])
    w.add_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-6)
    w.add_f32(arch + ".rope.freq_base", 1000000.0)
    w.add_u32(arch + ".rope.dimension_count", s["head_dim"])
    w.add_u32(arch + ".attention.key_length", s["head_dim"])
    w.add_u32(arch + ".attention.value_length", s["head_dim"])
    n_fill = s["vocab"] - 259
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + ["\u2581t%d" % i for i in range(n_fill)]
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", ValueType.STRING, tokens)
    w.add_array("tokenizer.ggml.scores", ValueType.FLOAT32, [0.0] * 259 + [-1.0] * n_fill)
    w.add_array("tokenizer.ggml.token_type", ValueType.INT32, [2, 3, 3] + [6] * 256 + [1] * n_fill)
    w.add_u32("tokenizer.ggml.unknown_token_id", 0)
    w.add_u32("tokenizer.ggml.bos_token_id", 1)
    w.add_u32("tokenizer.ggml.eos_token_id", 2)

    def random_blocks(rows, cols):
        nb = rows * cols // 32
        if a.type == "q4_0":  # codes q - 8 uniform in [-8, 7]: standard deviation ~4.6
            d, nq = 1.0 / (math.sqrt(cols) * 4.6), 16
        else:  # int8 codes uniform in [-128, 127]: standard deviation ~73.9
            d, nq = 1.0 / (math.sqrt(cols) * 73.9), 32
        blk = np.empty((nb, 2 + nq), dtype=np.uint8)
        blk[:, :2] = np.frombuffer(np.float16(d).tobytes(), dtype=np.uint8)
        blk[:, 2:] = rng.integers(0, 256, size=(nb, nq), dtype=np.uint8)
        return blk.tobytes()

    def mat(name, rows, cols):
        if a.random_blocks and a.type != "f16":
            w.add_tensor(name, gt, (cols, rows), random_blocks(rows, cols))
            return
        x = (rng.standard_normal((rows, cols), dtype=np.float32) / np.sqrt(cols)).astype(np.float32)
        w.add_tensor(name, gt, (cols, rows), pack(x))

    def ones(name, n):
        w.add_tensor(name, GGMLType.F32, (n,), np.ones(n, dtype=np.float32).tobytes())

    H, D = s["hidden"], s["head_dim"]
    mat("token_embd.weight", s["vocab"], H)
    ones("output_norm.weight", H)
    for i in range(s["layers"]):
        ones("blk.%d.attn_norm.weight" % i, H)
        mat("blk.%d.attn_q.weight" % i, s["heads"] * D, H)
        mat("blk.%d.attn_k.weight" % i, s["kv"] * D, H)
        mat("blk.%d.attn_v.weight" % i, s["kv"] * D, H)
        mat("blk.%d.attn_output.weight" % i, H, s["heads"] * D)
        ones("blk.%d.attn_q_norm.weight" % i, D)
        ones("blk.%d.attn_k_norm.weight" % i, D)
        ones("blk.%d.ffn_norm.weight" % i, H)
        mat("blk.%d.ffn_gate.weight" % i, s["ffn"], H)
        mat("blk.%d.ffn_up.weight" % i, s["ffn"], H)
        mat("blk.%d.ffn_down.weight" % i, H, s["ffn"])
    w.write(a.out)


if __name__ == "__main__":
    main()
