"""Supervised fine-tuning of the vision-language model: the paper's two LoRA stages.

- ``--stage reason`` (stage 1, reasoning tuning): images or clue text -> reasons and answer.
- ``--stage location`` (stage 2, location tuning): highly locatable images -> country and city;
  train it on the base with stage 1 given as ``--adapter`` (merged first), the way Core's
  reasoner stacks adapters at load time.
- ``--stage pretrain``: full training of a from-scratch base (the demo's small model).

Data: JSON-lines conversations (``training/conversations.py``). Only answer tokens count in
the loss. Checkpoints (weights, optimizer, step, losses) are written every ``--save-every``
steps under ``OUT/checkpoint`` and resumed with ``--resume``; a finished run leaves the adapter
(or model) in ``OUT`` with ``train_report.json`` and ``loss.png``. On a GPU, bf16 autocast and
gradient checkpointing are on by default. Example on a GPU::

    python -m training.sft --stage reason --base Qwen/Qwen2-VL-2B-Instruct \\
        --data reason.jsonl --eval-data heldout.jsonl --out runs/lora-reason --max-pixels 200704
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from training.conversations import Conversation, read_conversations

STAGES = ("pretrain", "reason", "location")
#: Attention and MLP projections of the language model (Qwen2 names).
LM_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CHECKPOINT_DIR = "checkpoint"


@dataclass
class SftConfig:
    stage: str
    base: str
    data: str
    out: str
    adapters: tuple[str, ...] = ()
    eval_data: str | None = None
    steps: int = 300
    batch_size: int = 8
    lr: float = 2e-4
    warmup: int = 10
    weight_decay: float = 0.0
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = LM_TARGET_MODULES
    max_pixels: int = 112 * 112
    seed: int = 0
    device: str | None = None
    bf16: bool | None = None  # None: on when the GPU supports it
    gradient_checkpointing: bool | None = None  # None: on for a GPU
    save_every: int = 100
    resume: bool = False
    keep_checkpoint: bool = False  # leave OUT/checkpoint (of the last step) after the run
    eval_limit: int = 200
    eval_batch_size: int = 16
    max_new_tokens: int = 256
    answer_metrics: bool = True  # generate answers for the held-out metrics (not just the loss)
    progress: bool = True
    extra: dict = field(default_factory=dict)  # recorded in the report as given


def learning_rate(step: int, config: SftConfig) -> float:
    """Linear warm-up, then cosine decay to a tenth of ``lr`` (a function of the step alone,
    so a resumed run continues the same schedule)."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def batch_indices(step: int, batch_size: int, size: int, seed: int) -> list[int]:
    """Indices of the batch at ``step``: epochs of seeded permutations, so resuming at a
    step reads the same data a straight run would."""
    out = []
    for i in range(step * batch_size, (step + 1) * batch_size):
        epoch, position = divmod(i, size)
        out.append(int(_permutation(size, seed, epoch)[position]))
    return out


@lru_cache(maxsize=4)
def _permutation(size: int, seed: int, epoch: int):
    import numpy as np

    return np.random.default_rng([seed, epoch]).permutation(size)


def _precision(config: SftConfig, device: str) -> tuple[bool, bool]:
    import torch

    on_cuda = device.startswith("cuda")
    bf16 = config.bf16 if config.bf16 is not None else on_cuda and torch.cuda.is_bf16_supported()
    checkpointing = config.gradient_checkpointing if config.gradient_checkpointing is not None else on_cuda
    return bool(bf16), bool(checkpointing)


