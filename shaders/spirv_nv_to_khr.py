#!/usr/bin/env python3
"""Rewrites a SPIR-V module that uses SPV_NV_cooperative_matrix into one that uses
SPV_KHR_cooperative_matrix (issue 14: Debian 12's glslc compiles only GL_NV_cooperative_matrix, and
VK_KHR_cooperative_matrix is what AMD, Intel and NVIDIA all expose).

The two extensions have the same loads, stores, multiply-add and length, with three differences:
- a KHR matrix type names its use (A, B or accumulator); an NV one does not, so the use of every
  matrix value is inferred from the multiply-adds it reaches through loads, stores, copies, phis,
  arithmetic and access chains, and a type used in several roles is split into one type per role
  (with its arrays and pointers). A value needed in two roles (an accumulator converted into an A
  operand, as attn_prefill_cm.comp's REGSM variants do) has no KHR equivalent: an error. A matrix
  constant used in several roles gets one copy per role.
- loads and stores take a layout constant (RowMajorKHR / ColumnMajorKHR) before the stride instead
  of a boolean after it;
- the capability, the extension name and the opcodes.
Values that never reach a multiply-add are accumulators (element access is defined for every use).

Usage: spirv_nv_to_khr.py IN.spv OUT.spv. Errors: one line naming the file, the id and what.
"""
import struct
import sys

MAGIC = 0x07230203

# opcodes (SPIR-V unified1 grammar)
OP_NAME, OP_EXTENSION, OP_CAPABILITY = 5, 10, 17
OP_TYPE_INT, OP_TYPE_ARRAY, OP_TYPE_RUNTIME_ARRAY, OP_TYPE_STRUCT = 21, 28, 29, 30
OP_TYPE_POINTER, OP_TYPE_FUNCTION = 32, 33
OP_CONSTANT_TRUE, OP_CONSTANT_FALSE, OP_CONSTANT, OP_CONSTANT_COMPOSITE = 41, 42, 43, 44
OP_CONSTANT_NULL, OP_SPEC_CONSTANT_COMPOSITE, OP_SPEC_CONSTANT_OP = 46, 51, 52
OP_UNDEF, OP_FUNCTION, OP_FUNCTION_PARAMETER, OP_FUNCTION_CALL, OP_VARIABLE = 1, 54, 55, 57, 59
OP_LOAD, OP_STORE, OP_COPY_MEMORY, OP_ACCESS_CHAIN, OP_IN_BOUNDS_ACCESS_CHAIN = 61, 62, 63, 65, 66
OP_COMPOSITE_CONSTRUCT, OP_COMPOSITE_EXTRACT, OP_COMPOSITE_INSERT, OP_COPY_OBJECT = 80, 81, 82, 83
OP_MATRIX_TIMES_SCALAR, OP_SELECT, OP_PHI = 143, 169, 245
CONVERSIONS = {109, 110, 111, 112, 113, 114, 115, 124}  # OpConvert*ToF/U/S, OpU/S/FConvert, OpBitcast
UNARY = {126, 127} | CONVERSIONS  # OpSNegate, OpFNegate
BINARY = {128, 129, 130, 131, 132, 133, 134, 135, 136}  # OpI/F Add Sub Mul, OpU/S/F Div
NV_TYPE, NV_LOAD, NV_STORE, NV_MULADD, NV_LENGTH = 5358, 5359, 5360, 5361, 5362
KHR_TYPE, KHR_LOAD, KHR_STORE, KHR_MULADD, KHR_LENGTH = 4456, 4457, 4458, 4459, 4460
CAP_NV, CAP_KHR = 5357, 6022
USE_A, USE_B, USE_ACC = 0, 1, 2
USE_NAMES = {USE_A: "matrix A", USE_B: "matrix B", USE_ACC: "the accumulator"}
# matrix constants: each use gets a copy typed for its role
FREE_CONSTANTS = {1, 44, 46, 51}  # OpUndef, OpConstantComposite, OpConstantNull, OpSpecConstantComposite
# instructions that may name a matrix value without changing it (debug, annotations)
PASSIVE = {5, 6, 7, 8, 71, 72, 73, 74, 317, 332, 5632, 5633}  # names, lines, decorations
# the module's preamble and the type declarations: no operand there is a matrix value
PREAMBLE = {2, 3, 4, 10, 11, 14, 15, 16, 17, 330, 331}  # sources, extensions, capabilities, entry points
TYPES = set(range(19, 40)) | {322, 327, 4456, 5358}
SKIP = PASSIVE | PREAMBLE | TYPES


