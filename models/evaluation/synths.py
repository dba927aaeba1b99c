"""What the evaluation can score: anything that turns a label map and a style code into an image.

- TorchRun: a training run directory (models/train/train.py output), EMA generator + encoder.
- OnnxModel: a shipped model folder (models/landscape): the exact graphs the server runs, through
  onnxruntime-node (models/export/ort_render.mjs); presets from its presets.json.
- Floors with no synthesis at all: the canvas palette fill, and each class's mean colour over
  training images. A yardstick that cannot rank these below a trained model cannot tell.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
from models.export.load import load_run, ROOT
from models.train.data import NUM_CLASSES, PALETTE, make_batch
from models.export.presets import preset_codes
from models.spade.generator import one_hot

# Training-range seeds for the class-mean floor (disjoint from held-out and preset seeds).
CLASS_MEAN_SEED0 = 21_000_000


class Synth:
    """render(lab [B,H,W], z [B,Z] or None) -> [B,3,H,W] in [-1,1]; encode(img) -> mu or None."""
    z_dim = 256
    params = 0
    training = None
    kind = 'model'

    def presets(self, ids):
        return None

    def encode(self, img):
        return None


class TorchRun(Synth):
    def __init__(self, run, which='G_ema', preset_n=8, preset_size=256):
        self.G, self.E, self.cfg, self.training = load_run(run, which)
        self.preset_n, self.preset_size = preset_n, preset_size
        self.z_dim, self.size = self.cfg['z_dim'], self.cfg['size']
        self.params = sum(q.numel() for q in self.G.parameters())
        self.arch, self.source = self.cfg.get('arch', 'spade'), run
        self._codes = None

    def to(self, dev):
        self.G.to(dev)
        if self.E is not None:
            self.E.to(dev)
        return self

    @torch.no_grad()
    def render(self, lab, z):
        f = lab.shape[-1] // self.size  # render at the model's size from a map at any multiple of it
        return self.G(one_hot(lab[:, ::f, ::f] if f > 1 else lab, NUM_CLASSES), z)

    @torch.no_grad()
    def encode(self, img):
        return None if self.E is None else self.E(img)[0]

    @torch.no_grad()
    def presets(self, ids):
        if self.E is None:
            return None
        if self._codes is None:  # built the way models/export/presets.py builds the shipped ones
            self._codes = preset_codes(self.E, self.preset_n, self.preset_size)
        return {i: self._codes[i] for i in ids}


class OnnxModel(Synth):
    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        with open(os.path.join(self.folder, 'model.json')) as f:
            self.card = json.load(f)
        self.z_dim, self.size = self.card['zDim'], self.card['size'][0]
        self.arch, self.source = 'onnx', folder
        with open(os.path.join(self.folder, 'presets.json')) as f:
            self._presets = {p['id']: torch.tensor([p['z']]) for p in json.load(f)}
        parity = os.path.join(self.folder, 'parity', 'meta.json')
        if os.path.exists(parity):
            with open(parity) as f:
                meta = json.load(f)
            self.params, self.training = meta['cfg']['params'], meta.get('checkpoint')
        self._enc_cache = {}

    def to(self, dev):
        return self

    def _bridge(self, lab, z, enc=None):
        with tempfile.TemporaryDirectory() as io:
            n, S = lab.shape[0], lab.shape[-1]
            lab.to(torch.uint8).cpu().numpy().tofile(os.path.join(io, 'labels.u8'))
            z = z if z is not None else torch.zeros(n, self.z_dim)
            z.float().cpu().numpy().tofile(os.path.join(io, 'z.f32'))
            m = 0
            if enc is not None:
                enc.float().cpu().numpy().tofile(os.path.join(io, 'enc.f32'))
                m = enc.shape[0]
            with open(os.path.join(io, 'in.json'), 'w') as f:
                json.dump({'n': n, 'size': S, 'zDim': self.z_dim, 'm': m}, f)
            subprocess.run(['node', os.path.join(ROOT, 'models', 'export', 'ort_render.mjs'), self.folder, io],
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            fake = torch.from_numpy(np.fromfile(os.path.join(io, 'fake.f32'), dtype=np.float32)).view(n, 3, S, S)
            mu = torch.from_numpy(np.fromfile(os.path.join(io, 'mu.f32'), dtype=np.float32)).view(m, self.z_dim) if m else None
            return fake, mu

    def render(self, lab, z):
        if lab.shape[-1] != self.size:
            raise ValueError(f'{self.folder} renders {self.size} px label maps, got {lab.shape[-1]}')
        return self._bridge(lab, z)[0].to(lab.device)

    def encode(self, img):
        import torch.nn.functional as F
        enc = F.interpolate(img, size=(256, 256), mode='bilinear', align_corners=False) if img.shape[-1] != 256 else img
        return self._bridge(torch.zeros(1, self.size, self.size, dtype=torch.long), None, enc)[1].to(img.device)

    def presets(self, ids):
        return {i: self._presets[i] for i in ids if i in self._presets}


class PaletteFill(Synth):
    kind = 'floor'
    arch = source = 'palette fill'
    z_dim = 0

    def to(self, dev):
        return self

    def render(self, lab, z):
        return PALETTE.to(lab.device)[lab].permute(0, 3, 1, 2) * 2 - 1


class ClassMean(Synth):
    """Each class painted in its mean colour over training-range images: the best flat fill."""
    kind = 'floor'
    arch = source = 'class mean colour'
    z_dim = 0

    def __init__(self, size, n=32):
        s, c = torch.zeros(NUM_CLASSES, 3, dtype=torch.float64), torch.zeros(NUM_CLASSES, dtype=torch.float64)
        for i in range(0, n, 8):
            lab, img, _ = make_batch(CLASS_MEAN_SEED0 + i, min(8, n - i), size, size)
            oh = one_hot(lab, NUM_CLASSES).double()
            s += torch.einsum('bkhw,bchw->kc', oh, img.double())
            c += oh.sum((0, 2, 3))
        self.means = (s / c.clamp(min=1)[:, None]).float()

    def to(self, dev):
        self.means = self.means.to(dev)
        return self

    def render(self, lab, z):
        return self.means[lab].permute(0, 3, 1, 2)


def open_synth(spec, preset_n=8, preset_size=256):
    """'floor:palette', 'floor:classmean@SIZE', a model folder with model.json, or a training run."""
    if spec == 'floor:palette':
        return PaletteFill()
    if spec.startswith('floor:classmean'):
        return ClassMean(int(spec.split('@')[1]) if '@' in spec else 256)
    if os.path.exists(os.path.join(spec, 'model.json')):
        return OnnxModel(spec)
    return TorchRun(spec, preset_n=preset_n, preset_size=preset_size)
