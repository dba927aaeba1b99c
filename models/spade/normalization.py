"""The SPADE layer: parameter-free normalisation, then a per-pixel affine predicted from the
label map, so semantics bypass the normalisation instead of being washed away by it."""
import torch.nn as nn
import torch.nn.functional as F


class SPADE(nn.Module):
    def __init__(self, norm_nc, label_nc, nhidden=128, ks=3, param_free='batch'):
        super().__init__()
        if param_free == 'batch':
            # Official generator: (sync) BatchNorm without affine. Unlike InstanceNorm it keeps
            # per-image channel means, which is where the global style from z (night, autumn)
            # lives; at inference it is a fixed per-channel affine (running statistics).
            self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)
        elif param_free == 'instance':
            self.param_free_norm = nn.InstanceNorm2d(norm_nc, affine=False)
        else:
            raise ValueError(param_free)
        pw = ks // 2
        # 3x3 kernels: the paper's ablation shows 1x1 loses context and scores worse.
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, nhidden, ks, padding=pw), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(nhidden, norm_nc, ks, padding=pw)
        self.mlp_beta = nn.Conv2d(nhidden, norm_nc, ks, padding=pw)

    def forward(self, x, segmap):
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.shape[2:], mode='nearest')
        actv = self.mlp_shared(segmap)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)
