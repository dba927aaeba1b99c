"""The training state a model keeps in the repository, so training accumulates across sessions
and machines: generator, EMA generator, encoder and discriminator in fp16 (optimisers are not
kept: a resumed run starts them fresh), plus a ledger of every run that trained it (images, steps,
wall time, hardware), which is also written into the model card.

    train.py ... --state models/landscape/training --card models/landscape/CARD.md
"""
import json
import os
import platform
import time

import torch

from models.train.common import load_sharded, save_sharded, prefixed

LEDGER_START, LEDGER_END = '<!-- ledger:start -->', '<!-- ledger:end -->'


def hardware(dev):
    if dev.type == 'cuda':
        return f'{torch.cuda.get_device_name(dev)}, torch {torch.__version__}'
    model = platform.processor() or 'CPU'
    try:
        with open('/proc/cpuinfo') as f:
            model = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{os.cpu_count()} x {model}, {torch.get_num_threads()} threads, torch {torch.__version__}'


class Ledger:
    """This invocation's row, appended to the runs the state already lists."""

    def __init__(self, state_dir, st, dev):
        self.runs = read_ledger(state_dir)
        self.row = {'started': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'hardware': hardware(dev),
                    'from_step': st['step'], 'from_images': st['images'], 'from_seconds': st['train_seconds']}
        self.t0 = time.time()

    def close(self, st):
        row = {**self.row, 'steps': st['step'] - self.row['from_step'], 'images': st['images'] - self.row['from_images'],
               'train_seconds': round(st['train_seconds'] - self.row['from_seconds'], 1),
               'wall_seconds': round(time.time() - self.t0, 1)}
        return self.runs + [row]


def read_ledger(state_dir):
    path = os.path.join(state_dir, 'index.json')
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)['meta'].get('ledger', [])


def save(state_dir, modules, st, cfg, ledger, card=''):
    state = {'step': st['step'], 'images': st['images'], 'train_seconds': st['train_seconds'], 'cfg': cfg,
             'ledger': ledger}
    for prefix, m in modules.items():
        # on the CPU: a state saved from a GPU must load on a machine without one
        state.update(prefixed({k: (v.half() if v.is_floating_point() else v).cpu() for k, v in m.state_dict().items()}, prefix))
    save_sharded(state, state_dir, prefix='state')
    old = state_dir + '.old'  # save_sharded keeps the previous copy; the repository needs one
    if os.path.isdir(old):
        for f in os.listdir(old):
            os.remove(os.path.join(old, f))
        os.rmdir(old)
    if card:
        write_card_ledger(card, ledger, st)


def load(state_dir, dev):
    s = load_sharded(state_dir, map_location=dev)
    return {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in s.items()}


def ledger_markdown(ledger, st):
    rows = ['| run started | hardware | steps | images | training time | wall time |', '|---|---|---:|---:|---:|---:|']
    for r in ledger:
        rows.append(f"| {r['started']} | {r['hardware']} | {r['steps']:,} | {r['images']:,} | "
                    f"{r['train_seconds'] / 60:.1f} min | {r['wall_seconds'] / 60:.1f} min |")
    rows.append(f"| **total** | | **{st['step']:,}** | **{st['images']:,}** | **{st['train_seconds'] / 60:.1f} min** | |")
    return '\n'.join(rows)


def write_card_ledger(card, ledger, st):
    with open(card) as f:
        text = f.read()
    if LEDGER_START not in text:
        raise SystemExit(f'{card} has no {LEDGER_START} ... {LEDGER_END} section for the ledger')
    head, rest = text.split(LEDGER_START, 1)
    tail = rest.split(LEDGER_END, 1)[1]
    with open(card, 'w') as f:
        f.write(f'{head}{LEDGER_START}\n{ledger_markdown(ledger, st)}\n{LEDGER_END}{tail}')
