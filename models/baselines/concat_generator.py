"""Ablation of SPADE: the same decoder (z -> fc -> residual up-blocks), but each block
concatenates the resized label map to its convolution inputs and normalises with ordinary
affine BatchNorm instead of modulating by the label map."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class ConcatResnetBlock(nn.Module):
    def __init__(self, fin, fout, label_nc):
        super().__init__()
        fmiddle = min(fin, fout)
        self.learned_shortcut = fin != fout
        self.norm_0 = nn.BatchNorm2d(fin, affine=True)
        self.norm_1 = nn.BatchNorm2d(fmiddle, affine=True)
        self.conv_0 = spectral_norm(nn.Conv2d(fin + label_nc, fmiddle, 3, padding=1))
        self.conv_1 = spectral_norm(nn.Conv2d(fmiddle + label_nc, fout, 3, padding=1))
        if self.learned_shortcut:
            self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False))

    def forward(self, x, seg):
        seg = F.interpolate(seg, size=x.shape[2:], mode='nearest')
        x_s = self.conv_s(x) if self.learned_shortcut else x
        dx = self.conv_0(torch.cat([F.leaky_relu(self.norm_0(x), 0.2), seg], 1))
        dx = self.conv_1(torch.cat([F.leaky_relu(self.norm_1(dx), 0.2), seg], 1))
        return x_s + dx


class ConcatGenerator(nn.Module):
    """Interface of SPADEGenerator in VAE mode: forward(one-hot seg, z) -> image in [-1, 1]."""

    def __init__(self, label_nc, ngf=16, z_dim=256, crop_size=256):
        super().__init__()
        self.ngf, self.z_dim, self.num_up = ngf, z_dim, 5
        self.sh = self.sw = crop_size // 2 ** self.num_up
        nf = ngf
        self.fc = nn.Linear(z_dim, 16 * nf * self.sh * self.sw)
        widths = [16, 16, 16, 16, 8, 4, 2, 1]
        names = ['head_0', 'G_middle_0', 'G_middle_1', 'up_0', 'up_1', 'up_2', 'up_3']
        for name, fin, fout in zip(names, widths, widths[1:]):
            setattr(self, name, ConcatResnetBlock(fin * nf, fout * nf, label_nc))
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, seg, z=None):
        N, _, H, _ = seg.shape
        assert H == self.sh * 2 ** self.num_up, 'the concat baseline runs at its configured size only'
        if z is None:
            z = torch.randn(N, self.z_dim, device=seg.device)
        x = self.fc(z).view(N, 16 * self.ngf, self.sh, self.sw)
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')
        x = up(self.head_0(x, seg))
        x = self.G_middle_1(self.G_middle_0(x, seg), seg)
        for name in ('up_0', 'up_1', 'up_2', 'up_3'):
            x = getattr(self, name)(up(x), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))
