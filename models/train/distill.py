"""Distil the server SPADE into the small preview SPADE.

    nice -n 10 /usr/bin/python3 -m models.train.distill --teacher models/train/runs/server \
        --name preview --ngf 8 --nhidden 32 --size 64 --max-minutes 20

The student sees the same label map (nearest-downsampled, as F.interpolate does inside SPADE)
and the same z as the teacher, and regresses the teacher's full-size render box-downsampled to
the student size, so the preview looks like a small version of what the server will paint.
z is half N(0, I) draws and half style-encoder means of procedural images (where presets
live); with --presets, a --preset-share of them are the shipped presets' own codes (fitted ones,
such as night, can lie outside both). Teacher renders are the expensive part on CPU, so they go into a ring buffer that
grows by --new-per-step renders per student step and is re-sampled.
--norm clade gives the student CLADE layers (models/spade/clade.py: per-class gamma/beta
instead of SPADE's label-map convs), several times cheaper in the browser at the same width.
Output: models/train/runs/<name>/ (ckpt/ sharded, samples/, loss.png, log.jsonl).
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F

from models import options
from models.train.common import build_models, save_sharded, load_sharded, prefixed, unprefixed, grid, save_image, loss_plot
from models.train.data import make_batch, colorize, NUM_CLASSES
from models.spade.generator import one_hot
from models.spade import loss as L

from models.export.load import load_run


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--teacher', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runs', 'server'))
    p.add_argument('--name', default='preview')
    p.add_argument('--teacher-render-size', type=int, default=0, help='teacher internal render size')
    p.add_argument('--teacher-which', default='G_ema', help='teacher weights: G_ema or G')
    p.add_argument('--runs', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runs'))
    p.add_argument('--ngf', type=int, default=8)
    p.add_argument('--nhidden', type=int, default=32)
    p.add_argument('--norm', choices=('spade', 'clade'), default='spade',
                   help='student normalisation: spade, or clade (per-class gamma/beta, no --nhidden)')
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--pool', type=int, default=4096)
    p.add_argument('--warm', type=int, default=48, help='teacher renders before the first step')
    p.add_argument('--new-per-step', type=int, default=2)
    p.add_argument('--presets', default='', help="a presets.json whose codes make up --preset-share of the teacher's z")
    p.add_argument('--preset-share', type=float, default=0.25, help='share of teacher renders with a preset code (the styles rooms vote for)')
    options.add_budget(p, 20)
    options.add_threads(p)
    options.add_seed(p, 11)
    a = p.parse_args(argv)
    options.use_threads(a)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    T, TE, tcfg, tmeta = load_run(a.teacher, a.teacher_which, a.teacher_render_size)
    tmeta['weights'] = a.teacher_which
    T.to(dev).requires_grad_(False)
    TE.to(dev).requires_grad_(False)
    TS = tcfg['size']
    assert TS % a.size == 0
    f = TS // a.size
    cfg = {'label_nc': NUM_CLASSES, 'ngf': a.ngf, 'ngf_e': 0, 'ndf': 0, 'nhidden': a.nhidden,
           'z_dim': tcfg['z_dim'], 'size': a.size, 'upsampling': 'normal', 'norm': a.norm, 'teacher': tmeta}
    S, _, _ = build_models(cfg, with_d=False)
    S.to(dev)
    opt = torch.optim.Adam(S.parameters(), lr=a.lr, betas=(0.5, 0.999))
    run = os.path.join(a.runs, a.name)
    os.makedirs(os.path.join(run, 'samples'), exist_ok=True)
    ckdir = os.path.join(run, 'ckpt')
    st = {'step': 0, 'images': 0, 'train_seconds': 0.0, 'teacher_renders': 0}
    if os.path.exists(os.path.join(ckdir, 'index.json')):
        s = load_sharded(ckdir, map_location=dev)
        S.load_state_dict(unprefixed(s, 'G.'))
        st.update({k: s[k] for k in st if k in s})
        print('resumed', st, flush=True)
    g = torch.Generator().manual_seed(a.seed + st['step'])
    lab_p = torch.zeros(a.pool, a.size, a.size, dtype=torch.long, device=dev)
    z_p = torch.zeros(a.pool, cfg['z_dim'], device=dev)
    tgt_p = torch.zeros(a.pool, 3, a.size, a.size, device=dev)
    n_p = [0]
    presets = torch.tensor([pr['z'] for pr in json.load(open(a.presets))], device=dev) if a.presets else None
    counter = [a.seed * 100_003 + st['teacher_renders']]

    @torch.no_grad()
    def render(k):
        lab, img, _ = make_batch(counter[0], k, TS, TS, device=dev)
        counter[0] += 1
        z = torch.randn(k, cfg['z_dim'], generator=g).to(dev)
        mu, _ = TE(img)
        use_mu = (torch.rand(k, generator=g) < 0.5).to(dev).view(-1, 1)
        z = torch.where(use_mu, mu, z)
        if presets is not None:  # the exact codes a room renders with, not only their neighbourhood
            pick = (torch.rand(k, generator=g) < a.preset_share).to(dev).view(-1, 1)
            z = torch.where(pick, presets[torch.randint(0, len(presets), (k,), generator=g).to(dev)], z)
        out = T(one_hot(lab, NUM_CLASSES), z)
        tgt = F.avg_pool2d(out, f) if f > 1 else out
        idx = (torch.arange(k, device=dev) + n_p[0]) % a.pool
        lab_p[idx], z_p[idx], tgt_p[idx] = lab[:, ::f, ::f], z, tgt
        n_p[0] += k
        st['teacher_renders'] += k

    for i in range(0, a.warm, 8):
        render(8)
    # fixed evaluation scenes for grids
    ev_lab, ev_img, _ = make_batch(424242, 6, TS, TS, device=dev)
    with torch.no_grad():
        ev_z, _ = TE(ev_img)
        ev_t = T(one_hot(ev_lab, NUM_CLASSES), ev_z)
    log_path = os.path.join(run, 'log.jsonl')
    history = []
    logf = open(log_path, 'a')

    def save():
        state = {k: v for k, v in st.items()}
        state['cfg'] = cfg
        state.update(prefixed(S.state_dict(), 'G.'))
        state.update(prefixed(S.state_dict(), 'G_ema.'))  # same layout as server runs for load_run
        save_sharded(state, ckdir)

    def samples():
        S.eval()
        with torch.no_grad():
            out = S(one_hot(ev_lab[:, ::f, ::f], NUM_CLASSES), ev_z)
        S.train()
        up = lambda x: F.interpolate(x, size=(TS, TS), mode='nearest')
        rows = [[colorize(ev_lab)[i], (ev_t[i] + 1) / 2, up((F.avg_pool2d(ev_t[i:i + 1], f) + 1) / 2)[0],
                 up((out[i:i + 1] + 1) / 2)[0]] for i in range(6)]
        im = grid(rows)
        save_image(im, os.path.join(run, 'samples', 'latest.png'))
        loss_plot(history, os.path.join(run, 'loss.png'), ['l1'])

    t_start, last_ck, last_s = time.time(), time.time(), time.time()
    while time.time() - t_start < a.max_minutes * 60 and not (a.max_steps and st['step'] >= a.max_steps):
        t0 = time.time()
        render(a.new_per_step)
        # cosine LR decay over the planned time
        frac = min(1.0, (time.time() - t_start) / (a.max_minutes * 60))
        for pg in opt.param_groups:
            pg['lr'] = a.lr * 0.5 * (1 + torch.cos(torch.tensor(frac * 3.14159)).item()) + 1e-5
        n = min(n_p[0], a.pool)
        idx = torch.randint(0, n, (a.batch,), generator=g).to(dev)
        out = S(one_hot(lab_p[idx], NUM_CLASSES), z_p[idx])
        loss = L.multiscale_l1(out, tgt_p[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        st['step'] += 1
        st['images'] += a.batch
        st['train_seconds'] += time.time() - t0
        rec = {'step': st['step'], 'l1': loss.item(), 'renders': st['teacher_renders']}
        history.append(rec)
        logf.write(json.dumps(rec) + '\n')
        if st['step'] % 20 == 0:
            left = a.max_minutes * 60 - (time.time() - t_start)
            sl = sum(h['l1'] for h in history[-20:]) / 20
            print(f"step {st['step']} | {(time.time() - t_start) / st['step'] if st['step'] else 0:.2f} s/it | "
                  f"l1 {sl:.4f} | teacher renders {st['teacher_renders']} | ETA {left / 60:.1f} min", flush=True)
            logf.flush()
        if time.time() - last_s > 120:
            samples()
            last_s = time.time()
        if time.time() - last_ck > 240:
            save()
            last_ck = time.time()
    logf.close()
    # BN running stats: refresh them on pool data with the final weights (momentum averaging
    # over a changing network lags), so eval mode matches what training optimised.
    with torch.no_grad():
        for m in S.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # cumulative average
        n = min(n_p[0], a.pool)
        for i in range(0, min(n, 1024), a.batch):
            ids = torch.arange(i, min(i + a.batch, n), device=dev)
            S(one_hot(lab_p[ids], NUM_CLASSES), z_p[ids])
    save()
    samples()
    print('done', st, flush=True)


if __name__ == '__main__':
    main()
