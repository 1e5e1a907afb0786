"""The CLIP locatability scorer of the paper's Fig. 2.

An open_clip image encoder embeds the photo; its cosine similarities to a handful of
locatability prompts join the embedding as features of a small MLP head, whose sigmoid is the
score in 0..1. The head is trained (by ``training/``) to regress the paper's
segmentation-derived metric; the CLIP model stays frozen, so training reuses
``head_features`` / ``features_from_tensors``.

A head file is one safetensors file: the head's state dict plus JSON metadata (CLIP spec,
embed dim, prompts, hidden size) under the ``georeasoner`` key. Nothing is unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from georeasoner.clip import load_clip
from georeasoner.errors import GeoReasonerError, ModelNotFoundError

LOCATABILITY_PROMPTS = (
    "a street view photo with many clues to its location",
    "a street view photo with road signs and shop signs",
    "a street view photo with distinctive buildings and architecture",
    "a street view photo of a road with lane markings and vehicles",
    "a photo with no geographic clues",
    "an indoor photo or a close-up of an object",
)
HEAD_FORMAT = "georeasoner-locatability-head/1"
_META_KEY = "georeasoner"
DEFAULT_HIDDEN = 128


class LocatabilityHead(nn.Module):
    """MLP on ``[image embedding, image-prompt similarities]`` -> locatability logit."""

    def __init__(self, embed_dim: int, num_prompts: int, hidden: int = DEFAULT_HIDDEN):
        super().__init__()
        self.embed_dim = embed_dim
        self.num_prompts = num_prompts
        self.hidden = hidden
        self.mlp = nn.Sequential(
            nn.Linear(embed_dim + num_prompts, hidden),
            nn.GELU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Logits (B,) for features (B, embed_dim + num_prompts); sigmoid gives the score."""
        return self.mlp(features).squeeze(-1)


def save_head(head: LocatabilityHead, path: str | Path, meta: dict) -> None:
    """Write the head's weights and ``meta`` (JSON-able: clip_spec, prompts, ...) to one file."""
    from safetensors.torch import save_file

    full_meta = {
        **meta,
        "format": HEAD_FORMAT,
        "embed_dim": head.embed_dim,
        "num_prompts": head.num_prompts,
        "hidden": head.hidden,
    }
    state = {k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata={_META_KEY: json.dumps(full_meta)})


def load_head(path: str | Path | None) -> tuple[LocatabilityHead, dict]:
    """``(head, meta)`` from a file written by ``save_head``; the head is in eval mode on CPU."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    if path is None:
        raise ModelNotFoundError(
            "the model profile names no locatability head; pass --locatability-head FILE, "
            "or train one: python -m training.locatability train --help"
        )
    path = Path(path)
    if not path.is_file():
        raise ModelNotFoundError(
            f"locatability head {str(path)!r} not found; pass --locatability-head FILE, "
            "or train one: python -m training.locatability train --help"
        )
    with safe_open(str(path), framework="pt") as handle:
        raw_meta = (handle.metadata() or {}).get(_META_KEY)
    meta = json.loads(raw_meta) if raw_meta else {}
    if meta.get("format") != HEAD_FORMAT:
        raise GeoReasonerError(f"{path} is not a GeoReasoner locatability head file")
    head = LocatabilityHead(meta["embed_dim"], meta["num_prompts"], meta["hidden"])
    head.load_state_dict(load_file(str(path)))
    head.eval()
    return head, meta


def build_random_head(
    clip_spec: str,
    out_file: str | Path,
    seed: int = 0,
    prompts: tuple[str, ...] = LOCATABILITY_PROMPTS,
) -> Path:
    """A seeded untrained head for ``clip_spec`` (tests, tiny profiles, benchmarks)."""
    model, _, _ = load_clip(clip_spec, "cpu")
    torch.manual_seed(seed)
    head = LocatabilityHead(_embed_dim(model), len(prompts))
    save_head(head, out_file, {"clip_spec": clip_spec, "prompts": list(prompts), "trained": False})
    return Path(out_file)


def _embed_dim(model: Any) -> int:
    return int(model.visual.output_dim)


class ClipLocatabilityScorer:
    """Scores photos' locatability in 0..1 with a frozen CLIP image encoder and a trained head.

    ``clip_spec`` defaults to the spec recorded in the head file. Decoding and
    ``preprocess`` are CPU work a pipeline may run in threads while ``score_tensors`` computes.
    """

    def __init__(
        self,
        clip_spec: str | None,
        head_path: str | Path | None,
        device: str = "cpu",
        batch_size: int = 32,
    ):
        head, meta = load_head(head_path)
        self.clip_spec = clip_spec or meta["clip_spec"]
        self.device = device
        self.batch_size = batch_size
        self.prompts: tuple[str, ...] = tuple(meta["prompts"])
        self.model, self.preprocess, tokenizer = load_clip(self.clip_spec, device)
        if _embed_dim(self.model) != head.embed_dim:
            raise GeoReasonerError(
                f"locatability head {head_path} expects CLIP embed dim {head.embed_dim}, "
                f"but {self.clip_spec!r} has {_embed_dim(self.model)}; use the head's CLIP model"
            )
        self.head = head.to(device)
        with torch.inference_mode():
            text = self.model.encode_text(tokenizer(list(self.prompts)).to(device))
            self._prompt_embeddings = torch.nn.functional.normalize(text.float(), dim=-1)

    @property
    def decode_side(self) -> int:
        """Long side photos may be decoded at (``decode_image(max_side=...)``) losing nothing
        the model sees: twice its input size keeps the short side of photos up to 2:1."""
        return 2 * max(self.model.visual.image_size)

    def preprocess_many(self, images: list[Image.Image | torch.Tensor]) -> torch.Tensor:
        """Stack preprocessed images into one (B, 3, H, W) tensor; tensors are taken as
        already preprocessed (``preprocess`` run in a decode thread)."""
        return torch.stack([image if isinstance(image, torch.Tensor) else self.preprocess(image) for image in images])

    def features_from_tensors(self, batch: torch.Tensor) -> torch.Tensor:
        """Head features (B, embed_dim + num_prompts) for a preprocessed batch, on the device."""
        on_cuda = str(self.device).startswith("cuda")
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=on_cuda):
            embeddings = self.model.encode_image(batch.to(self.device, non_blocking=True))
        embeddings = torch.nn.functional.normalize(embeddings.float(), dim=-1)
        return torch.cat([embeddings, embeddings @ self._prompt_embeddings.T], dim=-1)

    def head_features(self, images: list[Image.Image]) -> torch.Tensor:
        """Head features for PIL images, batched, on CPU (what training fits the head on)."""
        parts = []
        with torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                batch = self.preprocess_many(images[start:start + self.batch_size])
                parts.append(self.features_from_tensors(batch).cpu())
        return torch.cat(parts) if parts else torch.empty(0, self.head.embed_dim + len(self.prompts))

    def score_tensors(self, batch: torch.Tensor) -> np.ndarray:
        """Scores in 0..1 for one preprocessed batch (B, 3, H, W)."""
        with torch.inference_mode():
            logits = self.head(self.features_from_tensors(batch))
            return torch.sigmoid(logits).cpu().numpy().astype(np.float64)

    def score(self, images: list[Image.Image | torch.Tensor]) -> np.ndarray:
        """Scores in 0..1, one per image (or already preprocessed tensor), in batches of ``batch_size``."""
        scores = [
            self.score_tensors(self.preprocess_many(images[start:start + self.batch_size]))
            for start in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(scores) if scores else np.empty(0, dtype=np.float64)