def load_for_training(config: SftConfig, device: str, bf16: bool, resume_from: Path | None):
    """(model, processor): the base with ``adapters`` merged, and a fresh (or resumed) LoRA
    adapter on top; for ``pretrain`` the whole model is trainable."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from georeasoner.models import locate_model
    from georeasoner.reasoner.lvlm import stack_adapters

    base_path = locate_model(config.base, "training", "base model")
    processor = AutoProcessor.from_pretrained(base_path)
    dtype = torch.bfloat16 if bf16 else torch.float32
    if config.stage == "pretrain":
        source = resume_from / "weights" if resume_from else base_path
        model = AutoModelForImageTextToText.from_pretrained(source, dtype=dtype).to(device)
        return model, processor
    from peft import LoraConfig, PeftModel, get_peft_model

    model = AutoModelForImageTextToText.from_pretrained(base_path, dtype=dtype).to(device)
    model = stack_adapters(model, [Path(a) for a in config.adapters])
    if resume_from:
        return PeftModel.from_pretrained(model, str(resume_from / "weights"), is_trainable=True), processor
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=list(config.target_modules))
    return get_peft_model(model, lora), processor


def _save_weights(model, processor, path: Path, full: bool) -> None:
    model.save_pretrained(path)
    if full:
        processor.save_pretrained(path)


def _save_checkpoint(model, processor, optimizer, out: Path, state: dict, full: bool) -> None:
    import torch

    final, partial = out / CHECKPOINT_DIR, out / (CHECKPOINT_DIR + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    _save_weights(model, processor, partial / "weights", full)
    torch.save(optimizer.state_dict(), partial / "optimizer.pt")
    (partial / "state.json").write_text(json.dumps(state), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)


def held_out_loss(model, processor, records: list[Conversation], config: SftConfig, device: str, bf16: bool) -> float:
    """Mean answer-token loss over held-out conversations."""
    import torch

    from training.encoding import collate, encode

    total, tokens = 0.0, 0
    model.eval()
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
        for start in range(0, len(records), config.eval_batch_size):
            chunk = records[start:start + config.eval_batch_size]
            batch = collate([encode(processor, r, config.max_pixels) for r in chunk], processor.tokenizer.pad_token_id)
            batch = {k: v.to(device) for k, v in batch.items()}
            count = int((batch["labels"][:, 1:] != -100).sum())
            total += float(model(**batch).loss) * count
            tokens += count
    model.train()
    return total / max(1, tokens)


def train_sft(config: SftConfig) -> dict:
    """Run one stage; returns the report (also written to ``OUT/train_report.json``)."""
    import torch
    from tqdm import tqdm

    from georeasoner.models import resolve_device
    from training.encoding import collate, encode
    from training.report import write_report

    if config.stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {config.stage!r}")
    started = time.monotonic()
    device = resolve_device(config.device)
    bf16, checkpointing = _precision(config, device)
    out = Path(config.out)
    records = read_conversations(config.data)
    if not records:
        raise ValueError(f"{config.data} holds no conversations")
    checkpoint = out / CHECKPOINT_DIR
    resume_from = checkpoint if config.resume and (checkpoint / "state.json").is_file() else None
    state = json.loads((resume_from / "state.json").read_text()) if resume_from else {"step": 0, "losses": []}

    torch.manual_seed(config.seed)
    model, processor = load_for_training(config, device, bf16, resume_from)
    full = config.stage == "pretrain"
    if checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    if resume_from:
        optimizer.load_state_dict(torch.load(resume_from / "optimizer.pt", weights_only=True))

    pad_id = processor.tokenizer.pad_token_id
    losses: list[float] = state["losses"]
    model.train()
    bar = tqdm(range(state["step"], config.steps), initial=state["step"], total=config.steps,
               desc=f"sft {config.stage}", disable=not config.progress, file=sys.stderr)
    for step in bar:
        indices = batch_indices(step, config.batch_size, len(records), config.seed)
        batch = collate([encode(processor, records[i], config.max_pixels) for i in indices], pad_id)
        batch = {k: v.to(device) for k, v in batch.items()}
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        last = step + 1 == config.steps
        if config.save_every and (step + 1) % config.save_every == 0 and (not last or config.keep_checkpoint):
            _save_checkpoint(model, processor, optimizer, out, {"step": step + 1, "losses": losses}, full)

    model.eval()
    if full:
        model.config.use_cache = True
    _save_weights(model, processor, out, full)
    report = {
        "stage": config.stage,
        "config": {k: v for k, v in asdict(config).items()},
        "device": device,
        "bf16": bf16,
        "gradient_checkpointing": checkpointing,
        "examples": len(records),
        "trainable_parameters": sum(p.numel() for p in trainable),
        "first_loss": _window_mean(losses, first=True),
        "final_loss": _window_mean(losses, first=False),
    }
    eval_records = read_conversations(config.eval_data)[: config.eval_limit] if config.eval_data else []
    if eval_records:
        report["held_out_loss"] = held_out_loss(model, processor, eval_records, config, device, bf16)
    del model, optimizer
    if eval_records and config.answer_metrics and not full and all(r.image and r.meta.get("country") for r in eval_records):
        profile = stage_profile(config, out)
        report["held_out"] = evaluate_reasoner(profile, eval_records, config.eval_batch_size, device)
    report["seconds"] = round(time.monotonic() - started, 1)
    if not config.keep_checkpoint:
        shutil.rmtree(checkpoint, ignore_errors=True)
    eval_points = {str(config.steps): report["held_out_loss"]} if "held_out_loss" in report else None
    write_report(out, report, losses, f"{config.stage}: {Path(config.base).name}", eval_points)
    return report


def _window_mean(losses: list[float], first: bool) -> float | None:
    if not losses:
        return None
    window = max(1, min(10, len(losses) // 5))
    part = losses[:window] if first else losses[-window:]
    return sum(part) / len(part)


def stage_profile(config: SftConfig, adapter_dir: Path):
    """A profile running the base with the earlier adapters and this stage's one stacked."""
    from georeasoner.models import ModelProfile

    return ModelProfile(
        name=f"sft-{config.stage}",
        lvlm=str(config.base),
        adapters=(*[str(a) for a in config.adapters], str(adapter_dir)),
        image_max_pixels=config.max_pixels,
        max_new_tokens=config.max_new_tokens,
    )


