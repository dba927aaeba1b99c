"""Convert an official NVlabs SPADE generator checkpoint (latest_net_G.pth) into a SPADE Canvas
model directory: generator.onnx + model.json + labels.json.

    /usr/bin/python3 -m models.official.convert --checkpoint latest_net_G.pth --dataset coco --out models/coco

The checkpoint is the user's (licence CC BY-NC-SA 4.0, NVIDIA): we never ship or redistribute
it, nor the ONNX made from it (models/coco etc. are git-ignored by convention: do not commit).

What the graph does (facts from ../../shared/SPADE.md, see ../README.md "Official checkpoints"):
- input `labels` uint8 [N,H,W] (the same rasterised label map the server already sends);
  one-hot is built inside the graph, with the extra channels the checkpoint was trained with:
  coco: 182 classes + don't-care + instance edge = 184; ade20k: 150 + don't-care = 151;
  cityscapes: 35 + instance edge = 36. Ids outside the class range (255 = unlabeled) go to the
  don't-care channel, as the official data loaders do; without one they are all-zero.
- the instance-edge channel: our strokes have no instances. `--edges zero` (default for coco)
  matches how COCO-Stuff was trained for stuff classes (instance maps only outline things, so
  stuff-only scenes such as landscapes have no edges); `--edges boundary` (default for
  cityscapes, whose instance maps give stuff pixels their class id) marks label boundaries the
  way the official edge extraction marks instance boundaries.
- released checkpoints have no VAE: fc is a 3x3 conv on the label map downsampled to the start
  grid, no z input (model.json zDim 0). A VAE-trained checkpoint (fc is Linear) gets a z input.
- spectral norm is folded (W = W_orig / (u . (W_mat v)), the eval-mode formula) and BatchNorm
  runs with the saved running statistics.
Width (ngf), SPADE hidden size and input channels are read from the weights, so small random
checkpoints in the official layout (models/official/make_fixture.py) convert the same way.
"""
import argparse
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))

# dataset -> facts of the released checkpoints (SPADE.md table)
DATASETS = {
    'coco': dict(label_nc=182, dontcare=True, edge=True, size=(256, 256), upsampling='normal',
                 background='sky-other', name='COCO-Stuff SPADE (official)', edges='zero'),
    'ade20k': dict(label_nc=150, dontcare=True, edge=False, size=(256, 256), upsampling='normal',
                   background='sky', name='ADE20K SPADE (official)', edges='zero'),
    'cityscapes': dict(label_nc=35, dontcare=False, edge=True, size=(512, 256), upsampling='more',
                       background='sky', name='Cityscapes SPADE (official)', edges='boundary'),
}
BLOCKS = ['head_0', 'G_middle_0', 'G_middle_1', 'up_0', 'up_1', 'up_2', 'up_3', 'up_4']


class ConvertError(Exception):
    """A problem with the user's checkpoint or arguments: printed as one clear line, exit 2."""


def _list(keys, n=12):
    keys = sorted(keys)
    more = f' ... and {len(keys) - n} more' if len(keys) > n else ''
    return ', '.join(keys[:n]) + more


