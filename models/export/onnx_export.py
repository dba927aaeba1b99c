"""Export the server generator and the style encoder to ONNX (+ PyTorch parity fixtures).

    /usr/bin/python3 -m models.export.onnx_export --run models/train/runs/server --out models/landscape

generator.onnx: labels uint8 [N,H,W] (OneHot inside the graph), z float32 [N,256]
                -> image float32 [N,3,H,W] in [-1,1]; spectral norm folded, BN in eval form.
style_encoder.onnx: image float32 [1,3,256,256] in [-1,1] -> mu, logvar [1,256].
--fast 1 (default) exports fast_graph.FastGenerator, an exact inference rewrite (BatchNorm
statistics and SPADE's `1 + gamma` folded into the convolutions, label map one-hot encoded once
per resolution, shortcut 1x1 composed into its SPADE offset); --fast 0 traces the training
module as it is.
--fp16 stores weights as float16 with Cast nodes (half the file); the parity reference is
then PyTorch run with the same fp16-rounded weights, and the drift from the fp32 weights is
reported separately in parity/meta.json.
"""
import argparse
import copy
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from models import options
from models.export.load import load_run, ROOT
from models.train.data import make_batch
from models.export.fast_graph import FastGenerator


class HalfStore(nn.Module):
    """Conv2d/Linear whose weights are stored as float16 and cast to float32 at run time."""

    def __init__(self, m):
        super().__init__()
        self.kind = 'conv' if isinstance(m, nn.Conv2d) else 'linear'
        self.register_buffer('weight', m.weight.detach().half())
        self.register_buffer('bias', None if m.bias is None else m.bias.detach().half())
        if self.kind == 'conv':
            self.stride, self.padding = m.stride, m.padding

    def forward(self, x):
        w = self.weight.float()
        b = None if self.bias is None else self.bias.float()
        if self.kind == 'conv':
            return F.conv2d(x, w, b, self.stride, self.padding)
        return F.linear(x, w, b)


def to_half_storage(model):
    for name, m in list(model.named_modules()):
        for cname, c in list(m.named_children()):
            if isinstance(c, (nn.Conv2d, nn.Linear)):
                setattr(m, cname, HalfStore(c))
    return model


