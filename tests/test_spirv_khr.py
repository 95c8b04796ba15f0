#!/usr/bin/env python3
"""Checks shaders/spirv_nv_to_khr.py's output (issue 14: the KHR cooperative-matrix path).

test_spirv_khr.py SHADER_BUILD_DIR TRANSLATOR GLSLC TEST_SHADER

1. Every NV cooperative-matrix module but the attention's softmax-in-registers variants has a
   NAME_khr.spv, and each is compared with its NAME.spv (glslc's NV module), by a
   reader written here, independently of the translator: no NV capability, extension or opcode
   left; the KHR capability and extension; each KHR matrix type's use is a 32-bit constant 0 / 1 / 2
   and its component type, scope, rows and columns are an NV type's; every multiply-add reads an A,
   a B and an accumulator of the right use and makes an accumulator; loads and stores are the NV
   ones in order (same pointer, stride and memory operands) with the layout constant matching NV's
   column-major boolean; every other instruction of the function bodies is kept, in order.
2. spirv-val (LIL_SPIRV_VAL, else the one on PATH) validates every translated module for Vulkan 1.2
   where it knows SPV_KHR_cooperative_matrix (SPIRV-Tools v2023.4 or newer). Debian 12's is v2023.1:
   there this step says it is skipped and why, and the checks of 1 still run.
3. The translator's refusals: a module converting an accumulator into an A operand
   (attn_prefill_cm.comp's REGSM variants), one without NV matrices, a file that is not SPIR-V: exit
   1 with one line naming the file and the reason. And a constant used as both A and B
   (tests/shaders/khr_shared_constant.comp, compiled here) gets one typed copy per use.
"""
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile

