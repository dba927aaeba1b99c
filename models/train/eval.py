"""Quality metrics without pretrained networks, in the spirit of the paper's protocol.

The paper segments synthesised images with a network trained on real data and scores
mIoU / pixel accuracy against the input label map. Here a small probe segmenter (dilated
FCN, ~20k parameters) is trained on procedural "real" images at 64x64, then scores:
  real   - probe on held-out procedural images (the ceiling),
  rec    - generator output with z = encoder mean of the real image,
  random - generator output with z ~ N(0, I),
plus the L1 distance of `rec` to the real image. Images are area-downsampled to 64x64.

    /usr/bin/python3 models/train/eval.py --run models/train/runs/server [--n 48]
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402,F401
from data import make_batch, NUM_CLASSES  # noqa: E402

PROBE_PATH = os.path.join(HERE, 'probe.pt')
PS = 64


def probe_net():
    c = 24
    return nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=2, dilation=2), nn.ReLU(),
                         nn.Conv2d(c, c, 3, padding=4, dilation=4), nn.ReLU(), nn.Conv2d(c, c, 3, padding=8, dilation=8),
                         nn.ReLU(), nn.Conv2d(c, NUM_CLASSES, 1))


def get_probe(steps=400, retrain=False):
    net = probe_net()
    if os.path.exists(PROBE_PATH) and not retrain:
        net.load_state_dict(torch.load(PROBE_PATH))
        return net.eval()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for i in range(steps):
        lab, img, _ = make_batch(5_000_000 + i, 8, 128, 128)
        loss = F.cross_entropy(net(F.avg_pool2d(img, 2)), lab[:, ::2, ::2])
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.save(net.state_dict(), PROBE_PATH)
    return net.eval()


def scores(pred, lab):
    acc = (pred == lab).float().mean().item()
    ious = []
    for c in range(NUM_CLASSES):
        inter = ((pred == c) & (lab == c)).sum().item()
        union = ((pred == c) | (lab == c)).sum().item()
        if (lab == c).sum().item() > 0:
            ious.append(inter / max(union, 1))
    return {'acc': round(acc, 4), 'miou': round(sum(ious) / len(ious), 4)}


@torch.no_grad()
def evaluate(G, E, size, n=48, probe=None, z_dim=256):
    probe = probe or get_probe()
    f = size // PS
    labs, preds = [], {'real': [], 'rec': [], 'random': []}
    l1 = 0.0
    for i in range(0, n, 8):
        lab, img, _ = make_batch(6_000_000 + i, 8, size, size)
        seg = F.one_hot(lab, NUM_CLASSES).permute(0, 3, 1, 2).float()
        mu, _ = E(img)
        rec = G(seg, mu)
        rnd = G(seg, torch.randn(8, z_dim, generator=torch.Generator().manual_seed(i)))
        l1 += F.l1_loss(rec, img).item() * 8
        labs.append(lab[:, ::f, ::f])
        for k, im in (('real', img), ('rec', rec), ('random', rnd)):
            preds[k].append(probe(F.avg_pool2d(im, f) if f > 1 else im).argmax(1))
    lab = torch.cat(labs)
    out = {k: scores(torch.cat(v), lab) for k, v in preds.items()}
    out['rec_l1'] = round(l1 / n, 4)
    out['n'] = n
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', required=True)
    p.add_argument('--n', type=int, default=48)
    p.add_argument('--render-size', type=int, default=0, help='render internally at this size, upsample')
    p.add_argument('--which', default='G_ema', help='G_ema (EMA weights) or G (raw); short runs: EMA lags')
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    sys.path.insert(0, os.path.join(common.ROOT, 'models', 'export'))
    from load import load_run
    G, E, cfg, meta = load_run(a.run, a.which, a.render_size)
    res = evaluate(G, E, cfg['size'], a.n, z_dim=cfg['z_dim'])
    res['checkpoint'] = meta
    res['weights'] = a.which
    with open(os.path.join(a.run, f'eval_{a.which}_{a.render_size or cfg["size"]}.json'), 'w') as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
