#!/usr/bin/env python3
"""Golden outputs from Hugging Face transformers, for tests/test_golden.c.

Builds small random-weight LlamaForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM models (odd
sizes: hidden 96, ffn 224, 3 layers, GQA 6:2, head_dim 16 or 24), writes each to GGUF with the project's own
writer (tools/gguf_writer.py) in F32 and in F16/Q8_0 variants, and saves the transformers logits for
a fixed token sequence. Runs where torch + transformers are installed (the H100 machine):

    python3 tools/make_golden.py OUT_DIR

Writes OUT_DIR/<name>.gguf, OUT_DIR/<name>.logits (float32 little-endian, [n_tokens][n_vocab]) and
OUT_DIR/golden.json (token ids, shapes, the transformers version).
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_writer import GGMLType, GGUFWriter, ValueType  # noqa: E402
from ggml_quant import q8_0  # noqa: E402

TOKENS = [1, 72, 105, 33, 258, 7, 200, 45, 45, 130, 3, 99, 250, 18]
N_VOCAB = 259  # <unk>, <s>, </s> + 256 byte tokens (a SentencePiece-style byte vocabulary)


def synthetic_vocab(w):
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", ValueType.STRING, tokens)
    w.add_array("tokenizer.ggml.scores", ValueType.FLOAT32, [0.0] * len(tokens))
    w.add_array("tokenizer.ggml.token_type", ValueType.INT32, [2, 3, 3] + [6] * 256)
    w.add_u32("tokenizer.ggml.unknown_token_id", 0)
    w.add_u32("tokenizer.ggml.bos_token_id", 1)
    w.add_u32("tokenizer.ggml.eos_token_id", 2)


def tensor_bytes(arr, ggml_type):
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if ggml_type == GGMLType.F32:
        return arr.tobytes()
    if ggml_type == GGMLType.F16:
        return arr.astype(np.float16).tobytes()
    if ggml_type == GGMLType.Q8_0:
        return q8_0(arr.reshape(-1))
    raise ValueError(ggml_type)


def permute_rope(w, n_head):
    """HF rotate_half layout -> GGUF 'normal' (interleaved) layout, rows per head (llama only)."""
    d = w.shape[0] // n_head
    return w.reshape(n_head, 2, d // 2, w.shape[1]).swapaxes(1, 2).reshape(w.shape)


def build(arch, seed):
    import transformers as tf
    torch.manual_seed(seed)
    common = dict(vocab_size=N_VOCAB, hidden_size=96, intermediate_size=224, num_hidden_layers=3,
                  num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=256,
                  rms_norm_eps=1e-5, rope_theta=10000.0)
    if arch == "llama":
        cfg = tf.LlamaConfig(head_dim=16, tie_word_embeddings=False, **common)
        model = tf.LlamaForCausalLM(cfg)
    elif arch == "qwen2":
        cfg = tf.Qwen2Config(tie_word_embeddings=False, **common)
        model = tf.Qwen2ForCausalLM(cfg)
    else:
        cfg = tf.Qwen3Config(head_dim=24, tie_word_embeddings=True, **common)
        model = tf.Qwen3ForCausalLM(cfg)
    with torch.no_grad():  # larger random weights than HF's init so logits are far from uniform
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) * (1.0 / np.sqrt(p.shape[-1])) * 1.5)
    model.eval()
    return cfg, model


def write_gguf(path, arch, cfg, model, wtype):
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    w = GGUFWriter()
    w.add_string("general.architecture", arch)
    w.add_string("general.name", "lil-golden-%s" % arch)
    w.add_u32(arch + ".context_length", cfg.max_position_embeddings)
    w.add_u32(arch + ".embedding_length", cfg.hidden_size)
    w.add_u32(arch + ".block_count", cfg.num_hidden_layers)
    w.add_u32(arch + ".feed_forward_length", cfg.intermediate_size)
    w.add_u32(arch + ".attention.head_count", cfg.num_attention_heads)
    w.add_u32(arch + ".attention.head_count_kv", cfg.num_key_value_heads)
    w.add_f32(arch + ".attention.layer_norm_rms_epsilon", cfg.rms_norm_eps)
    w.add_f32(arch + ".rope.freq_base", float(getattr(cfg, "rope_theta", 10000.0)))
    w.add_u32(arch + ".rope.dimension_count", head_dim)
    if head_dim != cfg.hidden_size // cfg.num_attention_heads:
        w.add_u32(arch + ".attention.key_length", head_dim)
        w.add_u32(arch + ".attention.value_length", head_dim)
    synthetic_vocab(w)

    def add(name, arr, t=wtype):
        if arr.ndim == 1:
            t = GGMLType.F32  # norms and biases stay F32
        w.add_tensor(name, t, tuple(reversed(arr.shape)), tensor_bytes(arr, t))

    add("token_embd.weight", sd["model.embed_tokens.weight"])
    add("output_norm.weight", sd["model.norm.weight"])
    if not cfg.tie_word_embeddings:
        add("output.weight", sd["lm_head.weight"])
    for i in range(cfg.num_hidden_layers):
        p = "model.layers.%d." % i
        q, k = sd[p + "self_attn.q_proj.weight"], sd[p + "self_attn.k_proj.weight"]
        if arch == "llama":
            q, k = permute_rope(q, cfg.num_attention_heads), permute_rope(k, cfg.num_key_value_heads)
        add("blk.%d.attn_norm.weight" % i, sd[p + "input_layernorm.weight"])
        add("blk.%d.attn_q.weight" % i, q)
        add("blk.%d.attn_k.weight" % i, k)
        add("blk.%d.attn_v.weight" % i, sd[p + "self_attn.v_proj.weight"])
        add("blk.%d.attn_output.weight" % i, sd[p + "self_attn.o_proj.weight"])
        if arch == "qwen2":
            for n in "qkv":
                add("blk.%d.attn_%s.bias" % (i, n), sd[p + "self_attn.%s_proj.bias" % n])
        if arch == "qwen3":
            add("blk.%d.attn_q_norm.weight" % i, sd[p + "self_attn.q_norm.weight"])
            add("blk.%d.attn_k_norm.weight" % i, sd[p + "self_attn.k_norm.weight"])
        add("blk.%d.ffn_norm.weight" % i, sd[p + "post_attention_layernorm.weight"])
        add("blk.%d.ffn_gate.weight" % i, sd[p + "mlp.gate_proj.weight"])
        add("blk.%d.ffn_up.weight" % i, sd[p + "mlp.up_proj.weight"])
        add("blk.%d.ffn_down.weight" % i, sd[p + "mlp.down_proj.weight"])
    w.write(path)


def main():
    import transformers
    out = sys.argv[1] if len(sys.argv) > 1 else "golden"
    os.makedirs(out, exist_ok=True)
    meta = {"tokens": TOKENS, "n_vocab": N_VOCAB, "transformers": transformers.__version__,
            "torch": torch.__version__, "models": []}
    variants = [("llama", 11, [("f32", GGMLType.F32), ("f16", GGMLType.F16)]),
                ("qwen2", 12, [("f32", GGMLType.F32), ("q8_0", GGMLType.Q8_0)]),
                ("qwen3", 13, [("f32", GGMLType.F32), ("f16", GGMLType.F16)])]
    for arch, seed, types in variants:
        cfg, model = build(arch, seed)
        with torch.no_grad():
            logits = model(torch.tensor([TOKENS])).logits[0].float().numpy()
        # the model's reference is computed once from the F32 weights; F16/Q8_0 files test the
        # quantized paths against it with looser tolerances
        lname = "%s.logits" % arch
        with open(os.path.join(out, lname), "wb") as f:
            f.write(struct.pack("<%df" % logits.size, *logits.astype(np.float32).ravel()))
        for tname, t in types:
            name = "%s-%s.gguf" % (arch, tname)
            write_gguf(os.path.join(out, name), arch, cfg, model, t)
            meta["models"].append({"arch": arch, "gguf": name, "type": tname, "logits": lname,
                                   "shape": list(logits.shape)})
        print(arch, "logits", logits.shape, "argmax", logits.argmax(-1).tolist(), flush=True)
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
