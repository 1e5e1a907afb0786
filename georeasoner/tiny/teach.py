"""Teach a tiny vision-language model one fixed answer, so tiny profiles give real places.

A random tiny model answers noise, which the parser rightly treats as an abstention. Tests
and smoke tests need answers that parse, geocode and audit, so the tiny stage-2 adapter is
taught to answer one place for every photo, with prompt tokens masked out of the loss.
"""

from __future__ import annotations

#: What a taught tiny model answers for every photo.
TINY_ANSWER = '{"country": "France", "city": "Paris", "reasons": "Haussmann facades and blue street signs."}'


def teach_answer(model, processor, answer: str = TINY_ANSWER, steps: int = 60, lr: float = 1e-2, seed: int = 0):
    """Train ``model`` in place until it answers ``answer`` to the reasoner's prompt."""
    import numpy as np
    import torch
    from PIL import Image

    from georeasoner.reasoner.prompt import build_messages

    prompt = processor.apply_chat_template(build_messages(), add_generation_prompt=True, tokenize=False)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for _ in range(steps):
        # A fresh noise photo of a random size each step, so the answer holds for any photo.
        width, height = (int(v) for v in rng.integers(28, 160, size=2))
        image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
        prompt_length = processor(text=[prompt], images=[image], return_tensors="pt")["input_ids"].shape[1]
        inputs = processor(text=[prompt + answer + "<|im_end|>"], images=[image], return_tensors="pt")
        labels = inputs["input_ids"].clone()
        labels[:, :prompt_length] = -100
        model(**inputs, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return model.eval()
