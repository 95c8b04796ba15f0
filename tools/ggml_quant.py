"""ggml block quantization with numpy (the GGUF block layouts of Q8_0 and Q4_0), for the tools that
write test and benchmark models (make_golden.py, make_synth_model.py)."""
import numpy as np


def q8_0(a):
    """Q8_0: blocks of 32: f16 scale d = amax/127, int8 q = round(x/d)."""
    a = a.reshape(-1, 32)
    d = (np.abs(a).max(axis=1) / 127.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df > 0, 1.0 / np.where(df > 0, df, 1), 0)
    q = np.clip(np.rint(a * inv[:, None]), -127, 127).astype(np.int8)
    return np.concatenate([d.view(np.uint8).reshape(-1, 2), q.view(np.uint8)], axis=1).tobytes()


def q4_0(a):
    """Q4_0: blocks of 32: f16 d = (signed value of largest magnitude) / -8, nibbles q = x/d + 8.5
    truncated to 0..15; byte j holds q[j] (low) and q[j + 16] (high)."""
    a = a.reshape(-1, 32)
    idx = np.abs(a).argmax(axis=1)
    mx = a[np.arange(a.shape[0]), idx]
    d = (mx / -8.0).astype(np.float32)
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.clip(np.trunc(a * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    qs = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([d.astype(np.float16).view(np.uint8).reshape(-1, 2), qs], axis=1).tobytes()
