#!/usr/bin/env bash
# Session 11, issue 18's GPU soak: tests/test_soak from build-gpu (carried as .soak/soak.tar.xz, with
# .gl for the loader), tools/gpu-soak.sh with 100000 tokens per policy, the Guardian and the
# validation layer on, LIMIT seconds per policy so that the four fit one device call.
set -u
mkdir -p /tmp/b && tar -C /tmp -xJf .soak/soak.tar.xz
ln -sfn $PWD/assets /tmp/assets
LIMIT=${LIMIT:-135} bash tools/gpu-soak.sh /tmp/b
