"""The generator registry: every generator the pipeline can train, export or evaluate, by the
name a run's config stores in cfg['arch'] (default 'spade'). Baselines sit beside SPADE so the
comparisons build them the same way."""
from models.baselines import ConcatGenerator, Pix2PixHDGenerator
from models.spade import SPADEGenerator
from models.spade.clade import apply_norm


def _spade(cfg):  # cfg['norm'] 'clade' swaps its SPADE layers for CLADE
    return apply_norm(SPADEGenerator(cfg['label_nc'], ngf=cfg['ngf'], z_dim=cfg['z_dim'], use_vae=True,
                                     num_upsampling_layers=cfg.get('upsampling', 'normal'),
                                     crop_size=cfg['size'], nhidden=cfg['nhidden']), cfg)


GENERATORS = {
    'spade': _spade,
    'concat': lambda cfg: ConcatGenerator(cfg['label_nc'], ngf=cfg['ngf'], z_dim=cfg['z_dim'], crop_size=cfg['size']),
    'pix2pixhd': lambda cfg: Pix2PixHDGenerator(cfg['label_nc'], ngf=cfg['ngf'], z_dim=cfg['z_dim']),
}


def build_generator(cfg):
    arch = cfg.get('arch', 'spade')
    if arch not in GENERATORS:
        raise ValueError(f'unknown generator arch {arch!r} (known: {", ".join(GENERATORS)})')
    return GENERATORS[arch](cfg)