def load_checkpoint(path):
    """-> flat {name: tensor} state_dict, or ConvertError saying what is wrong with the file."""
    import torch
    if not os.path.exists(path):
        raise ConvertError(f'checkpoint {path}: no such file')
    if not os.path.isfile(path):
        raise ConvertError(f'checkpoint {path}: not a file')
    size = os.path.getsize(path)
    if size == 0:
        raise ConvertError(f'checkpoint {path}: empty file')
    with open(path, 'rb') as f:
        head = f.read(4)
    if head.startswith(b'PK'):  # torch >= 1.6 zip format
        if not zipfile.is_zipfile(path):  # a cut-off download loses the zip's central directory first
            raise ConvertError(f'checkpoint {path}: truncated file ({size} bytes: the zip directory at its end is missing); download it again')
        try:
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise ConvertError(f'checkpoint {path}: truncated or corrupt zip file ({e}); download it again')
        if bad is not None:
            raise ConvertError(f'checkpoint {path}: corrupt file (CRC mismatch in {bad}); download it again')
    elif head[:1] != b'\x80':  # legacy (pre-1.6, like the 2019 release) .pth files are pickles: 0x80 first
        raise ConvertError(f'checkpoint {path}: not a PyTorch checkpoint (neither a zip nor a pickle file)')
    try:
        # weights_only: a .pth is a pickle; refuse anything but tensors and containers
        sd = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many types for bad files
        msg = ' '.join(str(e).split()) or type(e).__name__
        if 'WeightsUnpickler error:' in msg:  # drop torch's advice to disable the safety check
            msg = msg.split('WeightsUnpickler error:', 1)[1].strip()
        low = msg.lower()
        if isinstance(e, EOFError) or any(t in low for t in ('central directory', 'truncat', 'unexpected end',
                                                               'unexpected eof', 'ran out of input')):
            raise ConvertError(f'checkpoint {path}: truncated file ({size} bytes; {msg}); download it again')
        raise ConvertError(f'checkpoint {path}: not a readable PyTorch checkpoint ({type(e).__name__}: {msg})')
    if isinstance(sd, dict):
        for wrapper in ('state_dict', 'netG', 'model'):  # common wrappers around a state_dict
            if wrapper in sd and isinstance(sd[wrapper], dict) and not torch.is_tensor(sd[wrapper]):
                sd = sd[wrapper]
                break
    if not isinstance(sd, dict) or not sd:
        raise ConvertError(f'checkpoint {path}: not a state_dict (got {type(sd).__name__}); '
                           'expected the dict of tensors saved as latest_net_G.pth')
    non_tensor = [k for k, v in sd.items() if not torch.is_tensor(v)]
    if non_tensor:
        raise ConvertError(f'checkpoint {path}: not a state_dict: entries that are not tensors: {_list(map(str, non_tensor))}')
    if all(k.startswith('module.') for k in sd):  # saved from DataParallel
        sd = {k[len('module.'):]: v for k, v in sd.items()}
    return sd


def detect_layout(sd, path):
    """-> dict(input_nc, ngf, nhidden, use_vae, z_dim, most) read from the weights."""
    keys = set(sd)
    if any(k.startswith('discriminator_0.') for k in keys):
        raise ConvertError(f'checkpoint {path}: this is a discriminator (latest_net_D.pth); convert latest_net_G.pth')
    if any(k.startswith('fc_mu.') for k in keys) and 'conv_img.weight' not in keys:
        raise ConvertError(f'checkpoint {path}: this is a style encoder (latest_net_E.pth); convert latest_net_G.pth')
    need = ['fc.weight', 'conv_img.weight', 'head_0.conv_0.weight_orig', 'head_0.norm_0.mlp_shared.0.weight']
    if not all(k in keys for k in need):
        if 'head_0.conv_0.weight' in keys and 'fc.weight' in keys:
            raise ConvertError(f'checkpoint {path}: unknown layout: head_0.conv_0 has a plain weight, not spectral '
                               'norm weight_orig/weight_u/weight_v (not an official SPADE generator)')
        missing = [k for k in need if k not in keys]
        raise ConvertError(f'checkpoint {path}: unknown layout: not an official SPADE generator (missing {_list(missing)}; '
                           f'it has {len(keys)} keys such as {_list(keys, 6)})')
    w = sd['head_0.conv_0.weight_orig']
    if w.dim() != 4 or w.shape[0] % 16:
        raise ConvertError(f'checkpoint {path}: unknown layout: head_0.conv_0.weight_orig has shape {tuple(w.shape)}')
    fc = sd['fc.weight']
    shared = sd['head_0.norm_0.mlp_shared.0.weight']
    return dict(ngf=w.shape[0] // 16, nhidden=shared.shape[0], input_nc=shared.shape[1],
                use_vae=fc.dim() == 2, z_dim=fc.shape[1] if fc.dim() == 2 else 0,
                most=any(k.startswith('up_4.') for k in keys))


