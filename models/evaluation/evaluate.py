"""The yardstick. Scores synthesisers on held-out procedural layouts, at 256 px:

- segmentation agreement the paper's way (per-class IoU, mIoU, pixel accuracy of our segmenter on
  the synthesised picture against the painted layout), with the real images as the ceiling row;
- texture fidelity: local detail (mean |x - blur3x3(x)|) inside each class, away from its edges,
  synthetic over real; the error is the mean |ln ratio| over classes, so blur and streaks count;
- G(E(x)) PSNR: the style encoder's code of a real image rendered back on its own layout;
- style fidelity: each preset's brightness against real images of its time of day and season on
  the same layouts, foliage/ground colour for the seasons, and the share of random z that gives a
  daylight-bright picture;
- SFD: Frechet distance between real and synthetic on the segmenter's bottleneck features.

    /usr/bin/python3 -m models.evaluation.evaluate floor:palette floor:classmean models/landscape \
        RUN_seed1 RUN_seed2 RUN_seed3 --names palette "class mean" shipped SPADE SPADE SPADE \
        --out models/evaluation/results

A RUN is a training run directory, a shipped model folder (model.json: scored through
onnxruntime-node, exactly what the server renders) or a floor. Runs that share a name are seeds
of one model: the table gives their mean and spread (half the range). Held-out scenes are drawn
once and cached under models/train/runs/cache (drawing them costs ~1 s each on 2 cores).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
from models import options
from models.evaluation import segmenter as seg_mod
from models.evaluation.frechet import frechet_distance
from models.evaluation.heldout import heldout_set, style_sets, fixture_layouts
from models.evaluation.synths import open_synth
from models.train.common import grid, save_image
from models.train.data import NAMES, NUM_CLASSES, ID, TIMES, colorize
from models.export.presets import PRESETS
from models.spade.generator import one_hot

CACHE = os.path.join(HERE, '..', 'train', 'runs', 'cache')
VEGETATION = [ID[n] for n in ('grass', 'tree', 'bush', 'hill')]
DAYLIGHT = ('noon', 'afternoon', 'overcast')
TIME_PRESETS = {'summer_noon': 'noon', 'spring_morning': 'afternoon', 'golden_hour': 'golden', 'sunset': 'sunset',
                'night': 'night', 'overcast': 'overcast', 'misty': 'overcast + mist'}
SEASON_PRESETS = {'summer_noon': 'summer', 'spring_morning': 'spring', 'autumn': 'autumn', 'winter': 'winter'}


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


def luma(img):
    """[B,3,H,W] in [-1,1] -> [B] mean Rec. 601 luma in 0-255."""
    x = (img.clamp(-1, 1) + 1) * 127.5
    return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).mean((1, 2))


def class_mean_rgb(img, lab, classes):
    """Mean colour (0-255) of the pixels of the given classes over the batch; None if absent."""
    mask = torch.zeros_like(lab, dtype=torch.bool)
    for c in classes:
        mask |= lab == c
    if int(mask.sum()) == 0:
        return None
    x = (img.clamp(-1, 1) + 1) * 127.5
    return [round(float(x[:, ch][mask].mean()), 1) for ch in range(3)]


class Texture:
    """Per-class local detail, summed over images: interiors only (a 5x5 neighbourhood of one class),
    so a region's edge against its neighbour is not counted as texture."""

    def __init__(self):
        self.sum = torch.zeros(NUM_CLASSES, dtype=torch.float64)
        self.n = torch.zeros(NUM_CLASSES, dtype=torch.float64)

    def add(self, img, lab):
        x = (img.clamp(-1, 1) + 1) / 2
        detail = (x - F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode='replicate'), 3, 1)).abs().mean(1)
        oh = one_hot(lab, NUM_CLASSES)
        interior = -F.max_pool2d(-oh, 5, 1, 2)  # erosion
        self.sum += torch.einsum('bkhw,bhw->k', interior.double(), detail.double()).cpu()
        self.n += interior.double().sum((0, 2, 3)).cpu()

    def per_class(self):
        return self.sum / self.n.clamp(min=1)


def texture_error(model, real, min_share=0.002):
    """-> (mean |ln(model/real)| over classes with enough interior pixels, {class: ratio})."""
    mr, rr = model.per_class(), real.per_class()
    ratios, min_px = {}, max(50.0, float(real.n.sum()) * min_share)
    for c in range(NUM_CLASSES):
        if real.n[c] >= min_px and rr[c] > 0:
            ratios[NAMES[c]] = round(float(mr[c] / rr[c]), 3)
    err = sum(abs(math.log(max(r, 1e-2))) for r in ratios.values()) / max(1, len(ratios))
    return err, ratios


