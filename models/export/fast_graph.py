"""An inference-only rewrite of the SPADE generator for ONNX export: same function, less work.

What the exported graph of the training module spends its CPU time on, besides the necessary
convolutions (profiled in onnxruntime-node): OneHot + Transpose of the full label map, one
Resize of the 16-channel one-hot per SPADE layer (16 of them), BatchNormalization and the
`1 + gamma` Add on every SPADE layer, and the layout reorders that ORT inserts around each of
those ops between its blocked-layout (NCHWc) convolutions. This module removes them:

- the label map is downsampled as bytes (nearest with an integer factor keeps rows/cols 0, f,
  2f, ... exactly like F.interpolate(mode='nearest')) and one-hot encoded once per resolution
  with Equal + Cast, directly in NCHW;
- each SPADE layer in eval mode is x -> ((x - mean) * rstd) * (1 + gamma(a)) + beta(a), which is
  x * G(a) + B(a) with G, B two convolutions whose weights absorb the running statistics and
  the 1: G = rstd * (1 + gamma), B = -mean * rstd * (1 + gamma) + beta;
- the learned shortcut's 1x1 convolution is linear, so conv_s(x * G + B) = conv_s(x * G) +
  conv_s(B), and conv_s o B is one 3x3 convolution straight to fout channels (fewer
  multiply-accumulates than B at fin channels followed by the 1x1).

All of it is exact algebra on float32 weights (rounding order differs: ~1e-6); the parity
fixture written by onnx_export.py still compares against the original PyTorch module.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def _conv(weight, bias, padding):
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2], padding=padding, bias=bias is not None)
    with torch.no_grad():
        conv.weight.copy_(weight)
        if bias is not None:
            conv.bias.copy_(bias)
    return conv


class FoldedSPADE(nn.Module):
    """x * G(a) + B(a) with a = relu(shared(seg)); BN statistics and the `1 +` folded into G, B.

    With `then` (a bias-free 1x1 conv applied to the SPADE output), B is composed with it, and
    forward returns then(x * G) + (then o B)(a) instead."""

    def __init__(self, spade, then=None):
        super().__init__()
        bn = spade.param_free_norm
        if not isinstance(bn, nn.BatchNorm2d) or bn.affine or not bn.track_running_stats:
            raise ValueError('fast export folds eval-mode BatchNorm without affine only; use --fast 0')
        rstd = torch.rsqrt(bn.running_var + bn.eps)
        shift = -bn.running_mean * rstd
        shared = spade.mlp_shared[0]
        self.shared = _conv(shared.weight, shared.bias, shared.padding)
        wg, bg = spade.mlp_gamma.weight, spade.mlp_gamma.bias
        wb, bb = spade.mlp_beta.weight, spade.mlp_beta.bias
        pad = spade.mlp_gamma.padding
        col = lambda v: v[:, None, None, None]  # noqa: E731
        self.gain = _conv(col(rstd) * wg, rstd * (1 + bg), pad)
        w_off, b_off = col(shift) * wg + wb, shift * (1 + bg) + bb
        self.then = None
        if then is not None:
            if then.bias is not None or then.kernel_size != (1, 1):
                raise ValueError('shortcut composition expects a bias-free 1x1 conv')
            m = then.weight[:, :, 0, 0]
            w_off, b_off = torch.einsum('oc,cikl->oikl', m, w_off), m @ b_off
            self.then = _conv(then.weight, None, 0)
        self.offset = _conv(w_off, b_off, pad)

    def forward(self, x, seg):
        a = F.relu(self.shared(seg))
        if self.then is not None:
            return self.then(x * self.gain(a)) + self.offset(a)
        return x * self.gain(a) + self.offset(a)


class FastBlock(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.norm_0, self.norm_1 = FoldedSPADE(block.norm_0), FoldedSPADE(block.norm_1)
        self.conv_0 = _conv(block.conv_0.weight, block.conv_0.bias, block.conv_0.padding)
        self.conv_1 = _conv(block.conv_1.weight, block.conv_1.bias, block.conv_1.padding)
        self.shortcut = FoldedSPADE(block.norm_s, then=block.conv_s) if block.learned_shortcut else None

    def forward(self, x, seg):
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return dx + (self.shortcut(x, seg) if self.shortcut is not None else x)


class FastGenerator(nn.Module):
    """labels uint8 [N,H,W] + z [N,z_dim] -> image [N,3,H,W], same function as the generator
    (optionally wrapped in load.RenderAt: render at a lower size, bilinear up); z is unused by
    generators without the VAE."""

    def __init__(self, G, label_nc, size):
        super().__init__()
        self.render_size = size
        if hasattr(G, 'G'):  # load.RenderAt
            self.render_size = min(size, G.size)
            G = G.G
        self.size, self.label_nc, self.use_vae = size, label_nc, G.use_vae
        self.channels, self.sh, self.sw = 16 * G.ngf, G.sh, G.sw
        if G.use_vae:  # z -> start grid
            self.fc = nn.Linear(G.fc.in_features, G.fc.out_features)
            self.fc.load_state_dict(G.fc.state_dict())
        else:  # official non-VAE generators: conv on the label map downsampled to the start grid
            self.fc = _conv(G.fc.weight, G.fc.bias, G.fc.padding)
        names = ['head_0', 'G_middle_0', 'G_middle_1', 'up_0', 'up_1', 'up_2', 'up_3'] + (['up_4'] if G.mode == 'most' else [])
        self.blocks = nn.ModuleList(FastBlock(getattr(G, n)) for n in names)
        # Which blocks are preceded by a 2x upsampling, as in SPADEGenerator.forward (the first
        # `skip` upsamplings are skipped when rendering below the configured size).
        ups_before = {'G_middle_0': 1, 'G_middle_1': int(G.mode in ('more', 'most')), 'up_0': 1, 'up_1': 1, 'up_2': 1, 'up_3': 1, 'up_4': 1}
        skip = G.num_up - int(round(math.log2(self.render_size / G.sh)))
        done, self.upsample = 0, []
        for n in names:
            k = ups_before.get(n, 0)
            self.upsample.append(max(0, done + k - skip) - max(0, done - skip))
            done += k
        self.conv_img = _conv(G.conv_img.weight, G.conv_img.bias, G.conv_img.padding)
        # float (the model's dtype follows .double() etc.); labels < 256 compare exactly
        self.register_buffer('classes', torch.arange(label_nc, dtype=torch.float32).view(1, label_nc, 1, 1))

    def one_hot(self, labels, height):
        step = self.size // height
        small = labels[:, ::step, ::step] if step > 1 else labels
        return (small.to(self.classes.dtype).unsqueeze(1) == self.classes).to(self.classes.dtype)

    def forward(self, labels, z):
        segs, h = {}, self.sh  # one one-hot map per resolution, shared by its blocks
        if self.use_vae:
            x = self.fc(z).view(-1, self.channels, self.sh, self.sw)
        else:
            segs[h] = self.one_hot(labels, h)
            x = self.fc(segs[h])
        for block, ups in zip(self.blocks, self.upsample):
            for _ in range(ups):
                x = F.interpolate(x, scale_factor=2.0, mode='nearest')
                h *= 2
            if h not in segs:
                segs[h] = self.one_hot(labels, h)
            x = block(x, segs[h])
        x = torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))
        if self.render_size < self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode='bilinear', align_corners=False)
        return x