def evaluate_reasoner(profile, records: list[Conversation], batch_size: int = 16, device: str | None = None,
                      progress: bool = True) -> dict:
    """Held-out metrics of a profile's reasoner (Core's LvlmReasoner) on conversations whose
    ``meta`` holds the truth: accuracy, distances, calibration (ECE) and clue precision."""
    from PIL import Image
    from tqdm import tqdm

    from georeasoner.reasoner.lvlm import LvlmReasoner
    from training.heldout import reasoner_metrics

    reasoner = LvlmReasoner(profile, device)
    answers = []
    for start in tqdm(range(0, len(records), batch_size), desc="evaluate", disable=not progress, file=sys.stderr):
        chunk = records[start:start + batch_size]
        images = []
        for record in chunk:
            with Image.open(record.image) as image:
                images.append(image.convert("RGB"))
        answers.extend(reasoner.locate(images))
    return reasoner_metrics(answers, [r.meta for r in records])


def _parser() -> argparse.ArgumentParser:
    defaults = SftConfig(stage="reason", base="", data="", out="")
    parser = argparse.ArgumentParser(prog="python -m training.sft", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--base", required=True, help="base model: hub id (Qwen/Qwen2-VL-2B-Instruct) or directory")
    parser.add_argument("--adapter", action="append", default=[], metavar="DIR",
                        help="earlier adapter merged into the base before training (repeat, in order)")
    parser.add_argument("--data", required=True, help="training conversations (JSON lines)")
    parser.add_argument("--eval-data", help="held-out conversations with truth in 'meta'")
    parser.add_argument("--out", required=True, help="output directory of the adapter (or model) and report")
    for name in ("steps", "batch_size", "warmup", "lora_r", "lora_alpha", "max_pixels", "seed", "save_every",
                 "eval_limit", "eval_batch_size", "max_new_tokens"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("lr", "weight_decay", "lora_dropout"):
        parser.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name))
    parser.add_argument("--target-modules", default=",".join(defaults.target_modules),
                        help="comma-separated module names that get LoRA")
    parser.add_argument("--device", help="torch device (default: cuda when available)")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                        help="bf16 autocast (default: on where the GPU supports it)")
    parser.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=None,
                        help="gradient checkpointing (default: on for a GPU)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint when present")
    parser.add_argument("--keep-checkpoint", action="store_true", help="keep OUT/checkpoint after the run")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    args["adapters"] = tuple(args.pop("adapter"))
    args["target_modules"] = tuple(m.strip() for m in args["target_modules"].split(",") if m.strip())
    report = train_sft(SftConfig(**args))
    summary = {k: report[k] for k in ("stage", "first_loss", "final_loss", "held_out_loss", "seconds") if k in report}
    if "held_out" in report:
        summary.update({k: v for k, v in report["held_out"].items() if k != "geo"})
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
