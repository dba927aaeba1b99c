"""Export an official-size SPADE generator (ngf 64, SPADE hidden 128) with random weights through
the same export path as the shipped model, for the render benchmark's speed ratio.

    /usr/bin/python3 models/export/random_official.py OUT.onnx [--ngf 64] [--nhidden 128]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import fold_spectral_norm  # noqa: E402
from onnx_export import export_generator  # noqa: E402
from common import build_models  # noqa: E402  (models/train on sys.path via load)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('out')
    p.add_argument('--ngf', type=int, default=64)
    p.add_argument('--nhidden', type=int, default=128)
    p.add_argument('--labels', type=int, default=16)
    a = p.parse_args()
    torch.set_num_threads(2)
    cfg = {'label_nc': a.labels, 'ngf': a.ngf, 'nhidden': a.nhidden, 'z_dim': 256, 'size': 256, 'upsampling': 'normal'}
    G, _, _ = build_models(cfg, with_d=False)
    G = fold_spectral_norm(G.eval())
    export_generator(G, cfg, a.out, fp16=True)
    print(sum(x.numel() for x in G.parameters()), 'parameters ->', a.out)


if __name__ == '__main__':
    main()
