"""SPADE (Park et al., CVPR 2019) re-implemented from the paper and ../../shared/SPADE.md.

Parameter names follow the official NVlabs checkpoints (fc, head_0, G_middle_0/1, up_0..up_3,
conv_img, norm_*.param_free_norm / mlp_shared.0 / mlp_gamma / mlp_beta, conv_s, spectral norm
weight_orig/weight_u/weight_v) so an official latest_net_G.pth loads with load_state_dict.
"""
from .generator import SPADEGenerator
from .encoder import ConvEncoder
from .discriminator import MultiscaleDiscriminator, NLayerDiscriminator
from .normalization import SPADE
from .architecture import SPADEResnetBlock
