#!/usr/bin/env python3
"""Compares flnb's ResNet-18 forward/backward against PyTorch in float32 and float64.

    flnb debug export-resnet DIR --nf 8 --batch 4 --seed 1
    /work/torchenv/bin/python bench/compare_resnet.py DIR [--all] [--rtol-out 1e-4] [--rtol-grad 1e-3]
    /work/torchenv/bin/python bench/compare_resnet.py --self-test [DIR] [--perturb EPS]

DIR (written by flnb) holds
  model.safetensors    the state dict before the step (flnb names, F32, BN running stats included)
  input.npy            float32 [B,3,32,32]
  labels.npy           int64 [B]
  outputs.safetensors  logits_eval [B,N]   eval-mode forward with the running stats of model.safetensors
                       logits_train [B,N]  train-mode forward (batch statistics)
                       loss [1]            mean cross-entropy of logits_train
                       grad.<param>        d loss / d param, every parameter
                       running_mean_after.<bn>, running_var_after.<bn>
                                           every BN's running stats after the train-mode forward
                                           (momentum 0.1, unbiased batch variance)

The script loads the same weights into the PyTorch twin (torch_models.ResNet18), runs the eval
forward, then the train forward + cross-entropy + backward, once in float32 and once in float64
(a double copy of model and input), and prints one row per quantity:

  |ours−t32|  max absolute difference from PyTorch float32
  |ours−t64|  max absolute difference from PyTorch float64 (the reference)
  rel         max|ours − t64| / max|t64|   (tensor-wise relative error; element-wise relative
              error is meaningless for entries near zero)
  t32 rel     the same for PyTorch's own float32 result — the error float32 naturally carries here

PASS when rel ≤ tolerance: 1e-4 for outputs (logits, loss, running stats), 1e-3 for gradients.
Why these: float32 has ε = 6e-8 (unit roundoff). A dot product of length n summed in a different
order (GEMM blocking, im2col vs direct, threads) differs by up to ~√n·ε typically and n·ε worst
case; ResNet-18's longest reductions are 4608 (512·9) in the forward and B·H·W·C in the weight
gradients, over 17 layers. Batch-norm in train mode divides by the batch standard deviation, which
re-amplifies relative errors, and Winograd F(2×2,3×3)/F(4×4,3×3) transforms (which flnb plans)
lose a further 1–2 decimal digits. PyTorch's own float32 result sits around 1e-6 from float64 for
nf=8 (see the t32 rel column), so 1e-4 leaves ~100× headroom for a legitimately different
summation order yet catches any real bug (a wrong index, a missing term, a wrong eps/momentum or a
biased-vs-unbiased variance shows up as 1e-3…1). Gradients get 10× more because the backward of
train-mode batch-norm subtracts two nearly equal means (catastrophic cancellation) and the weight
gradients of the first layers accumulate the errors of every layer above them.

Exit status: 0 all PASS, 1 any FAIL (or a missing/misshapen entry), 2 bad input.
Needs torch and numpy; reads safetensors with the `safetensors` package when importable, else with
the small reader below.
"""

