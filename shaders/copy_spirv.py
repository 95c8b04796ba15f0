#!/usr/bin/env python3
"""copy_spirv.py FROM_DIR OUT_DIR DEPFILE SHADER_DIR NAME...: copies FROM_DIR/NAME.spv to OUT_DIR, the
SPIR-V that another build of this checkout compiled (meson option spirv_from), in one process. The
dependency file names every .comp / .glsl of SHADER_DIR and the KHR translator, so any shader change copies again. That
tree must be built first (the Makefile's test-asan builds it before the sanitizer build); a missing
file is an error."""
import glob
import os
import shutil
import sys

src_dir, out_dir, depfile, shader_dir = sys.argv[1:5]
names = sys.argv[5:]
deps = sorted(glob.glob(os.path.join(shader_dir, '*.comp')) + glob.glob(os.path.join(shader_dir, '*.glsl')) +
              [os.path.join(shader_dir, 'spirv_nv_to_khr.py')])
outs = [os.path.join(out_dir, n + '.spv') for n in names]
try:
    for n, out in zip(names, outs):
        shutil.copyfile(os.path.join(src_dir, n + '.spv'), out)
except OSError as e:
    sys.exit('copy_spirv.py: %s (option spirv_from: build that tree first)' % e)
esc = lambda p: p.replace(' ', '\\ ')
with open(depfile, 'w') as f:
    f.write('%s: %s\n' % (esc(outs[0]), ' '.join(esc(d) for d in deps)))
