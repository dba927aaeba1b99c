"""OASIS discriminator and losses (Schonfeld, Sushko et al., "You Only Need Adversarial
Supervision for Semantic Image Synthesis", ICLR 2021), written from the paper.

The discriminator is a U-Net that labels every pixel with one of N semantic classes or "fake"
(class 0), so its signal to the generator is per pixel and per class instead of one real/fake
score per patch. It needs no feature matching and no perceptual loss, which matters here: no
pretrained VGG exists on this machine. Class balancing weighs each pixel by the inverse
frequency of its class in the batch, so small classes (flowers, roads) count. LabelMix
regularises D: on an image mixed from real and fake regions along class boundaries, D's output
must equal the same mix of its outputs on the two images.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class _ResBlock(nn.Module):
    def __init__(self, fin, fout, resample):
        super().__init__()
        self.resample = resample  # 'down', 'up' or None
        self.conv_0 = spectral_norm(nn.Conv2d(fin, fout, 3, padding=1))
        self.conv_1 = spectral_norm(nn.Conv2d(fout, fout, 3, padding=1))
        self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False)) if fin != fout else None

    def _scale(self, x):
        if self.resample == 'down':
            return F.avg_pool2d(x, 2)
        if self.resample == 'up':
            return F.interpolate(x, scale_factor=2, mode='nearest')
        return x

    def forward(self, x):
        s = self.conv_s(x) if self.conv_s is not None else x
        h = self.conv_1(F.leaky_relu(self.conv_0(F.leaky_relu(x, 0.2)), 0.2))
        return self._scale(s) + self._scale(h)


class OASISDiscriminator(nn.Module):
    """image [B,3,H,W] -> logits [B, label_nc + 1, H, W] (channel 0 = fake)."""

    def __init__(self, label_nc, ndf=32, depth=5):
        super().__init__()
        w = [min(ndf * 2 ** i, ndf * 8) for i in range(depth + 1)]
        self.stem = spectral_norm(nn.Conv2d(3, w[0], 3, padding=1))
        self.down = nn.ModuleList([_ResBlock(w[i], w[i + 1], 'down') for i in range(depth)])
        self.up = nn.ModuleList([_ResBlock(w[i + 1] * (1 if i == depth - 1 else 2), w[i], 'up')
                                 for i in reversed(range(depth))])
        self.head = nn.Conv2d(w[0] * 2, label_nc + 1, 1)

    def forward(self, img):
        x = self.stem(img)
        skips = [x]
        for blk in self.down:
            x = blk(x)
            skips.append(x)
        skips.pop()  # the bottleneck is x itself
        for i, blk in enumerate(self.up):
            x = blk(x if i == 0 else torch.cat([x, skips.pop()], 1))
        return self.head(torch.cat([x, skips.pop()], 1))


def class_balance(lab, num_classes):
    """Per-pixel weights: a class present in the batch gets (pixels / (present classes * its pixels)),
    so every present class carries the same total weight."""
    counts = torch.bincount(lab.flatten(), minlength=num_classes).float()
    present = (counts > 0).sum().clamp(min=1)
    coeff = lab.numel() / (present * counts.clamp(min=1))
    return coeff[lab]


def _balanced_ce(logits, target, weights):
    return (F.cross_entropy(logits.float(), target, reduction='none') * weights).mean()


def d_loss(logits_real, logits_fake, lab, num_classes):
    """Real pixels must be labelled with their class (1..N), generated pixels as fake (0)."""
    w = class_balance(lab, num_classes)
    return _balanced_ce(logits_real, lab + 1, w) + _balanced_ce(logits_fake, torch.zeros_like(lab), w)


def g_loss(logits_fake, lab, num_classes):
    """The generator wins when D labels its pixels with the classes it was asked to paint."""
    return _balanced_ce(logits_fake, lab + 1, class_balance(lab, num_classes))


def label_mix(D, real, fake, lab, num_classes, generator=None):
    """LabelMix consistency: ||D(mix(x, x^)) - mix(D(x), D(x^))||^2, the mask assigning whole
    classes at random to the real or the generated image."""
    side = (torch.rand(lab.shape[0], num_classes, generator=generator) < 0.5).to(lab.device)
    mask = torch.gather(side.float(), 1, lab.flatten(1)).view(lab.shape).unsqueeze(1)
    mixed = mask * real + (1 - mask) * fake
    out_mixed, out_real, out_fake = D(mixed), D(real), D(fake)
    return F.mse_loss(out_mixed.float(), (mask * out_real + (1 - mask) * out_fake).float())
