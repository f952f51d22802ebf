# One-off: the CNN full-data runs of seeds 123 and 246 were made before FLNB_PARAM_record
# existed; their logs print every metric (2 decimals) in a one-seed table. This writes them as
# records, each naming its source, so the notebook can collect them beside recorded runs.
import re, sys, json
keys = {"LwF.MC": "lwf_mc", "iCaRL": "icarl", "LUCIR": "lucir", "X-DER": "xder", "oEWC": "ewc_on",
        "SGD": "sgd", "Joint": "joint", "DER": "der", "DER++": "derpp"}
out = []
for path, seed in [(a.split(":")[0], int(a.split(":")[1])) for a in sys.argv[1:]]:
    for line in open(path):
        m = re.match(r"\| (\S+) \| (original|flashback \(α_p (\S+) · (\d+)\+(\d+)\)) \| (.*) \|$", line.strip())
        if not m: continue
        cells = [c.strip() for c in m.group(6).split("|")]
        vals = [float(c.split("±")[0].replace(" s", "")) for c in cells]
        variant = "original" if m.group(2) == "original" else "flashback"
        fl = "" if variant == "original" else f"{m.group(3)}·{m.group(4)}+{m.group(5)}"
        row = {"part": "cnn", "data": "full", "key": keys[m.group(1)], "variant": variant, "fl": fl, "seed": seed}
        for k, v in zip(["class_il", "task_il", "forgetting", "bwt", "stability", "plasticity", "seconds"], vals): row[k] = v
        row["version"] = f"transcribed from {path} (2 decimals; run by flnb 0.1.0 · OpenBLAS Zen · 2 threads)"
        out.append(row)
for r in out: print(json.dumps(r, ensure_ascii=False))
