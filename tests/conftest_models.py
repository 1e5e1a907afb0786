"""Tiny model fixtures, built once per test session under a temporary directory.

Import them into ``tests/conftest.py`` with ``from tests.conftest_models import *``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from georeasoner.models import ModelProfile

#: What the taught tiny model answers for every photo.
TAUGHT_ANSWER = '{"country": "France", "city": "Paris", "reasons": "Haussmann facades."}'


def teach_answer(base_dir: Path, out_dir: Path, answer: str = TAUGHT_ANSWER, steps: int = 60) -> Path:
    """Fine-tune a copy of a tiny LVLM until it answers ``answer`` to the reasoner's prompt.

    The teaching is a few steps of plain next-token training on the answer tokens, with
    two photos of different sizes so the answer does not depend on the image.
    """
    import torch
    from PIL import Image
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from georeasoner.reasoner.prompt import build_messages

    processor = AutoProcessor.from_pretrained(base_dir)
    model = AutoModelForImageTextToText.from_pretrained(base_dir)
    prompt = processor.apply_chat_template(build_messages(), add_generation_prompt=True, tokenize=False)
    examples = []
    for image in (Image.new("RGB", (84, 56), "red"), Image.new("RGB", (112, 140), "blue")):
        prompt_length = processor(text=[prompt], images=[image], return_tensors="pt")["input_ids"].shape[1]
        inputs = processor(text=[prompt + answer + "<|im_end|>"], images=[image], return_tensors="pt")
        labels = inputs["input_ids"].clone()
        labels[:, :prompt_length] = -100
        examples.append((inputs, labels))
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for step in range(steps):
        inputs, labels = examples[step % len(examples)]
        loss = model(**inputs, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval().save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return Path(out_dir)


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_qwen2vl_dir(tiny_models_dir) -> Path:
    from georeasoner.tiny.qwen2vl import build_tiny_qwen2vl

    return build_tiny_qwen2vl(tiny_models_dir / "qwen2vl")


@pytest.fixture(scope="session")
def tiny_adapter_dirs(tiny_qwen2vl_dir, tiny_models_dir) -> list[Path]:
    from georeasoner.tiny.lora import build_tiny_adapters

    return build_tiny_adapters(tiny_qwen2vl_dir, tiny_models_dir / "adapters")


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
