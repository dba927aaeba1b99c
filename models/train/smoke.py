"""Fast smoke test (a few seconds on CPU): data generator, SPADE train step + resume,
distillation step, ONNX and tfjs export on tiny sizes. Exit code 0 = pass.

    /usr/bin/python3 -m models.train.smoke
"""
import os
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
from models.train.data import make_batch, NUM_CLASSES, NAMES
from models.train import train
from models.train import distill
from models.train import training_state

from models.export.load import load_run
from models.export import onnx_export
from models.export import tfjs_export


def check(cond, msg):
    if not cond:
        raise SystemExit('SMOKE FAIL: ' + msg)
    print('ok -', msg, flush=True)


def main():
    t0 = time.time()
    torch.set_num_threads(2)
    check(NUM_CLASSES == 16 and NAMES[0] == 'sky' and NAMES[15] == 'fog', 'label set = labels.json')
    lab, img, st = make_batch(3, 2, 32, 48)
    check(lab.shape == (2, 32, 48) and img.shape == (2, 3, 32, 48), 'data shapes (non-square)')
    check(int(lab.min()) >= 0 and int(lab.max()) < NUM_CLASSES, 'label ids in range')
    check(float(img.min()) >= -1 and float(img.max()) <= 1 and float(img.std()) > 0.05, 'image in [-1,1], not flat')
    lab2, img2, _ = make_batch(3, 2, 32, 48)
    check(torch.equal(lab, lab2) and torch.equal(img, img2), 'deterministic by seed')
    with tempfile.TemporaryDirectory() as tmp:
        tiny = ['--runs', tmp, '--name', 'tiny', '--ngf', '4', '--ngf-e', '4', '--ndf', '8', '--nhidden', '8',
                '--size', '32', '--low-size', '16', '--low-minutes', '0.001', '--batch', '2', '--pool', '4',
                '--max-minutes', '2', '--quiet', '--sample-minutes', '100']
        s1 = train.main(tiny + ['--max-steps', '2'])
        check(s1['step'] == 2, 'train steps run')
        files = os.listdir(os.path.join(tmp, 'tiny', 'ckpt'))
        check(all(os.path.getsize(os.path.join(tmp, 'tiny', 'ckpt', f)) <= 16 * 2 ** 20 for f in files), 'checkpoint files <= 16 MiB')
        s2 = train.main(tiny + ['--max-steps', '1'])
        check(s2['step'] == 3, 'resume continues from the checkpoint')
        check(os.path.exists(os.path.join(tmp, 'tiny', 'samples', 'latest.png')), 'sample grid written')
        state, card = os.path.join(tmp, 'state'), os.path.join(tmp, 'CARD.md')
        with open(card, 'w') as f:
            f.write('# card\n<!-- ledger:start -->\n<!-- ledger:end -->\nafter\n')
        stated = tiny[:3] + ['tiny_a'] + tiny[4:] + ['--state', state, '--card', card, '--lambda-style', '1', '--kld-per-image', '1']
        train.main(stated + ['--max-steps', '2'])
        s3 = train.main(tiny[:3] + ['tiny_b'] + tiny[4:] + ['--state', state, '--card', card, '--max-steps', '1'])
        so = train.main(tiny[:3] + ['tiny_oasis'] + tiny[4:] + ['--disc', 'oasis', '--max-steps', '2'])
        check(so['step'] == 2 and so['cfg']['disc'] == 'oasis', 'OASIS discriminator trains (per-pixel classes, LabelMix)')
        check(s3['step'] == 3 and s3['images'] == 6, 'a new run continues from the committed state')
        ledger = training_state.read_ledger(state)
        check([r['steps'] for r in ledger] == [2, 1] and all(r['hardware'] for r in ledger), 'ledger: one row per run')
        text = open(card).read()
        check('| **total** | | **3** | **6** |' in text and text.endswith('after\n'), 'ledger written into the card')
        check(not os.path.exists(state + '.old'), 'one copy of the state kept')
        distill.main(['--teacher', os.path.join(tmp, 'tiny'), '--runs', tmp, '--name', 'student', '--ngf', '4',
                      '--nhidden', '8', '--size', '32', '--batch', '2', '--pool', '8', '--warm', '2',
                      '--max-steps', '2', '--new-per-step', '1'])
        check(os.path.exists(os.path.join(tmp, 'student', 'ckpt', 'index.json')), 'distillation step + checkpoint')
        G, E, cfg, _ = load_run(os.path.join(tmp, 'tiny'))
        path = os.path.join(tmp, 'g.onnx')
        onnx_export.export_generator(G, cfg, path, fp16=True)
        check(os.path.getsize(path) > 1000, 'ONNX export (fp16 storage, OneHot in graph)')
        P, _, pcfg, _ = load_run(os.path.join(tmp, 'student'))
        named, _ = tfjs_export.collect(P)
        q, deq, lo, scale = tfjs_export.quantize(named[0][1])
        check(q.dtype == torch.uint8 and float((deq - named[0][1]).abs().max()) <= scale / 2 + 1e-6, 'tfjs uint8 quantisation')
    print(f'smoke passed in {time.time() - t0:.1f} s')


if __name__ == '__main__':
    main()