import argparse
import copy
import json
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# ------------------------------------------------------------------------ safetensors I/O

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """name → numpy array, in file order. Uses the `safetensors` package if present."""
    try:
        from safetensors.numpy import load_file  # type: ignore
        return dict(load_file(path))
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} exceeds the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    items = [(k, v) for k, v in header.items() if k != "__metadata__"]
    items.sort(key=lambda kv: kv[1]["data_offsets"][0])
    for name, info in items:
        dtype, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype == "BF16":
            raw = np.frombuffer(data, dtype="<u2", count=(e - b) // 2, offset=base + b)
            arr = (raw.astype(np.uint32) << 16).view(np.float32)
        elif dtype in _DTYPES:
            dt = np.dtype(_DTYPES[dtype]).newbyteorder("<")
            count = (e - b) // dt.itemsize
            arr = np.frombuffer(data, dtype=dt, count=count, offset=base + b)
        else:
            raise ValueError(f"{path}: {name} has unsupported dtype {dtype}")
        expected = int(np.prod(shape)) if shape else 1
        if arr.size != expected:
            raise ValueError(f"{path}: {name} has {arr.size} elements, shape {shape} needs {expected}")
        out[name] = arr.reshape(shape).astype(arr.dtype.newbyteorder("="), copy=True)
    return out


def write_safetensors(path, tensors):
    """Writes name → numpy array (F32/F64/I64/I32) in the given order, header padded to 8 bytes."""
    names = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64",
             np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}
    header, blobs, off = {}, [], 0
    for k, a in tensors.items():
        a = np.ascontiguousarray(a)
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[k] = {"dtype": names[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ------------------------------------------------------------------------ computation

def run_reference(model, x, y, torch, F):
    """Eval forward (original running stats), then train forward + CE + backward.
    Returns name → numpy array of the quantities in outputs.safetensors."""
    out = {}
    model.eval()
    with torch.no_grad():
        out["logits_eval"] = model(x).detach()
    model.train()
    model.zero_grad(set_to_none=True)
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    out["logits_train"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad.detach()
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            out[f"running_mean_after.{name}"] = m.running_mean.detach().clone()
            out[f"running_var_after.{name}"] = m.running_var.detach().clone()
    return {k: v.cpu().numpy() for k, v in out.items()}


def expected_names(model, torch):
    names = ["logits_eval", "logits_train", "loss"]
    bns = [n for n, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]
    names += [f"running_mean_after.{n}" for n in bns] + [f"running_var_after.{n}" for n in bns]
    names += [f"grad.{n}" for n, _ in model.named_parameters()]
    return names


def self_test_write(d, nf, batch, seed, perturb):
    import torch
    import torch.nn.functional as F
    import torch_models
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(seed)
    model = torch_models.ResNet18(nf=nf, classes=10)
    g = torch.Generator().manual_seed(seed)
    # non-trivial running statistics, so the eval-mode forward is actually tested
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
            m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))
    x = torch.randn(batch, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)
    write_safetensors(os.path.join(d, "model.safetensors"),
                      {k: v.numpy() for k, v in torch_models.flnb_state_dict(model).items()})
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(d, "labels.npy"), y.numpy().astype(np.int64))
    outs = run_reference(model, x, y, torch, F)
    if perturb:
        rng = np.random.default_rng(seed)
        outs = {k: (v * (1 + perturb * rng.standard_normal(v.shape))).astype(np.float32) for k, v in outs.items()}
    write_safetensors(os.path.join(d, "outputs.safetensors"), outs)
    print(f"self-test: wrote {d} from PyTorch float32 (nf={nf}, batch={batch}, seed={seed}"
          + (f", outputs perturbed by {perturb:g} relative noise" if perturb else "") + ")")


