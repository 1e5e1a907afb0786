"""Temperature scaling of the reasoner's confidence, fitted on held-out calibration scenes.

Core's confidence is the product of the probabilities of the tokens that spell the country
and the city (``georeasoner.reasoner.lvlm``). A small model trained to a low loss is
over-confident on scenes unlike its training ones. Dividing every logit by a temperature
``T`` leaves each greedy answer as it was (the arg-max does not move) and only rescales the
probabilities. ``T`` is fitted by log loss of the answer being right, then folded into the
model by scaling its ``lm_head``, so Core's reasoner loads the calibrated model as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Temperatures tried, log-spaced.
TEMPERATURE_GRID = np.geomspace(0.25, 8.0, 121)


@dataclass
class SpanLogits:
    """The logits (``(n, vocab)``) of the ``n`` answer tokens that spell the country and the
    city, the ids of those tokens, and whether the answer is right."""

    logits: np.ndarray
    tokens: np.ndarray
    correct: bool


def confidences(spans: Sequence[SpanLogits], temperature: float) -> np.ndarray:
    """Core's confidence of each answer with the logits divided by ``temperature``."""
    out = []
    for span in spans:
        if not len(span.tokens):
            out.append(0.0)
            continue
        scaled = span.logits / temperature
        top = scaled.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(scaled - top).sum(axis=1))
        out.append(float(np.exp(np.sum(scaled[np.arange(len(span.tokens)), span.tokens] - log_norm))))
    return np.clip(np.array(out), 0.0, 1.0)


def log_loss(confidence: np.ndarray, correct: np.ndarray) -> float:
    p = np.clip(confidence, 1e-6, 1 - 1e-6)
    return float(-np.mean(correct * np.log(p) + (1 - correct) * np.log(1 - p)))


def fit_temperature(spans: Sequence[SpanLogits]) -> float:
    """The temperature of ``TEMPERATURE_GRID`` with the least log loss of the answers being right."""
    correct = np.array([span.correct for span in spans], dtype=float)
    losses = [log_loss(confidences(spans, t), correct) for t in TEMPERATURE_GRID]
    return float(TEMPERATURE_GRID[int(np.argmin(losses))])


def answer_span_logits(reasoner, images: list, truths: Sequence[dict]) -> list[SpanLogits]:
    """Generate the reasoner's answers, then read back, teacher-forced, the full logits of the
    tokens its confidence is made of (the same tokens as ``span_confidence`` uses)."""
    import torch

    from georeasoner.reasoner.lvlm import fit_image, token_char_spans
    from georeasoner.reasoner.parse import parse_answer
    from training.heldout import answer_correct

    token_ids, _ = reasoner.generate(images)
    out = []
    for image, ids, truth in zip(images, token_ids, truths):
        parsed = parse_answer(reasoner.tokenizer.decode(ids, skip_special_tokens=True))
        targets = [s for s in (parsed.country_span, parsed.city_span) if s is not None and not parsed.abstained]
        chosen = [i for i, (start, end) in enumerate(token_char_spans(reasoner.tokenizer, ids))
                  if any(start < t_end and t_start < end for t_start, t_end in targets)]
        correct = answer_correct(parsed.country, parsed.city, truth["country"], truth["city"])
        if not chosen:
            out.append(SpanLogits(np.zeros((0, 1)), np.zeros(0, dtype=int), correct))
            continue
        inputs = reasoner.processor(text=[reasoner.prompt_text], images=[fit_image(image, reasoner.profile.image_max_pixels)],
                                    return_tensors="pt")
        prompt_length = inputs["input_ids"].shape[1]
        answer = torch.tensor([ids], dtype=torch.long)
        inputs["input_ids"] = torch.cat([inputs["input_ids"], answer], dim=1)
        inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
        if "mm_token_type_ids" in inputs:
            inputs["mm_token_type_ids"] = torch.cat([inputs["mm_token_type_ids"], torch.zeros_like(answer)], dim=1)
        with torch.inference_mode():
            logits = reasoner.model(**inputs.to(reasoner.model.device)).logits[0].float()
        rows = [prompt_length - 1 + i for i in chosen]
        out.append(SpanLogits(logits[rows].cpu().numpy(), np.array([ids[i] for i in chosen]), correct))
    return out


def scale_lm_head(model_dir: str | Path, temperature: float) -> None:
    """Divide the saved model's output logits by ``temperature`` (its ``lm_head`` scaled)."""
    import torch
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(model_dir, dtype=torch.float32)
    head = model.get_output_embeddings()
    with torch.no_grad():
        head.weight.div_(temperature)
        if head.bias is not None:
            head.bias.div_(temperature)
    model.save_pretrained(model_dir)
