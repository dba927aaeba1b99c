"""The evaluation segmenter as an ONNX graph for the room page's "Did the model understand you?"
check: the server runs it on a full frame and compares its labels with the painted map.

    /usr/bin/python3 -m models.export.segmenter_onnx [--segmenter models/evaluation/segmenter.pt] \
        --out models/landscape/segmenter.onnx

Input `image` float32 [1,3,S,S] in [-1,1] (S = the generator's size); outputs `labels` uint8
[1,S,S] (argmax, upsampled to S when the segmenter works at a lower size) and `confidence`
float32 [1,S,S] (the winning class's softmax probability). Weights are stored as float16 (half
the file); onnxruntime computes in fp32. Parity fixture (`parity/segmenter/` beside it): a procedural image
(`image.png`) and PyTorch's labels for it (`labels.png`, grey levels = label ids), which
tests/models/segmenter-onnx.test.ts compares with onnxruntime's.
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from models import options
from models.evaluation import segmenter as seg_mod
from models.export.onnx_export import to_half_storage
from models.train.data import make_batch


class SegmenterGraph(nn.Module):
    def __init__(self, net, size):
        super().__init__()
        self.net, self.size = net, size
        self.pool = size // net.size  # a Python int: the segmenter's own prepare() traces it as a tensor

    def forward(self, image):
        logits = self.net(F.avg_pool2d(image, self.pool) if self.pool > 1 else image)
        if logits.shape[-1] != self.size:
            logits = F.interpolate(logits, size=(self.size, self.size), mode='bilinear', align_corners=False)
        conf, labels = F.softmax(logits, 1).max(1)
        return labels.to(torch.uint8), conf


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--segmenter', default=seg_mod.DEFAULT_PATH)
    p.add_argument('--size', type=int, default=256, help='frame size the graph takes')
    p.add_argument('--out', required=True)
    options.add_threads(p)
    a = p.parse_args()
    options.use_threads(a)
    net, meta = seg_mod.load(a.segmenter)
    graph = SegmenterGraph(to_half_storage(net.eval()), a.size).eval()
    _, img, _ = make_batch(seg_mod.CHECK_SEED0, 1, a.size, a.size)
    img8 = ((img + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    img = img8.float() / 127.5 - 1  # what the PNG holds
    with torch.no_grad():
        ref_labels, _ = graph(img)
    # no constant folding: it would turn the fp16 weights and their Cast back into fp32 constants
    torch.onnx.export(graph, (img,), a.out, input_names=['image'], output_names=['labels', 'confidence'],
                      opset_version=13, do_constant_folding=False)
    parity = os.path.join(os.path.dirname(a.out), 'parity', 'segmenter')
    os.makedirs(parity, exist_ok=True)
    Image.fromarray(img8[0].permute(1, 2, 0).numpy()).save(os.path.join(parity, 'image.png'))
    Image.fromarray(ref_labels[0].numpy(), mode='L').save(os.path.join(parity, 'labels.png'))
    info = {'source': os.path.relpath(a.segmenter), 'size': a.size, 'segmenter': {k: meta.get(k) for k in ('steps', 'images', 'params')}}
    with open(os.path.join(parity, 'meta.json'), 'w') as f:
        json.dump(info, f, indent=1)
    print(f'wrote {a.out} ({os.path.getsize(a.out) / 1e6:.1f} MB): {info}; reference labels {tuple(ref_labels.shape)}')


if __name__ == '__main__':
    main()
