#!/usr/bin/env python3
"""A small pure-Python GGUF v3 writer (standard library only), written from the GGUF spec.

Layout (little-endian): b"GGUF", u32 version, u64 tensor_count, u64 kv_count; then kv_count x
{string key, u32 value_type, value}; then tensor_count x {string name, u32 n_dims, u64 ne[n_dims],
u32 ggml_type, u64 offset}; zero padding to the alignment (general.alignment, default 32); then the
data section, each tensor at an offset (relative to the section) that is a multiple of the
alignment. A string is a u64 byte length followed by UTF-8 bytes; an array is u32 element type,
u64 count, elements.

Shapes are given in ggml order: ne[0] is the contiguous dimension. A row-major (numpy/torch)
matrix of shape (rows, cols) is ne = (cols, rows).

    from gguf_writer import GGUFWriter, GGMLType, pack_f32
    w = GGUFWriter()
    w.add_string("general.architecture", "llama")
    w.add_u32("llama.block_count", 2)
    w.add_array("tokenizer.ggml.tokens", ValueType.STRING, ["<s>", "a"])
    w.add_tensor("token_embd.weight", GGMLType.F32, (64, 2), pack_f32([0.0] * 128))
    w.write("tiny.gguf")

Run as a script with an output path to write a small example file (used by the C tests to check
that the reader accepts this writer's output).
"""

import struct
import sys


class ValueType:
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL = 0, 1, 2, 3, 4, 5, 6, 7
    STRING, ARRAY, UINT64, INT64, FLOAT64 = 8, 9, 10, 11, 12


# struct format of each scalar value type
_SCALAR_FMT = {
    ValueType.UINT8: "<B", ValueType.INT8: "<b", ValueType.UINT16: "<H", ValueType.INT16: "<h",
    ValueType.UINT32: "<I", ValueType.INT32: "<i", ValueType.FLOAT32: "<f", ValueType.BOOL: "<?",
    ValueType.UINT64: "<Q", ValueType.INT64: "<q", ValueType.FLOAT64: "<d",
}


class GGMLType:
    F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 = 0, 1, 2, 3, 6, 7, 8, 9
    Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, BF16 = 10, 11, 12, 13, 14, 15, 30


# ggml type id -> (elements per block, bytes per block)
BLOCK_LAYOUT = {
    GGMLType.F32: (1, 4), GGMLType.F16: (1, 2), GGMLType.BF16: (1, 2),
    GGMLType.Q4_0: (32, 18), GGMLType.Q4_1: (32, 20), GGMLType.Q5_0: (32, 22),
    GGMLType.Q5_1: (32, 24), GGMLType.Q8_0: (32, 34), GGMLType.Q8_1: (32, 36),
    GGMLType.Q2_K: (256, 84), GGMLType.Q3_K: (256, 110), GGMLType.Q4_K: (256, 144),
    GGMLType.Q5_K: (256, 176), GGMLType.Q6_K: (256, 210), GGMLType.Q8_K: (256, 292),
}


def pack_f32(values):
    values = list(values)
    return struct.pack("<%df" % len(values), *values)


def pack_f16(values):
    values = list(values)
    return struct.pack("<%de" % len(values), *values)


def tensor_nbytes(ggml_type, ne):
    if ggml_type not in BLOCK_LAYOUT:
        raise ValueError("unknown ggml type id %r" % (ggml_type,))
    elems, nbytes = BLOCK_LAYOUT[ggml_type]
    if not 1 <= len(ne) <= 4 or any(int(d) < 1 for d in ne):
        raise ValueError("shape %r: need 1..4 dimensions, each >= 1" % (tuple(ne),))
    if ne[0] % elems:
        raise ValueError("ne[0] = %d is not a multiple of the block size %d" % (ne[0], elems))
    rows = 1
    for d in ne[1:]:
        rows *= int(d)
    return ne[0] // elems * nbytes * rows


def _string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _align(n, a):
    return (n + a - 1) // a * a