def build_generator(sd, path, ds, layout, size, upsampling):
    """Our SPADEGenerator in the official configuration, loaded with the checkpoint (checked)."""
    import torch
    from models.spade import SPADEGenerator
    w, h = size
    if layout['most']:
        upsampling = 'most'
    z_dim = layout['z_dim'] or 256
    G = SPADEGenerator(layout['input_nc'], ngf=layout['ngf'], z_dim=z_dim, use_vae=layout['use_vae'],
                       num_upsampling_layers=upsampling, crop_size=w, aspect_ratio=w / h,
                       nhidden=layout['nhidden'], use_spectral=True, param_free='batch')
    if G.sh * 2 ** G.num_up != h or G.sw * 2 ** G.num_up != w:
        raise ConvertError(f'size {w}x{h} does not fit {upsampling} upsampling ({G.num_up} doublings of a whole grid)')
    want = G.state_dict()
    missing = [k for k in want if k not in sd]
    unexpected = [k for k in sd if k not in want]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f'missing keys ({len(missing)}): {_list(missing)}')
        if unexpected:
            parts.append(f'unexpected keys ({len(unexpected)}): {_list(unexpected)}')
        hint = ''
        if any(k.startswith('up_4.') for k in unexpected + missing) or (layout['use_vae'] and missing == ['fc.bias']):
            hint = ' (check --upsampling)'
        raise ConvertError(f'checkpoint {path}: does not match the official {ds} generator '
                           f'(ngf {layout["ngf"]}, {layout["input_nc"]} input channels): ' + '; '.join(parts) + hint)
    bad = [f'{k} {tuple(sd[k].shape)} != {tuple(v.shape)}' for k, v in want.items() if sd[k].shape != v.shape]
    if bad:
        hint = ''
        if layout['use_vae'] and any(k.startswith('fc.') for k in bad):
            hint = ' (fc size follows the start grid: check --size/--upsampling)'
        raise ConvertError(f'checkpoint {path}: wrong shapes for ngf {layout["ngf"]}: {"; ".join(bad[:6])}{hint}')
    nonfinite = [k for k, v in sd.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if nonfinite:
        raise ConvertError(f'checkpoint {path}: non-finite values in {_list(nonfinite)}')
    G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}, strict=True)
    G.eval()
    # sigma = u . (W_mat v) must be positive: zero u/v (an untrained or damaged file) would divide by 0
    for k in [k for k in sd if k.endswith('.weight_orig')]:
        p = k[:-len('.weight_orig')]
        wm = sd[k].float().reshape(sd[k].shape[0], -1)
        sigma = float(torch.dot(sd[p + '.weight_u'].float(), wm @ sd[p + '.weight_v'].float()))
        if not sigma > 0:
            raise ConvertError(f'checkpoint {path}: spectral norm of {p} is {sigma} (weight_u/weight_v damaged)')
    from models.export.load import fold_spectral_norm  # W = W_orig / (u . W_mat v), no power iteration
    return fold_spectral_norm(G)


def label_edges(lab):
    """Label-boundary edges, the rule the official code applies to instance maps: a pixel is an
    edge when any 4-neighbour differs. lab: int [N,1,H,W] -> float [N,1,H,W]."""
    import torch
    import torch.nn.functional as F
    dx = (lab[:, :, :, 1:] != lab[:, :, :, :-1]).float()
    dy = (lab[:, :, 1:, :] != lab[:, :, :-1, :]).float()
    e = torch.maximum(F.pad(dx, (1, 0)), F.pad(dx, (0, 1)))
    return torch.maximum(e, torch.maximum(F.pad(dy, (0, 0, 1, 0)), F.pad(dy, (0, 0, 0, 1))))


def make_graph(G, label_nc, dontcare, edge, edges_mode, use_vae):
    import torch
    import torch.nn as nn

    class OfficialGraph(nn.Module):
        """labels uint8 [N,H,W] (+ z) -> image [N,3,H,W]; the official input channels built here."""

        def __init__(self):
            super().__init__()
            self.G = G
            n = label_nc + (1 if dontcare else 0)
            self.register_buffer('classes', torch.arange(n).view(1, n, 1, 1), persistent=False)

        def seg(self, labels):
            lab = labels.long().unsqueeze(1)
            if dontcare:  # unlabeled (255) and any out-of-range id -> the don't-care channel
                lab = torch.where(lab >= label_nc, torch.full_like(lab, label_nc), lab)
            seg = (lab == self.classes).float()  # out-of-range ids -> all zeros, never an error
            if edge:
                e = label_edges(lab) if edges_mode == 'boundary' else torch.zeros_like(seg[:, :1])
                seg = torch.cat([seg, e], 1)
            return seg

        def forward(self, labels, z=None):
            return self.G(self.seg(labels), z)

    return OfficialGraph().eval()


