"""Procedural painted-landscape generator: (label map, image) pairs from a seed.

There is no photo dataset here, so training data is synthesised. Everything is torch tensor
ops over the whole batch (no per-pixel Python loops), so it feeds training on the fly on CPU
and runs unchanged on a GPU. All random draws come from a CPU torch.Generator seeded by the
caller and use fixed-size noise grids that are resized to the output, so a seed gives the same
scene (layout and style) at any resolution and on any device.

Label ids and names come from models/landscape/labels.json (the canvas palette).

    labels, images, style = make_batch(seed, batch=4, height=256, width=256)
    labels: int64 [B,H,W]; images: float32 [B,3,H,W] in [-1,1]; style: dict of [B] tensors

CLI: /usr/bin/python3 -m models.train.data --sheet models/train/contact_sheet.jpg
"""
import json
import math
import os

import torch
import torch.nn.functional as F

from models import options
from models.train.common import save_image

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS_PATH = os.path.join(HERE, '..', 'landscape', 'labels.json')
with open(LABELS_PATH) as f:
    LABELSET = json.load(f)
NAMES = [l['name'] for l in LABELSET['labels']]
ID = {n: i for i, n in enumerate(NAMES)}
NUM_CLASSES = len(NAMES)
PALETTE = torch.tensor([l['color'] for l in LABELSET['labels']], dtype=torch.float32) / 255.0

# Style vocabularies. The integer codes are returned with each batch so that presets can be
# built per style (e.g. the encoder's mean z over all "golden hour" images).
TIMES = ['noon', 'afternoon', 'golden', 'sunset', 'night', 'overcast']
SEASONS = ['summer', 'spring', 'autumn', 'winter']


def _c(*rgb):
    return [v / 255.0 for v in rgb]


# Per time of day: sky zenith, sky horizon, light colour (multiplies lit surfaces),
# ambient level, sun height above the horizon (fraction of sky height).
SKY_ZENITH = torch.tensor([_c(52, 112, 206), _c(70, 126, 200), _c(86, 104, 170), _c(60, 56, 120),
                           _c(6, 10, 30), _c(128, 136, 150)])
SKY_HORIZON = torch.tensor([_c(178, 214, 240), _c(200, 216, 232), _c(250, 196, 128), _c(250, 132, 86),
                            _c(24, 38, 72), _c(188, 192, 198)])
LIGHT = torch.tensor([_c(255, 252, 240), _c(255, 240, 214), _c(255, 196, 130), _c(240, 150, 120),
                      _c(90, 110, 170), _c(205, 210, 215)])
AMBIENT = torch.tensor([1.0, 0.92, 0.8, 0.62, 0.36, 0.78])
SUN_H = torch.tensor([0.9, 0.55, 0.12, 0.02, 0.5, 0.7])
TIME_P = torch.tensor([0.2, 0.18, 0.2, 0.12, 0.14, 0.16])

# Per season: grass, tree foliage (two tones), bush, hill tint.
GRASS = torch.tensor([_c(86, 150, 52), _c(110, 178, 70), _c(150, 136, 60), _c(215, 222, 232)])
FOLIAGE_A = torch.tensor([_c(34, 92, 40), _c(52, 122, 48), _c(196, 96, 30), _c(70, 60, 52)])
FOLIAGE_B = torch.tensor([_c(60, 122, 44), _c(96, 160, 64), _c(220, 170, 48), _c(110, 98, 86)])
BUSH = torch.tensor([_c(92, 124, 40), _c(110, 150, 56), _c(170, 90, 40), _c(120, 110, 96)])
HILL = torch.tensor([_c(104, 140, 66), _c(120, 160, 80), _c(160, 120, 70), _c(200, 206, 216)])
SEASON_P = torch.tensor([0.34, 0.2, 0.24, 0.22])
FLOWER_COLORS = torch.tensor([_c(236, 80, 150), _c(250, 220, 60), _c(245, 245, 250), _c(150, 90, 210),
                              _c(230, 50, 50), _c(255, 150, 40)])


