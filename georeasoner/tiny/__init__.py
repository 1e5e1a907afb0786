"""Tiny but complete models, built from real configurations, for tests and smoke tests.

``make_tiny(DIR)`` writes every model a profile needs, saved with ``save_pretrained`` (or
open_clip's own layout) and loaded back through the same code paths as real weights, plus
``DIR/profile.json`` so that ``--profile DIR`` uses them. Nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path


def make_tiny(out_dir: str | Path, seed: int = 0) -> Path:
    """Build the tiny models under ``out_dir``; returns the directory (a profile)."""
    from georeasoner.locatability.clip_scorer import build_random_head
    from georeasoner.tiny.lora import build_tiny_adapters
    from georeasoner.tiny.open_clip import build_tiny_clip
    from georeasoner.tiny.qwen2vl import build_tiny_qwen2vl
    from georeasoner.tiny.segformer import build_tiny_segformer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lvlm = build_tiny_qwen2vl(out / "lvlm", seed=seed)
    adapters = build_tiny_adapters(lvlm, out / "adapters", seed=seed)
    clip = build_tiny_clip(out / "clip", seed=seed)
    segmenter = build_tiny_segformer(out / "segmenter", seed=seed)
    head = build_random_head(str(clip), out / "locatability_head.safetensors", seed=seed)
    profile = {
        "name": "tiny",
        "description": "tiny models for tests and smoke tests (they answer Paris for every photo)",
        "lvlm": str(lvlm.relative_to(out)),
        "adapters": [str(Path(a).relative_to(out)) for a in adapters],
        "clip": str(clip.relative_to(out)),
        "locatability_head": head.name,
        "segmenter": str(segmenter.relative_to(out)),
        "image_max_pixels": 56 * 56,
        "max_new_tokens": 40,
    }
    (out / "profile.json").write_text(json.dumps(profile, indent=2), encoding="utf-8")
    return out
