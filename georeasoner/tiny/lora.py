"""Tiny LoRA adapters for the two tuning stages, made with peft on a tiny base model."""

from __future__ import annotations

from pathlib import Path

#: The paper's two stages, in the order they are stacked.
STAGES = ("reason", "location")

#: Attention projections of the language model (the vision tower names its own ``qkv``).
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"]


def build_tiny_adapters(base_dir: str | Path, out_dir: str | Path, seed: int = 0) -> list[Path]:
    """Save one LoRA adapter per stage under ``out_dir`` and return their directories.

    Stage 1 (reasoning) has random B, since peft starts LoRA with B = 0, which would leave
    the model unchanged. Stage 2 (location) is trained, as real stage 2 adapters are, on the
    base with stage 1 merged: here to answer ``tiny.teach.TINY_ANSWER`` for every photo.
    """
    import torch
    from peft import PeftModel, get_peft_model
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from georeasoner.tiny.teach import teach_answer

    out = Path(out_dir)
    reason_dir, location_dir = out / f"lora-{STAGES[0]}", out / f"lora-{STAGES[1]}"
    torch.manual_seed(seed)
    model = get_peft_model(AutoModelForImageTextToText.from_pretrained(base_dir), _lora_config())
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, 0.5)
    model.save_pretrained(reason_dir)

    merged = PeftModel.from_pretrained(AutoModelForImageTextToText.from_pretrained(base_dir), str(reason_dir))
    model = get_peft_model(merged.merge_and_unload(), _lora_config())
    teach_answer(model, AutoProcessor.from_pretrained(base_dir), steps=150, seed=seed)
    model.save_pretrained(location_dir)
    return [reason_dir, location_dir]


def _lora_config():
    """LoRA on attention and the output head: attention alone cannot sharpen a tiny model's logits."""
    from peft import LoraConfig

    return LoraConfig(r=8, lora_alpha=16, target_modules=[*TARGET_MODULES, "lm_head"], lora_dropout=0.0)
