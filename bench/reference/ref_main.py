#!/usr/bin/env python3
"""Run the reference implementation's utils/main.py in the current directory (a temporary copy of
a reference checkout with flnb's patch/ files written into it) and write its results as JSON.

    cd COPY && python ref_main.py --out RESULT.json --threads 2 -- <reference flags>

What this wrapper changes at run time, and why (nothing in the reference's files is edited):
  * torchvision: PyPI's Linux torchvision wheels are CUDA builds whose compiled ops cannot load
    beside the CPU-only torch wheel, and torchvision/__init__ aborts on that. The reference only
    needs torchvision's pure-Python transforms (PIL), so the package is entered without running
    its __init__ (a bare package module over the same directory).
  * utils.augmentations.random_grayscale: written for 3-channel images; X-DER's SupCon views of
    1-channel MNIST would crash in it. The grayscale of a grayscale image is the image, so for
    1-channel input it returns x unchanged (3-channel input goes to the original).
  * threads: utils/main.py hard-codes torch.set_num_threads(4); it is set to --threads after
    argument parsing (the host has 2 cores).
  * results: the reference's Logger instance is captured to read the accuracy matrices.
"""
import argparse
import importlib.util
import json
import os
import sys
import time
import types

ap = argparse.ArgumentParser()
ap.add_argument('--out', required=True)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('rest', nargs=argparse.REMAINDER)
opts = ap.parse_args()
flags = [f for f in opts.rest if f != '--']

root = os.getcwd()
sys.path.insert(0, root)

spec = importlib.util.find_spec('torchvision')
if spec is not None:
    tv = types.ModuleType('torchvision')
    tv.__path__ = [os.path.dirname(spec.origin)]
    tv.__file__ = spec.origin
    sys.modules['torchvision'] = tv

import torch  # noqa: E402

import utils.augmentations as aug  # noqa: E402

_gray = aug.random_grayscale


def random_grayscale(x, prob=0.2):
    if x.shape[1] == 1:
        return x
    return _gray(x, prob)


aug.random_grayscale = random_grayscale

import utils.loggers as loggers  # noqa: E402

captured = {}
_init = loggers.Logger.__init__


def _logger_init(self, *a, **k):
    _init(self, *a, **k)
    captured['logger'] = self


loggers.Logger.__init__ = _logger_init

import utils.main as refmain  # noqa: E402

sys.argv = ['utils/main.py'] + flags
t0 = time.time()
args = refmain.parse_args()
torch.set_num_threads(opts.threads)
refmain.main(args)
train_s = time.time() - t0

lg = captured['logger']


def f(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [f(v) for v in x]
    return float(x)


cil = f(lg.fullaccs)
til = f(lg.fullaccs_mask_classes)
res = {
    'class_il_matrix': cil,
    'task_il_matrix': til,
    'class_il': sum(cil[-1]) / len(cil[-1]),
    'task_il': sum(til[-1]) / len(til[-1]),
    'fwt': f(lg.fwt), 'bwt': f(lg.bwt), 'forgetting': f(lg.forgetting),
    'fwt_task_il': f(lg.fwt_mask_classes), 'bwt_task_il': f(lg.bwt_mask_classes),
    'forgetting_task_il': f(lg.forgetting_mask_classes),
    'in_process_s': train_s,
    'torch': torch.__version__,
    'torch_threads': torch.get_num_threads(),
}
with open(opts.out, 'w') as fh:
    json.dump(res, fh)
