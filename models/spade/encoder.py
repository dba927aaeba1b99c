"""VAE style encoder: image -> (mu, logvar) of a 256-d style code."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class ConvEncoder(nn.Module):
    def __init__(self, ngf=64, z_dim=256, use_spectral=True):
        super().__init__()
        nf = ngf
        chans = [3, nf, 2 * nf, 4 * nf, 8 * nf, 8 * nf, 8 * nf]
        for i in range(6):
            conv = nn.Conv2d(chans[i], chans[i + 1], 3, stride=2, padding=1)
            if use_spectral:  # official norm_E = spectralinstance
                conv = spectral_norm(conv)
            setattr(self, f'layer{i + 1}', nn.Sequential(conv, nn.InstanceNorm2d(chans[i + 1], affine=False)))
        self.so = 4
        self.fc_mu = nn.Linear(8 * nf * self.so * self.so, z_dim)
        self.fc_var = nn.Linear(8 * nf * self.so * self.so, z_dim)

    def forward(self, x):
        if x.shape[2] != 256 or x.shape[3] != 256:
            x = F.interpolate(x, size=(256, 256), mode='bilinear', align_corners=False)
        x = self.layer1(x)
        for i in range(2, 7):
            x = getattr(self, f'layer{i}')(F.leaky_relu(x, 0.2))
        x = F.leaky_relu(x, 0.2).flatten(1)
        return self.fc_mu(x), self.fc_var(x)


def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + torch.randn_like(std) * std
