"""pix2pixHD's global generator (Wang et al. 2018) as the paper's baseline: the one-hot label
map is the network's input, followed by conv -> InstanceNorm -> ReLU stages (down-sampling,
residual blocks, up-sampling). Each InstanceNorm subtracts per-image channel means, which is
what erases the information of large uniform label regions (SPADE's Figure 3 argument).

The style code z (from the same VAE encoder as SPADE, so all models share one interface and
one loss) is added as a per-channel bias at the bottleneck."""
import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm


def _conv_block(cin, cout, **kw):
    return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, **kw)), nn.InstanceNorm2d(cout, affine=False), nn.ReLU(True))


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(nn.ReflectionPad2d(1), _conv_block(dim, dim, kernel_size=3),
                                   nn.ReflectionPad2d(1), spectral_norm(nn.Conv2d(dim, dim, 3)),
                                   nn.InstanceNorm2d(dim, affine=False))

    def forward(self, x):
        return x + self.block(x)


class Pix2PixHDGenerator(nn.Module):
    def __init__(self, label_nc, ngf=32, z_dim=256, n_down=3, n_blocks=9):
        super().__init__()
        self.ngf, self.z_dim = ngf, z_dim
        layers = [nn.ReflectionPad2d(3), _conv_block(label_nc, ngf, kernel_size=7)]
        for i in range(n_down):
            m = 2 ** i
            layers.append(_conv_block(ngf * m, ngf * m * 2, kernel_size=3, stride=2, padding=1))
        self.down = nn.Sequential(*layers)
        dim = ngf * 2 ** n_down
        self.z_bias = nn.Linear(z_dim, dim)
        self.blocks = nn.Sequential(*[ResnetBlock(dim) for _ in range(n_blocks)])
        up = []
        for i in range(n_down):
            m = 2 ** (n_down - i)
            up += [spectral_norm(nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1)),
                   nn.InstanceNorm2d(ngf * m // 2, affine=False), nn.ReLU(True)]
        up += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        self.up = nn.Sequential(*up)

    def forward(self, seg, z=None):
        if z is None:
            z = torch.randn(seg.shape[0], self.z_dim, device=seg.device)
        x = self.down(seg)
        x = x + self.z_bias(z)[:, :, None, None]
        return self.up(self.blocks(x))
