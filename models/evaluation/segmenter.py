"""The yardstick: a compact U-Net that segments procedural ("real") landscape images into the
16 labels, trained on training-range seeds only. Its accuracy on held-out real images is the
ceiling every synthesiser is measured against; its bottleneck features feed the Frechet distance.

    /usr/bin/python3 models/evaluation/segmenter.py --minutes 3 --out models/evaluation/segmenter.pt
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'train'))
import common  # noqa: E402,F401
from data import make_batch, NUM_CLASSES  # noqa: E402

DEFAULT_PATH = os.path.join(HERE, 'segmenter.pt')
# make_batch seeds the segmenter trains on; held-out scenes (heldout.py) use another range.
TRAIN_SEED0 = 20_000_000


def _stage(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True))


class Segmenter(nn.Module):
    def __init__(self, width=32, size=128):
        super().__init__()
        self.width, self.size = width, size
        w = [width, width * 2, width * 4, width * 8]
        self.enc = nn.ModuleList([_stage(3, w[0], 1), _stage(w[0], w[1], 2), _stage(w[1], w[2], 2), _stage(w[2], w[3], 2)])
        self.dec = nn.ModuleList([_stage(w[3] + w[2], w[2], 1), _stage(w[2] + w[1], w[1], 1), _stage(w[1] + w[0], w[0], 1)])
        self.head = nn.Conv2d(w[0], NUM_CLASSES, 1)

    def prepare(self, img):
        """[-1,1] images at any power-of-two size -> the segmenter's input size (area-averaged)."""
        f = img.shape[-1] // self.size
        return F.avg_pool2d(img, f) if f > 1 else img

    def forward(self, img, with_features=False):
        x = self.prepare(img)
        skips = []
        for i, stage in enumerate(self.enc):
            x = stage(x)
            if i < len(self.enc) - 1:
                skips.append(x)
        feats = x.mean((2, 3))  # global pool of the bottleneck: the Frechet feature
        for stage in self.dec:
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
            x = stage(torch.cat([x, skips.pop()], 1))
        logits = self.head(x)
        return (logits, feats) if with_features else logits


def load(path=DEFAULT_PATH, device='cpu'):
    if not os.path.exists(path):
        raise SystemExit(f'no segmenter at {path}: train one with models/evaluation/segmenter.py')
    s = torch.load(path, map_location=device)
    net = Segmenter(s['width'], s['size'])
    net.load_state_dict(s['state'])
    return net.to(device).eval(), s.get('meta', {})


def train(minutes, out, width=32, size=128, batch=16, steps=0, device=None, log=print):
    dev = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    net = Segmenter(width, size).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    gen_size = size * 2  # render at the generators' resolution ratio, then area-average
    t0, step = time.time(), 0
    while time.time() - t0 < minutes * 60 and not (steps and step >= steps):
        lab, img, _ = make_batch(TRAIN_SEED0 + step, batch, gen_size, gen_size, device=dev)
        frac = (time.time() - t0) / (minutes * 60)
        for pg in opt.param_groups:
            pg['lr'] = 2e-3 * max(0.05, 1 - frac)
        with torch.autocast(dev.type, enabled=dev.type == 'cuda'):
            loss = F.cross_entropy(net(img).float(), lab[:, ::2, ::2])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            log(f'segmenter step {step} loss {loss.item():.4f} {time.time() - t0:.0f} s')
    meta = {'steps': step, 'images': step * batch, 'seconds': round(time.time() - t0, 1), 'device': str(dev),
            'params': sum(p.numel() for p in net.parameters())}
    torch.save({'width': width, 'size': size, 'state': {k: v.cpu() for k, v in net.state_dict().items()}, 'meta': meta}, out)
    log(f'segmenter saved {out}: {meta}')
    return net.eval(), meta


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--minutes', type=float, default=3)
    p.add_argument('--steps', type=int, default=0)
    p.add_argument('--width', type=int, default=32)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--out', default=DEFAULT_PATH)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    train(a.minutes, a.out, a.width, a.size, a.batch, a.steps)


if __name__ == '__main__':
    main()