NV_OPS = {5358, 5359, 5360, 5361, 5362}
KHR_TYPE, KHR_LOAD, KHR_STORE, KHR_MULADD, KHR_LENGTH = 4456, 4457, 4458, 4459, 4460
NV_LOAD, NV_STORE, NV_MULADD, NV_LENGTH = 5359, 5360, 5361, 5362
OP_MAP = {NV_LOAD: KHR_LOAD, NV_STORE: KHR_STORE, NV_MULADD: KHR_MULADD, NV_LENGTH: KHR_LENGTH}
OP_FUNCTION = 54
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def read(path):
    data = open(path, "rb").read()
    w = struct.unpack("<%dI" % (len(data) // 4), data)
    insts, i = [], 5
    while i < len(w):
        n = w[i] >> 16
        assert n and i + n <= len(w), "%s: bad instruction length at word %d" % (path, i)
        insts.append(tuple([w[i] & 0xFFFF]) + tuple(w[i + 1:i + n]))
        i += n
    return w[:5], insts


def strings(insts, op):
    out = []
    for ins in insts:
        if ins[0] == op:
            raw = b"".join(struct.pack("<I", x) for x in ins[1:])
            out.append(raw.split(b"\0", 1)[0].decode())
    return out


def body(insts):
    """The instructions from the first OpFunction on."""
    k = next(i for i, ins in enumerate(insts) if ins[0] == OP_FUNCTION)
    return insts[k:]


def matrix_types(insts, matrix_op):
    """Ids of the matrix types and of the arrays / pointers built on them."""
    out = set()
    for ins in insts:
        if ins[0] == matrix_op or (ins[0] in (28, 29) and ins[2] in out) or (ins[0] == 32 and ins[3] in out):
            out.add(ins[1])
    return out


def compare(nv_path, khr_path):
    name = os.path.basename(khr_path)
    nh, nv = read(nv_path)
    kh, kv = read(khr_path)
    check(kh[0] == 0x07230203 and kh[1] == nh[1], "%s: header %s vs NV %s" % (name, kh[:2], nh[:2]))
    check(not any(ins[0] in NV_OPS or (ins[0] == 52 and ins[3] in NV_OPS) for ins in kv),
          "%s: NV opcodes left (OpSpecConstantOp included)" % name)
    caps = [ins[1] for ins in kv if ins[0] == 17]
    check(5357 not in caps and 6022 in caps, "%s: capabilities %s" % (name, caps))
    exts = strings(kv, 10)
    check("SPV_KHR_cooperative_matrix" in exts and "SPV_NV_cooperative_matrix" not in exts,
          "%s: extensions %s" % (name, exts))
    ids = [ins[2] for ins in kv if len(ins) > 2 and ins[0] in (43, 44, 59, 61, 65, KHR_LOAD, KHR_MULADD)]
    check(len(ids) == len(set(ids)) and max(ids) < kh[3], "%s: result ids repeat or pass the bound" % name)

    consts = {ins[2]: (ins[1], ins[3]) for ins in kv if ins[0] == 43 and len(ins) == 4}
    uint32 = {ins[1] for ins in kv if ins[0] == 21 and ins[2] == 32}
    nv_types = {ins[2:6] for ins in nv if ins[0] == 5358}
    use_of = {}
    for ins in kv:
        if ins[0] == KHR_TYPE:
            c = consts.get(ins[6])
            if check(c is not None and c[0] in uint32 and c[1] in (0, 1, 2),
                     "%s: matrix type %%%d: use %%%d is not a 32-bit constant 0-2" % (name, ins[1], ins[6])):
                use_of[ins[1]] = c[1]
            check(ins[2:6] in nv_types, "%s: matrix type %%%d matches no NV type" % (name, ins[1]))
    check(len(use_of) >= len(nv_types), "%s: %d KHR types for %d NV types" % (name, len(use_of), len(nv_types)))

    type_of = {ins[2]: ins[1] for ins in kv if len(ins) > 2 and ins[1] in use_of}  # matrix values
    n_mad = 0
    for ins in kv:
        if ins[0] == KHR_MULADD:
            n_mad += 1
            got = [use_of.get(type_of.get(x)) for x in ins[3:6]] + [use_of.get(ins[1])]
            check(got == [0, 1, 2, 2], "%s: multiply-add %%%d reads / makes uses %s (want A, B, acc, acc)" %
                  (name, ins[2], got))

    # loads / stores: NV's in order, same operands, layout = column-major
    bools = {ins[2]: ins[0] == 41 for ins in nv if ins[0] in (41, 42)}
    nl = [ins for ins in nv if ins[0] in (NV_LOAD, NV_STORE)]
    kl = [ins for ins in kv if ins[0] in (KHR_LOAD, KHR_STORE)]
    if check(len(nl) == len(kl), "%s: %d loads / stores against NV's %d" % (name, len(kl), len(nl))):
        for a, b in zip(nl, kl):
            if a[0] == NV_LOAD:
                ok = b[0] == KHR_LOAD and b[2:4] == a[2:4] and b[5] == a[4] and b[6:] == a[6:] and \
                    consts.get(b[4], (0, -1))[1] == int(bools.get(a[5], -1))
            else:
                ok = b[0] == KHR_STORE and b[1:3] == a[1:3] and b[4] == a[3] and b[5:] == a[5:] and \
                    consts.get(b[3], (0, -1))[1] == int(bools.get(a[4], -1))
            check(ok, "%s: %s does not match NV's %s" % (name, b, a))
    check(n_mad == sum(1 for ins in nv if ins[0] == NV_MULADD), "%s: multiply-add count differs" % name)

    # the function bodies: the same instructions in order; only a matrix-carrying result type (or
    # a length's type operand) may be another id, and then a matrix-carrying type of the KHR module
    nm, km = matrix_types(nv, 5358), matrix_types(kv, KHR_TYPE)
    # a matrix constant may be replaced by a copy typed for the use (the same constituents)
    nc = {ins[2]: ins[3:] for ins in nv if ins[0] in (1, 44, 46) and len(ins) > 2 and ins[1] in nm}
    kc = {ins[2]: ins[3:] for ins in kv if ins[0] in (1, 44, 46) and len(ins) > 2 and ins[1] in km}
    nb, kb = body(nv), body(kv)
    if check(len(nb) == len(kb), "%s: %d instructions in the functions against NV's %d" % (name, len(kb), len(nb))):
        for a, b in zip(nb, kb):
            if a[0] in (NV_LOAD, NV_STORE):
                continue  # compared above
            same = b[0] == OP_MAP.get(a[0], a[0]) and len(a) == len(b)
            for i in range(1, len(a)) if same else ():
                typed = i == 1 or (a[0] == NV_LENGTH and i == 3)
                same = same and (a[i] == b[i] or (typed and a[i] in nm and b[i] in km) or
                                 (a[i] in nc and nc[a[i]] == kc.get(b[i])))
            if not check(same, "%s: %s became %s" % (name, a, b)):
                break
    return n_mad


def run_translator(translator, src, dst):
    r = subprocess.run([sys.executable, translator, src, dst], capture_output=True, text=True)
    return r.returncode, r.stderr


def spirv_val():
    exe = os.environ.get("LIL_SPIRV_VAL") or "spirv-val"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    except OSError:
        return None, "no spirv-val (Debian: spirv-tools; or LIL_SPIRV_VAL=PATH)"
    m = re.search(r"v(\d{4})\.(\d+)", out)
    ver = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if ver < (2023, 4):
        return None, "%s is %s, older than v2023.4 (the first with SPV_KHR_cooperative_matrix)" % (
            exe, "v%d.%d" % ver if m else "of unknown version")
    return exe, "%s v%d.%d" % ((exe,) + ver)


def main(argv):
    shader_dir, translator, glslc, test_shader = argv[1:5]
    khr = sorted(glob.glob(os.path.join(shader_dir, "*_khr.spv")))
    check(len(khr) >= 100, "only %d translated modules in %s" % (len(khr), shader_dir))
    # every NV cooperative-matrix module the KHR path may select has its translation: all but the
    # attention's softmax-in-registers variants (flags with r), which the runtime never asks for there
    for nv in sorted(glob.glob(os.path.join(shader_dir, "*.spv"))):
        name = os.path.basename(nv)[:-4]
        if name.endswith("_khr") or not any(ins[0] == 17 and ins[1] == 5357 for ins in read(nv)[1][:16]):
            continue
        flags = name.split("_")[-1] if re.match(r"attn_prefill_cm_d\d+_w\d+k\d+_", name) else ""
        want = "r" not in flags
        check(os.path.exists(os.path.join(shader_dir, name + "_khr.spv")) == want,
              "%s: KHR translation %s" % (name, "missing" if want else "present (a softmax-in-registers variant)"))
    n_mad = 0
    for k in khr:
        n_mad += compare(k[:-len("_khr.spv")] + ".spv", k)
    print("compared %d translated modules with their NV originals (%d multiply-adds)" % (len(khr), n_mad))

    tmp = tempfile.mkdtemp(prefix="lil_khr_")
    regsm = os.path.join(shader_dir, "attn_prefill_cm_d128_w8k64_crp.spv")
    rc, err = run_translator(translator, regsm, os.path.join(tmp, "x.spv"))
    check(rc == 1 and err.count("\n") == 1 and "(sm)" in err and "one use" in err and regsm in err,
          "REGSM variant: rc %d, %r" % (rc, err))
    rc, err = run_translator(translator, os.path.join(shader_dir, "copy_vec4.spv"), os.path.join(tmp, "x.spv"))
    check(rc == 1 and "no NV cooperative-matrix type" in err, "module without matrices: rc %d, %r" % (rc, err))
    junk = os.path.join(tmp, "junk.spv")
    with open(junk, "wb") as f:
        f.write(b"not a SPIR-V module at all")
    rc, err = run_translator(translator, junk, os.path.join(tmp, "x.spv"))
    check(rc == 1 and err.count("\n") == 1 and "not a SPIR-V module" in err, "junk: rc %d, %r" % (rc, err))
    check(not os.path.exists(os.path.join(tmp, "x.spv")), "a refused translation wrote its output")

    # one constant as A and as B: two typed copies
    nv_small, khr_small = os.path.join(tmp, "shared.spv"), os.path.join(tmp, "shared_khr.spv")
    subprocess.run([glslc, "--target-env=vulkan1.2", "-O", test_shader, "-o", nv_small], check=True)
    rc, err = run_translator(translator, nv_small, khr_small)
    if check(rc == 0, "shared constant: rc %d, %r" % (rc, err)):
        compare(nv_small, khr_small)
        _, kv = read(khr_small)
        mads = [ins for ins in kv if ins[0] == KHR_MULADD]
        check(len(mads) == 2 and mads[0][3] != mads[0][4] and mads[1][4] == mads[0][4],
              "shared constant: multiply-adds %s (want A and B from two copies)" % mads)

    exe, why = spirv_val()
    if exe:
        for k in khr + ([khr_small] if os.path.exists(khr_small) else []):
            r = subprocess.run([exe, "--target-env", "vulkan1.2", k], capture_output=True, text=True)
            check(r.returncode == 0, "spirv-val %s: %s" % (os.path.basename(k), (r.stderr or r.stdout).strip()))
        print("spirv-val: %d modules validated (%s)" % (len(khr) + 1, why))
    else:
        print("spirv-val: skipped: %s" % why)

    for f in failures[:20]:
        print("FAIL " + f)
    if len(failures) > 20:
        print("... %d more" % (len(failures) - 20))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
