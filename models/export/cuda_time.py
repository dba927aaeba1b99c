"""Time the server generator in PyTorch on CUDA: the figure for a GPU render worker's capacity
(onnxruntime-node's CUDA provider cannot be installed on these machines, so a GPU worker's
frames/s is measured here, in the framework that would serve it).

    python3 -m models.export.cuda_time [--configs 16x16,12x16] [--sizes 256,512] [--batches 1,8,32]

For each config (ngf x SPADE hidden), size and batch: fp16 weights, channels_last, and the
forward pass captured once as a CUDA graph and replayed (what a worker serving fixed shapes
would do); prints one JSON line per case with ms per batch and frames/s. Weights are random:
time does not depend on their values. At 512 px the generator is built for 512 (its start grid
is 16x16 instead of 8x8, as the hi-res graph does by resizing; the fc layer is the only change).
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from models.export.load import fold_spectral_norm
from models.train.common import build_models


def time_case(ngf, nhidden, size, batch, iters, labels=16, z_dim=256):
    cfg = {'label_nc': labels, 'ngf': ngf, 'nhidden': nhidden, 'z_dim': z_dim, 'size': size, 'upsampling': 'normal'}
    G, _, _ = build_models(cfg, with_d=False)
    G = fold_spectral_norm(G.eval()).cuda().half().to(memory_format=torch.channels_last)
    lab = torch.randint(labels, (batch, size, size), device='cuda')
    seg = F.one_hot(lab, labels).permute(0, 3, 1, 2).half().contiguous(memory_format=torch.channels_last)
    z = torch.randn(batch, z_dim, device='cuda', dtype=torch.half)
    with torch.no_grad():
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):  # warm-up off the default stream, as graph capture requires
            for _ in range(3):
                G(seg, z=z)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            out = G(seg, z=z)
        for _ in range(5):
            graph.replay()
        torch.cuda.synchronize()
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            graph.replay()
            torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50 = times[len(times) // 2]
    return {'ngf': ngf, 'nhidden': nhidden, 'size': size, 'batch': batch, 'ms_p50': round(p50, 3),
            'ms_p90': round(times[int(len(times) * 0.9)], 3), 'frames_per_s': round(batch * 1000 / p50, 1),
            'finite': bool(torch.isfinite(out).all()), 'params': sum(p.numel() for p in G.parameters())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--configs', default='16x16,12x16', help='ngf x nhidden, comma separated')
    p.add_argument('--sizes', default='256,512')
    p.add_argument('--batches', default='1,8,32')
    p.add_argument('--iters', type=int, default=50)
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit('no CUDA device: this benchmark times the GPU render worker')
    torch.backends.cudnn.benchmark = True
    print(json.dumps({'device': torch.cuda.get_device_name(0), 'torch': torch.__version__,
                      'cuda': torch.version.cuda, 'precision': 'fp16, channels_last, CUDA graph replay'}))
    for c in a.configs.split(','):
        ngf, nhidden = (int(x) for x in c.split('x'))
        for size in (int(s) for s in a.sizes.split(',')):
            for batch in (int(b) for b in a.batches.split(',')):
                print(json.dumps(time_case(ngf, nhidden, size, batch, a.iters)), flush=True)


if __name__ == '__main__':
    main()
