"""The one place that loads open_clip models.

A CLIP *spec* names a model in one of these forms:

- ``"ViT-L-14:openai"``: an open_clip architecture with a pretrained tag, loaded through
  open_clip's own download/cache mechanism;
- ``"ViT-L-14"``: the same with the architecture's default tag (``openai`` when open_clip has
  it, else the first tag it lists);
- ``"ViT-B-32:random"``: the architecture with random weights (benchmarks: same compute);
- a local directory in the open_clip hub layout (``open_clip_config.json`` with ``model_cfg``
  and ``preprocess_cfg``, plus ``open_clip_model.safetensors``), or ``local-dir:DIR``;
- ``"hf-hub:org/repo"``: an open_clip model on the Hugging Face Hub.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

from georeasoner.errors import ModelNotFoundError

RANDOM_TAG = "random"
CONFIG_FILE = "open_clip_config.json"
WEIGHTS_FILE = "open_clip_model.safetensors"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth")

_cache: dict[tuple[str, str], tuple[Any, Callable, Callable]] = {}
_cache_lock = threading.Lock()


def load_clip(spec: str, device: str = "cpu") -> tuple[Any, Callable, Callable]:
    """``(model, preprocess, tokenizer)`` for a CLIP spec, in eval mode on ``device``.

    Loaded once per process and (spec, device); callers must not modify the model.
    Raises ModelNotFoundError when the weights are neither local, cached, nor reachable.
    """
    key = (spec, str(device))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(spec, str(device))
        return _cache[key]


def _load(spec: str, device: str) -> tuple[Any, Callable, Callable]:
    import open_clip

    model_name, pretrained = _resolve(spec)
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            model_name, pretrained=pretrained, device=device
        )
        tokenizer = open_clip.get_tokenizer(model_name)
    except (RuntimeError, OSError, ValueError) as exc:
        raise ModelNotFoundError(
            f"CLIP model {spec!r} could not be loaded ({_first_line(exc)}); "
            "run `georeasoner models download PROFILE` for the profile that names it, "
            "or give a local open_clip directory"
        ) from exc
    model.eval()
    return model, preprocess, tokenizer


def _resolve(spec: str) -> tuple[str, str | None]:
    """open_clip's ``(model_name, pretrained)`` for a spec."""
    import open_clip

    if spec.startswith(("local-dir:", "hf-hub:")):
        if spec.startswith("local-dir:"):
            _check_local_dir(Path(spec[len("local-dir:"):]), spec)
        return spec, None
    if os.path.isdir(spec):
        _check_local_dir(Path(spec), spec)
        return f"local-dir:{spec}", None
    name, _, tag = spec.partition(":")
    if tag == RANDOM_TAG:
        return name, None
    if not tag:
        tags = open_clip.list_pretrained_tags_by_model(name)
        if not tags:
            raise ModelNotFoundError(
                f"CLIP model {spec!r} has no pretrained weights known to open_clip; "
                "name a tag (ARCH:TAG), ARCH:random, or a local open_clip directory"
            )
        tag = "openai" if "openai" in tags else tags[0]
    return name, _pretrained_weights(name, tag, spec)


def _pretrained_weights(name: str, tag: str, spec: str) -> str:
    """A local weights file for ``name:tag`` from the Hugging Face cache (or one download).

    Looking in the cache first, and downloading at most once, answers at once offline
    instead of after open_clip's own retries. Tags without a hub repository are left to
    open_clip.
    """
    from georeasoner.models import hub_offline, open_clip_hub_repo

    repo = open_clip_hub_repo(f"{name}:{tag}")
    if repo is None:
        return tag
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo, local_files_only=True))
    except (OSError, ValueError):
        if hub_offline():
            raise ModelNotFoundError(_missing(spec, repo, "offline")) from None
        try:
            folder = Path(snapshot_download(repo))
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(_missing(spec, repo, _first_line(exc))) from exc
    for weights in (WEIGHTS_FILE, "open_clip_pytorch_model.bin"):
        if (folder / weights).is_file():
            return str(folder / weights)
    return tag


def _missing(spec: str, repo: str, reason: str) -> str:
    return (
        f"CLIP weights {spec!r} (hub repository {repo}) are neither cached nor reachable ({reason}); "
        "on a connected machine run `georeasoner models download <profile>` for the profile that "
        "names it, or give a local open_clip directory with --clip"
    )


def _check_local_dir(path: Path, spec: str) -> None:
    has_weights = any(p.suffix in _WEIGHT_SUFFIXES for p in path.glob("*"))
    if not (path / CONFIG_FILE).is_file() or not has_weights:
        raise ModelNotFoundError(
            f"CLIP directory {spec!r} lacks {CONFIG_FILE} or weights; "
            "run `georeasoner models download PROFILE` or rebuild the model"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