def compare(d, rtol_out, rtol_grad, show_all):
    import torch
    import torch.nn.functional as F
    import torch_models

    def need(name):
        p = os.path.join(d, name)
        if not os.path.exists(p):
            print(f"compare_resnet: {p} is missing", file=sys.stderr)
            sys.exit(2)
        return p

    state = read_safetensors(need("model.safetensors"))
    outs = read_safetensors(need("outputs.safetensors"))
    x_np = np.load(need("input.npy"))
    y_np = np.load(need("labels.npy"))
    if "conv1.weight" not in state or "classifier.weight" not in state:
        print("compare_resnet: model.safetensors lacks conv1.weight or classifier.weight", file=sys.stderr)
        return 2
    nf = state["conv1.weight"].shape[0]
    classes = state["classifier.weight"].shape[0]
    in_ch = state["conv1.weight"].shape[1]
    if x_np.ndim != 4 or x_np.shape[1] != in_ch:
        print(f"compare_resnet: input.npy has shape {x_np.shape}, expected [B,{in_ch},H,W]", file=sys.stderr)
        return 2
    if y_np.shape != (x_np.shape[0],):
        print(f"compare_resnet: labels.npy has shape {y_np.shape}, expected [{x_np.shape[0]}]", file=sys.stderr)
        return 2

    model32 = torch_models.ResNet18(nf=nf, classes=classes, in_channels=in_ch)
    try:
        torch_models.load_flnb_state_dict(model32, {k: torch.from_numpy(v.astype(np.float32)) for k, v in state.items()})
    except (KeyError, ValueError) as e:
        print(f"compare_resnet: model.safetensors does not fit ResNet18(nf={nf}): {e}", file=sys.stderr)
        return 2
    model64 = copy.deepcopy(model32).double()
    x32 = torch.from_numpy(x_np.astype(np.float32))
    y = torch.from_numpy(y_np.astype(np.int64))
    t32 = run_reference(model32, x32, y, torch, F)
    t64 = run_reference(model64, x32.double(), y, torch, F)

    print(f"ResNet18(nf={nf}, classes={classes}) · batch {x_np.shape[0]} · input {list(x_np.shape)} · "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"tolerances (max|ours−t64| / max|t64|): outputs {rtol_out:g}, gradients {rtol_grad:g}\n")
    hdr = f"{'quantity':<44}{'shape':<16}{'|ours−t32|':>12}{'|ours−t64|':>12}{'rel':>11}{'t32 rel':>11}{'tol':>8}  result"
    print(hdr)
    print("-" * len(hdr))

    fails, rows_shown, worst = [], 0, {}
    for name in expected_names(model32, torch):
        tol = rtol_grad if name.startswith("grad.") else rtol_out
        ref64 = t64[name].astype(np.float64)
        if name not in outs:
            fails.append(name)
            print(f"{name:<44}{str(list(ref64.shape)):<16}{'missing in outputs.safetensors':>54}  FAIL")
            continue
        ours = outs[name].astype(np.float64)
        if ours.size == ref64.size and ours.shape != ref64.shape and name == "loss":
            ours = ours.reshape(ref64.shape)  # accept a scalar loss
        if ours.shape != ref64.shape:
            fails.append(name)
            print(f"{name:<44}{str(list(ours.shape)):<16}{'shape differs from ' + str(list(ref64.shape)):>54}  FAIL")
            continue
        scale = max(float(np.abs(ref64).max()), 1e-30)
        d32 = float(np.abs(ours - t32[name].astype(np.float64)).max())
        d64 = float(np.abs(ours - ref64).max())
        rel = d64 / scale
        rel32 = float(np.abs(t32[name].astype(np.float64) - ref64).max()) / scale
        ok = rel <= tol and np.isfinite(ours).all()
        kind = name.split(".")[0] if "." in name else name
        worst[kind] = max(worst.get(kind, (0.0, ""))[0], rel), name
        if not ok:
            fails.append(name)
        if show_all or not ok or "." not in name:
            rows_shown += 1
            print(f"{name:<44}{str(list(ours.shape)):<16}{d32:>12.3e}{d64:>12.3e}{rel:>11.2e}{rel32:>11.2e}"
                  f"{tol:>8.0e}  {'PASS' if ok else 'FAIL'}")
    extra = sorted(set(outs) - set(expected_names(model32, torch)))
    print()
    for kind, (rel, name) in sorted(worst.items()):
        if "." not in name:
            continue
        n = sum(1 for k in t64 if k.startswith(kind + "."))
        print(f"worst of {n:>3} {kind + '.*':<22} rel {rel:.2e}  ({name})")
    if not show_all:
        print("(passing per-parameter rows hidden; --all shows every row)")
    if extra:
        print(f"note: outputs.safetensors has entries not compared: {', '.join(extra[:10])}"
              f"{'…' if len(extra) > 10 else ''}")
    total = len(expected_names(model32, torch))
    if fails:
        print(f"\nFAIL: {len(fails)} of {total} quantities outside tolerance: {', '.join(fails[:10])}"
              f"{'…' if len(fails) > 10 else ''}")
        return 1
    print(f"\nPASS: all {total} quantities within tolerance")
    return 0


def main():
    ap = argparse.ArgumentParser(description="flnb ResNet-18 vs PyTorch: outputs and gradients")
    ap.add_argument("dir", nargs="?", help="directory written by `flnb debug export-resnet`")
    ap.add_argument("--self-test", action="store_true",
                    help="write DIR (default: a temporary directory) from PyTorch itself, then compare")
    ap.add_argument("--perturb", type=float, default=0.0,
                    help="self-test only: multiply every output by (1 + EPS·N(0,1)) to check that FAIL is detected")
    ap.add_argument("--nf", type=int, default=8, help="self-test width (default 8)")
    ap.add_argument("--batch", type=int, default=4, help="self-test batch (default 4)")
    ap.add_argument("--seed", type=int, default=1, help="self-test seed (default 1)")
    ap.add_argument("--rtol-out", type=float, default=1e-4)
    ap.add_argument("--rtol-grad", type=float, default=1e-3)
    ap.add_argument("--all", action="store_true", help="print every per-parameter row, not only failures")
    a = ap.parse_args()
    if a.self_test:
        d = a.dir or tempfile.mkdtemp(prefix="flnb-resnet-selftest-")
        self_test_write(d, a.nf, a.batch, a.seed, a.perturb)
    else:
        if not a.dir:
            ap.error("DIR is required (or --self-test)")
        d = a.dir
    return compare(d, a.rtol_out, a.rtol_grad, a.all)


if __name__ == "__main__":
    sys.exit(main())
