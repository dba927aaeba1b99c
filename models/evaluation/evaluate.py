"""Score synthesisers the paper's way: segment their pictures and compare with the painted
layout (per-class IoU, mIoU, pixel accuracy), plus a Frechet distance between real and
synthetic images on the segmenter's bottleneck features ("segmenter Frechet distance", SFD:
the FID formula without Inception weights), and the preview model's agreement with the full
render (PSNR against the area-downsampled full render, same layout and z).

    /usr/bin/python3 models/evaluation/evaluate.py models/train/runs/server \
        models/train/runs/eq_concat --names SPADE concat --preview models/train/runs/preview \
        --out models/evaluation/results

Each RUN is a training run directory (models/train/train.py or distill.py output). The first
row of the table is the ceiling: the segmenter on held-out real images (SFD there is real vs
a second, disjoint real set: the distance's noise floor at this sample size). Writes
results.md (tables), results.json and worst_<name>.png (lowest-mIoU layouts: layout | real |
synthetic | what the segmenter saw) into --out.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'export'))
import segmenter as seg_mod  # noqa: E402  (puts models/train on sys.path)
from frechet import frechet_distance  # noqa: E402
from heldout import heldout_batches, fixture_layouts  # noqa: E402
from common import grid, to_png  # noqa: E402
from data import NAMES, NUM_CLASSES, colorize  # noqa: E402
from load import load_run  # noqa: E402
from models.spade.generator import one_hot  # noqa: E402


class Confusion:
    def __init__(self):
        self.m = torch.zeros(NUM_CLASSES, NUM_CLASSES, dtype=torch.long)

    def add(self, pred, lab):
        self.m += torch.bincount((lab.flatten() * NUM_CLASSES + pred.flatten()).cpu(),
                                 minlength=NUM_CLASSES ** 2).view(NUM_CLASSES, NUM_CLASSES)

    def scores(self):
        m = self.m.double()
        tp, gt, pr = m.diag(), m.sum(1), m.sum(0)
        iou = tp / (gt + pr - tp).clamp(min=1)
        present = gt > 0  # mIoU over the classes the layouts contain
        return {'acc': float(tp.sum() / m.sum()), 'miou': float(iou[present].mean()),
                'iou': {NAMES[c]: (round(float(iou[c]), 4) if present[c] else None) for c in range(NUM_CLASSES)}}


def image_miou(pred, lab):
    c = Confusion()
    c.add(pred, lab)
    return c.scores()['miou']


def psnr(a, b):
    """a, b in [-1, 1]; PSNR of the [0, 1] images, dB."""
    mse = F.mse_loss((a + 1) / 2, (b + 1) / 2).item()
    return 10 * math.log10(1 / max(mse, 1e-10))


@torch.no_grad()
def render(G, cfg, lab, z):
    """Render at the model's size from a label map at any multiple of it."""
    f = lab.shape[-1] // cfg['size']
    return G(one_hot(lab[:, ::f, ::f] if f > 1 else lab, NUM_CLASSES), z)


def z_for(i, n, z_dim, dev):
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(1_000 + i)).to(dev)


