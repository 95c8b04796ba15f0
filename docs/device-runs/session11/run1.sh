#!/usr/bin/env bash
# Session 11, the combined GPU call: session 10's run2.sh (which never ran: no device could be
# started in session 10) against a build of main at session 11 (build-gpu carried as
# .carry/b.tar.xz; lavapipe as .carry/lvp.tar.xz, tools/lavapipe-carry.sh; see docs/benchmarks.md).
exec bash "$(dirname "$0")/../session10/run2.sh" "$@"
