"""The models a job runs, loaded once per process and cached by profile.

A worker process may serve jobs that name different profiles; each distinct
(profile, engine, device) is loaded once and kept.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENGINES = ("lvlm", "clip")


@dataclass
class Engines:
    """A locatability scorer and, for geolocation, a reasoner."""

    model_id: str
    device: str
    scorer: object
    reasoner: object | None


_cache: dict[str, Engines] = {}
_lock = threading.Lock()


def load_engines(profile, engine: str = "lvlm", device: str | None = None, reason: bool = True) -> Engines:
    """Engines for ``profile`` (a ``models.ModelProfile``); ``engine`` is ``lvlm`` or ``clip``."""
    from georeasoner.models import resolve_device

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    device = resolve_device(device)
    key = json.dumps([profile.to_json(), engine, device, reason], sort_keys=True)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(profile, engine, device, reason)
        return _cache[key]


def _load(profile, engine: str, device: str, reason: bool) -> Engines:
    from georeasoner.locatability.clip_scorer import ClipLocatabilityScorer

    scorer = ClipLocatabilityScorer(profile.clip, profile.locatability_head, device)
    reasoner = None
    if reason and engine == "lvlm":
        from georeasoner.reasoner.lvlm import LvlmReasoner

        reasoner = LvlmReasoner(profile, device)
    elif reason:
        from georeasoner.reasoner.clip_zeroshot import ClipZeroShotReasoner

        reasoner = ClipZeroShotReasoner(profile.clip, device)
    if not reason:
        model_id = f"{profile.name} (locatability)"
    elif engine == "clip":
        model_id = f"{profile.name} (CLIP zero-shot)"
    else:
        model_id = profile.model_id
    log.info("loaded profile %s (%s) on %s", profile.name, engine if reason else "locatability only", device)
    return Engines(model_id=model_id, device=device, scorer=scorer, reasoner=reasoner)
