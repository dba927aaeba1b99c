"""The fixed evaluation set: seeded procedural scenes from a seed range no training script
draws from, plus the hand-drawn fixture layouts (label maps only: no real image exists)."""
import glob
import os

import numpy as np
import torch
from PIL import Image

from data import make_batch, NUM_CLASSES

HELDOUT_SEED0 = 30_000_000   # train.py ~1e6-2e6, distill.py ~1e5-1e6, segmenter.py 2e7+
SECOND_SEED0 = 40_000_000    # a disjoint real set for the Frechet noise floor


def heldout_batches(n, size, batch, device, second=False):
    seed0 = SECOND_SEED0 if second else HELDOUT_SEED0
    for i in range(0, n, batch):
        lab, img, _ = make_batch(seed0 + i, min(batch, n - i), size, size, device=device)
        yield lab, img


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
