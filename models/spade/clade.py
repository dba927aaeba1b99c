"""CLADE (class-adaptive normalisation, Tan et al. 2021): SPADE with the per-pixel gamma/beta
replaced by a per-class lookup, gamma(x, y) = G[label(x, y)].

It drops SPADE's label-map convs (mlp_shared, mlp_gamma, mlp_beta), which are most of the
compute of a narrow generator at its top resolution, for a small loss of label-edge context
(the generator's own 3x3 convs still see neighbourhoods). Used for the in-browser preview
student (models/train/distill.py --norm clade), where latency is the constraint.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .architecture import SPADEResnetBlock


class CLADE(nn.Module):
    def __init__(self, norm_nc, label_nc):
        super().__init__()
        # same parameter-free BatchNorm as SPADE (keeps the per-image channel means from z)
        self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)
        # zero init: the layer starts as the plain normalisation, like SPADE with a small gamma
        self.gamma = nn.Parameter(torch.zeros(label_nc, norm_nc))
        self.beta = nn.Parameter(torch.zeros(label_nc, norm_nc))

    def forward(self, x, segmap):
        normalized = self.param_free_norm(x)
        segmap = F.interpolate(segmap, size=x.shape[2:], mode='nearest')
        # one-hot segmap: the einsum is the table lookup (and stays exact for soft label maps)
        gamma = torch.einsum('nlhw,lc->nchw', segmap, self.gamma)
        beta = torch.einsum('nlhw,lc->nchw', segmap, self.beta)
        return normalized * (1 + gamma) + beta


def to_clade(G):
    """Replace every SPADE layer of a SPADEGenerator's residual blocks by a CLADE layer."""
    for blk in G.modules():
        if isinstance(blk, SPADEResnetBlock):
            for name in ('norm_0', 'norm_1', 'norm_s'):
                spade = getattr(blk, name, None)
                if spade is not None:
                    setattr(blk, name, CLADE(spade.param_free_norm.num_features, spade.mlp_shared[0].in_channels))
    return G


def apply_norm(G, cfg):
    """The generator a config describes: cfg['norm'] == 'clade' swaps in CLADE layers."""
    norm = cfg.get('norm', 'spade')
    if norm not in ('spade', 'clade'):
        raise ValueError(f'unknown norm {norm!r}')
    return to_clade(G) if norm == 'clade' else G
