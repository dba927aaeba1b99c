"""SPADE generator (VAE mode: z -> fc -> start grid; or label-map conv fc without encoder)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .architecture import SPADEResnetBlock

N_UPS = {'normal': 5, 'more': 6, 'most': 7}


class SPADEGenerator(nn.Module):
    def __init__(self, label_nc, ngf=64, z_dim=256, use_vae=True, num_upsampling_layers='normal',
                 crop_size=256, aspect_ratio=1.0, nhidden=128, use_spectral=True, param_free='batch'):
        super().__init__()
        self.label_nc, self.ngf, self.z_dim, self.use_vae = label_nc, ngf, z_dim, use_vae
        self.mode = num_upsampling_layers
        self.num_up = N_UPS[num_upsampling_layers]
        self.sw = crop_size // (2 ** self.num_up)
        self.sh = round(self.sw / aspect_ratio)
        nf = ngf
        if use_vae:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(label_nc, 16 * nf, 3, padding=1)
        kw = dict(label_nc=label_nc, nhidden=nhidden, use_spectral=use_spectral, param_free=param_free)
        self.head_0 = SPADEResnetBlock(16 * nf, 16 * nf, **kw)
        self.G_middle_0 = SPADEResnetBlock(16 * nf, 16 * nf, **kw)
        self.G_middle_1 = SPADEResnetBlock(16 * nf, 16 * nf, **kw)
        self.up_0 = SPADEResnetBlock(16 * nf, 8 * nf, **kw)
        self.up_1 = SPADEResnetBlock(8 * nf, 4 * nf, **kw)
        self.up_2 = SPADEResnetBlock(4 * nf, 2 * nf, **kw)
        self.up_3 = SPADEResnetBlock(2 * nf, 1 * nf, **kw)
        final_nc = nf
        if self.mode == 'most':
            self.up_4 = SPADEResnetBlock(1 * nf, nf // 2, **kw)
            final_nc = nf // 2
        self.conv_img = nn.Conv2d(final_nc, 3, 3, padding=1)

    def forward(self, seg, z=None):
        """seg: one-hot float [N,label_nc,H,W]; z: [N,z_dim] (random if None in VAE mode).

        H may be the configured size or a power-of-two fraction of it: the first upsamplings are
        then skipped (same weights), which lets training run mostly at a lower resolution and
        finish at full size without weight surgery.
        """
        N, _, H, W = seg.shape
        n_up = int(round(math.log2(H / self.sh)))
        skip = self.num_up - n_up
        assert 0 <= skip <= self.num_up and self.sh * 2 ** n_up == H, (H, self.sh)
        if self.use_vae:
            if z is None:
                z = torch.randn(N, self.z_dim, device=seg.device, dtype=seg.dtype)
            x = self.fc(z).view(N, 16 * self.ngf, self.sh, self.sw)
        else:
            x = self.fc(F.interpolate(seg, size=(self.sh, self.sw)))
        ups = [0]

        def up(t):
            ups[0] += 1
            return t if ups[0] <= skip else F.interpolate(t, scale_factor=2, mode='nearest')

        x = self.head_0(x, seg)
        x = up(x)
        x = self.G_middle_0(x, seg)
        if self.mode in ('more', 'most'):
            x = up(x)
        x = self.G_middle_1(x, seg)
        x = self.up_0(up(x), seg)
        x = self.up_1(up(x), seg)
        x = self.up_2(up(x), seg)
        x = self.up_3(up(x), seg)
        if self.mode == 'most':
            x = self.up_4(up(x), seg)
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)


def one_hot(labels, label_nc):
    """int labels [N,H,W] -> float one-hot [N,label_nc,H,W]."""
    return F.one_hot(labels.long(), label_nc).permute(0, 3, 1, 2).float()