@torch.no_grad()
def evaluate_model(name, G, cfg, net, batches, fixtures, dev, k_worst=6):
    conf, feats, per_image = Confusion(), [], []
    for i, (lab, img) in enumerate(batches):
        fake = render(G, cfg, lab, z_for(i, lab.shape[0], cfg['z_dim'], dev))
        logits, f = net(fake, with_features=True)
        pred, small = logits.argmax(1), lab[:, ::lab.shape[-1] // net.size, ::lab.shape[-1] // net.size]
        conf.add(pred, small)
        feats.append(f.float().cpu())
        for j in range(lab.shape[0]):
            per_image.append((image_miou(pred[j], small[j]), lab[j].cpu(), img[j].cpu(), fake[j].cpu(), pred[j].cpu()))
        per_image = sorted(per_image, key=lambda t: t[0])[:k_worst]  # keep memory flat
    fix_conf = Confusion()
    for j, lab in enumerate(fixtures):
        lab = lab[None].to(dev)
        fake = render(G, cfg, lab, z_for(10_000 + j, 1, cfg['z_dim'], dev))
        pred = net(fake).argmax(1)
        small = lab[:, ::lab.shape[-1] // net.size, ::lab.shape[-1] // net.size]
        fix_conf.add(pred, small)
        per_image.append((image_miou(pred[0], small[0]), lab[0].cpu(), None, fake[0].cpu(), pred[0].cpu()))
    per_image.sort(key=lambda t: t[0])
    return {'name': name, 'layouts': conf.scores(), 'fixtures': fix_conf.scores()}, torch.cat(feats), per_image[:k_worst]


def worst_png(worst, path, tile=128):
    def fit(t):
        t = t if t.dim() == 3 else t[None]
        return F.interpolate(t[None].float(), size=(tile, tile), mode='nearest')[0]

    rows = []
    for _, lab, img, fake, pred in worst:
        real = (img + 1) / 2 if img is not None else torch.full((3, tile, tile), 0.5)
        rows.append([fit(colorize(lab[None])[0]), fit(real), fit((fake.clamp(-1, 1) + 1) / 2), fit(colorize(pred[None])[0])])
    to_png(grid(rows), path)


def markdown(rows, ceiling, n, n_fix, preview):
    out = [f'Held-out layouts: {n} procedural (seeds disjoint from all training) + {n_fix} hand-drawn fixtures '
           f'(models/fixtures). Scores at {ceiling["size"]} px by the segmenter; SFD = Frechet distance on '
           'segmenter bottleneck features (lower is better), real vs synthetic.', '',
           '| model | generator params | training | mIoU | pixel acc | SFD | fixtures mIoU |',
           '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
           f"| real images (ceiling) | - | - | {ceiling['layouts']['miou']:.3f} | {ceiling['layouts']['acc']:.3f} | "
           f"{ceiling['sfd']:.2f} (noise floor) | - |"]
    for r in rows:
        t = r['training']
        out.append(f"| {r['name']} | {r['params'] / 1e6:.2f} M | {t['step']} steps, {t['images']} images, "
                   f"{t['train_seconds'] / 60:.1f} min, {r['size']} px | {r['layouts']['miou']:.3f} | "
                   f"{r['layouts']['acc']:.3f} | {r['sfd']:.2f} | {r['fixtures']['miou']:.3f} |")
    out += ['', 'Per-class IoU on the procedural held-out layouts:', '',
            '| class | real | ' + ' | '.join(r['name'] for r in rows) + ' |',
            '| --- | ---: | ' + ' | '.join('---:' for _ in rows) + ' |']
    fmt = lambda v: '-' if v is None else f'{v:.3f}'
    for c in NAMES:
        out.append(f"| {c} | {fmt(ceiling['layouts']['iou'][c])} | " + ' | '.join(fmt(r['layouts']['iou'][c]) for r in rows) + ' |')
    if preview:
        out += ['', f"Preview vs full render ({preview['of']}, {preview['size']} px, area-downsampled full render, same "
                f"layout and z): PSNR mean {preview['psnr_mean']:.2f} dB, worst {preview['psnr_min']:.2f} dB over {preview['n']} layouts."]
    return '\n'.join(out) + '\n'


@torch.no_grad()
def preview_agreement(G, cfg, P, pcfg, batches, dev):
    values = []
    for i, (lab, _) in enumerate(batches):
        z = z_for(i, lab.shape[0], cfg['z_dim'], dev)
        full = render(G, cfg, lab, z)
        small = F.avg_pool2d(full, full.shape[-1] // pcfg['size'])
        prev = render(P, pcfg, lab, z)
        values += [psnr(prev[j], small[j]) for j in range(lab.shape[0])]
    return {'size': pcfg['size'], 'n': len(values), 'psnr_mean': round(sum(values) / len(values), 3),
            'psnr_min': round(min(values), 3)}


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('runs', nargs='+', help='training run directories')
    p.add_argument('--names', nargs='*', default=None)
    p.add_argument('--which', default='G_ema')
    p.add_argument('--n', type=int, default=512, help='procedural held-out layouts')
    p.add_argument('--size', type=int, default=256, help='layout/real image size')
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--segmenter', default=seg_mod.DEFAULT_PATH)
    p.add_argument('--preview', default='', help='preview (distilled) run: PSNR vs the first RUN')
    p.add_argument('--fixtures', default=os.path.join(HERE, '..', 'fixtures'))
    p.add_argument('--out', default=os.path.join(HERE, 'results'))
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    names = a.names or [os.path.basename(os.path.normpath(r)) for r in a.runs]
    if len(names) != len(a.runs):
        raise SystemExit('--names needs one name per run')
    os.makedirs(a.out, exist_ok=True)
    net, seg_meta = seg_mod.load(a.segmenter, dev)
    batches = list(heldout_batches(a.n, a.size, a.batch, dev))
    fixtures = fixture_layouts(a.fixtures, a.size)
    # ceiling: the segmenter on the real images of the same layouts; SFD floor vs a disjoint real set
    conf, real_feats = Confusion(), []
    with torch.no_grad():
        for lab, img in batches:
            logits, f = net(img, with_features=True)
            conf.add(logits.argmax(1), lab[:, ::a.size // net.size, ::a.size // net.size])
            real_feats.append(f.float().cpu())
        other = torch.cat([net(img, with_features=True)[1].float().cpu()
                           for _, img in heldout_batches(a.n, a.size, a.batch, dev, second=True)])
    real_feats = torch.cat(real_feats)
    ceiling = {'layouts': conf.scores(), 'sfd': frechet_distance(real_feats, other), 'size': net.size}
    rows, first = [], None
    for name, run in zip(names, a.runs):
        G, _, cfg, meta = load_run(run, a.which)
        G.to(dev)
        first = first or (G, cfg, name)
        r, feats, worst = evaluate_model(name, G, cfg, net, batches, fixtures, dev)
        r.update({'sfd': frechet_distance(real_feats, feats), 'params': sum(q.numel() for q in G.parameters()),
                  'arch': cfg.get('arch', 'spade'), 'size': cfg['size'], 'training': meta, 'run': run})
        worst_png(worst, os.path.join(a.out, f'worst_{name}.png'))
        rows.append(r)
        print(f"{name}: mIoU {r['layouts']['miou']:.3f} acc {r['layouts']['acc']:.3f} SFD {r['sfd']:.2f}", flush=True)
    preview = None
    if a.preview:
        P, _, pcfg, _ = load_run(a.preview)
        preview = {**preview_agreement(first[0], first[1], P.to(dev), pcfg, batches, dev), 'of': first[2]}
    md = markdown(rows, ceiling, a.n, len(fixtures), preview)
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write(md)
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump({'ceiling': ceiling, 'models': rows, 'preview': preview, 'segmenter': seg_meta, 'n': a.n,
                   'fixtures': len(fixtures), 'seconds': round(time.time() - t0, 1), 'device': str(dev)}, f, indent=1)
    print(md)
    return rows, ceiling, preview


if __name__ == '__main__':
    main()