def round_weights_fp16(model):
    """Same model in fp32 but with the values the fp16 file holds (the parity reference)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.copy_(m.weight.half().float())
                if m.bias is not None:
                    m.bias.copy_(m.bias.half().float())
    return model


class GeneratorGraph(nn.Module):
    def __init__(self, G, label_nc):
        super().__init__()
        self.G, self.label_nc = G, label_nc

    def forward(self, labels, z):
        # OneHot in the graph, so clients send 1 byte per pixel
        seg = F.one_hot(labels.long(), self.label_nc).permute(0, 3, 1, 2).to(z.dtype)
        return self.G(seg, z)


def generator_graph(G, cfg, fast):
    """labels uint8 [N,H,W] + z -> image: the module that gets traced (a copy; G is untouched)."""
    G = copy.deepcopy(G)
    if fast:
        return FastGenerator(G, cfg['label_nc'], cfg['size']).eval()
    return GeneratorGraph(G, cfg['label_nc']).eval()


def export_generator(G, cfg, path, fp16, fast=True, batch=1):
    """Write generator.onnx; returns the exported graph as a PyTorch module with fp32 weights
    (fp16-rounded where the file stores fp16), i.e. what the ONNX file computes.

    batch: the fixed batch size of the graph's inputs, or 0 for a dynamic one (N). The server
    renders one room per call, and fixed shapes let onnxruntime prove that SPADE's Mul/Add
    inputs have equal shapes, so it keeps them in its blocked (NCHWc) layout and fuses the Adds
    into the convolutions (~7% faster per frame than the same graph with a dynamic N)."""
    m = generator_graph(G, cfg, fast)
    reference = round_weights_fp16(copy.deepcopy(m)) if fp16 else m
    if fp16:
        to_half_storage(m)
    S = cfg['size']
    labels = torch.zeros(max(1, batch), S, S, dtype=torch.uint8)
    z = torch.zeros(max(1, batch), cfg['z_dim'])
    axes = {'labels': {0: 'N'}, 'z': {0: 'N'}, 'image': {0: 'N'}} if batch == 0 else None
    with torch.no_grad():
        torch.onnx.export(m, (labels, z), path, opset_version=13, input_names=['labels', 'z'],
                          output_names=['image'], dynamic_axes=axes, do_constant_folding=not fp16)
    return reference


class EncoderGraph(nn.Module):
    def __init__(self, E):
        super().__init__()
        self.E = E

    def forward(self, image):
        return self.E(image)


def write_bin(path, t):
    with open(path, 'wb') as f:
        f.write(t.detach().contiguous().numpy().tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', default=os.path.join(ROOT, 'models', 'train', 'runs', 'server'))
    p.add_argument('--out', default=os.path.join(ROOT, 'models', 'landscape'))
    p.add_argument('--fp16', type=int, default=1)
    options.add_seed(p, 2024)
    p.add_argument('--render-size', type=int, default=0, help='render internally at this size, upsample')
    p.add_argument('--which', default='G_ema', help='G_ema (EMA weights) or G (raw); short runs: EMA lags')
    p.add_argument('--fast', type=int, default=1, help='1: export the folded inference graph (fast_graph.py); 0: trace as is')
    p.add_argument('--batch', type=int, default=1, help='fixed batch size of generator.onnx (the server renders 1); 0: dynamic N')
    a = p.parse_args()
    torch.set_num_threads(2)
    G, E, cfg, meta = load_run(a.run, a.which, a.render_size)
    os.makedirs(os.path.join(a.out, 'parity'), exist_ok=True)
    gpath = os.path.join(a.out, 'generator.onnx')
    reference = export_generator(G, cfg, gpath, bool(a.fp16), bool(a.fast), a.batch)
    epath = os.path.join(a.out, 'style_encoder.onnx')
    enc = EncoderGraph(copy.deepcopy(E)).eval()
    enc_reference = round_weights_fp16(copy.deepcopy(enc)) if a.fp16 else enc
    if a.fp16:  # the encoder's weights as fp16 too: half its file, the tree has a size budget
        to_half_storage(enc)
    with torch.no_grad():
        torch.onnx.export(enc, (torch.zeros(1, 3, 256, 256),), epath, opset_version=13,
                          input_names=['image'], output_names=['mu', 'logvar'], do_constant_folding=not a.fp16)
    # parity fixture: one procedural scene, a seeded z
    S = cfg['size']
    lab, img, _ = make_batch(a.seed, 1, S, S)
    z = torch.randn(1, cfg['z_dim'], generator=torch.Generator().manual_seed(a.seed))
    with torch.no_grad():
        seg = F.one_hot(lab, cfg['label_nc']).permute(0, 3, 1, 2).float()
        out32 = G(seg, z)  # the trained module itself
        # fp32 storage: parity against the trained module, so the fast rewrite is checked too;
        # fp16: against the exported graph with the rounded weights (the drift is reported)
        out = reference(lab.to(torch.uint8), z) if a.fp16 else out32
        mu, logvar = enc_reference(img)
    pdir = os.path.join(a.out, 'parity')
    write_bin(os.path.join(pdir, 'labels.u8'), lab.to(torch.uint8))
    write_bin(os.path.join(pdir, 'z.f32'), z)
    write_bin(os.path.join(pdir, 'image.f32'), out)
    write_bin(os.path.join(pdir, 'enc_input.f32'), img)
    write_bin(os.path.join(pdir, 'mu.f32'), mu)
    write_bin(os.path.join(pdir, 'logvar.f32'), logvar)
    info = {'labels': [1, S, S], 'z': [1, cfg['z_dim']], 'image': [1, 3, S, S], 'enc_input': [1, 3, 256, 256],
            'mu': [1, cfg['z_dim']], 'fp16_storage': bool(a.fp16), 'fast_graph': bool(a.fast), 'seed': a.seed,
            'fp16_vs_fp32_weights_max_abs_diff': float((out - out32).abs().max()),
            'fp16_vs_fp32_weights_mean_abs_diff': float((out - out32).abs().mean()),
            'checkpoint': meta, 'weights': a.which, 'cfg': cfg}
    with open(os.path.join(pdir, 'meta.json'), 'w') as f:
        json.dump(info, f, indent=1)
    for pth in (gpath, epath):
        print(pth, f'{os.path.getsize(pth) / 2 ** 20:.1f} MiB')
    print(json.dumps({k: info[k] for k in ('fp16_vs_fp32_weights_max_abs_diff', 'fp16_vs_fp32_weights_mean_abs_diff')}))


if __name__ == '__main__':
    main()