class Rng:
    """Batch random helper: draws on a seeded CPU generator, computes on `device`."""

    def __init__(self, seed, B, H, W, device):
        self.g = torch.Generator().manual_seed(int(seed))
        self.B, self.H, self.W, self.dev = B, H, W, device

    def u(self, lo=0.0, hi=1.0):  # per-sample scalar, shaped to broadcast over (B,H,W)
        return (lo + (hi - lo) * torch.rand(self.B, generator=self.g)).to(self.dev).view(-1, 1, 1)

    def uk(self, k, lo=0.0, hi=1.0):  # per-sample, per-object scalars [B,K]
        return (lo + (hi - lo) * torch.rand(self.B, k, generator=self.g)).to(self.dev)

    def coin(self, p):
        return (torch.rand(self.B, generator=self.g) < p).to(self.dev).view(-1, 1, 1)

    def cat(self, probs):
        return torch.multinomial(probs, self.B, replacement=True, generator=self.g).to(self.dev)

    def grid(self, gh, gw):
        return torch.rand(self.B, 1, gh, gw, generator=self.g).to(self.dev)

    def noise(self, gh, gw, mode='bicubic'):
        """Value noise on a gh x gw lattice resized to H x W, in ~[0,1]."""
        g = self.grid(gh, gw)
        kw = {} if mode == 'nearest' else {'align_corners': False}
        return F.interpolate(g, size=(self.H, self.W), mode=mode, **kw)[:, 0].clamp(0, 1)

    def fbm(self, gh, gw, octaves=4, gain=0.5):
        tot, amp, norm = 0.0, 1.0, 0.0
        for o in range(octaves):
            tot = tot + amp * self.noise(min(gh * 2 ** o, 512), min(gw * 2 ** o, 512))
            norm += amp
            amp *= gain
        return tot / norm

    def line(self, n, octaves=4, ridged=False, gain=0.5):
        """1-D fractal noise across x -> [B,1,W] in ~[0,1] (ridge lines, shores)."""
        tot, amp, norm = 0.0, 1.0, 0.0
        for o in range(octaves):
            g = torch.rand(self.B, 1, 1, n * 2 ** o + 3, generator=self.g).to(self.dev)
            v = F.interpolate(g, size=(1, self.W + 2), mode='bicubic', align_corners=True)[:, 0, :, 1:-1]
            v = v.clamp(0, 1)
            if ridged:
                v = 1 - (2 * v - 1).abs()
            tot, norm, amp = tot + amp * v, norm + amp, amp * gain
        return tot / norm


def smoothstep(a, b, x):
    t = ((x - a) / (b - a)).clamp(0, 1)
    return t * t * (3 - 2 * t)


def lerp(a, b, t):
    return a + (b - a) * t


def col(table, idx):
    """Per-sample colour from a [K,3] table -> [B,3,1,1]."""
    return table.to(idx.device)[idx].view(-1, 3, 1, 1)


