"""PyTorch twins of flnb's backbones (MLP, small CNN, mammoth's CIFAR ResNet-18).

Parameter and buffer names match flnb's state dicts exactly, so a `model.safetensors` written by
flnb loads here and the other way round. PyTorch adds `num_batches_tracked` buffers to every
BatchNorm; flnb has none, so `flnb_state_dict` drops them and `load_flnb_state_dict` tolerates
their absence (and nothing else).

Used by torch_reference.py (benchmarks) and compare_resnet.py (numerical comparison). This is
reference code for measurement only: PyTorch is never a dependency of flnb.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    """mammoth's MNIST net: flatten → Linear(784,100) → ReLU → Linear(100,100) → ReLU → Linear(100,10)."""

    def __init__(self, inputs=784, hidden=100, classes=10):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, classes)

    def features(self, x):
        x = x.flatten(1)
        return F.relu(self.fc2(F.relu(self.fc1(x))))

    def forward(self, x):
        return self.classifier(self.features(x))


class SmallCNN(nn.Module):
    """conv3×3(C→32)–ReLU–conv3×3(32→64)–ReLU–pool–conv3×3(64→64)–ReLU–pool–Linear(64·H/4·W/4→512)–ReLU–Linear(512→N)."""

    def __init__(self, in_channels=3, hw=32, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (hw // 4) * (hw // 4), 512)
        self.classifier = nn.Linear(512, classes)

    def features(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """mammoth's CIFAR ResNet-18: 3×3 stem (stride 1, no max-pool), stages nf·(1,2,4,8) with
    strides (1,2,2,2), two BasicBlocks each, global average pool, Linear(8·nf, classes)."""

    def __init__(self, nf=64, classes=10, in_channels=3):
        super().__init__()
        self.nf = nf
        self.in_planes = nf
        self.conv1 = nn.Conv2d(in_channels, nf, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(nf)
        self.layer1 = self._stage(nf * 1, 1)
        self.layer2 = self._stage(nf * 2, 2)
        self.layer3 = self._stage(nf * 4, 2)
        self.layer4 = self._stage(nf * 8, 2)
        self.classifier = nn.Linear(nf * 8, classes)

    def _stage(self, planes, stride):
        blocks = []
        for s in (stride, 1):
            blocks.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*blocks)

    def features(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)

    def forward(self, x):
        return self.classifier(self.features(x))


def build(name, classes=10):
    """Model by benchmark name: 'mlp', 'cnn', 'resnet18-nf<N>'. Returns (model, input shape without batch)."""
    if name == "mlp":
        return MLP(784, 100, classes), (1, 28, 28)
    if name == "cnn":
        return SmallCNN(3, 32, classes), (3, 32, 32)
    if name.startswith("resnet18-nf"):
        return ResNet18(int(name[len("resnet18-nf"):]), classes), (3, 32, 32)
    raise ValueError(f"unknown model {name!r}")


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def flnb_state_dict(model):
    """state_dict without PyTorch's num_batches_tracked buffers (flnb has none)."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def load_flnb_state_dict(model, tensors):
    """Loads a dict name → tensor (flnb names). Raises on any name mismatch other than the
    num_batches_tracked buffers flnb does not have, and on shape mismatch."""
    own = model.state_dict()
    expected = {k for k in own if not k.endswith("num_batches_tracked")}
    missing = sorted(expected - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise KeyError(f"state dict names differ: missing {missing[:8]}{'…' if len(missing) > 8 else ''}, "
                       f"unexpected {unexpected[:8]}{'…' if len(unexpected) > 8 else ''}")
    for k, v in tensors.items():
        if tuple(own[k].shape) != tuple(v.shape):
            raise ValueError(f"{k}: shape {tuple(v.shape)} in file, {tuple(own[k].shape)} in model")
    model.load_state_dict({k: torch.as_tensor(v) for k, v in tensors.items()}, strict=False)
