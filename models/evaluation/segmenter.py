"""The yardstick: a U-Net that segments procedural ("real") landscape images into the 16 labels
at full 256 px resolution, trained on training-range seeds only. Its accuracy on held-out real
images is the ceiling every synthesiser is measured against; its bottleneck features feed the
Frechet distance. Trained once (resumable, in the background), not per evaluation:

    nice -n 19 /usr/bin/python3 -m models.evaluation.segmenter --run models/train/runs/segmenter \
        --minutes 120 --total-minutes 150 --out models/evaluation/segmenter.pt

Procedural images cost ~0.5-1.5 s each at 256 px on 2 cores, more than a training step, so
training draws random crops from a pool of full-size scenes that is refreshed a few per step
(the net is fully convolutional: crops keep the 256 px scale, whole images are scored).
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
from models import options
from models.train.data import make_batch, NUM_CLASSES

DEFAULT_PATH = os.path.join(HERE, 'segmenter.pt')
# make_batch seeds the segmenter trains on; held-out scenes (heldout.py) use another range.
TRAIN_SEED0 = 20_000_000
# The yardstick's own check: real images of a seed range disjoint from training and held-out.
CHECK_SEED0 = 25_000_000


def _stage(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True))


class Segmenter(nn.Module):
    """widths: one encoder stage per entry, each halving the resolution after the first."""

    def __init__(self, width=32, size=128, depth=4):
        super().__init__()
        self.width, self.size, self.depth = width, size, depth
        w = [min(width * 2 ** i, width * 12) for i in range(depth)]
        self.enc = nn.ModuleList([_stage(3, w[0], 1)] + [_stage(w[i - 1], w[i], 2) for i in range(1, depth)])
        self.dec = nn.ModuleList([_stage(w[i + 1] + w[i], w[i], 1) for i in reversed(range(depth - 1))])
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
            x = F.interpolate(x, size=skips[-1].shape[-2:], mode='bilinear', align_corners=False)
            x = stage(torch.cat([x, skips.pop()], 1))
        logits = self.head(x)
        return (logits, feats) if with_features else logits


def _pack(net, meta):
    return {'width': net.width, 'size': net.size, 'depth': net.depth,
            'state': {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, 'meta': meta}


def _unpack(s):
    net = Segmenter(s['width'], s['size'], s.get('depth', 4))
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in s['state'].items()})
    return net


def load(path=DEFAULT_PATH, device='cpu'):
    if not os.path.exists(path):
        raise SystemExit(f'no segmenter at {path}: train one with models/evaluation/segmenter.py')
    s = torch.load(path, map_location='cpu')
    return _unpack(s).to(device).eval(), s.get('meta', {})


class ScenePool:
    """Full-size training scenes (uint8) refreshed oldest-first; grows to `capacity` first."""

    def __init__(self, capacity, size, seed0, device='cpu'):
        # scenes are synthesised on `device` (a GPU makes them ~100x faster) and kept on the CPU
        self.capacity, self.size, self.next_seed, self.device = capacity, size, seed0, device
        self.lab = torch.zeros(0, size, size, dtype=torch.uint8)
        self.img = torch.zeros(0, 3, size, size, dtype=torch.uint8)
        self.oldest = 0

    def add(self, n):
        lab, img, _ = make_batch(self.next_seed, n, self.size, self.size, device=self.device)
        lab, img = lab.cpu(), img.cpu()
        self.next_seed += n
        lab, img = lab.to(torch.uint8), ((img + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
        room = self.capacity - len(self.lab)
        if room > 0:
            self.lab, self.img = torch.cat([self.lab, lab[:room]]), torch.cat([self.img, img[:room]])
            lab, img = lab[room:], img[room:]
        for j in range(len(lab)):
            self.lab[self.oldest], self.img[self.oldest] = lab[j], img[j]
            self.oldest = (self.oldest + 1) % self.capacity

    def sample(self, batch, crop, gen):
        idx = torch.randint(len(self.lab), (batch,), generator=gen)
        ys = torch.randint(self.size - crop + 1, (batch,), generator=gen)
        xs = torch.randint(self.size - crop + 1, (batch,), generator=gen)
        flip = torch.rand(batch, generator=gen) < 0.5
        labs, imgs = [], []
        for i, y, x, f in zip(idx.tolist(), ys.tolist(), xs.tolist(), flip.tolist()):
            lab, img = self.lab[i, y:y + crop, x:x + crop], self.img[i, :, y:y + crop, x:x + crop]
            if f:  # landscapes are left-right symmetric in distribution
                lab, img = lab.flip(-1), img.flip(-1)
            labs.append(lab)
            imgs.append(img)
        return torch.stack(labs).long(), torch.stack(imgs).float() / 127.5 - 1

    def state(self):
        return {'lab': self.lab, 'img': self.img, 'oldest': self.oldest, 'next_seed': self.next_seed}

    def restore(self, s):
        self.lab, self.img, self.oldest, self.next_seed = s['lab'], s['img'], s['oldest'], s['next_seed']


_CHECK_SET = {}


@torch.no_grad()
def check_miou(net, n=64, size=256, batch=8, device='cpu'):
    """mIoU of the segmenter on real images of the check range (its own ceiling, tracked in training)."""
    from models.evaluation.evaluate import Confusion  # evaluate imports this module: import late
    was_training = net.training
    net.eval()
    conf = Confusion()
    key = (n, size, batch, str(device))
    if key not in _CHECK_SET:  # scenes are expensive to draw: once per process
        _CHECK_SET[key] = [make_batch(CHECK_SEED0 + i, min(batch, n - i), size, size, device=device)[:2]
                           for i in range(0, n, batch)]
    for lab, img in _CHECK_SET[key]:
        conf.add(net(img).argmax(1), lab)
    net.train(was_training)
    return conf.scores()


def class_weights(pool):
    """Inverse square root of pixel frequency, mean 1: rare classes (flower, road) count for mIoU."""
    freq = torch.bincount(pool.lab.flatten().long(), minlength=NUM_CLASSES).double() + 1
    w = freq.rsqrt()
    return (w / w.mean()).float()


def _log(msg):
    print(msg, flush=True)


def train(minutes, out, width=16, size=256, batch=8, steps=0, device=None, log=_log, depth=5, crop=128,
          run=None, total_minutes=0, pool_size=768, fresh=1, lr=2e-3, ckpt_minutes=5, check_minutes=10, init=None):
    """Train (resuming from run/ckpt.pt when it exists, else starting from the weights of a saved
    segmenter `init` when given) for `minutes` of this invocation."""
    dev = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    crop = min(crop, size)
    net = Segmenter(width, size, depth).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    pool = ScenePool(pool_size, size, TRAIN_SEED0, dev)
    gen = torch.Generator().manual_seed(0)
    prog = {'step': 0, 'images_drawn': 0, 'train_seconds': 0.0, 'runs': [], 'checks': []}
    ckpt = os.path.join(run, 'ckpt.pt') if run else None
    if ckpt and os.path.exists(ckpt):
        s = torch.load(ckpt, map_location='cpu')
        net = _unpack(s['net']).to(dev).train()
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
        opt.load_state_dict(s['opt'])
        pool.restore(s['pool'])
        gen.set_state(s['gen'])
        prog = s['progress']
        log(f"segmenter resumed at step {prog['step']} ({prog['train_seconds'] / 60:.1f} min trained)")
    elif init:
        if not os.path.exists(init):
            raise FileNotFoundError(f'--init {init}: no such segmenter (refusing to train from scratch instead)')
        s = torch.load(init, map_location='cpu')
        net = _unpack(s).to(dev).train()
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
        m = s.get('meta', {})
        prog.update({'step': m.get('steps', 0), 'train_seconds': 0.0, 'runs': m.get('runs', []),
                     'checks': m.get('checks', [])})
        log(f"segmenter continues {init} (step {prog['step']}; optimiser and LR plan fresh)")
    total = (total_minutes or minutes) * 60
    net.train()
    run_rec = {'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'device': str(dev),
               'threads': torch.get_num_threads(), 'step0': prog['step'], 'seconds': 0.0}
    prog['runs'].append(run_rec)
    weights = None

    def save_ckpt():
        if ckpt:
            os.makedirs(run, exist_ok=True)
            torch.save({'net': _pack(net, {}), 'opt': opt.state_dict(), 'pool': pool.state(), 'gen': gen.get_state(),
                        'progress': prog}, ckpt + '.tmp')
            os.replace(ckpt + '.tmp', ckpt)  # an interrupted save never corrupts the last good one

    def record_check(what):
        """The segmenter's mIoU on real images of the check range, kept in run/checks.json."""
        sc = check_miou(net, size=size, device=dev)
        prog['checks'].append({'step': prog['step'], 'minutes': round(prog['train_seconds'] / 60, 1),
                               'miou': round(sc['miou'], 4), 'acc': round(sc['acc'], 4)})
        log(f"segmenter {what}: mIoU {sc['miou']:.3f} acc {sc['acc']:.3f} {sc['iou']}")
        os.makedirs(run, exist_ok=True)
        with open(os.path.join(run, 'checks.json'), 'w') as f:
            json.dump(prog['checks'], f, indent=1)

    t0 = last_ckpt = last_check = time.time()
    owed = 0.0
    start_seconds, start_step = prog['train_seconds'], prog['step']
    while time.time() - t0 < minutes * 60 and not (steps and prog['step'] - start_step >= steps):
        if len(pool.lab) < max(batch, min(pool_size, 64)):
            pool.add(max(batch, min(pool_size, 64)) - len(pool.lab))
        owed += fresh  # fractional: a new scene every 1/fresh steps
        if owed >= 1:
            pool.add(int(owed))
            owed -= int(owed)
        prog['images_drawn'] = pool.next_seed - TRAIN_SEED0
        if weights is None or prog['step'] % 200 == 0:
            weights = class_weights(pool).to(dev)
        lab, img = pool.sample(batch, crop, gen)
        lab, img = lab.to(dev), img.to(dev)
        frac = prog['train_seconds'] / total
        for pg in opt.param_groups:  # constant, then linear decay over the second half of the plan
            pg['lr'] = lr * max(0.02, min(1.0, 2 * (1 - frac)))
        with torch.autocast(dev.type, enabled=dev.type == 'cuda'):
            loss = F.cross_entropy(net(img).float(), lab, weight=weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        prog['step'] += 1
        now = time.time()
        prog['train_seconds'] = start_seconds + (now - t0)
        run_rec['seconds'] = round(now - t0, 1)
        if prog['step'] % 50 == 0:
            log(f"segmenter step {prog['step']} loss {loss.item():.4f} {prog['train_seconds'] / 60:.1f} min "
                f"pool {len(pool.lab)} drawn {prog['images_drawn']}")
        if run and now - last_check > check_minutes * 60:
            record_check('check')
            last_check = time.time()
        if ckpt and now - last_ckpt > ckpt_minutes * 60:
            save_ckpt()
            last_ckpt = time.time()
    if run:  # the ceiling reached by this invocation, whatever its length
        record_check('final check')
    save_ckpt()
    meta = {'steps': prog['step'], 'crops_seen': prog['step'] * batch, 'scenes_drawn': prog['images_drawn'],
            'crop': crop, 'minutes': round(prog['train_seconds'] / 60, 1), 'runs': prog['runs'], 'checks': prog['checks'],
            'params': sum(p.numel() for p in net.parameters())}
    packed = _pack(net.eval(), meta)
    packed['state'] = {k: v.half() if v.is_floating_point() else v for k, v in packed['state'].items()}  # fp16: half the file
    torch.save(packed, out)
    log(f'segmenter saved {out}: {meta}')
    return net.eval(), meta


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--minutes', type=float, default=3, help='bound for this invocation')
    p.add_argument('--total-minutes', type=float, default=0, help='planned total (LR decay); default --minutes')
    p.add_argument('--steps', type=int, default=0)
    p.add_argument('--width', type=int, default=16)
    p.add_argument('--depth', type=int, default=5)
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--pool', type=int, default=768)
    p.add_argument('--fresh', type=float, default=1.0, help='new scenes per step (fractions: one every 1/fresh steps)')
    p.add_argument('--run', default='', help='run directory: resumable checkpoint + mIoU checks')
    p.add_argument('--out', default=DEFAULT_PATH)
    p.add_argument('--init', default='', help='a saved segmenter to continue (when --run has no checkpoint)')
    p.add_argument('--lr', type=float, default=2e-3, help='peak LR (a continuation wants less: a fresh plan at the full rate undoes it)')
    options.add_threads(p)
    a = p.parse_args()
    options.use_threads(a)
    train(a.minutes, a.out, a.width, a.size, a.batch, a.steps, depth=a.depth, crop=a.crop, run=a.run or None,
          total_minutes=a.total_minutes, pool_size=a.pool, fresh=a.fresh, lr=a.lr, init=a.init or None)


if __name__ == '__main__':
    main()
