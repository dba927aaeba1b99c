"""Baseline generators for the paper's comparison (models/evaluation): the label map enters a
normalised network the ordinary way, so normalisation can wash its semantics out."""
from .concat_generator import ConcatGenerator
from .pix2pixhd_generator import Pix2PixHDGenerator
