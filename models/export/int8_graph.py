"""An int8 (QDQ) version of a shipped generator.onnx: the convolutions run as onnxruntime's
QLinearConv (uint8 activations x int8 weights, AVX512-VNNI / AVX2 kernels), the rest in float.

    /usr/bin/python3 -m models.export.int8_graph models/landscape --run models/landscape/training

writes models/landscape/generator_int8.onnx (its int8 weights inside, ~3 MB; the float Gemm still
read from generator.weights); --manifest 1 would point model.json's "generator" at it. Not served:
measured 2026-12-04 (docs/BENCHMARKS.md, "Generator candidates") at 0.70-0.75x the float graph's
time per frame, and worse on the yardstick (texture err 0.68 -> 0.80-1.03, SFD 3.73 -> 5.5-7.3)
with every variant of --keep-float tried.

Every Conv gets DequantizeLinear on its input (per-tensor uint8), on its weight (per output
channel, symmetric int8) and on its bias (int32 at input scale x weight scale), and
QuantizeLinear on its output, so the graph optimiser fuses each DQ -> Conv -> Q into one
QLinearConv. Both halves matter, and a half-done graph is silently slow: a Conv whose output is
not quantised, or one with a Relu between it and its Q (SPADE's shared layer), stays a float
Conv and only gains Q/DQ overhead (this script's first version left 18 of the 73 that way, no
faster than the float graph). So a Conv whose only consumer is a Relu is quantised with zero
point 0 and the Relu dropped: uint8 clamps at 0 exactly as the Relu did.

Ranges come from the FastGenerator that generator.onnx was traced from (same fp16-rounded
weights), run on procedural layouts with the presets' style codes and random ones; activation
ranges are a high percentile of |x| on each side so one outlier pixel does not waste the 256
levels.
"""
import argparse
import copy
import fnmatch
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import helper, numpy_helper

from models.export.fast_graph import FastGenerator
from models.export.load import load_run
from models.export.onnx_export import round_weights_fp16
from models.train.data import make_batch


