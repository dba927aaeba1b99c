"""Style presets, model.json, and sample grids on the hand-drawn fixtures.

    /usr/bin/python3 -m models.export.presets --run models/train/runs/server --out models/landscape \
        [--preview-run models/train/runs/preview --preview-out models/landscape-preview]

A preset's z is the style encoder's mean mu over procedural images rendered in that style
(the generator's style space is what the encoder learned, so averaging mu gives a typical
code for the style), rescaled to the average length of the individual codes. Thumbnails are the server generator's render of the lake_mountains
fixture with that z. Grids: rows = fixtures, columns = label map + renders in several presets.
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F

from models.export.load import load_run, ROOT
from models.train.data import make_batch, colorize, NUM_CLASSES, TIMES, SEASONS
from models.train.common import grid, save_image

from models.fixtures.make_fixtures import FIXTURES, load_fixture

T, S_ = TIMES.index, SEASONS.index
PRESETS = [  # id, name, forced style (unforced parts stay random)
    ('summer_noon', 'Summer noon', {'time': T('noon'), 'season': S_('summer'), 'mist': 0}),
    ('spring_morning', 'Spring afternoon', {'time': T('afternoon'), 'season': S_('spring'), 'mist': 0}),
    ('golden_hour', 'Golden hour', {'time': T('golden'), 'season': S_('summer'), 'mist': 0}),
    ('sunset', 'Sunset', {'time': T('sunset'), 'mist': 0}),
    ('night', 'Night', {'time': T('night'), 'mist': 0}),
    ('autumn', 'Autumn', {'time': T('afternoon'), 'season': S_('autumn'), 'mist': 0}),
    ('winter', 'Winter', {'time': T('noon'), 'season': S_('winter'), 'mist': 0}),
    ('misty', 'Misty morning', {'time': T('overcast'), 'mist': 1}),
    ('overcast', 'Overcast', {'time': T('overcast'), 'season': S_('summer'), 'mist': 0}),
]
GRID_STYLES = ['summer_noon', 'golden_hour', 'autumn', 'winter', 'night', 'misty']


_STYLE_IMAGES = {}


@torch.no_grad()
def preset_codes(E, n=24, size=256):
    """{preset id: z [1, Z]}: the encoder's mean mu over n procedural images of that style
    (drawn at `size`, resized to the encoder's 256; drawn once per process)."""
    zs = {}
    for i, (pid, _, style) in enumerate(PRESETS):
        key = (pid, n, size)
        if key not in _STYLE_IMAGES:
            _STYLE_IMAGES[key] = torch.cat([make_batch(90_000 + 100 * i + k, min(8, n - k), size, size, style=style)[1]
                                            for k in range(0, n, 8)])
        img = _STYLE_IMAGES[key]
        if size != 256:
            img = F.interpolate(img, size=(256, 256), mode='bilinear', align_corners=False)
        mus = E(img)[0]
        # the mean of many codes shrinks towards the prior mean (a generic style); keep its
        # direction but give it the typical length of a single image's code
        z = mus.mean(0, keepdim=True)
        zs[pid] = z * (mus.norm(dim=1).mean() / z.norm())
    return zs


def seg_of(lab):
    return F.one_hot(lab, NUM_CLASSES).permute(0, 3, 1, 2).float()


def write_server_files(a, G, E, cfg, S, presets, zs, fx):
    with open(os.path.join(a.out, 'presets.json'), 'w') as f:
        json.dump(presets, f)
    manifest_path = os.path.join(a.out, 'model.json')
    manifest = {}
    if os.path.exists(manifest_path):  # keep what other exports declared (draft, segmenter...)
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest.update({'id': 'landscape', 'name': 'Landscape SPADE', 'kind': 'spade', 'size': [S, S], 'zDim': cfg['z_dim'],
                     'labels': 'labels.json', 'encoder': 'style_encoder.onnx', 'presets': 'presets.json', 'default': True})
    manifest.setdefault('generator', 'generator.onnx')  # int8_graph.py may serve its int8 graph
    with open(manifest_path, 'w') as f:
        json.dump(manifest, f, indent=1)
    rows = []
    for n, lab in fx.items():
        row = [colorize(lab[None])[0]]
        for sid in GRID_STYLES:
            row.append((G(seg_of(lab[None]), zs[sid])[0] + 1) / 2)
        rows.append(row)
    save_image(grid(rows), os.path.join(a.out, 'samples', 'fixtures.jpg'))
    # random z on procedural (held-out seed) layouts: what unseen styles look like
    lab, img, _ = make_batch(777_777, 6, S, S)
    zr = torch.randn(6, cfg['z_dim'], generator=torch.Generator().manual_seed(5))
    out_r = G(seg_of(lab), zr)
    mu, _ = E(img)
    out_e = G(seg_of(lab), mu)
    rows = [[colorize(lab)[i], (img[i] + 1) / 2, (out_e[i] + 1) / 2, (out_r[i] + 1) / 2] for i in range(6)]
    save_image(grid(rows), os.path.join(a.out, 'samples', 'procedural.jpg'))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', default=os.path.join(ROOT, 'models', 'train', 'runs', 'server'))
    p.add_argument('--out', default=os.path.join(ROOT, 'models', 'landscape'))
    p.add_argument('--preview-run', default='')
    p.add_argument('--preview-out', default=os.path.join(ROOT, 'models', 'landscape-preview'))
    p.add_argument('--n', type=int, default=24, help='images per preset')
    p.add_argument('--preview-only', action='store_true', help='only the preview grid (after distillation)')
    p.add_argument('--render-size', type=int, default=0, help='render internally at this size, upsample')
    p.add_argument('--which', default='G_ema', help='G_ema (EMA weights) or G (raw); short runs: EMA lags')
    a = p.parse_args()
    torch.set_num_threads(2)
    G, E, cfg, meta = load_run(a.run, a.which, a.render_size)
    S = cfg['size']
    os.makedirs(os.path.join(a.out, 'presets'), exist_ok=True)
    os.makedirs(os.path.join(a.out, 'samples'), exist_ok=True)
    fx = {n: load_fixture(n) for n in FIXTURES}
    thumb_lab = fx['lake_mountains'][None]
    presets = []
    with torch.no_grad():
        zs = preset_codes(E, a.n)
        for pid, name, _ in PRESETS:
            z = zs[pid]
            if a.preview_only:
                continue
            out = G(seg_of(thumb_lab), z)
            save_image((F.interpolate(out, size=(128, 128), mode='area')[0] + 1) / 2, os.path.join(a.out, 'presets', pid + '.png'))
            presets.append({'id': pid, 'name': name, 'z': [round(float(v), 6) for v in z[0]],
                            'thumbnail': f'presets/{pid}.png'})
        if not a.preview_only:
            write_server_files(a, G, E, cfg, S, presets, zs, fx)
        if a.preview_run:
            P, _, pcfg, _ = load_run(a.preview_run)
            ps = pcfg['size']
            f = S // ps
            rows = []
            for n, lab in fx.items():
                row = [F.interpolate(colorize(lab[None]), size=(128, 128), mode='nearest')[0]]
                for sid in GRID_STYLES[:4]:
                    big = G(seg_of(lab[None]), zs[sid])
                    small = P(seg_of(lab[None, ::f, ::f]), zs[sid])
                    row.append((F.interpolate(big, size=(128, 128), mode='area')[0] + 1) / 2)
                    row.append((F.interpolate(small, size=(128, 128), mode='nearest')[0] + 1) / 2)
                rows.append(row)
            os.makedirs(os.path.join(a.preview_out, 'samples'), exist_ok=True)
            save_image(grid(rows), os.path.join(a.preview_out, 'samples', 'fixtures.jpg'))
    print('presets:', [p_['id'] for p_ in presets])


if __name__ == '__main__':
    main()
