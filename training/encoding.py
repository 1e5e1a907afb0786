"""Conversations to model inputs, with the prompt masked out of the loss.

The prompt is rendered by the processor's own chat template exactly as the reasoner renders
it at run time; the answer's tokens, then the end-of-turn token, follow it. Labels are -100
over the prompt (and padding), so only the answer is learnt.
"""

from __future__ import annotations

from functools import lru_cache

from training.conversations import Conversation

IGNORE_INDEX = -100
END_OF_TURN = "<|im_end|>"
#: Per-token keys that are padded along the sequence (the rest are concatenated).
_SEQUENCE_PAD = {"input_ids": None, "attention_mask": 0, "labels": IGNORE_INDEX, "mm_token_type_ids": 0}


def _messages(conversation: Conversation) -> list[dict]:
    from georeasoner.reasoner.prompt import PROMPT, build_messages

    prompt = conversation.prompt or PROMPT
    if conversation.image is None:
        return [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
    return build_messages(prompt)


def end_of_turn_id(tokenizer) -> int:
    token_id = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    return token_id if isinstance(token_id, int) and token_id != tokenizer.unk_token_id else tokenizer.eos_token_id


@lru_cache(maxsize=8)
def _image(path: str, max_pixels: int):
    from PIL import Image

    from georeasoner.reasoner.lvlm import fit_image

    with Image.open(path) as image:
        return fit_image(image, max_pixels)


def encode(processor, conversation: Conversation, max_pixels: int) -> dict:
    """One example: ``input_ids``, ``attention_mask``, ``labels`` (1-D) and, with an image,
    ``pixel_values`` and ``image_grid_thw``."""
    import torch

    prompt = processor.apply_chat_template(_messages(conversation), add_generation_prompt=True, tokenize=False)
    images = [_image(conversation.image, max_pixels)] if conversation.image else None
    inputs = processor(text=[prompt], images=images, return_tensors="pt")
    tokenizer = processor.tokenizer
    answer = tokenizer(conversation.answer, add_special_tokens=False)["input_ids"] + [end_of_turn_id(tokenizer)]
    answer = torch.tensor(answer, dtype=torch.long)
    prompt_ids = inputs["input_ids"][0]
    example = {
        "input_ids": torch.cat([prompt_ids, answer]),
        "attention_mask": torch.ones(len(prompt_ids) + len(answer), dtype=torch.long),
        "labels": torch.cat([torch.full_like(prompt_ids, IGNORE_INDEX), answer]),
    }
    if "mm_token_type_ids" in inputs:
        example["mm_token_type_ids"] = torch.cat([inputs["mm_token_type_ids"][0], torch.zeros_like(answer)])
    if images:
        example["pixel_values"] = inputs["pixel_values"]
        example["image_grid_thw"] = inputs["image_grid_thw"]
    return example


def collate(examples: list[dict], pad_token_id: int) -> dict:
    """A right-padded batch; image tensors of the examples that have one are concatenated."""
    import torch

    length = max(len(example["input_ids"]) for example in examples)
    batch = {}
    for key, pad in _SEQUENCE_PAD.items():
        if key not in examples[0]:
            continue
        value = pad_token_id if pad is None else pad
        rows = [torch.cat([e[key], torch.full((length - len(e[key]),), value, dtype=e[key].dtype)]) for e in examples]
        batch[key] = torch.stack(rows)
    with_images = [e for e in examples if "pixel_values" in e]
    if with_images:
        batch["pixel_values"] = torch.cat([e["pixel_values"] for e in with_images])
        batch["image_grid_thw"] = torch.cat([e["image_grid_thw"] for e in with_images])
    return batch