def _blur(x, k=3):
    return F.avg_pool2d(F.pad(x, (k // 2,) * 4, mode='replicate'), k, stride=1)


@torch.no_grad()
def make_batch(seed, batch=4, height=256, width=256, device='cpu', style=None):
    """Return (labels [B,H,W] int64, images [B,3,H,W] in [-1,1], style dict).

    `style` may force {'time': int or [B], 'season': int or [B], 'mist': float} (used to build
    per-style presets); otherwise everything is random from `seed`.
    """
    forced = os.environ.get('SPADE_DATA_DEVICE')
    if forced and torch.device(forced) != torch.device(device):
        # escape hatch for a device where the generator's ops misbehave: compute there, move
        lab, img, st = make_batch(seed, batch, height, width, forced, style)
        return lab.to(device), img.to(device), {k: v.to(device) for k, v in st.items()}
    B, H, W = batch, height, width
    dev = torch.device(device)
    r = Rng(seed, B, H, W, dev)
    Y = ((torch.arange(H, device=dev, dtype=torch.float32) + 0.5) / H).view(1, H, 1)
    X = ((torch.arange(W, device=dev, dtype=torch.float32) + 0.5) / W).view(1, 1, W)
    aspect = W / H  # x distances in units of image height, so round things stay round

    # ---------------- style ----------------
    tod = r.cat(TIME_P)
    season = r.cat(SEASON_P)
    if style is not None:
        if 'time' in style:
            tod = torch.as_tensor(style['time'], device=dev).expand(B).clone()
        if 'season' in style:
            season = torch.as_tensor(style['season'], device=dev).expand(B).clone()
    winter = (season == 3).view(-1, 1, 1)
    autumn = (season == 2).view(-1, 1, 1)
    night = (tod == 4).view(-1, 1, 1)
    overcast = (tod == 5).view(-1, 1, 1)
    mist = r.u() < 0.18
    if style is not None and 'mist' in style:
        mist = torch.full_like(mist, bool(style['mist']))
    haze = r.u(0.1, 0.45) + 0.35 * mist.float() + 0.15 * overcast.float()
    zen = col(SKY_ZENITH, tod) * (0.9 + 0.2 * r.u()).unsqueeze(1)
    hor = col(SKY_HORIZON, tod) * (0.92 + 0.12 * r.u()).unsqueeze(1)
    light = col(LIGHT, tod)
    amb = AMBIENT.to(dev)[tod].view(-1, 1, 1, 1)
    sun_x = r.u(0.1, 0.9)
    sun_side = torch.sign(sun_x - 0.5)  # which flank of a mountain is lit

    # ---------------- layout (labels) ----------------
    L = torch.full((B, H, W), ID['sky'], dtype=torch.long, device=dev)

    def put(mask, name):
        nonlocal L
        L = torch.where(mask, torch.full_like(L, ID[name]), L)

    hz = r.u(0.36, 0.62)  # horizon
    sun_y = hz * (1 - SUN_H.to(dev)[tod].view(-1, 1, 1)) + 0.02 * r.u()

    # clouds: anisotropic fbm thresholded; denser when overcast
    cl_n = r.fbm(3, 2, octaves=5) * 0.6 + r.fbm(6, 3, octaves=3) * 0.4
    cloudy = r.u(0.2, 1.0) * r.coin(0.8).float() + 0.5 * overcast.float()
    cl_thr = 0.68 - 0.25 * cloudy.clamp(0, 1)
    cl_field = cl_n - 0.12 * (Y / hz)  # clouds thin out towards the horizon
    put((cl_field > cl_thr) & (Y < hz), 'clouds')

    # far mountain range (hazier) then near range
    far_on = r.coin(0.5)
    far_amp = r.u(0.2, 0.65) * hz
    far_ridge = hz - far_amp * r.line(3, octaves=5, ridged=True, gain=0.55) - 0.01
    near_on = r.coin(0.72)
    near_amp = r.u(0.12, 0.6) * hz
    near_prof = r.line(2, octaves=5, ridged=True, gain=0.55)
    near_ridge = hz - near_amp * near_prof
    far_m = far_on & (Y > far_ridge) & (Y < hz + 0.002)
    near_m = near_on & (Y > near_ridge) & (Y < hz + 0.002)
    put(far_m | near_m, 'mountain')
    # snow caps above a snow line (lower in winter), with a noisy boundary
    snow_n = r.fbm(16, 8, octaves=3)
    snow_frac = torch.where(winter, r.u(0.35, 0.7), r.u(0.0, 0.4)) * r.coin(0.8).float()
    snowline_near = hz - near_amp * (1 - snow_frac) + 0.04 * (snow_n - 0.5) * hz
    snowline_far = hz - far_amp * (1 - snow_frac) + 0.04 * (snow_n - 0.5) * hz
    near_snow = near_m & (Y < snowline_near)
    far_snow = far_m & ~near_m & (Y < snowline_far)
    put(near_snow | far_snow, 'snow')

    # rolling hills in front of the mountains
    hill_on = r.coin(0.55)
    hill_ridge = hz - r.u(0.03, 0.12) * hz * r.line(2, octaves=3) - 0.005
    hill_m = hill_on & (Y > hill_ridge) & (Y < hz + 0.002)
    put(hill_m, 'hill')

    # ground
    ground = Y >= hz
    t = ((Y - hz) / (1 - hz)).clamp(0, 1)  # 0 at horizon, 1 at the bottom: perspective depth
    winter_ground = winter & r.coin(0.8)
    put(ground, 'grass')
    put(ground & winter_ground, 'snow')
    dirt_n = r.fbm(6, 6, octaves=4)
    put(ground & r.coin(0.35) & (dirt_n > r.u(0.6, 0.72)) & (t > 0.15), 'dirt')

    # water: sea to the horizon with a beach, or a lake below the mountains
    scene = r.cat(torch.tensor([0.28, 0.32, 0.40]))  # 0 sea, 1 lake, 2 land
    sea_s = (scene == 0).view(-1, 1, 1)
    lake_s = (scene == 1).view(-1, 1, 1)
    shore = hz + (1 - hz) * (r.u(0.15, 0.5) + 0.08 * (r.line(3, octaves=4) - 0.5))
    beach_w = (1 - hz) * r.u(0.08, 0.3)
    sand_all = r.coin(0.4)
    sea_m = sea_s & ground & (Y < shore)
    beach_m = sea_s & ground & (Y >= shore) & ((Y < shore + beach_w) | sand_all)
    put(beach_m, 'sand')
    lcx, lrx = r.u(0.2, 0.8), r.u(0.25, 0.7)
    ltop = hz + (1 - hz) * r.u(0.0, 0.08)
    lry = (1 - hz) * r.u(0.15, 0.45)
    wob = 0.25 * (r.fbm(4, 4, octaves=3) - 0.5)
    le = ((X - lcx) / lrx) ** 2 + ((Y - ltop) / lry) ** 2
    lake_m = lake_s & (Y >= ltop) & (le < 1 + wob)
    lake_sand = lake_s & r.coin(0.35) & (Y >= ltop) & (le < 1.25 + wob) & ~lake_m
    put(lake_sand, 'sand')

    # river meandering from the horizon to the bottom, widening with perspective
    river_on = (r.coin(0.45) & ~sea_s) | (sea_s & r.coin(0.15))
    rc0, ramp, rfreq, rph = r.u(0.25, 0.75), r.u(0.05, 0.3), r.u(2.0, 6.0), r.u(0, 6.28)
    rcx = rc0 + ramp * torch.sin(rfreq * t + rph) * t + 0.03 * (r.fbm(8, 2, octaves=2) - 0.5)
    rw = (0.008 + r.u(0.06, 0.22) * t ** 1.2) / aspect
    river_m = river_on & ground & ((X - rcx).abs() < rw * 0.5) & (Y > hz + 0.004)
    river_bank = river_m.logical_not() & river_on & ground & ((X - rcx).abs() < rw * 0.5 + 0.012 + 0.02 * t) \
        & r.coin(0.4) & (Y > hz + 0.01)
    put(river_bank & ~sea_m, 'sand')

    # road / dirt path in perspective towards a vanishing point on the horizon
    road_on = r.coin(0.22) & ~river_on
    path_on = r.coin(0.15) & ~river_on & ~road_on
    pc0, pamp, pph = r.u(0.3, 0.7), r.u(-0.25, 0.25), r.u(0, 6.28)
    pcx = pc0 + pamp * t ** 2 + 0.05 * torch.sin(3 * t + pph) * t
    pw = (0.004 + r.u(0.2, 0.45) * t ** 1.1) / aspect
    path_m = ground & ((X - pcx).abs() < pw * 0.5) & (Y > hz + 0.006)
    put(path_m & road_on, 'road')
    put(path_m & path_on, 'dirt')
    put(sea_m, 'sea')
    put(lake_m, 'sea')
    put(river_m & ~sea_m & ~lake_m, 'river')
    water = (L == ID['sea']) | (L == ID['river'])

    # flowers: patches in foreground grass (not in winter)
    fl_n = r.fbm(5, 5, octaves=4)
    flower_on = r.coin(0.4) & ~winter
    put(flower_on & (L == ID['grass']) & (fl_n > r.u(0.58, 0.7)) & (t > 0.2), 'flower')

    # rocks: irregular boulders on land, plus rocky outcrops on hills
    K = 8
    rk_on = r.coin(0.45)
    rx, ry = r.uk(K, 0, 1), r.uk(K, 0, 1)
    rb = hz.view(B, 1) + (1 - hz.view(B, 1)) * (0.1 + 0.95 * ry)  # base y
    rsz = (0.015 + 0.14 * ((rb - hz.view(B, 1)) / (1 - hz.view(B, 1))) ** 1.3) * r.uk(K, 0.6, 1.4)
    rk_active = rk_on.view(B, 1) & (r.uk(K) < r.u(0.2, 1.0).view(B, 1))
    rock_n = r.fbm(12, 12, octaves=3)
    rdx = (X.unsqueeze(1) - rx.view(B, K, 1, 1)) * aspect / rsz.view(B, K, 1, 1)
    rdy = (Y.unsqueeze(1) - rb.view(B, K, 1, 1)) / rsz.view(B, K, 1, 1)
    # dome: flat bottom at the base, rounded top
    rock_d = rdx ** 2 + (rdy * 1.6) ** 2
    rock_any = (rk_active.view(B, K, 1, 1) & (rdy < 0.15) & (rock_d < 0.9 + 0.6 * (rock_n.unsqueeze(1) - 0.5))).any(1)
    outcrop = hill_m & r.coin(0.3) & (r.fbm(8, 8, octaves=3) > 0.64)
    put((rock_any & ~water) | outcrop, 'rock')

    # trees: forest band along the horizon + scattered trees in perspective
    land_ids = torch.tensor([ID['grass'], ID['snow'], ID['dirt'], ID['hill'], ID['flower']], device=dev)

    def on_land(xs, ys):
        xi = (xs * W).long().clamp(0, W - 1)
        yi = (ys * H).long().clamp(0, H - 1)
        lab = L.view(B, -1).gather(1, yi * W + xi)
        return (lab.unsqueeze(-1) == land_ids).any(-1)

    band_on = r.coin(0.35)
    band_top = hz - r.u(0.015, 0.06) * (0.5 + r.line(24, octaves=3, ridged=True))
    band_bot = hz + r.u(0.0, 0.05) * (1 - hz)
    band_m = band_on & (Y > band_top) & (Y < band_bot) & ~water & ((L != ID['sky']) | (Y > hz - 0.08))
    band_m = band_m & ~(sea_s & (Y < shore + 0.01))
    put(band_m, 'tree')

    T = 28
    density = r.u(0.0, 1.0) ** 1.5
    tx = r.uk(T, -0.05, 1.05)
    tb = hz.view(B, 1) - 0.02 + (1.08 - hz.view(B, 1)) * r.uk(T) ** 0.8
    tdepth = ((tb - hz.view(B, 1)) / (1 - hz.view(B, 1))).clamp(0.02, 1.2)
    th = (0.04 + 0.36 * tdepth ** 1.2) * r.uk(T, 0.7, 1.3)
    conifer = r.uk(T) < torch.where(winter.view(B, 1), 0.6, 0.35) * r.u(0.3, 1.7).view(B, 1)
    t_on = (r.uk(T) < density.view(B, 1)) & on_land(tx.clamp(0, 1), tb.clamp(0, 0.999))
    # crown geometry
    crown_n = r.fbm(24, 24, octaves=3)
    dx = (X.unsqueeze(1) - tx.view(B, T, 1, 1)) * aspect / th.view(B, T, 1, 1)  # in tree heights
    dy = (Y.unsqueeze(1) - tb.view(B, T, 1, 1)) / th.view(B, T, 1, 1)           # 0 at base, -1 top
    dx, dy = dx.expand(B, T, H, W), dy.expand(B, T, H, W)
    jag = (crown_n.unsqueeze(1) - 0.5)
    # deciduous: ellipse crown centred at 62% height, trunk below
    cd = (dx / 0.34) ** 2 + ((dy + 0.6) / 0.38) ** 2
    dec_crown = cd < 1 + 0.8 * jag
    # conifer: triangle tapering upwards with jagged tiers
    tier = 0.05 * torch.sin(dy * 40)
    con_crown = (dy < -0.12) & (dy > -1.0) & (dx.abs() < (dy + 1.0) * 0.3 + tier + 0.15 * jag)
    trunk = (dy <= 0) & (dy > -0.3) & (dx.abs() < 0.035)
    crown = torch.where(conifer.view(B, T, 1, 1), con_crown, dec_crown)
    tree_m = t_on.view(B, T, 1, 1) & (crown | trunk)
    # frontmost tree per pixel (larger base y is nearer) for per-tree shading
    depth_key = torch.where(tree_m, tb.view(B, T, 1, 1), torch.full_like(dx, -9.0))
    front = depth_key.argmax(1)
    tree_any = tree_m.any(1)
    put(tree_any, 'tree')

    # bushes: low, wide blobs
    Kb = 14
    bx = r.uk(Kb, -0.05, 1.05)
    bb = hz.view(B, 1) + (1.06 - hz.view(B, 1)) * r.uk(Kb, 0.05, 1.0)
    bdepth = ((bb - hz.view(B, 1)) / (1 - hz.view(B, 1))).clamp(0.02, 1.2)
    bh = (0.015 + 0.16 * bdepth ** 1.2) * r.uk(Kb, 0.7, 1.4)
    b_on = (r.uk(Kb) < r.u(0.0, 0.9).view(B, 1) * r.coin(0.6).view(B, 1).float()) & on_land(bx.clamp(0, 1), bb.clamp(0, 0.999))
    bdx = (X.unsqueeze(1) - bx.view(B, Kb, 1, 1)) * aspect / bh.view(B, Kb, 1, 1)
    bdy = (Y.unsqueeze(1) - bb.view(B, Kb, 1, 1)) / bh.view(B, Kb, 1, 1)
    bush_m = b_on.view(B, Kb, 1, 1) & (bdy < 0.05) & ((bdx / 0.9) ** 2 + ((bdy + 0.45) / 0.5) ** 2 < 1 + 0.9 * jag)
    put(bush_m.any(1) & ~tree_any, 'bush')

    # fog: a bank across the horizon when misty (in front of the far scenery, behind near objects)
    fog_n = r.fbm(3, 6, octaves=4)
    fog_h = r.u(0.04, 0.12)
    fog_m = mist & r.coin(0.85) & ((Y - (hz - 0.02)).abs() < fog_h * (0.4 + fog_n)) & \
        ((L == ID['mountain']) | (L == ID['hill']) | (L == ID['snow']) | (L == ID['sea']) | (L == ID['grass'])
         | (L == ID['tree']) & (Y < hz + 0.05) | (L == ID['sky']) & (Y > hz - 0.06))
    fog_m = fog_m & ~(tree_any & (Y > hz + 0.03))
    put(fog_m, 'fog')

    # ---------------- rendering ----------------
    Yb, Xb = Y.unsqueeze(1), X.unsqueeze(1)
    img = torch.zeros(B, 3, H, W, device=dev)
    u1 = lambda n: n.unsqueeze(1)  # [B,H,W] -> [B,1,H,W]
    lit = light * amb  # colour of directly lit surfaces

    # sky: vertical gradient, sun glow, stars at night
    sky_t = (Yb / hz.unsqueeze(1)).clamp(0, 1.2) ** 1.6
    sky = lerp(zen, hor, sky_t.clamp(0, 1))
    sdx, sdy = (Xb - sun_x.unsqueeze(1)) * aspect, Yb - sun_y.unsqueeze(1)
    sd2 = sdx ** 2 + sdy ** 2
    glow_amt = torch.where(u1(night) | u1(overcast), 0.0, 1.0)
    sun_col = lerp(light, torch.ones_like(light), 0.4)
    sky = sky + glow_amt * sun_col * (0.35 * torch.exp(-sd2 / 0.02) + 0.8 * (sd2 < 0.0012).float())
    moon = u1(night) & (sd2 < 0.0009)
    sky = torch.where(moon, torch.tensor([0.92, 0.92, 0.85], device=dev).view(1, 3, 1, 1), sky)
    stars = (r.noise(256, 256, mode='nearest') > 0.996).float() * r.noise(64, 64)
    sky = sky + u1(night).float() * u1(stars) * 0.9 * (1 - sky_t.clamp(0, 1))
    img = torch.where(u1(L == ID['sky']), sky, img)

    # clouds: lit tops, shaded bellies, tinted by the light (pink/orange at golden hour)
    cl_shade = (cl_n - F.pad(cl_n, (0, 0, 0, 3), mode='replicate')[:, 3:, :]).clamp(-0.1, 0.1) * 5  # lit from above
    cl_base = lerp(hor, torch.ones_like(hor), 0.5) * torch.where(u1(night), 0.25, 1.0)
    cl_dark = lerp(zen, hor, 0.5) * 0.75
    cloud = lerp(cl_dark, cl_base * lerp(torch.ones_like(light), light, 0.6), (0.55 - u1(cl_shade) * 0.6 + 0.3 * u1(cl_n)).clamp(0, 1))
    cloud = torch.where(u1(overcast), lerp(cloud, hor * 0.85, 0.4), cloud)
    alpha = smoothstep(cl_thr, cl_thr + 0.08, cl_field)
    cl_region = u1((L == ID['sky']) | (L == ID['clouds']))
    img = torch.where(cl_region, lerp(img if True else sky, cloud, u1(alpha)), img)
    img = torch.where(u1(L == ID['clouds']), lerp(sky, cloud, u1(alpha).clamp(0.55, 1)), img)

    # mountains: rock tone, slope shading from the ridge profile, vertical erosion streaks,
    # atmospheric perspective (blend towards the horizon sky colour, more for the far range)
    m_base = torch.stack([r.u(0.28, 0.45), r.u(0.28, 0.42), r.u(0.32, 0.5)], 1)
    m_base = lerp(m_base, torch.tensor([0.42, 0.34, 0.27], device=dev).view(1, 3, 1, 1), r.u().unsqueeze(1))
    slope = near_prof[:, :, 2:] - near_prof[:, :, :-2]
    slope = F.pad(slope, (1, 1), mode='replicate') * W / 6
    k = max(3, W // 40) | 1  # smooth the 1-D slope so shading is not column stripes
    slope = F.avg_pool1d(F.pad(slope, (k // 2, k // 2), mode='replicate'), k, stride=1)
    slope_img = (slope * sun_side).clamp(-1, 1) * (0.6 + 0.8 * r.fbm(12, 12, octaves=3))  # + = faces the sun
    streak = r.fbm(10, 28, octaves=4)
    m_tex = 0.8 + 0.25 * streak + 0.25 * u1(slope_img).squeeze(1) * (1 - 0.5 * (Y - near_ridge) / (hz - near_ridge + 1e-3))
    mtn = m_base * u1(m_tex) * lit * 1.3
    depth_mix = ((Y - near_ridge) / (hz - near_ridge + 1e-3)).clamp(0, 1)
    near_haze = (0.25 + 0.6 * haze) * (0.5 + 0.5 * depth_mix)
    far_haze = (0.55 + 0.45 * haze).clamp(max=0.92)
    is_far = far_m & ~near_m
    a_mtn = torch.where(is_far, far_haze, near_haze).clamp(0, 0.95)
    haze_col = lerp(hor, zen, 0.25)
    snow_col = torch.tensor([0.96, 0.97, 1.0], device=dev).view(1, 3, 1, 1) * lerp(lit, torch.ones_like(lit), 0.3)
    snow_shadow = torch.tensor([0.55, 0.62, 0.8], device=dev).view(1, 3, 1, 1) * amb
    snow_m = lerp(snow_shadow, snow_col, u1((0.55 + 0.6 * slope_img + 0.25 * (streak - 0.5)).clamp(0, 1)))
    mtn_col = torch.where(u1(L == ID['snow']), snow_m, mtn)
    mtn_col = lerp(mtn_col, haze_col, u1(a_mtn))
    img = torch.where(u1((L == ID['mountain']) | ((L == ID['snow']) & (Y < hz))), mtn_col, img)

    # hills: seasonal tint, lighter crest, soft texture, some haze
    h_n = r.fbm(6, 12, octaves=4)
    hill_c = col(HILL, season) * u1(0.75 + 0.35 * h_n + 0.2 * smoothstep(0.03, 0.0, Y - hill_ridge)) * lit * 1.1
    hill_c = lerp(hill_c, haze_col, u1(0.15 + 0.4 * haze))
    img = torch.where(u1(L == ID['hill']), hill_c, img)

    # ground shading with distance: saturated in front, hazy far away
    dist_haze = u1((1 - t) ** 4 * (0.2 + 0.6 * haze))

    # grass: patchy tone + vertical blade streaks
    g_patch = r.fbm(6, 6, octaves=4)
    g_blade = r.noise(48, 256) * 0.6 + r.noise(96, 512) * 0.4
    g_tex = 0.7 + 0.35 * g_patch + 0.25 * (g_blade - 0.5) * (0.3 + t)
    grass = col(GRASS, season) * u1(g_tex) * lit * 1.15
    grass = lerp(grass, haze_col, dist_haze)
    # snowy ground: bright with blue-grey drifts
    snow_g = lerp(snow_shadow, snow_col, u1(0.65 + 0.45 * (g_patch - 0.5) + 0.1 * (g_blade - 0.5)).clamp(0, 1))
    snow_g = lerp(snow_g, haze_col, dist_haze)

    # soft tree shadows on the ground, cast away from the sun
    sh_dx = (X.unsqueeze(1) - (tx + (-sun_side.view(B, 1)) * 0.35 * th / aspect).view(B, T, 1, 1)) * aspect / th.view(B, T, 1, 1)
    sh_dy = (Y.unsqueeze(1) - (tb + 0.01 * th).view(B, T, 1, 1)) / th.view(B, T, 1, 1)
    sh = torch.exp(-((sh_dx / 0.45) ** 2 + (sh_dy / 0.08) ** 2)) * t_on.view(B, T, 1, 1).float()
    shadow = 1 - (0.5 * sh.amax(1) * torch.where(overcast | night, 0.3, 1.0))
    # bush shadows too
    bsh = torch.exp(-(((bdx + sun_side.view(B, 1, 1, 1) * 0.4) / 0.9) ** 2 + ((bdy - 0.02) / 0.12) ** 2)) * b_on.view(B, Kb, 1, 1).float()
    shadow = shadow * (1 - 0.4 * bsh.amax(1) * torch.where(overcast | night, 0.3, 1.0))

    img = torch.where(u1(L == ID['grass']), grass, img)
    img = torch.where(u1((L == ID['snow']) & (Y >= hz)), snow_g, img)

    # flowers: grass with dense dots of the sample's flower colours
    fc1 = col(FLOWER_COLORS, r.cat(torch.ones(len(FLOWER_COLORS))))
    fc2 = col(FLOWER_COLORS, r.cat(torch.ones(len(FLOWER_COLORS))))
    dots = r.noise(128, 128, mode='bilinear')
    dots2 = r.noise(160, 160, mode='bilinear')
    fcol = torch.where(u1(dots2 > 0.5), fc1, fc2) * lit * 1.1
    flower = lerp(grass * 0.85, fcol, u1(smoothstep(0.45, 0.7, dots)))
    flower = lerp(flower, haze_col, dist_haze)
    img = torch.where(u1(L == ID['flower']), flower, img)

    # sand: fine grain, darker where wet near water
    sand_c = torch.tensor([0.86, 0.77, 0.56], device=dev).view(1, 3, 1, 1)
    grain = r.noise(128, 128, mode='bilinear')
    wet = smoothstep(0.03, 0.0, Y - shore) * sea_s.float()
    sand = sand_c * u1(0.85 + 0.15 * grain + 0.1 * g_patch - 0.3 * wet) * lit * 1.1
    sand = lerp(sand, haze_col, dist_haze)
    img = torch.where(u1(L == ID['sand']), sand, img)

    # dirt and road
    dirt_c = torch.tensor([0.45, 0.32, 0.2], device=dev).view(1, 3, 1, 1)
    dirt = dirt_c * u1(0.7 + 0.3 * r.fbm(16, 16, octaves=3) + 0.2 * grain) * lit * 1.1
    dirt = lerp(dirt, haze_col, dist_haze)
    img = torch.where(u1(L == ID['dirt']), dirt, img)
    road_c = torch.tensor([0.3, 0.3, 0.32], device=dev).view(1, 3, 1, 1) * r.u(0.8, 1.3).unsqueeze(1)
    edge = smoothstep(0.35, 0.5, (X - pcx).abs() / (pw + 1e-4))
    centre = ((X - pcx).abs() < pw * 0.02) & (torch.sin(t * 60 / (0.2 + t)) > 0) & r.coin(0.6)
    road = road_c * u1(0.85 + 0.2 * grain - 0.2 * edge) * lit * 1.1
    road = torch.where(u1(centre), torch.tensor([0.85, 0.8, 0.6], device=dev).view(1, 3, 1, 1) * lit, road)
    road = lerp(road, haze_col, dist_haze)
    img = torch.where(u1(L == ID['road']), road, img)

    # rock: grey stone, cracks (ridged noise), lit top / dark base
    rock_tone = torch.stack([r.u(0.42, 0.55), r.u(0.4, 0.52), r.u(0.4, 0.55)], 1)
    crack = 1 - (2 * r.fbm(24, 24, octaves=3) - 1).abs()
    rk_light = (-(rdy + 0.3)).clamp(-1, 1)
    rk_front = torch.where(rock_d < 2, rk_light, torch.full_like(rk_light, -9)).amax(1)
    rk_shade = torch.where(rk_front > -5, 0.75 + 0.35 * rk_front.clamp(-0.5, 0.6), torch.ones_like(rk_front))
    rock = rock_tone * u1(rk_shade * (0.75 + 0.35 * rock_n) - 0.25 * smoothstep(0.85, 1.0, crack)) * lit * 1.1
    rock = torch.where(u1(winter & (rock_n > 0.55) & (rk_front > 0.1)), snow_col * 0.95, rock)
    rock = lerp(rock, haze_col, dist_haze)
    img = torch.where(u1(L == ID['rock']), rock, img)

    # trees: per-tree foliage tone, clumpy texture, lit on the sun side and on top; dark trunks
    fA, fB = col(FOLIAGE_A, season), col(FOLIAGE_B, season)
    tmix = r.uk(T)  # per-tree tone
    tmix_px = tmix.gather(1, front.view(B, -1)).view(B, 1, H, W)
    fdx = dx.gather(1, front.unsqueeze(1))
    fdy = dy.gather(1, front.unsqueeze(1))
    fcon = conifer.float().gather(1, front.view(B, -1)).view(B, 1, H, W)
    clump = r.fbm(32, 32, octaves=3)
    leaf_light = (fdx * sun_side.unsqueeze(1) * 1.8 - (fdy + 0.6) * 0.8).clamp(-1, 1)
    # conifers are darker and bluer; deciduous take the season's colours
    fol = torch.where(fcon > 0.5, lerp(fA, torch.tensor([0.1, 0.28, 0.18], device=dev).view(1, 3, 1, 1), 0.6), lerp(fA, fB, tmix_px))
    ft = 0.6 + 0.3 * leaf_light + 0.45 * (u1(clump) - 0.5)
    tree = fol * ft * lit * 1.2
    is_trunk = trunk.gather(1, front.unsqueeze(1)) & ~(torch.where(fcon > 0.5, con_crown.gather(1, front.unsqueeze(1)), dec_crown.gather(1, front.unsqueeze(1))))
    tree = torch.where(is_trunk, torch.tensor([0.25, 0.17, 0.1], device=dev).view(1, 3, 1, 1) * lit, tree)
    tree = torch.where(u1(winter) & (fcon > 0.5) & (u1(clump) > 0.55) & (leaf_light > -0.2), snow_col * 0.9, tree)
    # forest band: dense canopy texture, darker at the base
    band = lerp(fA, fB, 0.3) * u1(0.65 + 0.5 * (clump - 0.5) + 0.3 * smoothstep(0.02, -0.01, Y - band_top)) * lit
    tree = torch.where(u1(tree_any), tree, band)
    tree = lerp(tree, haze_col, dist_haze * 0.8 + u1(band_m & ~tree_any).float() * (0.2 + 0.3 * haze.unsqueeze(1)))
    img = torch.where(u1(L == ID['tree']), tree, img)

    # bushes
    bush = col(BUSH, season) * u1(0.65 + 0.5 * (clump - 0.5) + 0.2 * crown_n) * lit * 1.2
    bush = lerp(bush, haze_col, dist_haze)
    img = torch.where(u1(L == ID['bush']), bush, img)

    # shadows apply to ground classes only
    ground_cls = (L == ID['grass']) | (L == ID['flower']) | (L == ID['sand']) | (L == ID['dirt']) | \
        (L == ID['road']) | ((L == ID['snow']) & (Y >= hz))
    img = torch.where(u1(ground_cls), img * u1(shadow), img)

    # water: mirrored scenery above the horizon with ripple distortion, water tint, glitter,
    # foam at the sea shore
    w_tone = torch.stack([r.u(0.05, 0.15), r.u(0.2, 0.35), r.u(0.35, 0.5)], 1) * amb
    ripple = r.noise(96, 8) * 0.6 + r.noise(192, 16) * 0.4
    src_y = (2 * hz - Y).clamp(0, 1)  # mirror about the horizon
    wdx = (ripple - 0.5) * 0.02 * (0.3 + t)
    gx = (X + wdx) * 2 - 1
    gy = src_y.expand(B, H, W) * 2 - 1 + (ripple - 0.5) * 0.01
    grid = torch.stack([gx.expand(B, H, W), gy], -1)
    refl = F.grid_sample(_blur(img, 3), grid, mode='bilinear', padding_mode='border', align_corners=False)
    fres = 0.35 + 0.45 * (1 - t)  # more reflective at grazing angles (far away)
    wat = lerp(w_tone * lit * 1.3, refl, u1(fres))
    wat = wat * u1(0.88 + 0.25 * (ripple - 0.5) * (0.4 + t))
    glit = (~night & ~overcast).float() * ((X - sun_x).abs() < 0.05 + 0.1 * t).float() * (ripple > 0.62).float()
    wat = wat + u1(glit) * sun_col * 0.5
    foam = sea_s & (shore - Y < 0.012 + 0.01 * r.noise(4, 32)) & (Y < shore)
    wat = torch.where(u1(foam), lerp(wat, torch.ones_like(wat) * lit, 0.7), wat)
    wat = lerp(wat, haze_col, dist_haze * 0.6)
    img = torch.where(u1(water), wat, img)

    # fog bank and global haze near the horizon
    fog = lerp(haze_col, torch.ones_like(haze_col) * amb, 0.35) * u1(0.92 + 0.12 * fog_n)
    img = torch.where(u1(L == ID['fog']), fog, img)
    hz_band = torch.exp(-((Y - hz) / (0.05 + 0.1 * haze)) ** 2) * haze * 0.35
    img = lerp(img, haze_col, u1(hz_band * (L != ID['fog']).float()))

    # light painterly softening and colour grade
    img = lerp(img, _blur(img, 3), 0.5)
    img = img + 0.015 * (u1(r.noise(128, 128, mode='bilinear')) - 0.5)
    img = img.clamp(0, 1) * 2 - 1
    st = {'time': tod, 'season': season, 'mist': mist.view(-1), 'haze': haze.view(-1)}
    return L, img, st


def colorize(labels):
    """[B,H,W] label ids -> [B,3,H,W] palette colours in [0,1]."""
    return PALETTE.to(labels.device)[labels].permute(0, 3, 1, 2)


def contact_sheet(path, n=12, size=256, seed=0, cols=3):
    L, img, st = make_batch(seed, n, size, size)
    tiles = torch.cat([colorize(L), (img + 1) / 2], 3)  # label map beside image
    rows = math.ceil(n / cols)
    pad = 4
    sheet = torch.ones(3, rows * (size + pad), cols * (2 * size + pad))
    for i in range(n):
        r_, c_ = divmod(i, cols)
        sheet[:, r_ * (size + pad):r_ * (size + pad) + size, c_ * (2 * size + pad):c_ * (2 * size + pad) + 2 * size] = tiles[i]
    save_image(sheet, path)
    return st


if __name__ == '__main__':
    import argparse
    import time
    p = argparse.ArgumentParser()
    p.add_argument('--sheet', default=os.path.join(HERE, 'contact_sheet.jpg'))
    p.add_argument('--n', type=int, default=12)
    p.add_argument('--size', type=int, default=256)
    options.add_seed(p, 0)
    p.add_argument('--bench', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(2)
    if a.bench:
        for s in (128, 256):
            t0 = time.time()
            for i in range(3):
                make_batch(i, 4, s, s)
            print(f'{s}px batch 4: {(time.time() - t0) / 3 * 1000:.0f} ms')
    st = contact_sheet(a.sheet, a.n, a.size, a.seed)
    print('wrote', a.sheet, [TIMES[i] for i in st['time'].tolist()], [SEASONS[i] for i in st['season'].tolist()])
