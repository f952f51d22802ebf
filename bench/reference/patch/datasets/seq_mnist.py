# flnb's own Seq-MNIST for the reference implementation (written for flnb, not taken from the
# reference or from mammoth). Dropped into a temporary copy of the reference at run time by
# bench/reference/run_grid.py; reads the MNIST IDX files from $FLNB_REF_MNIST.
#
# Protocol: full MNIST, 5 tasks x 2 classes in natural label order (0-1, 2-3, ...), no
# augmentation, pixels x/255 in [0,1] (no normalization), shape 1x28x28. Train items are
# (image, label, non-augmented image) like the reference's CIFAR loaders; test items (image, label).
import gzip
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from backbone.MNISTMLP import MNISTMLP
from datasets.utils.continual_dataset import ContinualDataset, store_masked_loaders

_CACHE = {}


def _read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find(root, stem):
    for name in (stem, stem + '.gz', stem.replace('-idx', '.idx'), stem.replace('-idx', '.idx') + '.gz'):
        p = os.path.join(root, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f'{stem} not found in {root} (set FLNB_REF_MNIST)')


def _load(train):
    if train not in _CACHE:
        root = os.environ.get('FLNB_REF_MNIST', './data/mnist')
        kind = 'train' if train else 't10k'
        images = _read_idx(_find(root, f'{kind}-images-idx3-ubyte'))
        labels = _read_idx(_find(root, f'{kind}-labels-idx1-ubyte'))
        _CACHE[train] = (torch.from_numpy(images.copy()), labels.astype(np.int64))
    images, labels = _CACHE[train]
    return images.clone(), labels.copy()


class MNISTSplit(Dataset):
    """`data`: uint8 tensor [N, 28, 28]; `targets`: int64 numpy array (what the reference's
    masking, iCaRL's replay merge and LUCIR's imprinting manipulate)."""

    def __init__(self, train):
        self.train = train
        self.data, self.targets = _load(train)
        if train:
            # Its presence tells the reference's icarl_replay to store buffer images back as uint8.
            self.not_aug_transform = _to_tensor

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img = _to_tensor(self.data[index])
        target = self.targets[index]
        if not self.train:
            return img, target
        if hasattr(self, 'logits'):
            return img, target, img.clone(), self.logits[index]
        return img, target, img.clone()


def _to_tensor(x):
    return x.to(torch.float32).div(255).unsqueeze(0)


class _Identity:
    """No normalization; X-DER reads .mean/.std of the de-normalization transform."""
    mean = (0.0,)
    std = (1.0,)

    def __call__(self, x):
        return x


def _multistep(opt, on, ms, gamma):
    if not on:
        return None
    return torch.optim.lr_scheduler.MultiStepLR(opt, [int(m) for m in ms.split()], gamma=gamma)


class SequentialMNISTFull(ContinualDataset):
    NAME = 'seq-mnist'
    SETTING = 'class-il'
    N_CLASSES_TASK_ZERO = 2
    N_CLASSES_PER_TASK = 2
    N_TASKS = 5
    # fl_icarl reads the class attribute TRANSFORM (its train augmentation); none here.
    TRANSFORM = None

    def get_data_loaders(self):
        train, test = store_masked_loaders(MNISTSplit(True), MNISTSplit(False), self)
        # The reference builds its loaders with 12 worker processes; on this 2-core host they
        # only add process start-up, and MNIST items need no decoding: load in-process.
        for loader in [train] + self.test_loaders:
            loader.num_workers = 0
        return train, test

    @staticmethod
    def get_backbone():
        return MNISTMLP(28 * 28, SequentialMNISTFull.N_CLASSES_PER_TASK * SequentialMNISTFull.N_TASKS)

    @staticmethod
    def get_transform():
        return None

    @staticmethod
    def get_loss():
        return F.cross_entropy

    @staticmethod
    def get_normalization_transform():
        return None

    @staticmethod
    def get_denormalization_transform():
        return _Identity()

    @staticmethod
    def get_scheduler(model, args):
        return _multistep(model.opt, args.sch, args.sch_ms, args.sch_gamma)

    @staticmethod
    def get_scheduler_f(model, args):
        return _multistep(model.opt, args.schf, args.schf_ms, args.schf_gamma)

    @staticmethod
    def get_epochs():
        return 1

    @staticmethod
    def get_batch_size():
        return 32

    @staticmethod
    def get_minibatch_size():
        return 32
