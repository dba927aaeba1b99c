"""Checks that fast_graph.FastGenerator computes the same image as the training module it was
built from, for every generator layout the export meets: VAE in 'normal', 'more' and 'most'
upsampling modes, rendering at a lower internal size (load.RenderAt), and the label-map-input
(non-VAE) generator of the official checkpoints. Tiny random models whose BatchNorm running
statistics come from real forward passes, so the folded statistics are not the identity.
Compared in float64, where the rewrite is exact to ~1e-12 (in float32 a random tiny model
amplifies rounding-order differences to ~1e-4, which would hide small real errors).

    /usr/bin/python3 -m models.export.check_fast_graph     # prints 'fast graph check passed'
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.export.load import ROOT, RenderAt, fold_spectral_norm
from models.export.onnx_export import generator_graph

from models.spade.generator import SPADEGenerator

TOLERANCE = 1e-9  # float64


def calibrated(G, label_nc, size):
    """Spectral norm folded; BN running statistics set to the mean/var of random batches."""
    G = fold_spectral_norm(G)
    for m in G.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # cumulative average
            m.reset_running_stats()
    G.train()
    with torch.no_grad():
        for _ in range(2):  # 8 images: 'most' starts from a 1x1 grid at this size
            seg = F.one_hot(torch.randint(0, label_nc, (8, size, size)), label_nc).permute(0, 3, 1, 2).double()
            G(seg, torch.randn(8, G.z_dim) if G.use_vae else None)
    return G.eval()


def main():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    label_nc, size = 16, 128
    # blocky label map with a border-touching region, so padding and boundaries are exercised
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
    labels = ((yy // 19 + xx // 27) % label_nc).to(torch.uint8).repeat(2, 1, 1)
    labels[1, size // 2:] = 3
    z = torch.randn(2, 256)
    worst = 0.0
    for name, mode, use_vae, render_size in [('vae normal', 'normal', True, 0), ('vae more', 'more', True, 0),
                                             ('vae most', 'most', True, 0), ('vae render 64', 'normal', True, 64),
                                             ('label-map input', 'normal', False, 0)]:
        G = calibrated(SPADEGenerator(label_nc, ngf=4, z_dim=256, use_vae=use_vae, num_upsampling_layers=mode,
                                      crop_size=size, nhidden=8), label_nc, size)
        if render_size:
            G = RenderAt(G, render_size).eval()
        cfg = {'label_nc': label_nc, 'size': size, 'z_dim': 256}
        with torch.no_grad():
            ref = generator_graph(G, cfg, fast=False).double()(labels, z)
            out = generator_graph(G, cfg, fast=True).double()(labels, z)
        diff = float((out - ref).abs().max())
        print(f'{name}: max abs diff {diff:.2e} (output std {float(ref.std()):.2f})')
        if diff > TOLERANCE:
            raise SystemExit(f'fast graph differs from the module for {name}: {diff}')
        worst = max(worst, diff)
    print(f'fast graph check passed (worst {worst:.2e})')


if __name__ == '__main__':
    main()
