"""Frechet distance between two Gaussians fitted to feature sets (the formula of FID, on our
segmenter's features rather than Inception's, which do not exist here)."""
import torch


def _sqrtm_psd(m):
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T


def frechet_distance(a, b):
    """a, b: [N, D] features. d^2 = |mu_a - mu_b|^2 + Tr(Sa + Sb - 2 (Sa^1/2 Sb Sa^1/2)^1/2)."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = torch.cov(a.T), torch.cov(b.T)
    ra = _sqrtm_psd(sa)
    cross = _sqrtm_psd(ra @ sb @ ra)
    return float((mu_a - mu_b).pow(2).sum() + torch.trace(sa) + torch.trace(sb) - 2 * torch.trace(cross))
