"""Multi-scale PatchGAN discriminator on concat(one-hot label map, image)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=4, use_spectral=True):
        super().__init__()
        kw, padw = 4, int(math.ceil((4 - 1.0) / 2))
        sn = spectral_norm if use_spectral else (lambda m: m)
        nf = ndf
        seqs = [[nn.Conv2d(input_nc, nf, kw, stride=2, padding=padw), nn.LeakyReLU(0.2, False)]]
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers - 1 else 2
            seqs.append([sn(nn.Conv2d(nf_prev, nf, kw, stride=stride, padding=padw)),
                         nn.InstanceNorm2d(nf, affine=False), nn.LeakyReLU(0.2, False)])
        seqs.append([nn.Conv2d(nf, 1, kw, stride=1, padding=padw)])
        for i, s in enumerate(seqs):  # model0..modelN so intermediate features are returned
            self.add_module(f'model{i}', nn.Sequential(*s))
        self.n = len(seqs)

    def forward(self, x):
        feats = []
        for i in range(self.n):
            x = getattr(self, f'model{i}')(x)
            feats.append(x)
        return feats  # last entry is the patch prediction


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=4, num_D=2, use_spectral=True):
        super().__init__()
        for i in range(num_D):
            self.add_module(f'discriminator_{i}', NLayerDiscriminator(input_nc, ndf, n_layers, use_spectral))
        self.num_D = num_D

    def forward(self, x):
        out = []
        for i in range(self.num_D):
            out.append(getattr(self, f'discriminator_{i}')(x))
            x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        return out
