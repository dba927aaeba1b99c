"""Export the preview generator as a tfjs weights manifest quantised to uint8.

    /usr/bin/python3 -m models.export.tfjs_export --run models/train/runs/preview --out models/landscape-preview

Writes <out>/tfjs/model.json ({format, config, weightsManifest}) + <out>/tfjs/weights.bin in
tfjs's own manifest format (tf.io.decodeWeights reads it; uint8 entries carry
quantization {dtype:'uint8', min, scale}), <out>/model.json, <out>/labels.json (copy) and
parity fixtures (<out>/parity/): PyTorch output with the dequantised weights (what tfjs must
reproduce up to float error) and with the original fp32 weights (the quantisation drift).
Layout for tf ops (NHWC): conv weights [kh,kw,in,out], fc weight [in,out]; BatchNorm is
stored folded as per-channel scale/shift (eval mode), spectral norm is folded already.
CLADE students (models/spade/clade.py) store per normalisation `gamma`/`beta` [label_nc, C]
tables instead of the mlp_* convs, and config.norm = 'clade'.
"""
import argparse
import json
import os
import shutil

import torch
import torch.nn.functional as F

from models import options
from models.export.load import load_run, ROOT
from models.train.data import make_batch
from models.spade.clade import CLADE

QUANT_MIN_SIZE = 64  # 1-D tensors (biases, folded BN) stay float32: tiny, and most error-sensitive


def collect(G):
    """Ordered (name, tensor in TF layout) list describing the generator."""
    out = []
    sd = {k: v.detach().float() for k, v in G.state_dict().items()}
    out.append(('fc.weight', sd['fc.weight'].t().contiguous()))
    out.append(('fc.bias', sd['fc.bias']))
    blocks = ['head_0', 'G_middle_0', 'G_middle_1', 'up_0', 'up_1', 'up_2', 'up_3'] + (['up_4'] if hasattr(G, 'up_4') else [])
    for b in blocks:
        blk = getattr(G, b)
        norms = ['norm_0', 'norm_1'] + (['norm_s'] if blk.learned_shortcut else [])
        for n in norms:
            p = f'{b}.{n}'
            bn = getattr(blk, n).param_free_norm
            inv = 1.0 / torch.sqrt(bn.running_var + bn.eps)
            out.append((f'{p}.scale', inv))
            out.append((f'{p}.shift', -bn.running_mean * inv))
            if isinstance(getattr(blk, n), CLADE):
                out.append((f'{p}.gamma', sd[f'{p}.gamma']))
                out.append((f'{p}.beta', sd[f'{p}.beta']))
                continue
            for conv in ('mlp_shared.0', 'mlp_gamma', 'mlp_beta'):
                out.append((f'{p}.{conv}.weight', sd[f'{p}.{conv}.weight'].permute(2, 3, 1, 0).contiguous()))
                out.append((f'{p}.{conv}.bias', sd[f'{p}.{conv}.bias']))
        for c in ('conv_0', 'conv_1'):
            out.append((f'{b}.{c}.weight', sd[f'{b}.{c}.weight'].permute(2, 3, 1, 0).contiguous()))
            out.append((f'{b}.{c}.bias', sd[f'{b}.{c}.bias']))
        if blk.learned_shortcut:
            out.append((f'{b}.conv_s.weight', sd[f'{b}.conv_s.weight'].permute(2, 3, 1, 0).contiguous()))
    out.append(('conv_img.weight', sd['conv_img.weight'].permute(2, 3, 1, 0).contiguous()))
    out.append(('conv_img.bias', sd['conv_img.bias']))
    return out, blocks


def quantize(t):
    lo, hi = float(t.min()), float(t.max())
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    q = torch.round((t - lo) / scale).clamp(0, 255).to(torch.uint8)
    # tfjs dequantises exactly as q * scale + min (float32)
    deq = q.float() * torch.tensor(scale, dtype=torch.float32) + torch.tensor(lo, dtype=torch.float32)
    return q, deq, lo, scale


def apply_tf_weights(G, named):
    """Write (dequantised) TF-layout weights back into the PyTorch model for the reference."""
    d = dict(named)
    with torch.no_grad():
        G.fc.weight.copy_(d['fc.weight'].t())
        G.fc.bias.copy_(d['fc.bias'])
        for k, v in d.items():
            if k.startswith('fc.') or k.endswith('.scale') or k.endswith('.shift'):
                continue
            mod, attr = k.rsplit('.', 1)
            m = G.get_submodule(mod)
            getattr(m, attr).copy_(v.permute(3, 2, 0, 1) if v.dim() == 4 else v)
        for k, v in d.items():
            if k.endswith('.scale'):
                bn = G.get_submodule(k[:-len('.scale')]).param_free_norm
                # scale = 1/sqrt(var+eps), shift = -mean*scale
                bn.running_var.copy_(1.0 / v ** 2 - bn.eps)
                bn.running_mean.copy_(-d[k[:-len('.scale')] + '.shift'] / v)
    return G