def calibrate(model, layouts, codes, percentile):
    """Per Conv module name: (lo, hi) of its input and of its output (after a sole Relu)."""
    seen = {}

    def hook(name):
        def record(mod, inp, out):
            for key, t in (('in', inp[0]), ('out', out)):
                v = t.detach().flatten()
                seen.setdefault((name, key), []).append(v[::max(1, v.numel() // 4000)].clone())
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for labels in layouts:
            for z in codes:
                model(labels, z)
    for h in handles:
        h.remove()
    ranges = {}
    for (name, key), parts in seen.items():
        v = torch.cat(parts).numpy()
        lo, hi = np.percentile(v, 100 - percentile), np.percentile(v, percentile)
        ranges[(name, key)] = (min(float(lo), 0.0), max(float(hi), 0.0))
    return ranges


def uint8_params(lo, hi):
    scale = max(hi - lo, 1e-8) / 255.0
    return np.float32(scale), np.uint8(np.clip(round(-lo / scale), 0, 255))


class Builder:
    def __init__(self, graph):
        self.graph, self.nodes = graph, []

    def const(self, name, array):
        self.graph.initializer.append(numpy_helper.from_array(array, name))
        return name

    def qdq(self, tensor, scale, zp, tag):
        """tensor -> Q -> DQ; returns the dequantised tensor's name."""
        s = self.const(f'{tag}/scale', np.array(scale, np.float32))
        z = self.const(f'{tag}/zp', np.array(zp, np.uint8))
        self.nodes.append(helper.make_node('QuantizeLinear', [tensor, s, z], [f'{tag}/q'], name=f'{tag}/Q'))
        self.nodes.append(helper.make_node('DequantizeLinear', [f'{tag}/q', s, z], [f'{tag}/dq'], name=f'{tag}/DQ'))
        return f'{tag}/dq'

    def dq_const(self, q, scale, tag, axis=0):
        names = [self.const(f'{tag}/q', q), self.const(f'{tag}/scale', scale.astype(np.float32)),
                 self.const(f'{tag}/zp', np.zeros(scale.shape, q.dtype))]
        self.nodes.append(helper.make_node('DequantizeLinear', names, [f'{tag}/dq'], name=f'{tag}/DQ', axis=axis))
        return f'{tag}/dq'


def quantise(model_proto, modules, ranges, keep_float=()):
    g = model_proto.graph
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    b, rename, scales, relus, done = Builder(g), {}, {}, set(), 0
    for node in list(g.node):
        if node.op_type != 'Conv':
            continue
        name = node.name.strip('/').rsplit('/', 1)[0].replace('/', '.')
        if any(fnmatch.fnmatch(name, k) or name.startswith(k + '.') for k in keep_float):
            continue
        conv = modules[name]
        w = conv.weight.detach().double().numpy()
        sw = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-8) / 127.0
        wq = np.clip(np.round(w / sw[:, None, None, None]), -127, 127).astype(np.int8)
        if node.input[0] in rename:  # already quantised as a Conv's output: read its DQ
            x, sx = rename[node.input[0]], scales[node.input[0]]
        else:
            sx, zx = uint8_params(*ranges[(name, 'in')])
            x = b.qdq(node.input[0], sx, zx, f'/q/{name}/x')
        inputs = [x, b.dq_const(wq, sw, f'/q/{name}/w')]
        if conv.bias is not None:
            sb = sx * sw
            bq = np.round(conv.bias.detach().double().numpy() / sb).astype(np.int32)
            inputs.append(b.dq_const(bq, sb, f'/q/{name}/b'))
        del node.input[:]
        node.input.extend(inputs)
        # A Relu that is the output's only consumer becomes the quantisation itself (see above).
        y = node.output[0]
        users = consumers.get(y, [])
        if len(users) == 1 and users[0].op_type == 'Relu':
            relus.add(users[0].name)
            y, (sy, zy) = users[0].output[0], uint8_params(0.0, max(ranges[(name, 'out')][1], 1e-8))
            rename[y] = b.qdq(node.output[0], sy, zy, f'/q/{name}/y')
        else:
            sy, zy = uint8_params(*ranges[(name, 'out')])
            rename[y] = b.qdq(y, sy, zy, f'/q/{name}/y')
        scales[y] = sy
        done += 1
    g_nodes = [n for n in g.node if n.name not in relus]
    del g.node[:]
    g.node.extend(g_nodes)
    for n in g.node:  # consumers read the dequantised outputs
        for i, t in enumerate(n.input):
            if t in rename:
                n.input[i] = rename[t]
    for o in g.output:
        if o.name in rename:
            raise SystemExit(f'graph output {o.name} comes straight from a Conv: not handled')
    # Keep a topological order: each Q/DQ right after the node producing its input.
    order, pending = [], {}
    for n in b.nodes:
        pending.setdefault(n.input[0], []).append(n)
    produced = {i.name for i in g.initializer} | {i.name for i in g.input}

    def emit(n):
        order.append(n)
        for o in n.output:
            for m in pending.pop(o, []):
                emit(m)

    for t in list(pending):
        if t in produced:
            for m in pending.pop(t):
                emit(m)
    for n in list(g.node):
        emit(n)
    if pending:
        raise SystemExit(f'unplaced quantisation nodes: {list(pending)[:3]}')
    del g.node[:]
    g.node.extend(order)
    return done


def drop_unused(graph):
    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    keep = [n for n in graph.node if any(o in used for o in n.output)]
    while len(keep) != len(graph.node):
        del graph.node[:]
        graph.node.extend(keep)
        used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
        keep = [n for n in graph.node if any(o in used for o in n.output)]
    inits = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('folder', help='model folder with generator.onnx (+ generator.weights), model.json, presets.json')
    p.add_argument('--run', required=True, help='the training state or run generator.onnx was exported from')
    p.add_argument('--out', default='generator_int8.onnx', help='file name inside the folder')
    p.add_argument('--layouts', type=int, default=12)
    p.add_argument('--random-z', type=int, default=4)
    p.add_argument('--percentile', type=float, default=99.999)
    p.add_argument('--keep-float', nargs='*', default=['conv_img'],
                   help='modules left in float: FastGenerator names, prefixes or globs (blocks.6, *.gain)')
    p.add_argument('--manifest', type=int, default=0, help='1: model.json serves the int8 graph')
    a = p.parse_args()
    torch.set_num_threads(2)
    G, _, cfg, _ = load_run(a.run)
    fast = round_weights_fp16(FastGenerator(copy.deepcopy(G), cfg['label_nc'], cfg['size']).eval())
    S = cfg['size']
    layouts = [make_batch(9_100_000 + i, 1, S, S)[0].to(torch.uint8) for i in range(a.layouts)]
    presets = json.load(open(os.path.join(a.folder, 'presets.json')))
    gen = torch.Generator().manual_seed(7)
    codes = [torch.tensor(pr['z'], dtype=torch.float32)[None] for pr in presets]
    codes += [torch.randn(1, cfg['z_dim'], generator=gen) for _ in range(a.random_z)]
    ranges = calibrate(fast, layouts, codes, a.percentile)
    # Without its external data: the initializers left in float (the z -> grid Gemm, the
    # classes) keep pointing into generator.weights, so the int8 graph adds only its int8
    # convolution weights to the folder.
    model = onnx.load(os.path.join(a.folder, 'generator.onnx'), load_external_data=False)
    n = quantise(model, dict(fast.named_modules()), ranges, a.keep_float)
    drop_unused(model.graph)
    out = os.path.join(a.folder, a.out)
    onnx.save(model, out)
    onnx.checker.check_model(out)
    if a.manifest:
        path = os.path.join(a.folder, 'model.json')
        manifest = json.load(open(path))
        manifest.update({'generator': a.out, 'reference': 'generator.onnx'})
        with open(path, 'w') as f:
            json.dump(manifest, f, indent=1)
    print(json.dumps({'out': out, 'convs_quantised': n, 'layouts': len(layouts), 'codes': len(codes),
                      'percentile': a.percentile, 'bytes': os.path.getsize(out)}))


if __name__ == '__main__':
    main()
