"""The vision-language reasoner on tiny Qwen2-VL models, loaded like real checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from georeasoner.models import ModelProfile
from georeasoner.reasoner.lvlm import LvlmReasoner, fit_image, stack_adapters
from tests.conftest_models import TAUGHT_ANSWER


def noise_photo(seed: int, size: tuple[int, int]) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


#: Sizes that give different numbers of image tokens, so a batch needs padding.
PHOTOS = [noise_photo(0, (60, 40)), noise_photo(1, (112, 112)), noise_photo(2, (40, 100))]


def logits_of(model, processor):
    from georeasoner.reasoner.prompt import build_messages

    prompt = processor.apply_chat_template(build_messages(), add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[prompt], images=[PHOTOS[0]], return_tensors="pt")
    return model(**inputs).logits


def load_logits(model_dir, adapter_dirs):
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    model = stack_adapters(AutoModelForImageTextToText.from_pretrained(model_dir), adapter_dirs).eval()
    with torch.inference_mode():
        return logits_of(model, AutoProcessor.from_pretrained(model_dir))


def test_stacked_adapters_change_the_output_logits(tiny_qwen2vl_dir, tiny_adapter_dirs):
    import torch

    base = load_logits(tiny_qwen2vl_dir, [])
    adapted = load_logits(tiny_qwen2vl_dir, tiny_adapter_dirs)
    assert not torch.allclose(base, adapted, atol=1e-3)


def test_stage_two_adapter_changes_the_logits_of_stage_one(tiny_qwen2vl_dir, tiny_adapter_dirs):
    import torch

    stage_one = load_logits(tiny_qwen2vl_dir, tiny_adapter_dirs[:1])
    both = load_logits(tiny_qwen2vl_dir, tiny_adapter_dirs)
    assert not torch.allclose(stage_one, both, atol=1e-3)


@pytest.fixture(scope="module")
def tiny_reasoner(tiny_lvlm_profile):
    return LvlmReasoner(tiny_lvlm_profile, "cpu")


def test_batched_generation_with_left_padding_matches_one_at_a_time(tiny_reasoner):
    prompt_lengths = {
        len(tiny_reasoner.processor(text=[tiny_reasoner.prompt_text], images=[photo])["input_ids"][0])
        for photo in PHOTOS
    }
    assert len(prompt_lengths) == len(PHOTOS)
    batched, _ = tiny_reasoner.generate(PHOTOS)
    one_at_a_time = [tiny_reasoner.generate([photo])[0][0] for photo in PHOTOS]
    assert all(batched) and batched == one_at_a_time


def test_gibberish_from_a_random_model_is_an_abstention_with_zero_confidence(tiny_qwen2vl_dir, tiny_adapter_dirs):
    random_stage_one = ModelProfile(name="tiny", lvlm=str(tiny_qwen2vl_dir), adapters=(str(tiny_adapter_dirs[0]),),
                                    max_new_tokens=12)
    answers = LvlmReasoner(random_stage_one, "cpu").locate(PHOTOS[:2])
    assert [(a.abstained, a.confidence, a.country) for a in answers] == [(True, 0.0, None)] * 2
    assert all(a.model == "tiny (lvlm + 1 LoRA)" for a in answers)


def test_the_tiny_profile_answers_its_taught_place(tiny_reasoner):
    answers = tiny_reasoner.locate(PHOTOS)
    assert [(a.country, a.city) for a in answers] == [("France", "Paris")] * len(PHOTOS)
    assert all(0.5 < a.confidence <= 1.0 for a in answers)


def test_confidence_is_the_product_of_country_and_city_token_probabilities(taught_qwen2vl_dir):
    import torch

    reasoner = LvlmReasoner(ModelProfile(name="taught", lvlm=str(taught_qwen2vl_dir), max_new_tokens=40), "cpu")
    photo = PHOTOS[1]
    answer = reasoner.locate([photo])[0]
    assert (answer.raw, answer.country, answer.city) == (TAUGHT_ANSWER, "France", "Paris")

    answer_ids = reasoner.tokenizer(TAUGHT_ANSWER)["input_ids"]
    inputs = reasoner.processor(
        text=[reasoner.prompt_text + TAUGHT_ANSWER],
        images=[fit_image(photo, reasoner.profile.image_max_pixels)],
        return_tensors="pt",
    )
    with torch.inference_mode():
        probs = reasoner.model(**inputs).logits[0].float().softmax(-1)
    first = inputs["input_ids"].shape[1] - len(answer_ids)
    name_positions = [
        i for i, token in enumerate(answer_ids) if reasoner.tokenizer.decode([token]) in ("France", "Paris")
    ]
    assert len(name_positions) == 2
    expected = math.prod(probs[first + i - 1, answer_ids[i]].item() for i in name_positions)
    assert 0.0 < answer.confidence < 1.0
    assert answer.confidence == pytest.approx(expected, rel=1e-4)
