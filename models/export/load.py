"""Load trained weights for export: EMA generator + encoder, spectral norm folded, eval mode."""
import json
import os
import sys

import torch
import torch.nn as nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'models', 'train'))
from common import build_models, load_sharded, unprefixed  # noqa: E402


def fold_spectral_norm(model):
    """Replace weight_orig/u/v by the plain weight W = W_orig / (u . W_mat v) (eval: no power
    iteration), so exported graphs and the TS forward see ordinary convolutions."""
    for m in model.modules():
        for name, hook in list(m._forward_pre_hooks.items()):
            if hook.__class__.__name__ == 'SpectralNorm':
                torch.nn.utils.remove_spectral_norm(m)
                break
    return model


def load_run(run_dir, which='G_ema'):
    """-> (G, E, cfg, meta) from a training run's sharded checkpoint (E may be None)."""
    s = load_sharded(os.path.join(run_dir, 'ckpt'))
    cfg = s['cfg']
    G, E, _ = build_models(cfg, with_d=False)
    G.load_state_dict(unprefixed(s, which + '.'))
    if E is not None and any(k.startswith('E.') for k in s if isinstance(k, str)):
        E.load_state_dict(unprefixed(s, 'E.'))
    G.eval()
    if E is not None:
        E.eval()
    meta = {k: s[k] for k in ('step', 'images', 'train_seconds')}
    return fold_spectral_norm(G), (fold_spectral_norm(E) if E is not None else None), cfg, meta
