"""Export a random-weight server generator of any width through the shipped export path, and
print its size and multiply-accumulates per 256x256 frame, so candidate configs can be timed in
onnxruntime-node (models/export/ort_time.mjs) before anyone trains them.

    /usr/bin/python3 -m models.export.random_config OUT.onnx --ngf 12 --nhidden 24 [--render-size 128] [--fast 0]
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.export.load import RenderAt, fold_spectral_norm
from models.export.onnx_export import export_generator
from models.train.common import build_models


def count_macs(module, *inputs):
    """Multiply-accumulates of the convolutions and linears for one call (what dominates CPU time)."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total[0] += out.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        module(*inputs)
    for h in handles:
        h.remove()
    return total[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('out')
    p.add_argument('--ngf', type=int, default=16)
    p.add_argument('--nhidden', type=int, default=32)
    p.add_argument('--labels', type=int, default=16)
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--render-size', type=int, default=0, help='render internally at this size, upsample')
    p.add_argument('--fp16', type=int, default=0)
    p.add_argument('--fast', type=int, default=1, help='as onnx_export.py --fast')
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    cfg = {'label_nc': a.labels, 'ngf': a.ngf, 'nhidden': a.nhidden, 'z_dim': 256, 'size': a.size, 'upsampling': 'normal'}
    G, _, _ = build_models(cfg, with_d=False)
    G = fold_spectral_norm(G.eval())
    if a.render_size and a.render_size < a.size:
        G = RenderAt(G, a.render_size).eval()
    exported = export_generator(G, cfg, a.out, fp16=bool(a.fp16), fast=bool(a.fast))
    S, z = a.size, torch.zeros(1, cfg['z_dim'])
    seg = F.one_hot(torch.zeros(1, S, S, dtype=torch.long), cfg['label_nc']).permute(0, 3, 1, 2).float()
    print(json.dumps({'out': a.out, 'ngf': a.ngf, 'nhidden': a.nhidden, 'render_size': a.render_size or a.size,
                      'params': sum(x.numel() for x in G.parameters()),
                      'gmacs_trained_module': round(count_macs(G, seg, z) / 1e9, 2),
                      'gmacs_exported_graph': round(count_macs(exported, torch.zeros(1, S, S, dtype=torch.uint8), z) / 1e9, 2)}))


if __name__ == '__main__':
    main()