def read_dataset_labels(ds):
    """-> [(name, colour or None)] from datasets/<ds>.txt (line i = class id i)."""
    out = []
    with open(os.path.join(HERE, 'datasets', f'{ds}.txt')) as f:
        for line in f.read().splitlines():
            name, _, rgb = line.partition('\t')
            out.append((name, tuple(int(c) for c in rgb.split(',')) if rgb else None))
    return out


def voc_color(i):
    """The PASCAL VOC bit-interleaved colormap: distinct, deterministic colours for any id."""
    r = g = b = 0
    c = i
    for j in range(8):
        r |= ((c >> 0) & 1) << (7 - j)
        g |= ((c >> 1) & 1) << (7 - j)
        b |= ((c >> 2) & 1) << (7 - j)
        c >>= 3
    return (r, g, b)


def label_set(ds, model_id):
    """LabelSet JSON (lib/labels.ts) with the dataset's classes and aliases from our palette."""
    with open(os.path.join(HERE, 'datasets', 'aliases.json')) as f:
        aliases = json.load(f)[ds]  # our palette name -> dataset class name
    with open(os.path.join(ROOT, 'models', 'landscape', 'labels.json')) as f:
        ours = {l['name']: l['color'] for l in json.load(f)['labels']}  # insertion order = our palette order
    names = read_dataset_labels(ds)
    real = {n for n, _ in names}
    labels = []
    for i, (name, rgb) in enumerate(names):
        if rgb is None:
            # classes our palette maps onto keep our colours, so the canvas looks the same after a switch
            src = name if name in ours else next((a for a, t in aliases.items() if t == name), name)
            rgb = tuple(ours[src]) if src in ours else voc_color(i + 1)
        labels.append({'id': i, 'name': name, 'color': list(rgb)})
    # The canvas palette lists labels in file order (keys 1-9, 0 pick the first ten): put the
    # classes our palette maps onto first, in our order, then the rest by id. Ids are explicit.
    first = []
    for name in ours:
        target = aliases.get(name, name)
        if target in real and target not in first:
            first.append(target)
    rank = {n: k for k, n in enumerate(first)}
    labels.sort(key=lambda l: (rank.get(l['name'], len(rank)), l['id']))
    aliases = {a: t for a, t in aliases.items() if a not in real}
    return {'id': model_id, 'background': DATASETS[ds]['background'], 'labels': labels, 'aliases': aliases}


def export(graph, path, size, use_vae, z_dim, fp16=False):
    import warnings
    import torch
    # tracing notes about Python-side shape arithmetic (fixed sizes by design) are noise here
    warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
    warnings.filterwarnings('ignore', category=UserWarning, module='torch')
    w, h = size
    labels = torch.zeros(1, h, w, dtype=torch.uint8)
    args = (labels, torch.zeros(1, z_dim)) if use_vae else (labels,)
    names = ['labels', 'z'] if use_vae else ['labels']
    axes = {n: {0: 'N'} for n in names + ['image']}
    if fp16:  # weights stored as float16 + Cast (half the file, ~195 MB for COCO); math stays fp32
        from models.export.onnx_export import to_half_storage
        to_half_storage(graph.G)
    with torch.no_grad():
        torch.onnx.export(graph, args, path, opset_version=13, input_names=names, output_names=['image'],
                          dynamic_axes=axes, do_constant_folding=not fp16)