def z_for(i, n, z_dim, dev):
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(1_000 + i)).to(dev)


def seg_labels(lab, net):
    f = lab.shape[-1] // net.size
    return lab[:, ::f, ::f] if f > 1 else lab


@torch.no_grad()
def real_reference(net, data, styles):
    conf, feats, tex = Confusion(), [], Texture()
    for lab, img, _ in data['batches']:
        logits, f = net(img, with_features=True)
        conf.add(logits.argmax(1), seg_labels(lab, net))
        feats.append(f.float().cpu())
        tex.add(img, lab)
    other = torch.cat([net(img, with_features=True)[1].float().cpu() for _, img, _ in data['second']])
    day = torch.cat([luma(img)[torch.tensor([TIMES[int(t)] in DAYLIGHT for t in st['time']])]
                     for _, img, st in data['batches']])
    ref = {'conf': conf.scores(), 'feats': torch.cat(feats), 'texture': tex,
           'day_range': [float(day.quantile(0.1)), float(day.quantile(0.9))], 'styles': {}}
    ref['sfd'] = frechet_distance(ref['feats'], other)
    for pid, (lab, img) in styles.items():
        ref['styles'][pid] = {'luma': float(luma(img).mean()), 'veg': class_mean_rgb(img, lab, VEGETATION),
                              'ground': class_mean_rgb(img, lab, [ID['grass'], ID['hill']])}
    return ref


@torch.no_grad()
def evaluate_model(name, synth, net, data, styles, fixtures, ref, dev, k_worst=6):
    conf, feats, tex, per_image, psnrs, bright = Confusion(), [], Texture(), [], [], []
    for i, (lab, img, _) in enumerate(data['batches']):
        z = z_for(i, lab.shape[0], synth.z_dim, dev) if synth.z_dim else None
        fake = synth.render(lab, z)
        logits, f = net(fake, with_features=True)
        pred, small = logits.argmax(1), seg_labels(lab, net)
        conf.add(pred, small)
        feats.append(f.float().cpu())
        tex.add(fake, lab)
        if z is not None:
            bright.append(luma(fake).cpu())
        mu = synth.encode(img)
        if mu is not None:
            rec = synth.render(lab, mu)
            psnrs += [psnr(rec[j], img[j]) for j in range(lab.shape[0])]
        for j in range(lab.shape[0]):
            per_image.append((image_miou(pred[j], small[j]), lab[j].cpu(), img[j].cpu(), fake[j].cpu(), pred[j].cpu()))
        per_image = sorted(per_image, key=lambda t: t[0])[:k_worst]  # keep memory flat
    fix_conf = Confusion()
    for j, lab in enumerate(fixtures):
        lab = lab[None].to(dev)
        fake = synth.render(lab, z_for(10_000 + j, 1, synth.z_dim, dev) if synth.z_dim else None)
        pred = net(fake).argmax(1)
        fix_conf.add(pred, seg_labels(lab, net))
    tex_err, tex_ratios = texture_error(tex, ref['texture'])
    r = {'name': name, 'kind': synth.kind, 'layouts': conf.scores(), 'fixtures': fix_conf.scores(),
         'sfd': frechet_distance(ref['feats'], torch.cat(feats)), 'texture_error': round(tex_err, 4),
         'texture_ratio': tex_ratios, 'recon_psnr': round(sum(psnrs) / len(psnrs), 3) if psnrs else None,
         'params': synth.params, 'arch': synth.arch, 'training': synth.training, 'source': synth.source}
    if bright:
        b = torch.cat(bright)
        lo, hi = ref['day_range']
        r['random_z_daylight'] = round(float(((b >= lo) & (b <= hi)).float().mean()), 3)
    codes = synth.presets(list(styles)) if synth.z_dim else None
    r['styles'] = {}
    for pid, (lab, img) in styles.items():
        z = codes.get(pid) if codes else None
        if synth.z_dim and z is None:
            continue
        fake = synth.render(lab, z.to(dev).expand(lab.shape[0], -1) if z is not None else None)
        real = ref['styles'][pid]
        r['styles'][pid] = {'luma_ratio': round(float(luma(fake).mean()) / max(real['luma'], 1e-6), 3),
                            'veg': class_mean_rgb(fake, lab, VEGETATION), 'veg_real': real['veg'],
                            'ground': class_mean_rgb(fake, lab, [ID['grass'], ID['hill']]), 'ground_real': real['ground']}
    tod = [s['luma_ratio'] for pid, s in r['styles'].items() if pid in TIME_PRESETS]
    # the time-of-day preset furthest from its data's brightness (in ratio terms: 0.5x as far as 2x)
    r['worst_time_brightness'] = min(tod, key=lambda v: -abs(math.log(max(v, 1e-3)))) if tod else None
    return r, sorted(per_image, key=lambda t: t[0])[:k_worst]


