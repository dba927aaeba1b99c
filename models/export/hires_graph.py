"""The hi-res graph of a shipped generator, cut from its generator.onnx: no retraining, and no
second copy of the weights (it points at the same external weights file, generator.weights).

    /usr/bin/python3 -m models.export.hires_graph models/landscape

The generator is convolutional except its start: fc(z) is reshaped to a fixed grid (8x8 for
256 px), and each SPADE block reads the label map subsampled by a fixed step (labels[::32],
[::16], ... [::2], labels). Resizing the start grid (nearest) to the first block's label map
makes every later shape follow the label map, so one graph renders any size that is a multiple
of 32: at 512 px every block runs at twice its 256 px size (4x the work), at 1024 px at four
times (16x). At 256 px it computes what generator.onnx does (checked by tests/models).

Writes, next to generator.onnx (onnxruntime refuses external data outside the graph's folder):
- generator_dynamic.onnx: labels uint8 [1,H,W] + z [1,zDim] -> image [1,3,H,W], H and W dynamic;
- hires.json: that graph's name, the size step and the sizes the server offers.
"""
import argparse
import json
import os

import onnx
from onnx import helper, TensorProto

SIZES = [512, 1024]


def producer(graph):
    return {o: n for n in graph.node for o in n.output}


def first_label_map(graph):
    """The uint8 label map the first block one-hot encodes (Equal(Unsqueeze(Cast(map)), classes))."""
    prod = producer(graph)
    for n in graph.node:
        if n.op_type == 'Equal':
            unsq = prod[n.input[0]]
            return prod[unsq.input[0]].input[0]
    raise SystemExit('no one-hot label input found')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('folder', help='model folder with generator.onnx and its external weights')
    a = p.parse_args()
    model = onnx.load(os.path.join(a.folder, 'generator.onnx'), load_external_data=False)
    g = model.graph
    grid = next(n for n in g.node if n.op_type == 'Reshape').output[0]
    labels = first_label_map(g)
    size = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim][1:]
    step = size[0] // next(d for d in onnx.shape_inference.infer_shapes(model).graph.value_info if d.name == grid).type.tensor_type.shape.dim[2].dim_value
    const = lambda name, values: helper.make_node('Constant', [], [name], value=helper.make_tensor('v', TensorProto.INT64, [len(values)], values))  # noqa: E731
    resize = [
        helper.make_node('Shape', [labels], ['/hires/label_shape']),
        const('/hires/hw_idx', [1, 2]),
        helper.make_node('Gather', ['/hires/label_shape', '/hires/hw_idx'], ['/hires/hw']),
        helper.make_node('Shape', [grid], ['/hires/grid_shape']),
        const('/hires/nc_idx', [0, 1]),
        helper.make_node('Gather', ['/hires/grid_shape', '/hires/nc_idx'], ['/hires/nc']),
        helper.make_node('Concat', ['/hires/nc', '/hires/hw'], ['/hires/sizes'], axis=0),
        helper.make_node('Resize', [grid, '', '', '/hires/sizes'], ['/hires/grid'], mode='nearest',
                         coordinate_transformation_mode='asymmetric', nearest_mode='floor'),
    ]
    for n in g.node:
        n.input[:] = ['/hires/grid' if i == grid else i for i in n.input]
    # Before the first reader of the resized grid: the label slice it measures comes earlier.
    nodes = list(g.node)
    at = next(i for i, n in enumerate(nodes) if '/hires/grid' in n.input)
    nodes[at:at] = resize
    del g.node[:]
    g.node.extend(nodes)
    for v, dims in ((g.input[0], ['H', 'W']), (g.output[0], [None, 'H', 'W'])):
        for d, param in zip(v.type.tensor_type.shape.dim[-len(dims):], dims):
            if param is not None:
                d.ClearField('dim_value')
                d.dim_param = param
    del g.value_info[:]  # the fixed inner shapes of the 256 px trace
    out = os.path.join(a.folder, 'generator_dynamic.onnx')
    onnx.save(model, out)
    onnx.checker.check_model(out)  # by path, so it finds the external weights beside the graph
    manifest = {'graph': 'generator_dynamic.onnx', 'multipleOf': step, 'sizes': SIZES,
                'note': 'written by models/export/hires_graph.py from generator.onnx; weights in generator.weights'}
    with open(os.path.join(a.folder, 'hires.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'{out} {os.path.getsize(out) / 1024:.0f} KiB, size step {step}, sizes {SIZES}')


if __name__ == '__main__':
    main()
