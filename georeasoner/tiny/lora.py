"""Tiny LoRA adapters for the two tuning stages, made with peft on a tiny base model."""

from __future__ import annotations

from pathlib import Path

#: The paper's two stages, in the order they are stacked.
STAGES = ("reason", "location")

#: Attention projections of the language model (the vision tower names its own ``qkv``).
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"]


def build_tiny_adapters(base_dir: str | Path, out_dir: str | Path, seed: int = 0) -> list[Path]:
    """Save one LoRA adapter per stage under ``out_dir`` and return their directories.

    peft starts LoRA with B = 0, which would leave the model unchanged; B is drawn at
    random here so that each adapter visibly changes the output.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    out = Path(out_dir)
    paths = []
    for index, stage in enumerate(STAGES):
        torch.manual_seed(seed + index)
        base = AutoModelForImageTextToText.from_pretrained(base_dir)
        config = LoraConfig(r=4, lora_alpha=8, target_modules=TARGET_MODULES, lora_dropout=0.0)
        model = get_peft_model(base, config)
        with torch.no_grad():
            for name, param in model.named_parameters():
                if "lora_B" in name:
                    param.normal_(0.0, 0.5)
        path = out / f"lora-{stage}"
        model.save_pretrained(path)
        paths.append(path)
    return paths