def worst_sheet(worst, path, tile=128):
    def fit(t):
        t = t if t.dim() == 3 else t[None]
        return F.interpolate(t[None].float(), size=(tile, tile), mode='nearest')[0]

    rows = [[fit(colorize(lab[None])[0]), fit((img + 1) / 2), fit((fake.clamp(-1, 1) + 1) / 2), fit(colorize(pred[None])[0])]
            for _, lab, img, fake, pred in worst]
    save_image(grid(rows), path)


def group(rows):
    """Rows sharing a name are seeds of one model -> one row: mean and half-range spread."""
    out = {}
    for r in rows:
        out.setdefault(r['name'], []).append(r)
    return out


METRICS = [  # (column, getter, format, better)
    ('mIoU', lambda r: r['layouts']['miou'], '{:.3f}', 'higher'),
    ('pixel acc', lambda r: r['layouts']['acc'], '{:.3f}', 'higher'),
    ('texture err', lambda r: r['texture_error'], '{:.2f}', 'lower'),
    ('G(E(x)) PSNR', lambda r: r['recon_psnr'], '{:.1f}', 'higher'),
    ('worst time-of-day brightness (1 = right)', lambda r: r['worst_time_brightness'], '{:.2f}x', 'closer to 1'),
    ('random z daylight', lambda r: r.get('random_z_daylight'), '{:.0%}', 'higher'),
    ('SFD', lambda r: r['sfd'], '{:.2f}', 'lower'),
    ('fixtures mIoU', lambda r: r['fixtures']['miou'], '{:.3f}', 'higher'),
]


def cell(rs, get, fmt):
    vals = [get(r) for r in rs]
    if any(v is None for v in vals):
        return '-'
    mean = sum(vals) / len(vals)
    if len(vals) == 1:
        return fmt.format(mean)
    return f'{fmt.format(mean)} ± {fmt.format((max(vals) - min(vals)) / 2).lstrip("+")}'


def markdown(rows, ref, n, n_fix, n_style, seg_meta):
    groups = group(rows)
    out = [f'Held-out layouts: {n} procedural (seeds disjoint from all training) + {n_fix} hand-drawn fixtures '
           f'(models/fixtures), {n_style} layouts per style preset; scored at {ref["size"]} px by the segmenter '
           f'(its own mIoU on real images: the ceiling row). Rows sharing a name are seeds: mean ± half the range.', '',
           '| model | seeds | params | training | ' + ' | '.join(m[0] for m in METRICS) + ' |',
           '| --- | ---: | ---: | --- | ' + ' | '.join('---:' for _ in METRICS) + ' |',
           f"| real images (ceiling) | - | - | - | {ref['conf']['miou']:.3f} | {ref['conf']['acc']:.3f} | 0 | - | 1.00x | - | "
           f"{ref['sfd']:.2f} (noise floor) | - |"]
    for name, rs in groups.items():
        t = rs[0]['training']
        train = (f"{t.get('images', '?')} images, {t.get('step', '?')} steps" if t else '-')
        params = f"{rs[0]['params'] / 1e6:.2f} M" if rs[0]['params'] else '-'
        out.append(f'| {name} | {len(rs)} | {params} | {train} | ' + ' | '.join(cell(rs, g, f) for _, g, f, _ in METRICS) + ' |')
    out += ['', 'Per-class IoU (procedural held-out layouts) and texture ratio (local detail, synthetic / real; 1 is right, '
            '< 1 blur, > 1 streaks or noise):', '',
            '| class | real IoU | ' + ' | '.join(f'{n} IoU | {n} texture' for n in groups) + ' |',
            '| --- | ---: | ' + ' | '.join('---: | ---:' for _ in groups) + ' |']
    for c in NAMES:
        real = ref['conf']['iou'][c]
        cells = []
        for rs in groups.values():
            cells.append(cell(rs, lambda r: r['layouts']['iou'][c], '{:.3f}'))
            cells.append(cell(rs, lambda r: r['texture_ratio'].get(c), '{:.2f}'))
        out.append(f"| {c} | {'-' if real is None else f'{real:.3f}'} | " + ' | '.join(cells) + ' |')
    out += ['', 'Style presets against real images of the same style on the same layouts: brightness ratio (1 is '
            'right), vegetation mean colour (RGB) synthetic vs real:', '',
            '| preset | style | ' + ' | '.join(f'{n} brightness | {n} vegetation' for n in groups) + ' | real vegetation |',
            '| --- | --- | ' + ' | '.join('---: | ---' for _ in groups) + ' | --- |']
    for pid, _, _ in PRESETS:
        style = ' / '.join(x for x in (TIME_PRESETS.get(pid), SEASON_PRESETS.get(pid)) if x)
        cells = []
        for rs in groups.values():
            s = rs[0]['styles'].get(pid)
            cells.append(cell(rs, lambda r: r['styles'].get(pid, {}).get('luma_ratio'), '{:.2f}'))
            cells.append('-' if not s or s['veg'] is None else '({:.0f}, {:.0f}, {:.0f})'.format(*s['veg']))
        veg = ref['styles'][pid]['veg']
        out.append(f'| {pid} | {style} | ' + ' | '.join(cells) + ' | ' +
                   ('-' if veg is None else '({:.0f}, {:.0f}, {:.0f})'.format(*veg)) + ' |')
    out += ['', f"Segmenter: {seg_meta}"]
    return '\n'.join(out) + '\n'