def export(G, cfg, meta, out, seed=2024):
    """Write the tfjs artifact + parity fixtures for an eval-mode generator (spectral norm folded)."""
    named, blocks = collect(G)
    tdir = os.path.join(out, 'tfjs')
    os.makedirs(tdir, exist_ok=True)
    os.makedirs(os.path.join(out, 'parity'), exist_ok=True)
    specs, chunks, deq_named = [], [], []
    for name, t in named:
        if t.dim() >= 2 and t.numel() >= QUANT_MIN_SIZE:
            q, deq, lo, scale = quantize(t)
            specs.append({'name': name, 'shape': list(t.shape), 'dtype': 'float32',
                          'quantization': {'dtype': 'uint8', 'min': lo, 'scale': scale, 'original_dtype': 'float32'}})
            chunks.append(q.numpy().tobytes())
            deq_named.append((name, deq))
        else:
            specs.append({'name': name, 'shape': list(t.shape), 'dtype': 'float32'})
            chunks.append(t.numpy().astype('<f4').tobytes())
            deq_named.append((name, t))
    with open(os.path.join(tdir, 'weights.bin'), 'wb') as f:
        for c in chunks:
            f.write(c)
    config = {'labelNc': cfg['label_nc'], 'ngf': cfg['ngf'], 'nhidden': cfg['nhidden'], 'zDim': cfg['z_dim'],
              'size': [cfg['size'], cfg['size']], 'sh': G.sh, 'sw': G.sw, 'numUp': G.num_up, 'blocks': blocks,
              'learnedShortcut': {b: getattr(G, b).learned_shortcut for b in blocks}, 'norm': cfg.get('norm', 'spade')}
    with open(os.path.join(tdir, 'model.json'), 'w') as f:
        json.dump({'format': 'spade-preview/1', 'generatedBy': 'models/export/tfjs_export.py', 'config': config,
                   'weightsManifest': [{'paths': ['weights.bin'], 'weights': specs}]}, f)
    shutil.copy(os.path.join(ROOT, 'models', 'landscape', 'labels.json'), os.path.join(out, 'labels.json'))
    S = cfg['size']
    with open(os.path.join(out, 'model.json'), 'w') as f:
        json.dump({'id': 'landscape-preview', 'name': 'Landscape SPADE (preview)', 'kind': 'spade-tfjs',
                   'size': [S, S], 'zDim': cfg['z_dim'], 'labels': 'labels.json', 'weights': 'tfjs/model.json',
                   'distilledFrom': 'landscape', 'default': False}, f, indent=1)
    # parity: one procedural scene at preview size, seeded z
    lab, _, _ = make_batch(seed, 1, S, S)
    z = torch.randn(1, cfg['z_dim'], generator=torch.Generator().manual_seed(seed))
    import copy
    Gq = apply_tf_weights(copy.deepcopy(G), deq_named).eval()
    with torch.no_grad():
        seg = F.one_hot(lab, cfg['label_nc']).permute(0, 3, 1, 2).float()
        ref_q = Gq(seg, z)
        ref_f = G(seg, z)
    pdir = os.path.join(out, 'parity')
    for fn, t in (('labels.u8', lab.to(torch.uint8)), ('z.f32', z), ('image_dequant.f32', ref_q), ('image_fp32.f32', ref_f)):
        with open(os.path.join(pdir, fn), 'wb') as f:
            f.write(t.contiguous().numpy().tobytes())
    qd = (ref_q - ref_f).abs()
    info = {'labels': [1, S, S], 'z': [1, cfg['z_dim']], 'image': [1, 3, S, S], 'seed': seed,
            'quant_vs_fp32_max_abs_diff': float(qd.max()), 'quant_vs_fp32_mean_abs_diff': float(qd.mean()),
            'checkpoint': meta, 'cfg': cfg}
    with open(os.path.join(pdir, 'meta.json'), 'w') as f:
        json.dump(info, f, indent=1)
    print('weights.bin', os.path.getsize(os.path.join(tdir, 'weights.bin')), 'bytes;',
          json.dumps({k: info[k] for k in ('quant_vs_fp32_max_abs_diff', 'quant_vs_fp32_mean_abs_diff')}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', default=os.path.join(ROOT, 'models', 'train', 'runs', 'preview'))
    p.add_argument('--out', default=os.path.join(ROOT, 'models', 'landscape-preview'))
    options.add_seed(p, 2024)
    a = p.parse_args()
    torch.set_num_threads(2)
    G, _, cfg, meta = load_run(a.run)
    export(G, cfg, meta, a.out, a.seed)


if __name__ == '__main__':
    main()