def convert(a):
    import torch
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    if a.dataset not in DATASETS:
        raise ConvertError(f'unknown dataset {a.dataset!r}: one of {", ".join(DATASETS)}')
    ds = DATASETS[a.dataset]
    sd = load_checkpoint(a.checkpoint)
    layout = detect_layout(sd, a.checkpoint)
    want_nc = ds['label_nc'] + ds['dontcare'] + ds['edge']
    if layout['input_nc'] != want_nc:
        guess = [k for k, d in DATASETS.items() if d['label_nc'] + d['dontcare'] + d['edge'] == layout['input_nc']]
        parts = f'{ds["label_nc"]} labels' + (" + don't-care" if ds['dontcare'] else '') + (' + instance edge' if ds['edge'] else '')
        raise ConvertError(f'checkpoint {a.checkpoint}: has {layout["input_nc"]} input channels, official {a.dataset} has '
                           f'{want_nc} ({parts})' + (f': is it a {guess[0]} checkpoint?' if guess else ''))
    size = tuple(a.size) if a.size else ds['size']
    upsampling = a.upsampling or ds['upsampling']
    G = build_generator(sd, a.checkpoint, a.dataset, layout, size, upsampling)
    edges = a.edges or ds['edges']
    n = sum(p.numel() for p in G.parameters())  # before --fp16 turns them into buffers
    graph = make_graph(G, ds['label_nc'], ds['dontcare'], ds['edge'], edges, layout['use_vae'])
    model_id = a.id or os.path.basename(os.path.normpath(a.out))
    os.makedirs(a.out, exist_ok=True)
    export(graph, os.path.join(a.out, 'generator.onnx'), size, layout['use_vae'], layout['z_dim'], a.fp16)
    labels = label_set(a.dataset, model_id)
    with open(os.path.join(a.out, 'labels.json'), 'w') as f:
        json.dump(labels, f, indent=1)
    manifest = {'id': model_id, 'name': a.name or ds['name'], 'kind': 'spade', 'size': list(size),
                'zDim': layout['z_dim'], 'labels': 'labels.json', 'generator': 'generator.onnx'}
    if layout['use_vae']:
        # no encoder is converted; a VAE generator's styles are N(0, I) draws, fixed by seed
        g = torch.Generator().manual_seed(0)
        presets = [{'id': f'random-{i}', 'name': f'Random {i + 1}', 'z': [round(float(x), 6) for x in torch.randn(layout['z_dim'], generator=g)]}
                   for i in range(4)]
        with open(os.path.join(a.out, 'presets.json'), 'w') as f:
            json.dump(presets, f)
        manifest['presets'] = 'presets.json'
    manifest['official'] = {'dataset': a.dataset, 'ngf': layout['ngf'], 'nhidden': layout['nhidden'],
                            'inputChannels': layout['input_nc'], 'upsampling': 'most' if layout['most'] else upsampling,
                            'edges': edges if ds['edge'] else None, 'vae': layout['use_vae'], 'fp16Weights': a.fp16,
                            'licence': 'NVIDIA SPADE weights, CC BY-NC-SA 4.0: do not redistribute'}
    with open(os.path.join(a.out, 'model.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    # NVIDIA's licence forbids redistribution: keep the converted model out of git entirely
    with open(os.path.join(a.out, '.gitignore'), 'w') as f:
        f.write('# converted from an official SPADE checkpoint (CC BY-NC-SA 4.0): never commit\n*\n')
    print(json.dumps({'out': a.out, 'parameters': n, **manifest['official'], 'size': list(size),
                      'onnx_mib': round(os.path.getsize(os.path.join(a.out, 'generator.onnx')) / 2 ** 20, 2)}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--checkpoint', required=True, help='latest_net_G.pth (official state_dict)')
    p.add_argument('--dataset', required=True, choices=sorted(DATASETS))
    p.add_argument('--out', required=True, help='model directory, e.g. models/coco')
    p.add_argument('--id', help='model id (default: the --out folder name)')
    p.add_argument('--name', help='display name')
    p.add_argument('--size', type=int, nargs=2, metavar=('W', 'H'), help='override the dataset size')
    p.add_argument('--upsampling', choices=['normal', 'more', 'most'], help="override (cityscapes 'more')")
    p.add_argument('--edges', choices=['zero', 'boundary'], help='instance-edge channel for stroke maps')
    p.add_argument('--fp16', action='store_true', help='store weights as float16 (half the file)')
    a = p.parse_args(argv)
    try:
        convert(a)
    except ConvertError as e:
        print(f'convert.py: error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
