#!/usr/bin/env python3
"""PyTorch CPU reference for `flnb bench`: the same workloads, the same JSON keys.

    /work/torchenv/bin/python bench/torch_reference.py [--threads N] [--seconds S]
                                                       [--only NAME[,NAME…]]… [--json]

Every workload runs in a fresh subprocess (this script re-invoked with --worker NAME), so
`peak_rss_mb` is the peak resident memory of that workload alone (plus the interpreter and the
torch library, ~ the `baseline` printed to stderr). With --json, one JSON object per line on
stdout; otherwise a readable table. Versions and torch's parallel configuration go to stderr.

Workloads (see bench/README.md for the meaning of every key):
  mlp, cnn, resnet18-nf20, resnet18-nf64   train step (forward, cross-entropy, backward, SGD
                                           lr 0.01 momentum 0.9; train mode) and eval step
                                           (forward under no_grad, eval mode)
  sgemm                                    torch.mm 1024×1024×1024, GFLOPS
  conv-{cin}-{cout}-{hw}-s{stride}-k{k}    the conv2d shapes of ResNet-18 nf=64 at batch 32:
                                           forward, and forward+backward (grads of input and weight)
Names in --only may also be the groups `models`, `conv`, `all`.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

MODELS = {  # name: batch
    "mlp": 128,
    "cnn": 32,
    "resnet18-nf20": 32,
    "resnet18-nf64": 32,
}
EXPECTED_PARAMS = {"cnn": 2_159_114, "resnet18-nf64": 11_173_962}
CONV_BATCH = 32
CONV_SHAPES = [  # (cin, cout, hw, stride, k) — every conv2d of ResNet-18 nf=64 on 3×32×32
    (3, 64, 32, 1, 3),
    (64, 64, 32, 1, 3),
    (64, 128, 32, 2, 3),
    (128, 128, 16, 1, 3),
    (64, 128, 32, 2, 1),
    (128, 256, 16, 2, 3),
    (256, 256, 8, 1, 3),
    (256, 512, 8, 2, 3),
    (512, 512, 4, 1, 3),
]
# Note: the 1×1 shortcuts of layer3/layer4 (128→256 and 256→512, stride 2) are not in the list;
# the brief names only the layer2 one. Add them here if the Swift side benchmarks them too.


def conv_name(cin, cout, hw, stride, k):
    return f"conv-{cin}-{cout}-{hw}-s{stride}-k{k}"


CONVS = {conv_name(*s): s for s in CONV_SHAPES}
ALL = list(MODELS) + ["sgemm"] + list(CONVS)
GROUPS = {"models": list(MODELS), "conv": list(CONVS), "convs": list(CONVS), "all": ALL}


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(r / (1024 * 1024) if sys.platform == "darwin" else r / 1024, 1)


def timed(step, warmup, seconds):
    """Runs `step` `warmup` times untimed, then repeatedly for at least `seconds`.
    Returns (steps, elapsed seconds)."""
    for _ in range(warmup):
        step()
    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds:
            return n, el


# ---------------------------------------------------------------- workers (run in a subprocess)

def setup_torch(threads):
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set (cannot happen in a fresh worker)
    torch.manual_seed(0)
    return torch


def run_model(name, threads, seconds, warmup):
    torch = setup_torch(threads)
    import torch.nn.functional as F
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models

    batch = MODELS[name]
    model, in_shape = torch_models.build(name, classes=10)
    params = torch_models.param_count(model)
    if name in EXPECTED_PARAMS:
        assert params == EXPECTED_PARAMS[name], f"{name}: {params} parameters, expected {EXPECTED_PARAMS[name]}"
    g = torch.Generator().manual_seed(1)
    x = torch.randn((batch,) + in_shape, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    model.train()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    n, el = timed(train_step, warmup, seconds)
    ms = el / n * 1000

    model.eval()

    def eval_step():
        with torch.no_grad():
            model(x)

    en, eel = timed(eval_step, warmup, seconds)
    ems = eel / en * 1000
    return {
        "name": name, "impl": "pytorch", "batch": batch, "threads": threads,
        "train_img_s": round(batch / (ms / 1000), 2), "eval_img_s": round(batch / (ems / 1000), 2),
        "ms_per_step": round(ms, 3), "eval_ms_per_step": round(ems, 3),
        "peak_rss_mb": peak_rss_mb(), "params": params,
    }


def run_sgemm(threads, seconds, warmup, n=1024):
    torch = setup_torch(threads)
    g = torch.Generator().manual_seed(1)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    steps, el = timed(lambda: torch.mm(a, b, out=c), warmup, seconds)
    return {"name": "sgemm", "impl": "pytorch", "threads": threads,
            "gflops": round(2.0 * n ** 3 * steps / el / 1e9, 2)}


def run_conv(name, threads, seconds, warmup):
    torch = setup_torch(threads)
    import torch.nn.functional as F
    cin, cout, hw, stride, k = CONVS[name]
    pad = k // 2
    g = torch.Generator().manual_seed(1)
    x = torch.randn(CONV_BATCH, cin, hw, hw, generator=g, requires_grad=True)
    w = (torch.randn(cout, cin, k, k, generator=g) * (2.0 / (cin * k * k)) ** 0.5).requires_grad_(True)
    ho = (hw + 2 * pad - k) // stride + 1
    gy = torch.randn(CONV_BATCH, cout, ho, ho, generator=g)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, None, stride, pad)

    def fwdbwd():
        x.grad = None
        w.grad = None
        F.conv2d(x, w, None, stride, pad).backward(gy)

    n, el = timed(fwd, warmup, seconds / 2)
    fwd_ms = el / n * 1000
    n2, el2 = timed(fwdbwd, warmup, seconds / 2)
    fwdbwd_ms = el2 / n2 * 1000
    flops = 2.0 * CONV_BATCH * cout * ho * ho * cin * k * k
    return {"name": name, "impl": "pytorch", "batch": CONV_BATCH, "threads": threads,
            "fwd_ms": round(fwd_ms, 3), "fwdbwd_ms": round(fwdbwd_ms, 3),
            "gflops_fwd": round(flops / (fwd_ms / 1000) / 1e9, 2)}


def worker(name, threads, seconds, warmup):
    if name in MODELS:
        r = run_model(name, threads, seconds, warmup)
    elif name == "sgemm":
        r = run_sgemm(threads, seconds, warmup)
    elif name in CONVS:
        r = run_conv(name, threads, seconds, warmup)
    else:
        raise SystemExit(f"unknown workload {name!r}")
    print(json.dumps(r), flush=True)


# ---------------------------------------------------------------- driver

def parse_only(values):
    if not values:
        return ALL
    names = []
    for v in values:
        for part in v.split(","):
            part = part.strip()
            if not part:
                continue
            if part in GROUPS:
                names.extend(GROUPS[part])
            elif part in ALL:
                names.append(part)
            else:
                sys.stderr.write(f"torch_reference: unknown workload {part!r}; known: {', '.join(ALL)} "
                                 f"(groups: {', '.join(GROUPS)})\n")
                raise SystemExit(64)
    seen = set()
    return [n for n in names if not (n in seen or seen.add(n))]


def describe_torch(threads):
    import torch
    torch.set_num_threads(threads)
    info = torch.__config__.parallel_info()
    keep = [l.strip() for l in info.splitlines()
            if any(s in l for s in ("get_num_threads", "get_num_interop", "OpenMP", "Math Kernel", "MKL-DNN",
                                    "oneDNN", "backend", "hardware_concurrency"))]
    sys.stderr.write(f"torch {torch.__version__} · python {sys.version.split()[0]} · "
                     f"threads {threads} (cores available: {default_threads()})\n")
    for l in keep:
        sys.stderr.write(f"  {l}\n")
    caps = getattr(torch.backends.cpu, "get_cpu_capability", lambda: "?")()
    sys.stderr.write(f"  CPU capability used by ATen: {caps}\n")


def baseline_rss(python):
    """Peak RSS of a process that only imports torch (what every workload's figure includes)."""
    code = ("import torch, resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
        return float(out.strip())
    except Exception:
        return None


# ---------------------------------------------------------------- interference (shared machines)

def _proc_stat():
    """(busy, total) CPU seconds of the whole machine since boot, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    idle = v[3] + v[4]
    return (sum(v) - idle) / hz, sum(v) / hz


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine_busy(sample=2.0):
    """CPU (in cores) used by all processes during `sample` seconds (the caller sleeps meanwhile)."""
    a = _proc_stat()
    if a is None:
        return 0.0
    time.sleep(sample)
    b = _proc_stat()
    return (b[0] - a[0]) / sample


def wait_idle(limit_cores, max_wait):
    """Waits until the machine uses < limit_cores for two consecutive 2-s samples (or max_wait s)."""
    t0 = time.time()
    quiet = 0
    while time.time() - t0 < max_wait:
        busy = machine_busy()
        quiet = quiet + 1 if busy < limit_cores else 0
        if quiet >= 2:
            return True
        if quiet == 0:
            time.sleep(3)
    return False


def run_worker(cmd):
    """Runs one worker; returns (CompletedProcess, CPU in cores used by *other* processes meanwhile)."""
    s0, c0, t0 = _proc_stat(), _children_cpu(), time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    s1, c1, t1 = _proc_stat(), _children_cpu(), time.perf_counter()
    if s0 is None:
        return p, 0.0
    others = (s1[0] - s0[0]) - (c1 - c0)
    return p, max(0.0, others / (t1 - t0))


def table(rows):
    out = []
    models = [r for r in rows if "train_img_s" in r]
    if models:
        out.append(f"{'workload':<16}{'batch':>6}{'thr':>4}{'train img/s':>13}{'ms/step':>10}"
                   f"{'eval img/s':>12}{'eval ms':>10}{'peak MB':>9}{'params':>12}")
        for r in models:
            out.append(f"{r['name']:<16}{r['batch']:>6}{r['threads']:>4}{r['train_img_s']:>13.1f}"
                       f"{r['ms_per_step']:>10.2f}{r['eval_img_s']:>12.1f}{r['eval_ms_per_step']:>10.2f}"
                       f"{r['peak_rss_mb']:>9.0f}{r['params']:>12,}")
    for r in rows:
        if "gflops" in r:
            out.append("")
            out.append(f"sgemm 1024³ ({r['threads']} threads): {r['gflops']:.1f} GFLOPS")
    convs = [r for r in rows if "fwd_ms" in r]
    if convs:
        out.append("")
        out.append(f"{'conv layer (batch 32)':<26}{'fwd ms':>9}{'fwd+bwd ms':>12}{'GFLOPS fwd':>12}")
        for r in convs:
            out.append(f"{r['name']:<26}{r['fwd_ms']:>9.2f}{r['fwdbwd_ms']:>12.2f}{r['gflops_fwd']:>12.1f}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=default_threads(),
                    help="intra-op and inter-op threads (default: all cores)")
    ap.add_argument("--seconds", type=float, default=3.0, help="measure each phase at least this long (default 3)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps before each measurement (default 3)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="workload(s) to run; repeatable or comma-separated")
    ap.add_argument("--json", action="store_true", help="one JSON object per line on stdout")
    ap.add_argument("--list", action="store_true", help="list the workload names and exit")
    ap.add_argument("--retry-busy", type=int, default=0, metavar="N",
                    help="on a shared machine: wait for idle before each workload and re-run it up to N times "
                         "when other processes used more than --busy-limit cores meanwhile (Linux)")
    ap.add_argument("--busy-limit", type=float, default=0.1, metavar="CORES",
                    help="interference threshold in cores for warnings and --retry-busy (default 0.1)")
    ap.add_argument("--max-wait", type=float, default=900, metavar="S",
                    help="longest wait for an idle machine per workload with --retry-busy (default 900)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.threads < 1:
        ap.error("--threads must be ≥ 1")

    if a.worker:
        worker(a.worker, a.threads, a.seconds, a.warmup)
        return 0
    if a.list:
        print("\n".join(ALL))
        return 0

    names = parse_only(a.only)
    describe_torch(a.threads)
    base = baseline_rss(sys.executable)
    if base is not None:
        sys.stderr.write(f"  baseline peak RSS of `import torch` alone: {base:.0f} MB (included in peak_rss_mb)\n")

    rows, failed = [], []
    for name in names:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--threads", str(a.threads),
               "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
        for attempt in range(a.retry_busy + 1):
            if a.retry_busy and not wait_idle(a.busy_limit * 2, a.max_wait):
                sys.stderr.write(f"  {name}: machine still busy after {a.max_wait:.0f} s; measuring anyway\n")
            p, others = run_worker(cmd)
            if others <= a.busy_limit:
                break
            sys.stderr.write(f"  WARNING {name}: other processes used {others:.2f} cores during the measurement"
                             + (f"; retrying ({attempt + 1}/{a.retry_busy})\n" if attempt < a.retry_busy else
                                "; figures are unreliable\n"))
        line = next((l for l in p.stdout.splitlines() if l.startswith("{")), None)
        if p.returncode != 0 or line is None:
            sys.stderr.write(f"torch_reference: workload {name} failed (exit {p.returncode})\n")
            failed.append(name)
            continue
        r = json.loads(line)
        rows.append(r)
        if a.json:
            print(line, flush=True)
        sys.stderr.write(f"  done {name} (other processes: {others:.2f} cores)\n")
    if not a.json:
        print(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
