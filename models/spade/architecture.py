"""SPADE residual block with a learned (SPADE + 1x1 conv) shortcut when fin != fout."""
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from .normalization import SPADE


class SPADEResnetBlock(nn.Module):
    def __init__(self, fin, fout, label_nc, nhidden=128, use_spectral=True, param_free='batch'):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = nn.Conv2d(fin, fmiddle, 3, padding=1)
        self.conv_1 = nn.Conv2d(fmiddle, fout, 3, padding=1)
        if self.learned_shortcut:
            self.conv_s = nn.Conv2d(fin, fout, 1, bias=False)
        if use_spectral:  # official: spectral norm on conv_0, conv_1, conv_s only
            self.conv_0 = spectral_norm(self.conv_0)
            self.conv_1 = spectral_norm(self.conv_1)
            if self.learned_shortcut:
                self.conv_s = spectral_norm(self.conv_s)
        self.norm_0 = SPADE(fin, label_nc, nhidden, param_free=param_free)
        self.norm_1 = SPADE(fmiddle, label_nc, nhidden, param_free=param_free)
        if self.learned_shortcut:
            self.norm_s = SPADE(fin, label_nc, nhidden, param_free=param_free)

    def shortcut(self, x, seg):
        return self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x

    def forward(self, x, seg):
        x_s = self.shortcut(x, seg)
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return x_s + dx
