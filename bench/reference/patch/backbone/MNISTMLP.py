# flnb's own MLP 784-100-100-10 for the reference implementation (written for flnb): the shape
# and initialisation of mammoth's MNIST MLP — every Linear re-initialised by the reference's own
# `backbone.xavier` (weights U(-a, a), a = sqrt(6/(fan_in+fan_out)), biases 0) — and the
# interface the reference's models use: forward(x, returnt='out'|'features'|'all'), a
# replaceable `classifier` (LUCIR swaps in its cosine head and reads `classifier.in_features`),
# and get_params/get_grads from MammothBackbone (LwF.MC's wd_reg, online EWC).
import torch.nn as nn

from backbone import MammothBackbone, num_flat_features, xavier


class MNISTMLP(MammothBackbone):
    def __init__(self, input_size: int, output_size: int, hidden: int = 100) -> None:
        super().__init__()
        self.input_size = input_size
        self.output_size = output_size
        self.fc1 = nn.Linear(input_size, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self._features = nn.Sequential(self.fc1, nn.ReLU(), self.fc2, nn.ReLU())
        self.classifier = nn.Linear(hidden, output_size)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self._features.apply(xavier)
        self.classifier.apply(xavier)

    def forward(self, x, returnt='out'):
        x = x.view(-1, num_flat_features(x))
        feats = self._features(x)
        if returnt == 'features':
            return feats
        out = self.classifier(feats)
        if returnt == 'out':
            return out
        if returnt == 'all':
            return out, feats
        raise NotImplementedError('Unknown return type')