def load_data(n, size, batch, n_style, dev, cache=CACHE):
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f'heldout-{size}-{n}-{n_style}.pt')
    if os.path.exists(path):
        d = torch.load(path)
    else:
        d = {'main': heldout_set(n, size, batch), 'second': heldout_set(n, size, batch, second=True),
             'styles': style_sets(n_style, size, batch)}
        torch.save(d, path)

    def unpack(s):  # cached as uint8 (a tenth of the floats' size)
        out = []
        for i in range(0, len(s['lab']), batch):
            st = {k: v[i:i + batch].to(dev) for k, v in s['style'].items()}
            out.append((s['lab'][i:i + batch].long().to(dev), s['img'][i:i + batch].float().to(dev) / 127.5 - 1, st))
        return out
    styles = {pid: (s['lab'].long().to(dev), s['img'].float().to(dev) / 127.5 - 1) for pid, s in d['styles'].items()}
    return {'batches': unpack(d['main']), 'second': unpack(d['second'])}, styles


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('runs', nargs='+', help='training runs, model folders (model.json) or floor:palette / floor:classmean')
    p.add_argument('--names', nargs='*', default=None)
    p.add_argument('--n', type=int, default=256, help='procedural held-out layouts')
    p.add_argument('--n-style', type=int, default=16, help='layouts per style preset')
    p.add_argument('--size', type=int, default=256, help='layout/real image size')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--preset-n', type=int, default=8, help='training runs: images per preset code (encoder mean)')
    p.add_argument('--segmenter', default=seg_mod.DEFAULT_PATH)
    p.add_argument('--fixtures', default=os.path.join(HERE, '..', 'fixtures'))
    p.add_argument('--out', default=os.path.join(HERE, 'results'))
    p.add_argument('--cache', default=CACHE, help='where drawn held-out scenes are kept between runs')
    options.add_threads(p)
    a = p.parse_args(argv)
    options.use_threads(a)
    t0 = time.time()
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    names = a.names or [os.path.basename(os.path.normpath(r)) for r in a.runs]
    if len(names) != len(a.runs):
        raise SystemExit('--names needs one name per run')
    os.makedirs(a.out, exist_ok=True)
    net, seg_meta = seg_mod.load(a.segmenter, dev)
    data, styles = load_data(a.n, a.size, a.batch, a.n_style, dev, a.cache)
    fixtures = fixture_layouts(a.fixtures, a.size)
    ref = real_reference(net, data, styles)
    ref['size'] = a.size
    rows = []
    for name, spec in zip(names, a.runs):
        if spec.startswith('floor:classmean'):
            spec = f'floor:classmean@{a.size}'
        synth = open_synth(spec, preset_n=a.preset_n, preset_size=min(a.size, 256)).to(dev)
        r, worst = evaluate_model(name, synth, net, data, styles, fixtures, ref, dev)
        worst_sheet(worst, os.path.join(a.out, f"worst_{name.replace(' ', '_')}.jpg"))
        rows.append(r)
        print(f"{name}: mIoU {r['layouts']['miou']:.3f} texture {r['texture_error']:.2f} "
              f"PSNR {r['recon_psnr']} SFD {r['sfd']:.2f} ({time.time() - t0:.0f} s)", flush=True)
    md = markdown(rows, ref, a.n, len(fixtures), a.n_style, seg_meta)
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write(md)
    ceiling = {'layouts': ref['conf'], 'sfd': ref['sfd'], 'size': a.size, 'day_range': ref['day_range'],
               'styles': ref['styles']}
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump({'ceiling': ceiling, 'models': rows, 'segmenter': seg_meta, 'n': a.n, 'n_style': a.n_style,
                   'fixtures': len(fixtures), 'seconds': round(time.time() - t0, 1), 'device': str(dev)}, f, indent=1)
    print(md)
    return rows, ceiling


if __name__ == '__main__':
    main()
