"""Tiny model fixtures, built once per test session under a temporary directory.

Import them into ``tests/conftest.py`` with ``from tests.conftest_models import *``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from georeasoner.models import ModelProfile
from georeasoner.tiny.teach import TINY_ANSWER
from georeasoner.tiny.teach import teach_answer as teach

TAUGHT_ANSWER = TINY_ANSWER


def teach_answer(base_dir: Path, out_dir: Path, answer: str = TAUGHT_ANSWER, steps: int = 150) -> Path:
    """A fully fine-tuned copy of a tiny LVLM that answers ``answer`` to the reasoner's prompt."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(base_dir)
    model = teach(AutoModelForImageTextToText.from_pretrained(base_dir), processor, answer, steps=steps)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return Path(out_dir)


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_qwen2vl_dir(tiny_profile) -> Path:
    """The tiny Qwen2-VL base of the tiny profile (see ``georeasoner.tiny.make_tiny``)."""
    return tiny_profile / "lvlm"


@pytest.fixture(scope="session")
def tiny_adapter_dirs(tiny_profile) -> list[Path]:
    """The tiny profile's stage 1 (random) and stage 2 (taught) LoRA adapters, in stacking order."""
    from georeasoner.tiny.lora import STAGES

    return [tiny_profile / "adapters" / f"lora-{stage}" for stage in STAGES]


@pytest.fixture(scope="session")
def taught_qwen2vl_dir(tiny_qwen2vl_dir, tiny_models_dir) -> Path:
    return teach_answer(tiny_qwen2vl_dir, tiny_models_dir / "qwen2vl-taught")


@pytest.fixture(scope="session")
def tiny_lvlm_profile(tiny_qwen2vl_dir, tiny_adapter_dirs) -> ModelProfile:
    """A profile running the tiny Qwen2-VL with both tiny adapters stacked."""
    return ModelProfile(
        name="tiny",
        lvlm=str(tiny_qwen2vl_dir),
        adapters=tuple(str(path) for path in tiny_adapter_dirs),
        max_new_tokens=12,
    )


__all__ = [
    "taught_qwen2vl_dir",
    "tiny_adapter_dirs",
    "tiny_lvlm_profile",
    "tiny_models_dir",
    "tiny_qwen2vl_dir",
]
