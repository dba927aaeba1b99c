"""Shared helpers: model construction from a config, sharded checkpoints, PNG plots."""
import glob
import io
import json
import os

import torch

from models.generators import build_generator
from models.spade import ConvEncoder, MultiscaleDiscriminator
from models.spade.oasis import OASISDiscriminator

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

SHARD_BYTES = 16 * 1024 * 1024 - 64 * 1024  # keep every file <= 16 MiB with pickle overhead


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def match_width(cfg, target):
    """The ngf whose generator's parameter count is closest to target (equal-size comparisons)."""
    size = lambda n: count_params(build_generator({**cfg, 'ngf': n}))
    lo, hi = 2, 128  # parameter count grows with ngf: bisect to the first width >= target
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if size(mid) < target else (lo, mid)
    return min((lo - 1, lo), key=lambda n: abs(size(n) - target)) if lo > 2 else lo


def build_models(cfg, with_d=True):
    G = build_generator(cfg)
    E = ConvEncoder(ngf=cfg['ngf_e'], z_dim=cfg['z_dim']) if cfg.get('ngf_e') else None
    D = None
    if with_d:  # cfg['disc']: the paper's PatchGAN on (labels, image), or OASIS's per-pixel segmenter
        # OASIS's U-Net: 5 halvings at 256 px, fewer for small test sizes (and the low-size phase fits)
        depth = max(1, min(5, cfg['size'].bit_length() - 4))
        D = (OASISDiscriminator(cfg['label_nc'], ndf=cfg['ndf'], depth=depth) if cfg.get('disc') == 'oasis' else
             MultiscaleDiscriminator(cfg['label_nc'] + 3, ndf=cfg['ndf'], n_layers=4, num_D=2))
    return G, E, D


def save_sharded(state, directory, prefix='ckpt'):
    """Save a flat {name: tensor|json-able} dict as <=16 MiB torch files + an index.json.

    Written to a temp dir and renamed so an interrupted save never corrupts the last good one.
    """
    tmp = directory + '.tmp'
    os.makedirs(tmp, exist_ok=True)
    for f in glob.glob(os.path.join(tmp, '*')):
        os.remove(f)
    tensors = {k: v for k, v in state.items() if torch.is_tensor(v)}
    meta = {k: v for k, v in state.items() if not torch.is_tensor(v)}
    shards, cur, size = [], {}, 0
    for k, v in tensors.items():
        nb = v.numel() * v.element_size()
        if nb > SHARD_BYTES:  # split one big tensor (e.g. fc.weight) along dim 0
            n = (nb + SHARD_BYTES - 1) // SHARD_BYTES + 1
            for j, part in enumerate(torch.chunk(v, n, 0)):
                shards.append({f'{k}@@{j}': part.clone()})
            continue
        if size + nb > SHARD_BYTES and cur:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = v
        size += nb
    if cur:
        shards.append(cur)
    files = []
    for i, s in enumerate(shards):
        fn = f'{prefix}-{i:03d}.pt'
        torch.save(s, os.path.join(tmp, fn))
        files.append(fn)
    with open(os.path.join(tmp, 'index.json'), 'w') as f:
        json.dump({'files': files, 'meta': meta}, f)
    if os.path.isdir(directory):
        old = directory + '.old'
        if os.path.isdir(old):
            for f in glob.glob(os.path.join(old, '*')):
                os.remove(f)
            os.rmdir(old)
        os.rename(directory, old)
    os.rename(tmp, directory)


def load_sharded(directory, map_location='cpu'):
    with open(os.path.join(directory, 'index.json')) as f:
        idx = json.load(f)
    state, parts = dict(idx['meta']), {}
    for fn in idx['files']:
        for k, v in torch.load(os.path.join(directory, fn), map_location=map_location).items():
            if '@@' in k:
                name, j = k.split('@@')
                parts.setdefault(name, {})[int(j)] = v
            else:
                state[k] = v
    for name, p in parts.items():
        state[name] = torch.cat([p[j] for j in sorted(p)], 0)
    return state


def prefixed(sd, prefix):
    return {prefix + k: v for k, v in sd.items()}


def unprefixed(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def save_image(t, path):
    """[3,H,W] in [0,1] -> an image file in the format its name says: PNG for thumbnails and
    training samples, JPEG (quality 90) for the large sample grids the repository keeps, a
    quarter of the PNG's size (the tree that travels to a GPU machine is capped at 64 MiB)."""
    from PIL import Image
    a = (t.detach().float().clamp(0, 1) * 255 + 0.5).byte().permute(1, 2, 0).cpu().numpy()
    Image.fromarray(a).save(path, **({'quality': 90} if path.endswith('.jpg') else {}))


def grid(rows, pad=2):
    """rows: list of lists of [3,H,W] tensors in [0,1] (same size) -> one [3,h,w] image."""
    H, W = rows[0][0].shape[1:]
    nr, nc = len(rows), max(len(r) for r in rows)
    out = torch.ones(3, nr * (H + pad) - pad, nc * (W + pad) - pad)
    for i, r in enumerate(rows):
        for j, t in enumerate(r):
            out[:, i * (H + pad):i * (H + pad) + H, j * (W + pad):j * (W + pad) + W] = t.detach().float().cpu()
    return out


def loss_plot(history, path, keys, width=900, height=420, smooth=50):
    """Line plot of logged losses with PIL (matplotlib is not installed here)."""
    from PIL import Image, ImageDraw
    img = Image.new('RGB', (width, height), 'white')
    d = ImageDraw.Draw(img)
    if len(history) < 2:
        img.save(path)
        return
    colors = [(220, 50, 50), (40, 110, 220), (30, 160, 60), (200, 130, 0), (140, 60, 180), (0, 150, 150), (90, 90, 90)]
    L, R, T, Bm = 60, width - 150, 20, height - 40
    steps = [h['step'] for h in history]
    s0, s1 = min(steps), max(steps) or 1
    series = {}
    for k in keys:
        vals = [h.get(k) for h in history]
        if any(v is None for v in vals):
            continue
        sm, acc = [], []
        for v in vals:  # running mean over the last `smooth` points
            acc.append(v)
            if len(acc) > smooth:
                acc.pop(0)
            sm.append(sum(acc) / len(acc))
        series[k] = sm
    allv = [v for s in series.values() for v in s]
    lo, hi = min(allv), max(allv)
    hi = hi if hi > lo else lo + 1
    d.rectangle([L, T, R, Bm], outline=(0, 0, 0))
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = Bm - (Bm - T) * i / 4
        d.line([L, y, R, y], fill=(225, 225, 225))
        d.text((5, y - 6), f'{v:.2f}', fill=(0, 0, 0))
    d.text((L, Bm + 8), f'step {s0}', fill=(0, 0, 0))
    d.text((R - 70, Bm + 8), f'step {s1}', fill=(0, 0, 0))
    for ci, (k, s) in enumerate(series.items()):
        c = colors[ci % len(colors)]
        pts = [(L + (R - L) * (st - s0) / max(1, s1 - s0), Bm - (Bm - T) * (v - lo) / (hi - lo)) for st, v in zip(steps, s)]
        d.line(pts, fill=c, width=2)
        d.text((R + 10, T + 16 * ci), f'{k} {s[-1]:.3f}', fill=c)
    img.save(path)
