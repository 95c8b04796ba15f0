#!/usr/bin/env python3
"""Writes eval_fixture.jsonl: labelled runs for the test of `lil guardian --eval`.

Built from MATH-500 worked solutions (MIT; assets/benchmarks/math500_test_ori_BudgetThinker.jsonl.gz),
so it can be committed; the real traces of the development set carry no licence (docs/guardian.md).
Deterministic: the same input gives the same file.

  python3 tests/data/guardian/make_fixture.py assets/benchmarks/math500_test_ori_BudgetThinker.jsonl.gz \
      > tests/data/guardian/eval_fixture.jsonl
"""
import gzip
import json
import re
import sys

opener = gzip.open if sys.argv[1].endswith(".gz") else open
sol = [json.loads(l) for l in opener(sys.argv[1], "rt")]


def healthy(start, target):
    out, i = [], start
    while sum(len(s) + 2 for s in out) < target:
        out.append(sol[i % len(sol)]["solution"])
        i += 1
    return "\n\n".join(out), sol[(i - 1) % len(sol)]["answer"]


def loop(start, para_idx, target, edit):
    text, _ = healthy(start, 3000)
    para = sol[para_idx]["solution"]
    text += "\n\n"
    k = 0
    while len(text) < target:
        p = para
        if edit:  # a real-looking near-loop: one number changes in each repetition
            nums = list(re.finditer(r"\d+", p))
            if nums:
                m = nums[k % len(nums)]
                p = p[:m.start()] + str(int(m.group()) + k + 1) + p[m.end():]
        text += p + "\n\nWait, let me check this again.\n\n"
        k += 1
    return text, sol[para_idx]["answer"]


runs = []
for i in range(4):
    t, a = healthy(20 + 37 * i, 9000)
    runs.append({"id": f"healthy-{i}", "text": t, "finished": True, "correct": True, "answer": a})
t, a = healthy(300, 9000)
runs.append({"id": "healthy-wrong", "text": t, "finished": True, "correct": False, "answer": "no such answer"})
t, a = healthy(400, 9000)
runs.append({"id": "cut-healthy", "text": t, "finished": False, "loop": False, "correct": None, "answer": None})
for i in range(3):
    t, a = loop(50 + 41 * i, 7 + 11 * i, 9000, False)
    runs.append({"id": f"loop-verbatim-{i}", "text": t, "finished": False, "loop": True, "correct": None,
                 "answer": a})
for i in range(2):
    t, a = loop(150 + 41 * i, 9 + 13 * i, 9000, True)
    runs.append({"id": f"loop-edits-{i}", "text": t, "finished": False, "loop": True, "correct": None,
                 "answer": a})
for r in runs:
    r["split"] = "eval" if r["id"].endswith(("-1", "-3")) else "tune"
    print(json.dumps(r, ensure_ascii=True))
