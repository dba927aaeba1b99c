"""Parity fixtures for convert.py: tiny random checkpoints in the OFFICIAL layout, saved as real
.pth files, with a PyTorch reference output computed from that official-layout module.

    /usr/bin/python3 -m models.official.make_fixture            # writes models/official/fixtures/

The reference module below is written independently of models/spade/ (from ../../shared/SPADE.md):
the same parameter names as latest_net_G.pth (weight_orig/weight_u/weight_v from torch's
spectral_norm, param_free_norm BatchNorm running stats + num_batches_tracked, conv_s without
bias), the official input (one-hot + don't-care channel + instance-edge channel, built with
scatter_ and the 4-neighbour edge rule) and spectral norm applied by the hook in eval mode, the
way official inference runs. A few train-mode passes first move u/v (power iteration) and the
BatchNorm statistics away from their initial values, as training would.
tests/models/official-parity.test.ts converts each checkpoint and compares onnxruntime-node
with reference.f32.
"""
import json
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

HERE = os.path.dirname(os.path.abspath(__file__))
from models.official import convert

FIXTURES = {
    # name: dataset, official input layout, tiny width; sizes kept small for a fast CPU test
    'coco-tiny': dict(dataset='coco', label_nc=182, dontcare=True, edge=True, ngf=1, nhidden=2,
                      size=(64, 64), up='normal', edges='zero', seed=1),
    'cityscapes-tiny': dict(dataset='cityscapes', label_nc=35, dontcare=False, edge=True, ngf=1, nhidden=2,
                            size=(128, 64), up='more', edges='boundary', seed=2),
    # made at test time only (not committed, to keep the repository small): the ADE20K input
    # layout (don't-care, no edge channel) and a VAE-trained generator (fc Linear on z)
    'ade20k-tiny': dict(dataset='ade20k', label_nc=150, dontcare=True, edge=False, ngf=1, nhidden=2,
                        size=(64, 64), up='normal', edges='zero', seed=3, runtime=True),
    'ade20k-vae-tiny': dict(dataset='ade20k', label_nc=150, dontcare=True, edge=False, ngf=1, nhidden=2,
                            size=(64, 64), up='normal', edges='zero', seed=4, z_dim=16, runtime=True),
}


class RefSPADE(nn.Module):
    def __init__(self, norm_nc, input_nc, nhidden):
        super().__init__()
        self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)
        self.mlp_shared = nn.Sequential(nn.Conv2d(input_nc, nhidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(nhidden, norm_nc, 3, padding=1)
        self.mlp_beta = nn.Conv2d(nhidden, norm_nc, 3, padding=1)

    def forward(self, x, seg):
        seg = F.interpolate(seg, size=x.shape[2:], mode='nearest')
        a = self.mlp_shared(seg)
        return self.param_free_norm(x) * (1 + self.mlp_gamma(a)) + self.mlp_beta(a)


class RefBlock(nn.Module):
    def __init__(self, fin, fout, input_nc, nhidden):
        super().__init__()
        fmid = min(fin, fout)
        self.learned = fin != fout
        self.conv_0 = spectral_norm(nn.Conv2d(fin, fmid, 3, padding=1))
        self.conv_1 = spectral_norm(nn.Conv2d(fmid, fout, 3, padding=1))
        if self.learned:
            self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False))
        self.norm_0 = RefSPADE(fin, input_nc, nhidden)
        self.norm_1 = RefSPADE(fmid, input_nc, nhidden)
        if self.learned:
            self.norm_s = RefSPADE(fin, input_nc, nhidden)

    def forward(self, x, seg):
        xs = self.conv_s(self.norm_s(x, seg)) if self.learned else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return xs + dx


