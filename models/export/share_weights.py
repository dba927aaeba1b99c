"""Store the weights of graphs that share them once: the full and draft generators are the same
weights traced at two internal resolutions, so both .onnx files keep only their graph and point
at one external weights file (ONNX external data: location, offset, length). Halves the model's
size in the repository (the device machine copies at most 64 MiB) and on disk.

    /usr/bin/python3 -m models.export.share_weights models/landscape/generator.onnx \
        models/landscape/generator_draft.onnx --weights generator.weights

Initializers are matched by content, so graphs whose tensors carry different names still share.
Verified by tests/models/onnx-parity.test.ts (both graphs against the PyTorch reference outputs).
"""
import argparse
import hashlib
import os

import onnx
from onnx.external_data_helper import set_external_data

ALIGN = 4096  # page-aligned offsets let onnxruntime map the weights instead of copying them


def share(paths, weights_name):
    folder = os.path.dirname(os.path.abspath(paths[0]))
    if any(os.path.dirname(os.path.abspath(p)) != folder for p in paths):
        raise SystemExit('graphs sharing a weights file must sit in one folder')
    models = [onnx.load(p) for p in paths]  # loads external data too, so the tool can be re-run
    offsets, blob = {}, bytearray()
    for m in models:
        for t in m.graph.initializer:
            data = t.raw_data
            if not data:
                raise SystemExit(f'{t.name}: only raw_data initializers can be shared')
            key = (t.data_type, tuple(t.dims), hashlib.sha256(data).hexdigest())
            if key not in offsets:
                blob.extend(b'\0' * (-len(blob) % ALIGN))
                offsets[key] = len(blob)
                blob.extend(data)
            set_external_data(t, location=weights_name, offset=offsets[key], length=len(data))
            t.ClearField('raw_data')
            t.data_location = onnx.TensorProto.EXTERNAL
    with open(os.path.join(folder, weights_name), 'wb') as f:
        f.write(blob)
    for m, p in zip(models, paths):
        with open(p, 'wb') as f:
            f.write(m.SerializeToString())
    return len(blob), len(offsets)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('graphs', nargs='+')
    p.add_argument('--weights', default='generator.weights')
    a = p.parse_args()
    size, n = share(a.graphs, a.weights)
    print(f'{n} tensors, {size / 2**20:.1f} MiB in {a.weights}; graphs: ' +
          ', '.join(f'{g} {os.path.getsize(g) / 1024:.0f} KiB' for g in a.graphs))


if __name__ == '__main__':
    main()
