"""The vision-language reasoner: a Hugging Face image-text-to-text model with LoRA adapters.

Adapters are stacked by merging: each adapter, in the profile's order, is loaded with
peft on top of the model so far and merged into its weights. Stage 2 (location tuning)
is trained on the model with stage 1 (reasoning tuning) merged, so merging in order gives
back exactly the weights each stage was trained against, and the merged model runs at the
base model's speed.

Confidence is the product of the probabilities that the model gave to the tokens that
spell the country and the city in its answer: the model's own probability of naming that
place, given the prompt and the text before it. Whole-token spans are used, so a token
that holds a quote and the first letters of the name counts.
"""

from __future__ import annotations

import math
from pathlib import Path

from georeasoner.errors import GeoReasonerError
from georeasoner.models import ModelProfile, dtype_for, locate_model, resolve_device
from georeasoner.reasoner.answer import Answer
from georeasoner.reasoner.parse import Span, parse_answer
from georeasoner.reasoner.prompt import build_messages


def _load_error(role: str, path: Path, exc: Exception) -> GeoReasonerError:
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return GeoReasonerError(f"cannot load the {role} from {path}: {first_line[:200]}; check that it is a complete model directory")


def stack_adapters(model, adapter_dirs: list[Path]):
    """Merge each LoRA adapter into the model, in order (see the module docstring)."""
    from peft import PeftModel

    for path in adapter_dirs:
        try:
            model = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
        except (OSError, ValueError, KeyError) as exc:
            raise _load_error("LoRA adapter", path, exc) from exc
    return model


def fit_image(image, max_pixels: int):
    """The image in RGB, scaled down (aspect kept) to at most ``max_pixels`` pixels."""
    image = image.convert("RGB")
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / pixels)
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size)


def token_char_spans(tokenizer, token_ids: list[int]) -> list[Span]:
    """The ``[start, end)`` characters each token adds to ``tokenizer.decode(token_ids)``.

    Found by decoding growing prefixes, which works for any tokenizer (byte-level BPE,
    SentencePiece) and gives special tokens an empty span.
    """
    spans, previous = [], 0
    for index in range(len(token_ids)):
        end = len(tokenizer.decode(token_ids[: index + 1], skip_special_tokens=True))
        end = max(end, previous)
        spans.append((previous, end))
        previous = end
    return spans


def span_confidence(token_spans: list[Span], token_logprobs: list[float], targets: list[Span | None]) -> float:
    """Product of the probabilities of the tokens overlapping the ``targets`` character spans."""
    targets = [span for span in targets if span is not None]
    if not targets:
        return 0.0
    logprob = sum(
        lp
        for (start, end), lp in zip(token_spans, token_logprobs)
        if any(start < t_end and t_start < end for t_start, t_end in targets)
    )
    return float(min(1.0, max(0.0, math.exp(logprob))))


class LvlmReasoner:
    """Loads the profile's LVLM and adapters once; ``locate`` answers batches of photos."""

    def __init__(self, profile: ModelProfile, device: str | None = None):
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.profile = profile
        self.device = resolve_device(device)
        path = locate_model(profile.lvlm, profile.name, "lvlm")
        adapter_dirs = [
            locate_model(ref, profile.name, f"adapter {i + 1}") for i, ref in enumerate(profile.adapters)
        ]
        try:
            self.processor = AutoProcessor.from_pretrained(path)
            model = AutoModelForImageTextToText.from_pretrained(
                path, dtype=dtype_for(self.device), device_map=self.device
            )
        except (OSError, ValueError, KeyError) as exc:
            raise _load_error("vision-language model", path, exc) from exc
        self.model = stack_adapters(model, adapter_dirs).eval()
        self.tokenizer = self.processor.tokenizer
        self.tokenizer.padding_side = "left"
        self.prompt_text = self.processor.apply_chat_template(
            build_messages(), add_generation_prompt=True, tokenize=False
        )
        self.generation_config = self._generation_config()
        self.stop_ids = set(_as_list(self.generation_config.eos_token_id))
        self.stop_ids.add(self.generation_config.pad_token_id)

    @property
    def model_id(self) -> str:
        return self.profile.model_id

    def _generation_config(self):
        """The model's generation defaults made greedy, with the profile's length, returning
        the raw logits of every step (the model's own probabilities, before any penalty)."""
        config = self.model.generation_config
        config = type(config).from_dict(config.to_dict())
        config.do_sample = False
        config.temperature = config.top_p = config.top_k = None
        config.num_beams = 1
        config.max_new_tokens = self.profile.max_new_tokens
        config.return_dict_in_generate = True
        config.output_logits = True
        if config.pad_token_id is None:
            config.pad_token_id = self.tokenizer.pad_token_id
        if config.eos_token_id is None:
            config.eos_token_id = self.tokenizer.eos_token_id
        return config

    def generate(self, images: list) -> tuple[list[list[int]], list[list[float]]]:
        """Greedy answers for a batch: each one's new token ids and their log-probabilities,
        cut at the first end-of-sequence or padding token."""
        import torch

        fitted = [fit_image(image, self.profile.image_max_pixels) for image in images]
        inputs = self.processor(
            text=[self.prompt_text] * len(fitted), images=fitted, padding=True, return_tensors="pt"
        ).to(self.model.device)
        prompt_length = inputs["input_ids"].shape[1]
        with torch.inference_mode():
            output = self.model.generate(**inputs, generation_config=self.generation_config)
            new_ids = output.sequences[:, prompt_length:]
            logprobs = torch.stack(
                [
                    torch.log_softmax(step.float(), dim=-1).gather(1, new_ids[:, i : i + 1]).squeeze(1)
                    for i, step in enumerate(output.logits)
                ],
                dim=1,
            )
        token_ids, token_logprobs = [], []
        for ids, lps in zip(new_ids.tolist(), logprobs.tolist()):
            end = next((i for i, token in enumerate(ids) if token in self.stop_ids), len(ids))
            token_ids.append(ids[:end])
            token_logprobs.append(lps[:end])
        return token_ids, token_logprobs

    def locate(self, images: list) -> list[Answer]:
        """One answer per image, generated together in one batch."""
        if not images:
            return []
        answers = []
        for ids, logprobs in zip(*self.generate(images)):
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            parsed = parse_answer(text)
            spans = token_char_spans(self.tokenizer, ids)
            targets = [] if parsed.abstained else [parsed.country_span, parsed.city_span]
            answers.append(
                Answer(
                    country=parsed.country,
                    city=parsed.city,
                    reasons=parsed.reasons,
                    confidence=span_confidence(spans, logprobs, targets),
                    country_confidence=span_confidence(spans, logprobs, targets[:1]),
                    abstained=parsed.abstained,
                    raw=text,
                    model=self.model_id,
                )
            )
        return answers


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
