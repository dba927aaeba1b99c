"""Hinge GAN loss, discriminator feature matching, KL, and the VGG replacement.

No pretrained VGG19 exists on this machine, so the perceptual term is replaced by a
multi-scale L1 reconstruction loss (full, 1/2, 1/4 resolution, average-pooled). In VAE mode
the generator reconstructs the encoded real image, so a pixel-space loss is meaningful; the
coarse scales weight colour/layout (the style) over unpredictable procedural texture noise,
which the GAN and feature-matching terms are left to sharpen.
"""
import torch
import torch.nn.functional as F


def d_hinge(pred_real, pred_fake):
    loss = 0.0
    for pr, pf in zip(pred_real, pred_fake):
        loss = loss + F.relu(1 - pr[-1]).mean() + F.relu(1 + pf[-1]).mean()
    return loss / len(pred_real)


def g_hinge(pred_fake):
    return sum(-pf[-1].mean() for pf in pred_fake) / len(pred_fake)


def feature_matching(pred_fake, pred_real):
    """L1 between D features of fake and (detached) real, all layers but the prediction."""
    loss = 0.0
    for pf, pr in zip(pred_fake, pred_real):
        for f, r in zip(pf[:-1], pr[:-1]):
            loss = loss + F.l1_loss(f, r.detach())
    return loss / len(pred_fake)


def kld(mu, logvar):
    # Official SPADE sums over batch and dimensions (weight 0.05 is tuned for that).
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def multiscale_l1(fake, real, scales=3):
    loss = 0.0
    for s in range(scales):
        if s:
            fake, real = F.avg_pool2d(fake, 2), F.avg_pool2d(real, 2)
        loss = loss + F.l1_loss(fake, real)
    return loss / scales