class RefGenerator(nn.Module):
    """Official generator without VAE: fc = 3x3 conv on the label map at the start grid."""

    def __init__(self, input_nc, ngf, nhidden, size, up, z_dim=0):
        super().__init__()
        w, h = size
        self.n_up = {'normal': 5, 'more': 6}[up]
        self.up_mode = up
        self.sw = w // 2 ** self.n_up
        self.sh = round(self.sw / (w / h))
        nf = ngf
        self.z_dim = z_dim
        if z_dim:  # VAE mode: z -> Linear -> 16ngf x sh x sw
            self.fc = nn.Linear(z_dim, 16 * nf * self.sh * self.sw)
        else:
            self.fc = nn.Conv2d(input_nc, 16 * nf, 3, padding=1)
        b = lambda i, o: RefBlock(i, o, input_nc, nhidden)  # noqa: E731
        self.head_0, self.G_middle_0, self.G_middle_1 = b(16 * nf, 16 * nf), b(16 * nf, 16 * nf), b(16 * nf, 16 * nf)
        self.up_0, self.up_1, self.up_2, self.up_3 = b(16 * nf, 8 * nf), b(8 * nf, 4 * nf), b(4 * nf, 2 * nf), b(2 * nf, nf)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, seg, z=None):
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')  # noqa: E731
        if self.z_dim:
            x = self.fc(z).view(z.shape[0], -1, self.sh, self.sw)
        else:
            x = self.fc(F.interpolate(seg, size=(self.sh, self.sw)))
        x = up(self.head_0(x, seg))
        x = self.G_middle_0(x, seg)
        if self.up_mode == 'more':
            x = up(x)
        x = self.G_middle_1(x, seg)
        for blk in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = blk(up(x), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


def official_input(labels, label_nc, dontcare, edge):
    """The official preprocessing: scatter_ one-hot (+ don't-care), concat the instance edges
    (here the label map stands in for the instance map)."""
    lab = labels.long().unsqueeze(1)
    if dontcare:
        lab = lab.clone()
        lab[lab == 255] = label_nc
    n, _, h, w = lab.shape
    seg = torch.zeros(n, label_nc + int(dontcare), h, w).scatter_(1, lab, 1.0)
    if edge:
        e = torch.zeros_like(lab, dtype=torch.bool)
        e[:, :, :, 1:] |= lab[:, :, :, 1:] != lab[:, :, :, :-1]
        e[:, :, :, :-1] |= lab[:, :, :, 1:] != lab[:, :, :, :-1]
        e[:, :, 1:, :] |= lab[:, :, 1:, :] != lab[:, :, :-1, :]
        e[:, :, :-1, :] |= lab[:, :, 1:, :] != lab[:, :, :-1, :]
        seg = torch.cat([seg, e.float()], 1)
    return seg


def random_labels(g, label_nc, dontcare, w, h, n=1):
    """Blocky random label map (8x8 px cells) with some unlabeled (255) cells when don't-care exists."""
    cells = torch.randint(0, label_nc, (n, h // 8, w // 8), generator=g)
    if dontcare:
        cells[torch.rand(cells.shape, generator=g) < 0.1] = 255
    return cells.repeat_interleave(8, 1).repeat_interleave(8, 2).to(torch.uint8)


def zero_edges(seg):
    out = seg.clone()
    out[:, -1] = 0
    return out


def make(name, spec, out_dir, keep_model=False):
    torch.manual_seed(spec['seed'])
    g = torch.Generator().manual_seed(spec['seed'])
    in_nc = spec['label_nc'] + spec['dontcare'] + spec['edge']
    w, h = spec['size']
    z_dim = spec.get('z_dim', 0)
    G = RefGenerator(in_nc, spec['ngf'], spec['nhidden'], spec['size'], spec['up'], z_dim)
    G.train()
    with torch.no_grad():  # power iteration + BN running statistics, as training leaves them
        for _ in range(3):
            G(official_input(random_labels(g, spec['label_nc'], spec['dontcare'], w, h, 2), spec['label_nc'],
                             spec['dontcare'], spec['edge']), torch.randn(2, max(z_dim, 1), generator=g) if z_dim else None)
    G.eval()
    labels = random_labels(g, spec['label_nc'], spec['dontcare'], w, h)
    seg = official_input(labels, spec['label_nc'], spec['dontcare'], spec['edge'])
    if spec['edge'] and spec['edges'] == 'zero':
        seg = zero_edges(seg)
    z = torch.randn(1, z_dim, generator=g) if z_dim else None
    with torch.no_grad():
        ref = G(seg, z)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    sd = G.state_dict()
    ckpt = os.path.join(d, 'latest_net_G.pth')
    # the 2019 release predates torch's zip format: save the legacy pickle layout like it
    torch.save(sd, ckpt, _use_new_zipfile_serialization=False)
    labels.numpy().tofile(os.path.join(d, 'labels.u8'))
    ref.numpy().astype('float32').tofile(os.path.join(d, 'reference.f32'))
    if z is not None:
        z.numpy().astype('float32').tofile(os.path.join(d, 'z.f32'))
    meta = {**spec, 'keys': len(sd), 'labels': [1, h, w], 'image': [1, 3, h, w], 'z': [1, z_dim] if z_dim else None,
            'parameters': sum(p.numel() for p in G.parameters()),
            'convert': ['--dataset', spec['dataset'], '--size', str(w), str(h), '--upsampling', spec['up'],
                        '--edges', spec['edges']]}
    with open(os.path.join(d, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    # convert too: a check that fixture and converter agree (kept in <fixture>/model with --convert)
    tmp = os.path.join(d, 'model') if keep_model else tempfile.mkdtemp(prefix='spade-official-')
    if convert.main(['--checkpoint', ckpt, '--out', tmp, '--id', name] + meta['convert']) != 0:
        raise SystemExit(f'{name}: convert.py refused the fixture')
    print(name, len(sd), 'keys', os.path.getsize(ckpt), 'bytes', meta['parameters'], 'parameters')


def main():
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument('--out', default=os.path.join(HERE, 'fixtures'))
    p.add_argument('--only', nargs='*', help='fixture names (default: the committed ones)')
    p.add_argument('--convert', action='store_true', help='keep the converted model in <out>/<name>/model')
    a = p.parse_args()
    torch.set_num_threads(1)
    names = a.only or [n for n, spec in FIXTURES.items() if not spec.get('runtime')]
    for name in names:
        make(name, FIXTURES[name], a.out, a.convert)


if __name__ == '__main__':
    main()
