#!/usr/bin/env python3
"""Exit 0 when glslc (argv[1]) compiles a compute shader that enables extension argv[2]."""
import os, subprocess, sys, tempfile
glslc, ext = sys.argv[1], sys.argv[2]
src = "#version 450\n#extension %s : require\nlayout(local_size_x = 1) in;\nvoid main() {}\n" % ext
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "probe.comp")
    with open(path, "w") as f:
        f.write(src)
    r = subprocess.run([glslc, "--target-env=vulkan1.2", path, "-o", os.path.join(d, "probe.spv")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
sys.exit(r.returncode)
