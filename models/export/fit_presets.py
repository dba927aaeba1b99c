"""Fit style presets of a shipped model to the data of their style, through the exact graph the
server runs (onnxruntime-node), without its training checkpoint.

A preset's z is the encoder's mean code over images of its style (presets.py). When the
generator has not learned to reproduce a style from that code (the shipped model turns golden
hour and sunset nearly black), the code is a poor preset even though the style is within the
generator's reach. This searches z (an evolution strategy, no gradients: only the ONNX graph is
available) for the code whose renders best match the real images of the style, on layouts of a
seed range the evaluation never uses: per region (sky and clouds, water, vegetation, ground, the
whole picture), mean colour and brightness against the same layouts rendered in that style by
the data generator. The evaluation (models/evaluation/evaluate.py) then scores the presets on
held-out layouts.

    /usr/bin/python3 -m models.export.fit_presets models/landscape --presets golden_hour sunset night \
        [--generations 12 --population 16 --layouts 8]

Afterwards (and with no --presets, alone) it redraws samples/fixtures.jpg with the shipped presets,
so the README's sample grid shows what the server renders.
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
from models import options
from models.evaluation.synths import OnnxModel
from models.train.data import ID, colorize, make_batch
from models.export.presets import GRID_STYLES, PRESETS
from models.train.common import grid, save_image
from models.fixtures.make_fixtures import FIXTURES, load_fixture

FIT_SEED0 = 50_000_000  # layouts for fitting: disjoint from training, evaluation and preset seeds
REGIONS = {
    'sky': ['sky', 'clouds'],
    'water': ['sea', 'river'],
    'vegetation': ['grass', 'tree', 'bush', 'hill', 'flower'],
    'ground': ['mountain', 'rock', 'sand', 'dirt', 'road', 'snow'],
}


def region_stats(img, lab):
    """[B,3,H,W] in [-1,1] -> {region: mean RGB in [0,1]} plus 'all' (None where a region is absent)."""
    x = (img.clamp(-1, 1) + 1) / 2
    out = {'all': x.mean((0, 2, 3))}
    for name, classes in REGIONS.items():
        mask = torch.zeros_like(lab, dtype=torch.bool)
        for c in classes:
            mask |= lab == ID[c]
        out[name] = x.permute(1, 0, 2, 3)[:, mask].mean(1) if int(mask.sum()) else None
    return out


def luma(rgb):
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def distance(stats, target):
    """Mean colour error over regions + the overall brightness error in log terms (0.5x = 2x)."""
    err = sum(float((stats[k] - target[k]).abs().mean()) for k in target if target[k] is not None and stats[k] is not None)
    return err + abs(math.log(max(float(luma(stats['all'])), 1e-3) / max(float(luma(target['all'])), 1e-3)))


def fit(model, style, z0, lab, real, generations, population, sigma, gen):
    target = region_stats(real, lab)
    n = lab.shape[0]

    def score(zs):  # one bridge call renders every candidate on every layout
        fake = model.render(lab.repeat(len(zs), 1, 1), torch.cat([z.expand(n, -1) for z in zs]))
        return [distance(region_stats(fake[i * n:(i + 1) * n], lab), target) for i in range(len(zs))]

    best_z, best = z0, score([z0])[0]
    start = best
    for g in range(generations):
        cands = [best_z + sigma * torch.randn(z0.shape, generator=gen) for _ in range(population)]
        scores = score(cands)
        i = min(range(population), key=scores.__getitem__)
        if scores[i] < best:  # step size adapts: wider after a success, closer after a miss
            best_z, best = cands[i], scores[i]
            sigma *= 1.2
        else:
            sigma *= 0.7
        print(f'  generation {g + 1}: best {best:.3f} (sigma {sigma:.2f})', flush=True)
    return best_z, start, best


def main():
    p = argparse.ArgumentParser()
    p.add_argument('folder', help='shipped model folder (model.json, presets.json)')
    p.add_argument('--presets', nargs='*', default=[], help='presets to fit (none: only redraw the sample grid)')
    p.add_argument('--generations', type=int, default=12)
    p.add_argument('--population', type=int, default=16)
    p.add_argument('--layouts', type=int, default=8)
    p.add_argument('--sigma', type=float, default=0.25, help='initial step per dimension (N(0, I) codes have norm 16)')
    options.add_threads(p)
    a = p.parse_args()
    options.use_threads(a)
    model = OnnxModel(a.folder)
    path = os.path.join(a.folder, 'presets.json')
    with open(path) as f:
        presets = json.load(f)
    by_id = {q['id']: q for q in presets}
    styles = {pid: style for pid, _, style in PRESETS}
    gen = torch.Generator().manual_seed(0)
    thumb_lab = load_fixture('lake_mountains')[None]
    for pid in a.presets:
        if pid not in by_id or pid not in styles:
            raise SystemExit(f'unknown preset {pid!r}')
        lab, real, _ = make_batch(FIT_SEED0, a.layouts, model.size, model.size, style=styles[pid])
        z0 = torch.tensor([by_id[pid]['z']])
        print(f'{pid}:', flush=True)
        z, before, after = fit(model, styles[pid], z0, lab, real, a.generations, a.population, a.sigma, gen)
        print(f'{pid}: distance to its data {before:.3f} -> {after:.3f}', flush=True)
        by_id[pid]['z'] = [round(float(v), 6) for v in z[0]]
        thumb = model.render(thumb_lab, z)
        save_image((F.interpolate(thumb, size=(128, 128), mode='area')[0] + 1) / 2, os.path.join(a.folder, 'presets', pid + '.png'))
    with open(path, 'w') as f:
        json.dump(presets, f)
    write_fixture_grid(OnnxModel(a.folder), a.folder)


def write_fixture_grid(model, folder):
    """samples/fixtures.jpg as presets.py lays it out, rendered by the shipped graph with the shipped presets."""
    zs = model.presets(GRID_STYLES)
    labs = torch.stack([load_fixture(n) for n in FIXTURES])
    rows = [[colorize(lab[None])[0]] for lab in labs]
    for sid in GRID_STYLES:
        for row, img in zip(rows, model.render(labs, zs[sid].expand(len(labs), -1))):
            row.append((img + 1) / 2)
    out = os.path.join(folder, 'samples', 'fixtures.jpg')
    save_image(grid(rows), out)
    print(f'sample grid {out}', flush=True)


if __name__ == '__main__':
    main()
