"""A procedural world of street scenes with consistent country and city cues.

Each scene comes with its ADE20K label mask, the paper's locatability label computed from it,
the visible clues, reasons text naming them, and the city's real coordinates. Used to train
small demo models with no downloads.
"""

from training.synthetic.dataset import (
    Scene,
    generate,
    iter_scenes,
    make_scene,
    read_index,
    write_dataset,
)
from training.synthetic.world import City, Country, World, build_world

__all__ = [
    "City",
    "Country",
    "Scene",
    "World",
    "build_world",
    "generate",
    "iter_scenes",
    "make_scene",
    "read_index",
    "write_dataset",
]
