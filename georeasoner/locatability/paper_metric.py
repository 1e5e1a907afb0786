"""The paper's locatability metric: ``L = sum_k w_k * a_k`` over the 150 ADE20K classes.

``a_k`` is the fraction of pixels a semantic-segmentation model assigns to ADE20K class ``k``
and ``w_k`` the class weight of Li et al. (ICML 2024), shipped as package data. Class indices
are 0-based, as in the ADE20K-150 ``id2label`` of Hugging Face segmenters (0 = wall,
6 = road): this is the convention under which the paper's reference vector gives its ``L``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import numpy as np

NUM_CLASSES = 150
WEIGHTS_FILE = "locatability_weights_ade20k.csv"


@lru_cache(maxsize=1)
def _weights_table() -> tuple[np.ndarray, tuple[str, ...]]:
    text = resources.files("georeasoner.data").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    indices = [int(row["ade20k_index"]) for row in rows]
    if indices != list(range(NUM_CLASSES)):
        raise ValueError(f"{WEIGHTS_FILE} must list ADE20K classes 0..{NUM_CLASSES - 1} in order")
    weights = np.array([float(row["weight"]) for row in rows], dtype=np.float64)
    weights.setflags(write=False)
    return weights, tuple(row["ade20k_name"] for row in rows)


def class_weights() -> np.ndarray:
    """The 150 class weights ``w_k`` (read-only), indexed by 0-based ADE20K class."""
    return _weights_table()[0]


def class_names() -> tuple[str, ...]:
    """The 150 ADE20K class names, in index order (e.g. ``"road, route"`` at 6)."""
    return _weights_table()[1]


def locatability_from_fractions(fractions: dict[int, float] | np.ndarray) -> float:
    """``L`` for class fractions given as ``{class_index: fraction}`` or a length-150 array."""
    weights = class_weights()
    if isinstance(fractions, dict):
        for k in fractions:
            if not 0 <= k < NUM_CLASSES:
                raise ValueError(f"ADE20K class index {k} is outside 0..{NUM_CLASSES - 1}")
        return float(sum(weights[k] * float(a) for k, a in fractions.items()))
    array = np.asarray(fractions, dtype=np.float64)
    if array.shape != (NUM_CLASSES,):
        raise ValueError(f"expected {NUM_CLASSES} class fractions, got shape {array.shape}")
    return float(array @ weights)


def class_fractions(mask: np.ndarray) -> np.ndarray:
    """Fraction of the pixels of a label mask (H, W) of ADE20K indices in each of the 150 classes."""
    labels = np.asarray(mask).ravel()
    if labels.size == 0:
        raise ValueError("empty segmentation mask")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"mask holds labels outside 0..{NUM_CLASSES - 1}")
    counts = np.bincount(labels.astype(np.int64), minlength=NUM_CLASSES)
    return counts / labels.size


def locatability_from_mask(mask: np.ndarray) -> float:
    """``L`` of one ADE20K label mask."""
    return locatability_from_fractions(class_fractions(mask))
