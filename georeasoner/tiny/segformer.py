"""A tiny SegFormer with the 150 ADE20K labels, for tests of the paper's locatability metric."""

from __future__ import annotations

from pathlib import Path

TINY_IMAGE_SIZE = 64


def build_tiny_segformer(out_dir: str | Path, seed: int = 0) -> Path:
    """Save a seeded random SegformerForSemanticSegmentation and its image processor."""
    import torch
    from transformers import SegformerConfig, SegformerForSemanticSegmentation, SegformerImageProcessor

    from georeasoner.locatability.paper_metric import class_names

    names = class_names()
    config = SegformerConfig(
        num_channels=3,
        num_encoder_blocks=2,
        depths=[1, 1],
        sr_ratios=[2, 1],
        hidden_sizes=[16, 32],
        patch_sizes=[7, 3],
        strides=[4, 2],
        num_attention_heads=[1, 2],
        mlp_ratios=[2, 2],
        decoder_hidden_size=32,
        num_labels=len(names),
        id2label={i: name for i, name in enumerate(names)},
        label2id={name: i for i, name in enumerate(names)},
    )
    torch.manual_seed(seed)
    model = SegformerForSemanticSegmentation(config)
    processor = SegformerImageProcessor(
        size={"height": TINY_IMAGE_SIZE, "width": TINY_IMAGE_SIZE}, do_reduce_labels=True
    )
    out = Path(out_dir)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out