class TranslateError(Exception):
    pass


def decode_string(words):
    raw = b"".join(struct.pack("<I", w) for w in words)
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def encode_string(s):
    raw = s.encode() + b"\0"
    raw += b"\0" * (-len(raw) % 4)
    return list(struct.unpack("<%dI" % (len(raw) // 4), raw))


def parse(data):
    if len(data) % 4 or len(data) < 20:
        raise TranslateError("not a SPIR-V module (%d bytes)" % len(data))
    words = list(struct.unpack("<%dI" % (len(data) // 4), data))
    if words[0] != MAGIC:
        raise TranslateError("not a little-endian SPIR-V module (magic 0x%08x)" % words[0])
    insts, i = [], 5
    while i < len(words):
        n, op = words[i] >> 16, words[i] & 0xFFFF
        if n == 0 or i + n > len(words):
            raise TranslateError("instruction at word %d has a bad length %d" % (i, n))
        insts.append([op] + words[i + 1:i + n])
        i += n
    return words[:5], insts


def serialize(header, insts):
    out = list(header)
    for ins in insts:
        out.append((len(ins) << 16) | ins[0])
        out.extend(ins[1:])
    return struct.pack("<%dI" % len(out), *out)


class Uses:
    """Union-find over matrix-carrying ids; each class holds the roles its members must play."""

    def __init__(self):
        self.parent, self.role = {}, {}

    def add(self, x):
        self.parent.setdefault(x, x)

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.role.setdefault(ra, {}).update(self.role.pop(rb, {}))

    def require(self, x, use, where):
        self.role.setdefault(self.find(x), {}).setdefault(use, where)


def translate(data, label="module"):
    header, insts = parse(data)
    bound = header[3]

    def fresh():
        nonlocal bound
        bound += 1
        return bound - 1

    names = {}
    for ins in insts:
        if ins[0] == OP_NAME:
            names[ins[1]] = decode_string(ins[2:])

    def who(i):
        return "%%%d%s" % (i, " (%s)" % names[i] if i in names else "")

    def fail(msg):
        raise TranslateError("%s: %s" % (label, msg))

    # the matrix types, and every type built from one (its base matrix type)
    base = {}  # type id -> NV matrix type id it contains
    type_def = {}  # type id -> instruction
    bools = {}
    matrix_fn_types = set()
    uint_type = None
    for ins in insts:
        op = ins[0]
        if op == NV_TYPE:
            base[ins[1]] = ins[1]
            type_def[ins[1]] = ins
        elif op in (OP_TYPE_ARRAY, OP_TYPE_RUNTIME_ARRAY) and ins[2] in base:
            base[ins[1]] = base[ins[2]]
            type_def[ins[1]] = ins
        elif op == OP_TYPE_POINTER and ins[3] in base:
            base[ins[1]] = base[ins[3]]
            type_def[ins[1]] = ins
        elif op == OP_TYPE_STRUCT and any(t in base for t in ins[2:]):
            fail("struct %s holds a cooperative matrix (not supported)" % who(ins[1]))
        elif op == OP_TYPE_FUNCTION and any(t in base for t in ins[2:]):
            matrix_fn_types.add(ins[1])  # left as it is (the first role's types) if no function has it
        elif op == OP_FUNCTION and ins[4] in matrix_fn_types:
            fail("function %s takes or returns a cooperative matrix (not supported)" % who(ins[2]))
        elif op == OP_TYPE_INT and ins[2] == 32 and ins[3] == 0:
            uint_type = ins[1]
        elif op in (OP_CONSTANT_TRUE, OP_CONSTANT_FALSE):
            bools[ins[2]] = op == OP_CONSTANT_TRUE
    if not any(ins[0] == NV_TYPE for ins in insts):
        fail("no NV cooperative-matrix type to translate")
    for ins in insts:
        if ins[0] == NV_TYPE:
            comp = next((t for t in insts if len(t) > 1 and t[1] == ins[2] and t[0] in (21, 22)), None)
            if comp is None or comp[0] != 22:
                fail("matrix type %s has a non-float component type (signedness operands not written)" % who(ins[1]))

    # every id whose type carries a matrix (result type, result id: instructions past the preamble);
    # matrix constants (a splat, null, undef) are "free": each use site gets a copy of the role it needs
    uses = Uses()
    value_type, free = {}, set()
    for ins in insts:
        op = ins[0]
        if op in SKIP or op == NV_LENGTH:
            continue
        if len(ins) > 2 and ins[1] in base:
            value_type[ins[2]] = ins[1]
            uses.add(ins[2])
            if op in FREE_CONSTANTS and type_def[ins[1]][0] == NV_TYPE:
                free.add(ins[2])

    def tracked(i):
        return i in value_type

    sites = []  # (instruction index, operand index, id whose class gives the role | None, fixed role)

    def link(k, pos, x):
        """Operand pos of instruction k must play the role of x's class."""
        v = insts[k][pos]
        if v in free:
            sites.append((k, pos, x, None))
        elif tracked(v):
            uses.union(x, v)

    for k, ins in enumerate(insts):
        op = ins[0]
        if op in SKIP:
            continue
        res = ins[2] if len(ins) > 2 and ins[1] in base else None
        if op == NV_MULADD:
            for pos, use in ((3, USE_A), (4, USE_B), (5, USE_ACC)):
                if ins[pos] in free:
                    sites.append((k, pos, None, use))
                else:
                    uses.require(ins[pos], use, ins[2])
            uses.require(ins[2], USE_ACC, ins[2])
        elif op in (NV_LOAD, NV_STORE, NV_LENGTH, OP_UNDEF, OP_CONSTANT_NULL) or res in free:
            pass
        elif op == OP_VARIABLE:
            if res is not None and len(ins) > 4:
                link(k, 4, res)
        elif op == OP_LOAD and res is not None:
            link(k, 3, res)
        elif op == OP_STORE:
            if tracked(ins[1]) != tracked(ins[2]):
                fail("store mixes a matrix and a non-matrix (%s, %s)" % (who(ins[1]), who(ins[2])))
            if tracked(ins[1]):
                link(k, 2, ins[1])
        elif op in (OP_ACCESS_CHAIN, OP_IN_BOUNDS_ACCESS_CHAIN):
            if res is not None:  # (a chain to one element of a matrix makes no matrix value)
                link(k, 3, res)
        elif op in UNARY or op == OP_COPY_OBJECT:
            if res is not None:
                if not tracked(ins[3]):
                    fail("%s makes a matrix from a non-matrix by opcode %d" % (who(res), op))
                link(k, 3, res)
        elif op in BINARY or op == OP_MATRIX_TIMES_SCALAR:
            if res is not None:
                for pos in (3, 4):
                    link(k, pos, res)
        elif op == OP_SELECT:
            if res is not None:
                link(k, 4, res)
                link(k, 5, res)
        elif op == OP_PHI:
            if res is not None:
                for pos in range(3, len(ins), 2):
                    link(k, pos, res)
        elif op in (OP_COMPOSITE_CONSTRUCT, OP_CONSTANT_COMPOSITE, OP_SPEC_CONSTANT_COMPOSITE):
            if res is not None and type_def[ins[1]][0] != NV_TYPE:  # an array of matrices
                for pos in range(3, len(ins)):
                    link(k, pos, res)
        elif op == OP_COMPOSITE_EXTRACT:
            if res is not None:
                link(k, 3, res)
        elif op == OP_COMPOSITE_INSERT:
            if res is not None:
                link(k, 4, res)
                link(k, 3, res)
        elif op in (OP_FUNCTION_PARAMETER, OP_FUNCTION_CALL) and res is not None:
            fail("%s passes a cooperative matrix through a function (not supported)" % who(res))
        elif op == OP_COPY_MEMORY:
            if tracked(ins[1]) or tracked(ins[2]):
                link(k, 2, ins[1])
        elif res is not None:
            # A matrix (or a pointer to one) made by anything else is refused. Instructions that only
            # read a matrix without making one (an element extracted, a store, a multiply-add's
            # operand) constrain nothing; a matrix can only leave through a result, a parameter,
            # a return value (function types are checked above) or a memory copy.
            fail("opcode %d makes a cooperative matrix (%s): not translated" % (op, who(res)))

    # one role per class: conflicts are errors; classes never multiplied are accumulators
    role_of = {}
    for x in value_type:
        r = uses.find(x)
        if r not in role_of:
            roles = uses.role.get(r, {})
            if len(roles) > 1:
                (u1, w1), (u2, w2) = sorted(roles.items())[:2]
                fail("%s would be %s (for %s) and %s (for %s): a KHR matrix has one use" %
                     (who(x), USE_NAMES[u1], who(w1), USE_NAMES[u2], who(w2)))
            role_of[r] = next(iter(roles)) if roles else USE_ACC
    use_of = {x: role_of[uses.find(x)] for x in value_type}
    # the constant copies: (constant, role) -> id; the constant itself takes the role of its first
    # use (an accumulator if it has none)
    site_use = [(k, pos, use if x is None else use_of[x]) for k, pos, x, use in sites]
    for k, pos, u in reversed(site_use):
        use_of[insts[k][pos]] = u
    const_copy = {}
    for k, pos, u in site_use:
        c = insts[k][pos]
        if u != use_of[c] and (c, u) not in const_copy:
            const_copy[(c, u)] = fresh()

    # which (type, use) pairs are needed: each matrix type keeps its id for its first use
    needed = {}
    for x, t in value_type.items():
        needed.setdefault(t, set()).add(use_of[x])
    for (c, u) in const_copy:
        needed[value_type[c]].add(u)
    # a length (an instruction, or glslang's usual spec-constant form) names a matrix type: that type
    # must have one role (then its id stays, below)
    for ins in insts:
        mt = ins[3] if ins[0] == NV_LENGTH else ins[4] if ins[0] == OP_SPEC_CONSTANT_OP and ins[3] == NV_LENGTH else 0
        if mt and len(needed.get(mt, ())) > 1:
            fail("length of %s, a type used in several roles" % who(mt))
    canon = {}
    for t in base:
        if type_def[t][0] == NV_TYPE:
            us = set().union(*[s for t2, s in needed.items() if base[t2] == t])
            canon[t] = min(us) if us else USE_ACC
    clone_id = {}

    def clone(t, u):
        if u == canon[base[t]]:
            return t
        key = (t, u)
        if key not in clone_id:
            clone_id[key] = fresh()
        return clone_id[key]

    # make sure every clone a needed clone refers to exists (element types of arrays / pointers)
    pending = [(t, u) for t, s in needed.items() for u in s]
    while pending:
        t, u = pending.pop()
        clone(t, u)
        d = type_def[t]
        if d[0] in (OP_TYPE_ARRAY, OP_TYPE_RUNTIME_ARRAY):
            pending.append((d[2], u))
        elif d[0] == OP_TYPE_POINTER:
            pending.append((d[3], u))

    # constants the KHR instructions take: uses 0 / 1 / 2, layouts 0 / 1 (32-bit unsigned), declared
    # before the first matrix type (with the unsigned type, moved there if it came later)
    first_nv = next(k for k, ins in enumerate(insts) if ins[0] == NV_TYPE)
    uint_at = next((k for k, ins in enumerate(insts) if ins[0] == OP_TYPE_INT and ins[1] == uint_type), None)
    head = []
    if uint_at is None or uint_at > first_nv:
        if uint_type is None:
            uint_type = fresh()
        head.append([OP_TYPE_INT, uint_type, 32, 0])
    const_of = {}
    for v in (0, 1, 2):
        const_of[v] = fresh()
        head.append([OP_CONSTANT, uint_type, const_of[v], v])

    subst = {}
    for k, pos, u in site_use:
        c = insts[k][pos]
        if u != use_of[c]:
            subst.setdefault(k, []).append((pos, const_copy[(c, u)]))
    out = []
    for k, ins in enumerate(insts):
        op = ins[0]
        if k == first_nv:
            out.extend(head)
        if k == uint_at and uint_at > first_nv:
            continue  # declared with the constants
        if op == OP_CAPABILITY and ins[1] == CAP_NV:
            out.append([OP_CAPABILITY, CAP_KHR])
            continue
        if op == OP_EXTENSION and decode_string(ins[1:]) == "SPV_NV_cooperative_matrix":
            out.append([OP_EXTENSION] + encode_string("SPV_KHR_cooperative_matrix"))
            continue
        if op == NV_TYPE:
            t = ins[1]
            for u in sorted({canon[t]} | {u for (t2, u) in clone_id if t2 == t}):
                out.append([KHR_TYPE, clone(t, u), ins[2], ins[3], ins[4], ins[5], const_of[u]])
            continue
        if op in (OP_TYPE_ARRAY, OP_TYPE_RUNTIME_ARRAY, OP_TYPE_POINTER) and ins[1] in type_def:
            t = ins[1]
            for u in sorted({canon[base[t]]} | {u for (t2, u) in clone_id if t2 == t}):
                c = list(ins)
                c[1] = clone(t, u)
                if op == OP_TYPE_POINTER:
                    c[3] = clone(ins[3], u)
                else:
                    c[2] = clone(ins[2], u)
                out.append(c)
            continue
        ins = list(ins)
        for pos, v in subst.get(k, ()):
            ins[pos] = v
        if op not in SKIP and len(ins) > 2 and value_type.get(ins[2]) == ins[1]:  # a matrix value's definition
            ins[1] = clone(ins[1], use_of[ins[2]])
            if ins[2] in free:  # and its copies for the other roles, right after it
                orig = ins[2]
                for (c, u), cid in sorted(const_copy.items()):
                    if c == orig:
                        out.append(ins)
                        ins = list(ins)
                        ins[1], ins[2] = clone(value_type[c], u), cid
        if op == NV_LOAD:
            rt, r, ptr, stride, colmajor = ins[1:6]
            if colmajor not in bools:
                fail("load %s: the column-major operand %s is not a boolean constant" % (who(r), who(colmajor)))
            ins = [KHR_LOAD, rt, r, ptr, const_of[int(bools[colmajor])], stride] + ins[6:]
        elif op == NV_STORE:
            ptr, obj, stride, colmajor = ins[1:5]
            if colmajor not in bools:
                fail("store of %s: the column-major operand %s is not a boolean constant" % (who(obj), who(colmajor)))
            ins = [KHR_STORE, ptr, obj, const_of[int(bools[colmajor])], stride] + ins[5:]
        elif op == NV_MULADD:
            ins[0] = KHR_MULADD
        elif op == NV_LENGTH:  # (its type has one role, the one its id kept)
            ins[0] = KHR_LENGTH
        elif op == OP_SPEC_CONSTANT_OP and ins[3] == NV_LENGTH:
            ins[3] = KHR_LENGTH
        out.append(ins)
    header = list(header)
    header[3] = bound
    return serialize(header, out)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: spirv_nv_to_khr.py IN.spv OUT.spv\n")
        return 2
    try:
        with open(argv[1], "rb") as f:
            data = f.read()
        out = translate(data, argv[1])
    except (OSError, TranslateError) as e:
        sys.stderr.write("spirv_nv_to_khr: %s\n" % e)
        return 1
    with open(argv[2], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
