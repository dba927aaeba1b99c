"""Train SPADE (VAE mode) on procedural landscapes. One command, resumable, time-bounded.

    nice -n 10 /usr/bin/python3 -m models.train.train --name server --ngf 16 --nhidden 32 \
        --size 256 --low-size 128 --low-minutes 100 --total-minutes 140 --max-minutes 140

Runs on CUDA with mixed precision when available, else CPU with --threads threads.
Everything goes to models/train/runs/<name>/: ckpt/ (sharded, every file <= 16 MiB, resumed
automatically), samples/*.png, loss.png, log.jsonl, progress.txt.

Resolution schedule: the generator skips its first upsampling below the configured size
(same weights), so it trains at --low-size until --low-minutes of accumulated training time,
then at --size. LR is constant for the first half of --total-minutes and decays linearly to 0.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

from models import options
from models.train import training_state
from models.generators import GENERATORS, build_generator
from models.train.common import build_models, count_params, match_width, save_sharded, load_sharded, prefixed, unprefixed, grid, save_image, loss_plot
from models.train.data import make_batch, colorize, NUM_CLASSES, TIMES, SEASONS
from models.spade.generator import one_hot
from models.spade.encoder import reparameterize
from models.spade import loss as L
from models.spade import oasis as OASIS


def get_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='server')
    p.add_argument('--runs', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runs'))
    p.add_argument('--arch', default='spade', choices=list(GENERATORS),
                   help='generator; the baselines exist for models/evaluation comparisons')
    p.add_argument('--match-params', action='store_true',
                   help='baselines: pick the width whose generator has as many parameters as the SPADE one of --ngf/--nhidden')
    p.add_argument('--ngf', type=int, default=16)
    p.add_argument('--ngf-e', type=int, default=16, help='style encoder width')
    p.add_argument('--ndf', type=int, default=32)
    p.add_argument('--nhidden', type=int, default=32, help='SPADE hidden width (official 128)')
    p.add_argument('--z-dim', type=int, default=256)
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--low-size', type=int, default=0, help='train at this size first (0 = off)')
    p.add_argument('--low-minutes', type=float, default=0)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--batch-high', type=int, default=0, help='batch at full size (default --batch)')
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--lambda-feat', type=float, default=10.0)
    p.add_argument('--lambda-l1', type=float, default=10.0, help='multiscale L1 (VGG replacement); 0 = off')
    p.add_argument('--lambda-kld', type=float, default=0.05)
    p.add_argument('--disc', default='patchgan', choices=['patchgan', 'oasis'],
                   help='oasis: per-pixel (N+1)-class discriminator, class-balanced, LabelMix; no feature matching')
    p.add_argument('--lambda-labelmix', type=float, default=10.0, help='OASIS LabelMix consistency weight')
    p.add_argument('--kld-per-image', type=int, default=0,
                   help='1: KL summed over dimensions, averaged over the batch (the official sum over the batch '
                        'too makes its weight grow with the batch, pulling every code to the prior: one dusk style)')
    p.add_argument('--lambda-style', type=float, default=0.0,
                   help='weight of a linear probe on mu that must tell the time of day and season (the style '
                        'labels the data generator returns): the code has to carry them')
    p.add_argument('--ema', type=float, default=0.999)
    p.add_argument('--pool', type=int, default=256, help='buffer of generated samples')
    p.add_argument('--fresh', type=int, default=1, help='new samples generated per step')
    options.add_budget(p, 60)
    p.add_argument('--total-minutes', type=float, default=0, help='planned total (LR decay); default max')
    p.add_argument('--ckpt-minutes', type=float, default=5)
    p.add_argument('--sample-minutes', type=float, default=5)
    options.add_threads(p)
    options.add_seed(p, 1)
    p.add_argument('--device', default='auto')
    p.add_argument('--amp', type=int, default=1, help='mixed precision on CUDA (0 = fp32)')
    p.add_argument('--amp-dtype', default='fp16', choices=['fp16', 'bf16'],
                   help='bf16 needs no loss scaling (Ampere and later)')
    p.add_argument('--channels-last', type=int, default=0, help='NHWC memory format (faster convs on tensor cores)')
    p.add_argument('--quiet', action='store_true')
    p.add_argument('--profile-steps', type=int, default=0,
                   help='profile this many steps (after 3 warm-up steps) and write the top ops to <run>/profile.txt')
    p.add_argument('--state', default='', help='committed training state (models/<model>/training): a run '
                   'without its own checkpoint starts from it, and every checkpoint refreshes it with the ledger')
    p.add_argument('--card', default='', help='model card whose ledger section is rewritten with --state')
    return p.parse_args(argv)


class Pool:
    """Ring buffer of procedurally generated pairs, refreshed a few samples per step.

    Generating a 128 px sample costs ~65 ms on 2 cores, a third of a training step's share per
    image, so each sample is reused ~pool/fresh/batch... times instead of being thrown away.
    """

    def __init__(self, n, size, seed, device):
        self.n, self.size, self.dev, self.counter = n, size, device, seed * 1_000_003
        self.lab = torch.zeros(n, size, size, dtype=torch.long, device=device)
        self.img = torch.zeros(n, 3, size, size, device=device)
        self.style = torch.zeros(n, 2, dtype=torch.long, device=device)  # time of day, season
        self.pos = 0
        for i in range(0, n, 16):
            self.refresh(min(16, n - i))

    def refresh(self, k):
        lab, img, st = make_batch(self.counter, k, self.size, self.size, device=self.dev)
        self.counter += 1
        idx = ((torch.arange(k) + self.pos) % self.n).to(self.dev)
        self.lab[idx], self.img[idx] = lab, img
        self.style[idx] = torch.stack([st['time'], st['season']], 1).to(self.dev)
        self.pos = (self.pos + k) % self.n

    def sample(self, b, g):
        idx = torch.randint(0, self.n, (b,), generator=g).to(self.dev)
        lab, img = self.lab[idx], self.img[idx]
        flip = (torch.rand(b, generator=g) < 0.5).to(self.dev)  # mirror: scenes are symmetric
        lab = torch.where(flip.view(-1, 1, 1), lab.flip(-1), lab)
        img = torch.where(flip.view(-1, 1, 1, 1), img.flip(-1), img)
        return lab, img, self.style[idx]


def main(argv=None):
    a = get_args(argv)
    options.use_threads(a)
    dev = torch.device('cuda' if (a.device == 'auto' and torch.cuda.is_available()) else
                       (a.device if a.device != 'auto' else 'cpu'))
    amp = dev.type == 'cuda' and bool(a.amp)
    # CPU autocast accepts only bf16, even when disabled
    amp_dtype = torch.float16 if (amp and a.amp_dtype == 'fp16') else torch.bfloat16
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    run = os.path.join(a.runs, a.name)
    os.makedirs(os.path.join(run, 'samples'), exist_ok=True)
    ckdir = os.path.join(run, 'ckpt')
    cfg = {'label_nc': NUM_CLASSES, 'ngf': a.ngf, 'ngf_e': a.ngf_e, 'ndf': a.ndf, 'nhidden': a.nhidden,
           'z_dim': a.z_dim, 'size': a.size, 'upsampling': 'normal'}
    if a.disc != 'patchgan':
        cfg['disc'] = a.disc
    if a.arch != 'spade':
        if a.low_size:
            raise SystemExit('--low-size is a SPADE option (the baselines train at one size)')
        cfg['arch'] = a.arch
        if a.match_params:
            cfg['ngf'] = match_width(cfg, count_params(build_generator({**cfg, 'arch': 'spade', 'ngf': a.ngf})))
    G, E, D = build_models(cfg)
    oasis = cfg.get('disc') == 'oasis'
    cfg['params'] = count_params(G)
    G_ema, _, _ = build_models(cfg, with_d=False)
    for m in (G, E, D, G_ema):
        m.to(dev, memory_format=fmt)
    G_ema.load_state_dict(G.state_dict())
    G_ema.eval().requires_grad_(False)
    H = torch.nn.Linear(a.z_dim, len(TIMES) + len(SEASONS)).to(dev)  # the style probe (training only)
    # TTUR as the paper: G (and E) at lr/2, D at lr*2, beta1 0, beta2 0.9
    opt_G = torch.optim.Adam(list(G.parameters()) + list(E.parameters()) + list(H.parameters()), lr=a.lr / 2,
                             betas=(0.0, 0.9))
    opt_D = torch.optim.Adam(D.parameters(), lr=a.lr * 2, betas=(0.0, 0.9))
    # torch >= 2.3 has the device-generic scaler (torch.cuda.amp's is deprecated there)
    scaled = amp and amp_dtype == torch.float16
    Scaler = (lambda: torch.amp.GradScaler('cuda', enabled=scaled)) if hasattr(torch.amp, 'GradScaler') else \
        (lambda: torch.cuda.amp.GradScaler(enabled=scaled))
    scaler_G, scaler_D = Scaler(), Scaler()
    st = {'step': 0, 'images': 0, 'train_seconds': 0.0, 'cfg': cfg}
    if os.path.exists(os.path.join(ckdir, 'index.json')):
        s = load_sharded(ckdir, map_location=dev)
        G.load_state_dict(unprefixed(s, 'G.'))
        E.load_state_dict(unprefixed(s, 'E.'))
        D.load_state_dict(unprefixed(s, 'D.'))
        G_ema.load_state_dict(unprefixed(s, 'G_ema.'))
        fresh_head = not any(isinstance(k, str) and k.startswith('H.') for k in s)
        if not fresh_head:
            H.load_state_dict(unprefixed(s, 'H.'))
        if 'optG' in s['meta_opt'] and not fresh_head:  # an older checkpoint had no probe: optimisers fresh
            opt_G.load_state_dict(_opt_from(s, 'optG.', s['meta_opt']['optG']))
            opt_D.load_state_dict(_opt_from(s, 'optD.', s['meta_opt']['optD']))
        st.update({k: s[k] for k in ('step', 'images', 'train_seconds')})
        print(f"resumed {ckdir}: step {st['step']}, images {st['images']}, {st['train_seconds'] / 60:.1f} min", flush=True)
    elif a.state and os.path.exists(os.path.join(a.state, 'index.json')):
        s = training_state.load(a.state, dev)
        if s['cfg'] != {k: cfg[k] for k in s['cfg']}:
            raise SystemExit(f"{a.state} holds a {s['cfg']} model; this run asks for {cfg}")
        for m, prefix in ((G, 'G.'), (E, 'E.'), (D, 'D.'), (G_ema, 'G_ema.'), (H, 'H.')):
            if prefix != 'H.' or any(isinstance(k, str) and k.startswith('H.') for k in s):
                m.load_state_dict(unprefixed(s, prefix))
        st.update({k: s[k] for k in ('step', 'images', 'train_seconds')})  # optimisers start fresh
        print(f"started from the committed state {a.state}: step {st['step']}, images {st['images']}", flush=True)
    ledger = training_state.Ledger(a.state, st, dev) if a.state else None
    total = a.total_minutes or a.max_minutes
    with open(os.path.join(run, 'config.json'), 'w') as f:
        json.dump({**cfg, 'args': vars(a)}, f, indent=1)

    def cur_size():
        if a.low_size and st['train_seconds'] / 60 < a.low_minutes:
            return a.low_size
        return a.size

    size = cur_size()
    pool = Pool(a.pool, size, a.seed + st['step'], dev)
    g = torch.Generator().manual_seed(a.seed * 7919 + st['step'])
    # fixed evaluation scenes for sample grids
    ev_lab, ev_img, _ = make_batch(424242, 6, a.size, a.size, device=dev)
    ev_z = torch.randn(6, a.z_dim, generator=torch.Generator().manual_seed(7)).to(dev)
    log_path = os.path.join(run, 'log.jsonl')
    history = []
    if os.path.exists(log_path):
        with open(log_path) as f:
            history = [json.loads(l) for l in f if l.strip()]
        # keep the last contiguous segment up to the resumed step (a restarted run appends anew)
        cut = 0
        for i in range(1, len(history)):
            if history[i]['step'] <= history[i - 1]['step']:
                cut = i
        history = [h for h in history[cut:] if h['step'] <= st['step']]

    def save():
        state = {'step': st['step'], 'images': st['images'], 'train_seconds': st['train_seconds'], 'cfg': cfg}
        state.update(prefixed(G.state_dict(), 'G.'))
        state.update(prefixed(E.state_dict(), 'E.'))
        state.update(prefixed(D.state_dict(), 'D.'))
        state.update(prefixed(G_ema.state_dict(), 'G_ema.'))
        state.update(prefixed(H.state_dict(), 'H.'))
        mo = {}
        for name, opt in (('optG', opt_G), ('optD', opt_D)):
            t, meta = _opt_to(opt, name + '.')
            state.update(t)
            mo[name] = meta
        state['meta_opt'] = mo
        save_sharded(state, ckdir)
        if ledger:
            training_state.save(a.state, {'G.': G, 'E.': E, 'D.': D, 'G_ema.': G_ema, 'H.': H}, st, cfg, ledger.close(st),
                                a.card)

    def samples():
        with torch.no_grad():
            seg = one_hot(ev_lab, NUM_CLASSES)
            E.eval()
            mu, _ = E(ev_img)
            E.train()
            rec = G_ema(seg, mu)
            rnd = G_ema(seg, ev_z)
        rows = [[colorize(ev_lab)[i], (ev_img[i] + 1) / 2, (rec[i] + 1) / 2, (rnd[i] + 1) / 2] for i in range(6)]
        im = grid(rows)
        save_image(im, os.path.join(run, 'samples', 'latest.png'))
        save_image(im, os.path.join(run, 'samples', f"step{st['step']:06d}.png"))
        loss_plot(history, os.path.join(run, 'loss.png'), ['D', 'G_gan', 'G_feat', 'G_l1', 'KLD', 'style'])

    t_start = time.time()
    last_ck = last_sample = time.time()
    rate_t, rate_n = time.time(), 0
    start_step = st['step']
    logf = open(log_path, 'a')
    prof = None  # where a GPU step's time goes (images/s is far below what the device can do)
    while True:
        if a.profile_steps and st['step'] - start_step == 3:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU] +
                                          ([torch.profiler.ProfilerActivity.CUDA] if dev.type == 'cuda' else []))
            prof.__enter__()
        if prof and st['step'] - start_step == 3 + a.profile_steps:
            prof.__exit__(None, None, None)
            with open(os.path.join(run, 'profile.txt'), 'w') as f:
                for key in ('self_cuda_time_total', 'self_cpu_time_total') if dev.type == 'cuda' else ('self_cpu_time_total',):
                    f.write(f'{a.profile_steps} steps, by {key}\n')
                    f.write(prof.key_averages().table(sort_by=key, row_limit=30) + '\n')
            prof = None
        elapsed = time.time() - t_start
        if elapsed > a.max_minutes * 60 or (a.max_steps and st['step'] - start_step >= a.max_steps):
            break
        if cur_size() != size:
            size = cur_size()
            print(f'\nswitching to {size}px', flush=True)
            pool = Pool(a.pool, size, a.seed + st['step'], dev)
        t0 = time.time()
        # linear LR decay over the second half of the plan: --max-steps when given (equal-step
        # comparisons), else the planned total training time
        frac = (st['step'] - start_step) / a.max_steps if a.max_steps else st['train_seconds'] / 60 / total
        mult = 1.0 if frac < 0.5 else max(0.0, 1 - (frac - 0.5) / 0.5)
        for pg in opt_G.param_groups:
            pg['lr'] = a.lr / 2 * mult
        for pg in opt_D.param_groups:
            pg['lr'] = a.lr * 2 * mult
        b = a.batch_high if (size == a.size and a.batch_high) else a.batch
        pool.refresh(a.fresh)
        lab, real, style = pool.sample(b, g)
        seg, real = one_hot(lab, NUM_CLASSES).contiguous(memory_format=fmt), real.contiguous(memory_format=fmt)
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            mu, logvar = E(real)
            z = reparameterize(mu.float(), logvar.float())
            fake = G(seg, z)
        # --- discriminator step (fake from the current G, detached)
        D.requires_grad_(True)
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            if oasis:
                loss_D = OASIS.d_loss(D(real), D(fake.detach()), lab, NUM_CLASSES)
                if a.lambda_labelmix:
                    loss_D = loss_D + a.lambda_labelmix * OASIS.label_mix(D, real, fake.detach(), lab, NUM_CLASSES, g)
            else:
                pred_fake_d = D(torch.cat([seg, fake.detach()], 1))
                pred_real = D(torch.cat([seg, real], 1))
                loss_D = L.d_hinge(pred_real, pred_fake_d)
        opt_D.zero_grad(set_to_none=True)
        scaler_D.scale(loss_D).backward()
        scaler_D.step(opt_D)
        scaler_D.update()
        # --- generator + encoder step; D frozen so no weight grads are computed for it
        D.requires_grad_(False)
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            if oasis:  # D's per-pixel class labels are the whole adversarial signal
                l_gan, l_feat = OASIS.g_loss(D(fake), lab, NUM_CLASSES), torch.zeros((), device=dev)
            else:
                pred_fake = D(torch.cat([seg, fake], 1))
                l_gan = L.g_hinge(pred_fake)
                l_feat = L.feature_matching(pred_fake, [[f.detach() for f in p] for p in pred_real])
            l_l1 = L.multiscale_l1(fake.float(), real) if a.lambda_l1 else torch.zeros((), device=dev)
            l_kld = L.kld(mu.float(), logvar.float())
            logits = H(mu.float())
            l_style = (F.cross_entropy(logits[:, :len(TIMES)], style[:, 0]) +
                       F.cross_entropy(logits[:, len(TIMES):], style[:, 1])) if a.lambda_style else torch.zeros((), device=dev)
            loss_G = (l_gan + a.lambda_feat * l_feat + a.lambda_l1 * l_l1 + a.lambda_style * l_style +
                      a.lambda_kld * (l_kld / b if a.kld_per_image else l_kld))
        opt_G.zero_grad(set_to_none=True)
        scaler_G.scale(loss_G).backward()
        scaler_G.step(opt_G)
        scaler_G.update()
        with torch.no_grad():  # EMA of generator weights; buffers (BN stats) copied
            # warm-up decay: a plain 0.999 EMA of a run of a few hundred steps is still half
            # random init; (1+n)/(10+n) tracks early weights closely and tends to --ema
            decay = min(a.ema, (1 + st['step']) / (10 + st['step']))
            for pe, p in zip(G_ema.parameters(), G.parameters()):
                pe.lerp_(p, 1 - decay)
            for be, bb in zip(G_ema.buffers(), G.buffers()):
                be.copy_(bb)
        st['step'] += 1
        st['images'] += b
        st['train_seconds'] += time.time() - t0
        rate_n += b
        rec = {'step': st['step'], 'images': st['images'], 'size': size, 'D': loss_D.item(), 'G_gan': l_gan.item(),
               'G_feat': l_feat.item(), 'G_l1': l_l1.item(), 'KLD': l_kld.item() / b, 'style': l_style.item(), 'lr_mult': mult,
               'min': round(st['train_seconds'] / 60, 2)}
        history.append(rec)
        logf.write(json.dumps(rec) + '\n')
        if st['step'] % 10 == 0:
            logf.flush()
            now = time.time()
            ips = rate_n / (now - rate_t)
            left = a.max_minutes * 60 - (now - t_start)
            line = (f"step {st['step']} {size}px | {ips:.2f} img/s {(now - rate_t) / max(1, rate_n / b):.2f} s/it | "
                    f"D {rec['D']:.3f} G {rec['G_gan']:.3f} feat {rec['G_feat']:.3f} l1 {rec['G_l1']:.3f} "
                    f"kld {rec['KLD']:.1f} | {st['train_seconds'] / 60:.1f} min trained, ETA {left / 60:.1f} min")
            if not a.quiet:
                print('\r' + line, end='', flush=True) if sys.stdout.isatty() else print(line, flush=True)
            with open(os.path.join(run, 'progress.txt'), 'w') as f:
                f.write(line + '\n')
            rate_t, rate_n = now, 0
        if time.time() - last_sample > a.sample_minutes * 60:
            samples()
            last_sample = time.time()
        if time.time() - last_ck > a.ckpt_minutes * 60:
            save()
            last_ck = time.time()
    logf.close()
    save()
    samples()
    print(f"\ndone: step {st['step']}, images {st['images']}, trained {st['train_seconds'] / 60:.1f} min", flush=True)
    return st


def _opt_to(opt, prefix):
    """Optimizer state -> flat tensors + JSON meta (so it can go through the shard writer)."""
    sd = opt.state_dict()
    tensors = {}
    for pid, s in sd['state'].items():
        for k, v in s.items():
            tensors[f'{prefix}{pid}.{k}'] = v if torch.is_tensor(v) else torch.tensor(v)
    return tensors, {'param_groups': sd['param_groups']}


def _opt_from(s, prefix, meta):
    state = {}
    for k, v in s.items():
        if isinstance(k, str) and k.startswith(prefix):
            pid, name = k[len(prefix):].split('.', 1)
            state.setdefault(int(pid), {})[name] = v
    return {'state': state, 'param_groups': meta['param_groups']}


if __name__ == '__main__':
    main()
