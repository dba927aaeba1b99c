"""The fixed evaluation set: seeded procedural scenes from a seed range no training script
draws from, plus the hand-drawn fixture layouts (label maps only: no real image exists)."""
import glob
import os

import numpy as np
import torch
from PIL import Image

from models.train.data import make_batch, NUM_CLASSES

HELDOUT_SEED0 = 30_000_000   # train.py ~1e6-2e6, distill.py ~1e5-1e6, segmenter.py 2e7+
SECOND_SEED0 = 40_000_000    # a disjoint real set for the Frechet noise floor


STYLE_SEED0 = 35_000_000     # layouts rendered in each preset's forced style (style fidelity)


def _draw(seed0, n, size, batch, style=None):
    """n scenes as uint8 (labels, images 0-255) plus their style codes."""
    labs, imgs, styles = [], [], {}
    for i in range(0, n, batch):
        lab, img, st = make_batch(seed0 + i, min(batch, n - i), size, size, style=style)
        labs.append(lab.to(torch.uint8))
        imgs.append(((img + 1) * 127.5).round().clamp(0, 255).to(torch.uint8))
        for k, v in st.items():
            styles.setdefault(k, []).append(v)
    return {'lab': torch.cat(labs), 'img': torch.cat(imgs), 'style': {k: torch.cat(v) for k, v in styles.items()}}


def heldout_set(n, size, batch, second=False):
    return _draw(SECOND_SEED0 if second else HELDOUT_SEED0, n, size, batch)


def style_sets(n, size, batch):
    """{preset id: scenes on the same n layouts, rendered in that preset's style}."""
    from models.export.presets import PRESETS
    return {pid: _draw(STYLE_SEED0, n, size, batch, style) for pid, _, style in PRESETS}


def fixture_layouts(folder, size):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, '*.png'))):
        im = Image.open(path)
        if im.mode != 'P':
            raise SystemExit(f'{path}: fixture layouts are palette PNGs whose pixel values are label ids')
        lab = torch.from_numpy(np.array(im.resize((size, size), Image.NEAREST), dtype=np.int64))
        if int(lab.max()) >= NUM_CLASSES:
            raise SystemExit(f'{path}: label id {int(lab.max())} outside the {NUM_CLASSES}-label set')
        out.append(lab)
    return out
