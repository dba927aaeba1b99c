"""Load trained weights for export: EMA generator + encoder, spectral norm folded, eval mode."""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
from models.train.common import build_models, load_sharded, unprefixed


def fold_spectral_norm(model):
    """Replace weight_orig/u/v by the plain weight W = W_orig / (u . W_mat v) (eval: no power
    iteration), so exported graphs and the TS forward see ordinary convolutions."""
    for m in model.modules():
        for name, hook in list(m._forward_pre_hooks.items()):
            if hook.__class__.__name__ == 'SpectralNorm':
                torch.nn.utils.remove_spectral_norm(m)
                break
    return model


class RenderAt(nn.Module):
    """Run G at a lower internal resolution and upsample (bilinear) to the label map's size.

    The generator's weights work at size / 2^k (its first upsamplings are skipped); when a run
    spent most of its time below full size, this keeps the 256 px interface while rendering at
    the resolution the weights actually learned."""

    def __init__(self, G, size):
        super().__init__()
        self.G, self.size = G, size
        self.sh, self.sw, self.num_up = G.sh, G.sw, G.num_up

    def forward(self, seg, z=None):
        H, W = seg.shape[2], seg.shape[3]
        if H <= self.size:
            return self.G(seg, z)
        h, w = self.size, int(self.size * W / H)
        # nearest with an integer factor picks rows/cols 0, f, 2f... (same as seg[..., ::f, ::f])
        out = self.G(F.interpolate(seg, size=(h, w), mode='nearest'), z)
        return F.interpolate(out, size=(H, W), mode='bilinear', align_corners=False)


def load_run(run_dir, which='G_ema', render_size=0):
    """-> (G, E, cfg, meta) from a training run's sharded checkpoint (E may be None), or from a
    training state kept in the repository (a folder holding index.json itself, e.g.
    models/landscape/training)."""
    own = os.path.exists(os.path.join(run_dir, 'index.json'))
    s = load_sharded(run_dir if own else os.path.join(run_dir, 'ckpt'))
    cfg = s['cfg']
    G, E, _ = build_models(cfg, with_d=False)
    G.load_state_dict(unprefixed(s, which + '.'))
    if E is not None and any(k.startswith('E.') for k in s if isinstance(k, str)):
        E.load_state_dict(unprefixed(s, 'E.'))
    G.eval()
    if E is not None:
        E.eval()
    meta = {k: s[k] for k in ('step', 'images', 'train_seconds')}
    G = fold_spectral_norm(G)
    if render_size and render_size < cfg['size']:
        G = RenderAt(G, render_size).eval()
        meta['render_size'] = render_size
    return G, (fold_spectral_norm(E) if E is not None else None), cfg, meta