class GGUFWriter:
    """Collects metadata and tensors in memory; to_bytes()/write() emit the file."""

    def __init__(self, version=3, alignment=32):
        if version not in (2, 3):
            raise ValueError("GGUF version must be 2 or 3")
        if alignment < 1 or alignment & (alignment - 1):
            raise ValueError("alignment must be a power of two")
        self.version = version
        self.alignment = alignment
        self._kv = []       # (key, encoded type + value)
        self._keys = set()
        self._tensors = []  # (name, ggml_type, ne, data)
        self._names = set()
        if alignment != 32:
            self.add_u32("general.alignment", alignment)

    # metadata
    def _add(self, key, vtype, payload):
        if key in self._keys:
            raise ValueError("duplicate key %r" % key)
        self._keys.add(key)
        self._kv.append((key, struct.pack("<I", vtype) + payload))

    def add_scalar(self, key, vtype, value):
        self._add(key, vtype, struct.pack(_SCALAR_FMT[vtype], value))

    def add_u8(self, key, v): self.add_scalar(key, ValueType.UINT8, v)
    def add_i8(self, key, v): self.add_scalar(key, ValueType.INT8, v)
    def add_u16(self, key, v): self.add_scalar(key, ValueType.UINT16, v)
    def add_i16(self, key, v): self.add_scalar(key, ValueType.INT16, v)
    def add_u32(self, key, v): self.add_scalar(key, ValueType.UINT32, v)
    def add_i32(self, key, v): self.add_scalar(key, ValueType.INT32, v)
    def add_f32(self, key, v): self.add_scalar(key, ValueType.FLOAT32, v)
    def add_bool(self, key, v): self.add_scalar(key, ValueType.BOOL, bool(v))
    def add_u64(self, key, v): self.add_scalar(key, ValueType.UINT64, v)
    def add_i64(self, key, v): self.add_scalar(key, ValueType.INT64, v)
    def add_f64(self, key, v): self.add_scalar(key, ValueType.FLOAT64, v)

    def add_string(self, key, s):
        self._add(key, ValueType.STRING, _string(s))

    def add_array(self, key, elem_type, values):
        """elem_type: a ValueType scalar or STRING (nested arrays are not written)."""
        values = list(values)
        body = struct.pack("<IQ", elem_type, len(values))
        if elem_type == ValueType.STRING:
            body += b"".join(_string(v) for v in values)
        elif elem_type in _SCALAR_FMT:
            fmt = _SCALAR_FMT[elem_type]
            body += struct.pack("<%d%s" % (len(values), fmt[1]), *values)
        else:
            raise ValueError("key %r: unsupported array element type %r" % (key, elem_type))
        self._add(key, ValueType.ARRAY, body)

    # tensors
    def add_tensor(self, name, ggml_type, ne, data):
        """ne in ggml order (ne[0] contiguous); data: bytes of exactly the tensor's size."""
        ne = tuple(int(d) for d in ne)
        if name in self._names:
            raise ValueError("duplicate tensor %r" % name)
        if len(name.encode("utf-8")) > 64:
            raise ValueError("tensor name %r is longer than 64 bytes" % name)
        data = bytes(data)
        want = tensor_nbytes(ggml_type, ne)
        if len(data) != want:
            raise ValueError("tensor %r: %d bytes of data, shape %r needs %d" % (name, len(data), ne, want))
        self._names.add(name)
        self._tensors.append((name, ggml_type, ne, data))

    # output
    def to_bytes(self):
        out = bytearray(b"GGUF")
        out += struct.pack("<IQQ", self.version, len(self._tensors), len(self._kv))
        for key, value in self._kv:
            out += _string(key) + value
        offset = 0
        offsets = []
        for name, ggml_type, ne, data in self._tensors:
            offset = _align(offset, self.alignment)
            offsets.append(offset)
            out += _string(name) + struct.pack("<I", len(ne))
            out += struct.pack("<%dQ" % len(ne), *ne)
            out += struct.pack("<IQ", ggml_type, offset)
            offset += len(data)
        out += bytes(_align(len(out), self.alignment) - len(out))
        start = len(out)
        for (name, ggml_type, ne, data), off in zip(self._tensors, offsets):
            out += bytes(start + off - len(out))
            out += data
        return bytes(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.to_bytes())


def _example(path):
    """A small file with every metadata type and a few tensors (checked by tests/test_gguf.c)."""
    w = GGUFWriter(alignment=64)
    w.add_u8("t.u8", 200)
    w.add_i8("t.i8", -100)
    w.add_u16("t.u16", 60000)
    w.add_i16("t.i16", -30000)
    w.add_u32("t.u32", 4000000000)
    w.add_i32("t.i32", -7)
    w.add_f32("t.f32", 1.5)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "h\u00e9llo")
    w.add_u64("t.u64", 2**64 - 1)
    w.add_i64("t.i64", -5000000000)
    w.add_f64("t.f64", 3.25)
    w.add_array("t.astr", ValueType.STRING, ["a", "", "ccc"])
    w.add_array("t.ai32", ValueType.INT32, [1, -2, 3])
    w.add_array("t.af32", ValueType.FLOAT32, [0.5, -1.0])
    w.add_tensor("a", GGMLType.F32, (4, 3), pack_f32(float(i) for i in range(12)))
    w.add_tensor("b", GGMLType.F16, (8,), pack_f16([0.5] * 8))
    w.add_tensor("c", GGMLType.Q8_0, (64, 2), bytes(range(136)))
    w.write(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gguf_writer.py OUT.gguf  (writes a small example file)")
    _example(sys.argv[1])
