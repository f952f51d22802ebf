#!/usr/bin/env python3
"""Summarises the CNN section of results/seq-fmnist/log.txt from its per-run lines.

The full CNN run of 2026-11-26 (FLNB_PARAM_full=true FLNB_PARAM_cnn_limit=1200) stopped at its
38th run: oEWC (original, lr 0.1) diverged on seed 369 and the notebook, which writes its table
at the end of the section, wrote none. The per-run lines it printed carry class-IL, task-IL and
time; this script turns them into cnn-partial.md. (Forgetting, BWT, stability and plasticity
are not in those lines, so this table has none.)  Usage: python3 cnn_partial.py [log] [out]
"""
import re
import statistics
import sys

log = sys.argv[1] if len(sys.argv) > 1 else "results/seq-fmnist/log.txt"
out = sys.argv[2] if len(sys.argv) > 2 else "results/seq-fmnist/cnn-partial.md"
text = open(log).read()
start = text.index("seq-fmnist: 5 tasks (2+2+2+2+2 classes) · 6000 train")
line = re.compile(r"^  (.+?) · (original|flashback) · seed (\d+): class-IL ([\d.]+) · task-IL ([\d.]+) · ([\d.]+) s$")
runs = {}
order = []
for l in text[start:].splitlines():
    m = line.match(l)
    if not m:
        continue
    key = (m.group(1), m.group(2))
    if key not in runs:
        runs[key] = {}
        order.append(key)
    runs[key][int(m.group(3))] = tuple(float(m.group(i)) for i in (4, 5, 6))


def pm(xs):
    if len(xs) == 1:
        return f"{xs[0]:.2f} (1 seed)"
    return f"{statistics.mean(xs):.2f} ± {statistics.stdev(xs):.2f}"


md = ["# seq-fmnist, small CNN: what the interrupted run measured",
      "",
      "Small CNN, 2 epochs per task on a seeded subset of 1,200 training images per task (of 12,000; full",
      "test set); Flashback: task 0 2 epochs, then Phase 1 + Phase 2 = 1 + 1; batch 32; seeds 123, 246, 369;",
      "α_p as in `notebooks/results/seq-fmnist.flnb`. Made by `python3 results/seq-fmnist/cnn_partial.py`",
      "from `log.txt` of `FLNB_PARAM_full=true FLNB_PARAM_cnn_limit=1200 flnb run notebooks/results/seq-fmnist.flnb`,",
      "which stopped when **oEWC (original, lr 0.1) diverged on seed 369** (the loss became NaN at task 3);",
      "oEWC therefore has 2 seeds and no Flashback row here; its rerun at lr 0.03 follows the tables.",
      "",
      "| method | variant | seeds | class-IL | task-IL | time per run |",
      "|---|---|---|---|---|---|"]
for k in order:
    r = runs[k]
    seeds = sorted(r)
    md.append(f"| {k[0]} | {k[1]} | {len(seeds)} | {pm([r[s][0] for s in seeds])} | "
              f"{pm([r[s][1] for s in seeds])} | {statistics.mean([r[s][2] for s in seeds]):.1f} s |")
md += ["", "Flashback − original, paired by seed:", "",
       "| method | Δ class-IL | Δ task-IL | seeds where FL wins (class-IL) |", "|---|---|---|---|"]
for (name, variant) in order:
    if variant != "flashback" or (name, "original") not in runs:
        continue
    o, f = runs[(name, "original")], runs[(name, "flashback")]
    seeds = sorted(set(o) & set(f))
    dc = [f[s][0] - o[s][0] for s in seeds]
    dt = [f[s][1] - o[s][1] for s in seeds]
    wins = sum(d > 0 for d in dc)
    md.append(f"| {name} | {pm(dc)} | {pm(dt)} | {wins}/{len(seeds)} |")
# oEWC rerun at lr 0.03 (restricted run: its notebook prints the tables but writes no file).
try:
    ewc = open(log.replace("log.txt", "log-cnn-ewc.txt")).read()
except OSError:
    ewc = ""
tables = [l for l in ewc.splitlines() if l.startswith("|")]
if tables:
    md += ["", "## oEWC at lr 0.03", "",
           "After the divergence at lr 0.1, oEWC's CNN rows were rerun at lr 0.03 (the other methods' rate; set",
           "because 0.1 diverged, not chosen on accuracy): `FLNB_PARAM_full=true FLNB_PARAM_cnn_limit=1200",
           "FLNB_PARAM_parts=cnn FLNB_PARAM_methods=ewc_on flnb run notebooks/results/seq-fmnist.flnb`, log in",
           "`log-cnn-ewc.txt`. Its tables as the notebook printed them (all metrics):", ""]
    for l in tables:
        if l.startswith("| method | Δ"):
            md += ["", "Flashback − original, paired by seed:", ""]
        md.append(l)
open(out, "w").write("\n".join(md) + "\n")
print("\n".join(md))
