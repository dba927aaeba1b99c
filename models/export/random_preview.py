"""Export a preview generator with random weights through the same path as the shipped one
(models/export/tfjs_export.py), to time candidate configs in the browser before distilling.

    /usr/bin/python3 -m models.export.random_preview OUT_DIR [--ngf 8] [--nhidden 16] [--size 64] [--norm spade|clade]

OUT_DIR gets the same files as models/landscape-preview (model.json, labels.json, tfjs/, parity/).
"""
import argparse
import os

import torch
import torch.nn.functional as F

from models import options
from models.export.load import fold_spectral_norm
from models.export.tfjs_export import export
from models.train.common import build_models


def main():
    p = argparse.ArgumentParser()
    p.add_argument('out')
    p.add_argument('--ngf', type=int, default=8)
    p.add_argument('--nhidden', type=int, default=16)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--norm', choices=('spade', 'clade'), default='spade')
    options.add_seed(p, 0)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    cfg = {'label_nc': 16, 'ngf': a.ngf, 'ngf_e': 0, 'ndf': 0, 'nhidden': a.nhidden, 'z_dim': 256,
           'size': a.size, 'upsampling': 'normal', 'norm': a.norm}
    G, _, _ = build_models(cfg, with_d=False)
    with torch.no_grad():
        for name, prm in G.named_parameters():
            if name.endswith('.gamma') or name.endswith('.beta'):  # CLADE tables start at zero
                prm.normal_(0, 0.1)
        # a few train-mode passes give BatchNorm non-trivial running statistics
        G.train()
        for _ in range(3):
            lab = torch.randint(0, 16, (2, a.size, a.size))
            G(F.one_hot(lab, 16).permute(0, 3, 1, 2).float(), torch.randn(2, 256))
    G = fold_spectral_norm(G.eval())
    export(G, cfg, {'step': 0, 'images': 0, 'train_seconds': 0, 'random': True}, a.out)


if __name__ == '__main__':
    main()
