"""Summarise a training run's log.jsonl for a model card (markdown to stdout) + loss plot.

    /usr/bin/python3 -m models.export.card_stats --run models/train/runs/server --plot models/landscape/samples/loss.png
"""
import argparse
import json
import os

from models.train.common import loss_plot


def last_segment(hist):
    cut = 0
    for i in range(1, len(hist)):
        if hist[i]['step'] <= hist[i - 1]['step']:
            cut = i
    return hist[cut:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--run', required=True)
    p.add_argument('--plot', default='')
    p.add_argument('--keys', default='D,G_gan,G_feat,G_l1,KLD')
    a = p.parse_args()
    with open(os.path.join(a.run, 'log.jsonl')) as f:
        hist = last_segment([json.loads(l) for l in f if l.strip()])
    keys = [k for k in a.keys.split(',') if k in hist[-1]]
    if a.plot:
        os.makedirs(os.path.dirname(a.plot), exist_ok=True)
        loss_plot(hist, a.plot, keys, smooth=max(5, len(hist) // 40))
    last = hist[-1]
    print(f"steps {last['step']}, images seen {last.get('images', '?')}, trained minutes {last.get('min', '?')}")
    # mean losses over windows of the run, so the card can say how training moved
    n = len(hist)
    print('| window (steps) | size | ' + ' | '.join(keys) + ' |')
    print('|---|---|' + '---|' * len(keys))
    for lo, hi in ((0, n // 5), (n // 5, 2 * n // 5), (2 * n // 5, 3 * n // 5), (3 * n // 5, 4 * n // 5), (4 * n // 5, n)):
        seg = hist[lo:hi]
        if not seg:
            continue
        sizes = sorted({h.get('size', '-') for h in seg})
        vals = ' | '.join(f"{sum(h[k] for h in seg) / len(seg):.3f}" for k in keys)
        print(f"| {seg[0]['step']}-{seg[-1]['step']} | {','.join(map(str, sizes))} | {vals} |")


if __name__ == '__main__':
    main()
