"""The paper's locatability metric computed with a real ADE20K-150 semantic segmenter.

Any transformers segmenter with the 150 ADE20K labels works: SegFormer (semantic
segmentation head) or MaskFormer / Mask2Former (universal segmentation, the paper used
MaskFormer), each through its own image processor's ``post_process_semantic_segmentation``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from georeasoner.errors import GeoReasonerError, ModelNotFoundError
from georeasoner.locatability.paper_metric import NUM_CLASSES, class_weights

UNIVERSAL_SEGMENTATION_TYPES = frozenset({"maskformer", "mask2former"})
# Label maps are computed at most this large (long side): class fractions are area
# ratios, and full-size logits of 150 classes cost ~0.5 GB per 1024 px photo.
MAX_MASK_SIDE = 512


class SegmentationLocatability:
    """``L = sum_k w_k * a_k`` per photo, with ``a_k`` from an ADE20K-150 segmenter."""

    def __init__(self, segmenter: str | Path, device: str = "cpu", batch_size: int = 8):
        from transformers import (
            AutoConfig,
            AutoImageProcessor,
            AutoModelForSemanticSegmentation,
            AutoModelForUniversalSegmentation,
        )

        self.segmenter = str(segmenter)
        self.device = device
        self.batch_size = batch_size
        try:
            config = AutoConfig.from_pretrained(self.segmenter)
            model_class = (
                AutoModelForUniversalSegmentation
                if config.model_type in UNIVERSAL_SEGMENTATION_TYPES
                else AutoModelForSemanticSegmentation
            )
            self.processor = AutoImageProcessor.from_pretrained(self.segmenter)
            self.model = model_class.from_pretrained(self.segmenter).to(device).eval()
        except OSError as exc:
            raise ModelNotFoundError(
                f"segmenter {self.segmenter!r} is neither a local directory, cached, nor "
                "reachable; run `georeasoner models download PROFILE`"
            ) from exc
        if config.num_labels != NUM_CLASSES:
            raise GeoReasonerError(
                f"segmenter {self.segmenter!r} has {config.num_labels} labels; the locatability "
                f"metric needs an ADE20K-{NUM_CLASSES} model"
            )

    def fractions(self, images: list[Image.Image]) -> np.ndarray:
        """Per-photo pixel fractions of the 150 ADE20K classes, shape (N, 150)."""
        rows = []
        for start in range(0, len(images), self.batch_size):
            rows.extend(self._batch_fractions(images[start:start + self.batch_size]))
        return np.stack(rows) if rows else np.empty((0, NUM_CLASSES))

    def score(self, images: list[Image.Image]) -> np.ndarray:
        """The paper's locatability ``L`` (0..1) per photo."""
        return self.fractions(images) @ class_weights()

    def _batch_fractions(self, images: list[Image.Image]) -> list[np.ndarray]:
        inputs = self.processor(images=[image.convert("RGB") for image in images], return_tensors="pt")
        with torch.inference_mode():
            outputs = self.model(**inputs.to(self.device))
            label_maps = self.processor.post_process_semantic_segmentation(
                outputs, target_sizes=[_mask_size(image) for image in images]
            )
            return [
                (torch.bincount(labels.flatten(), minlength=NUM_CLASSES).double() / labels.numel())
                .cpu()
                .numpy()
                for labels in label_maps
            ]


def _mask_size(image: Image.Image) -> tuple[int, int]:
    """(height, width) of the label map: the photo's shape, long side at most MAX_MASK_SIDE."""
    width, height = image.size
    scale = min(1.0, MAX_MASK_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))
