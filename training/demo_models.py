"""Build the ``demo`` model profile from the synthetic world, on a CPU, in minutes.

Steps (each is the same code that trains real models, with small sizes):

1. synthetic scenes: train, calibration and held-out splits (``training.synthetic.write_dataset``);
2. the locatability scorer: a tiny CLIP whose image encoder is tuned with the head on the
   exact mask labels (``training.locatability``);
3. a small Qwen2-VL built from scratch (``training.base_model``), pretrained on a mix of
   image -> the clues it shows (so its vision tower learns the cues) and clue text -> a short
   answer (the answer format and what each clue says about the place);
4. stage 1 LoRA, reasoning tuning, on all scenes (some as clue text only), then stage 2 LoRA,
   location tuning, on the highly locatable scenes, with stage 1 merged (``training.sft``);
   answers name the clues before the place (``training.conversations.answer_json``);
5. the confidence's temperature, fitted on the calibration scenes and folded into the base's
   ``lm_head`` (``training.calibration``);
6. held-out evaluation of stage 1 alone and of both stages through Core's reasoner.

The output directory is a profile (``profile.json``) for ``--profile DIR``, with
``demo_report.json`` holding every figure: accuracies, calibration, clue precision, the
locatability scorer's Spearman, and the wall and CPU seconds, steps per second and load
average of each step. ``python -m training.demo_models --out DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from training.base_model import BaseSize

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "georeasoner" / "data" / "demo"
DEFAULT_WORK = REPO / ".cache" / "demo-work"
REPORT_FILE = "demo_report.json"


@dataclass(frozen=True)
class DemoPlan:
    """Sizes and step counts of the demo build (the defaults fit 15 minutes on 2 quiet cores)."""

    seed: int = 7
    image_size: int = 112
    train_scenes: int = 8000
    calibration_scenes: int = 200  # more scenes of the train split, never trained on
    test_scenes: int = 240
    head_epochs: int = 4
    pretrain_steps: int = 2000
    reason_steps: int = 300
    location_steps: int = 1200
    batch_size: int = 16
    eval_scenes: int = 200
    text_share: float = 0.2
    locatable: float = 0.4
    reason_clues: int = 3  # stage 2 (and pretraining) answers give at most this many clues as reasons
    reasons_first: bool = False  # True: answers name the clues, then the place (see answer_json)
    max_new_tokens: int = 64
    #: Torch threads. One: these matrices are too small to gain from a second thread, and on a
    #: shared machine two threads wait on each other at every operation (measured here, with
    #: one other busy process: 8.4 steps/s with one thread, 0.7 with two).
    threads: int = 1


QUICK_PLAN = DemoPlan(image_size=56, train_scenes=48, calibration_scenes=8, test_scenes=12, head_epochs=1,
                      pretrain_steps=3, reason_steps=2, location_steps=2, batch_size=4, eval_scenes=6, max_new_tokens=16)


def _tokenizer_corpus(scenes: list[dict]) -> list[str]:
    from georeasoner.reasoner.prompt import PROMPT
    from training.conversations import CAPTION_PROMPT, TEXT_PROMPT, answer_json, clue_caption

    corpus = [PROMPT, CAPTION_PROMPT, TEXT_PROMPT, "You are a helpful assistant.",
              answer_json(None, None, "unknown"), answer_json(None, None, "unknown", reasons_first=True)] * 20
    for scene in scenes:
        corpus.append(answer_json(scene["country"], scene["city"], scene["reasons"], reasons_first=True))
        corpus.append(clue_caption(scene["clues"]))
    return corpus


def _prompt_phrases() -> tuple[str, ...]:
    """The fixed prompts, each one token of the demo base (see ``training.base_model``)."""
    from georeasoner.reasoner.prompt import PROMPT
    from training.conversations import CAPTION_PROMPT, TEXT_PROMPT

    return (PROMPT, CAPTION_PROMPT, *(part for part in TEXT_PROMPT.split("{clues}") if part.strip()))


def _pretrain_conversations(scenes: list[dict], plan: DemoPlan) -> list:
    """The base's pretraining mix: image -> its clues (seeing), and clue text -> a short answer
    (the answer format and the world's conventions, as a real base model knows them)."""
    import numpy as np

    from training.conversations import scene_conversations

    records = scene_conversations(scenes, "caption") + scene_conversations(
        scenes, "reason", text_share=1.0, reason_clues=plan.reason_clues, reasons_first=plan.reasons_first)
    return [records[i] for i in np.random.default_rng(plan.seed).permutation(len(records))]


def _write_stage_data(work: Path, train: list[dict], test: list[dict], plan: DemoPlan) -> dict[str, Path]:
    from training.conversations import scene_conversations, write_conversations

    held_out = test[: plan.eval_scenes]
    probe = held_out[:48]
    first = plan.reasons_first
    sets = {
        "pretrain": _pretrain_conversations(train, plan),
        "pretrain-test": _pretrain_conversations(probe, plan),
        "reason": scene_conversations(train, "reason", 0.0, plan.text_share, plan.seed, reasons_first=first),
        "reason-test": scene_conversations(probe, "reason", reasons_first=first),
        "location": scene_conversations(train, "location", plan.locatable, reason_clues=plan.reason_clues,
                                        reasons_first=first),
        "location-test": scene_conversations(held_out, "location", reason_clues=plan.reason_clues,
                                             reasons_first=first),
    }
    return {name: write_conversations(work / f"{name}.jsonl", records) for name, records in sets.items()}


#: The demo's small Qwen2-VL: ~0.7 M parameters, 112 px images (16 image tokens).
DEMO_SIZE = BaseSize(hidden=96, layers=3, heads=4, kv_heads=2, vision_depth=2, vision_dim=64, vision_heads=4,
                     vocab=1024, image_side=112)


class _Laps:
    """Wall and CPU seconds of each step of the build, with the load average around it."""

    def __init__(self) -> None:
        self.timings: dict[str, dict] = {}
        self._restart()

    def _restart(self) -> None:
        self._wall, self._cpu, self._load = time.monotonic(), time.process_time(), os.getloadavg()[0]

    def lap(self, name: str, steps: int | None = None) -> None:
        wall = time.monotonic() - self._wall
        entry = {"wall_s": round(wall, 1), "cpu_s": round(time.process_time() - self._cpu, 1),
                 "load_before": round(self._load, 2), "load_after": round(os.getloadavg()[0], 2)}
        if steps:
            entry["steps_per_s"] = round(steps / wall, 3)
        self.timings[name] = entry
        self._restart()


def _images(paths: list[str]) -> list:
    """The training photos, decoded by the product's own safe decoder (RGB, EXIF-upright)."""
    from georeasoner.images import decode_image

    return [decode_image(path) for path in paths]


def calibrate(profile, scenes: list[dict], model_dir: Path, batch_size: int = 16) -> dict:
    """Fit the confidence temperature on calibration scenes and fold it into ``model_dir``."""
    import numpy as np

    from georeasoner.reasoner.lvlm import LvlmReasoner
    from training.calibration import answer_span_logits, confidences, fit_temperature, scale_lm_head
    from training.heldout import ece

    reasoner = LvlmReasoner(profile, "cpu")
    spans = []
    for start in range(0, len(scenes), batch_size):
        chunk = scenes[start:start + batch_size]
        spans += answer_span_logits(reasoner, _images([s["image"] for s in chunk]), chunk)
    del reasoner
    temperature = fit_temperature(spans)
    correct = np.array([s.correct for s in spans])
    scale_lm_head(model_dir, temperature)
    return {"temperature": temperature, "n": len(spans), "answer_acc": float(correct.mean()),
            "ece_before": ece(confidences(spans, 1.0), correct), "ece_after": ece(confidences(spans, temperature), correct)}


def build_demo(out_dir: str | Path = DEFAULT_OUT, work_dir: str | Path | None = None, plan: DemoPlan = DemoPlan(),
               size: BaseSize = DEMO_SIZE, progress: bool = True) -> dict:
    """Train every model of the demo profile into ``out_dir``; returns the report."""
    import numpy as np
    import torch

    from georeasoner.models import load_profile
    from georeasoner.tiny.open_clip import build_tiny_clip
    from training.base_model import build_base
    from training.conversations import read_conversations
    from training.heldout import spearman
    from training.locatability import HeadConfig, score_with_head, train_head
    from training.sft import SftConfig, evaluate_reasoner, train_sft
    from training.synthetic import read_index, write_dataset

    started = time.monotonic()
    torch.set_num_threads(plan.threads)
    out = Path(out_dir).resolve()
    work = Path(work_dir).resolve() if work_dir else DEFAULT_WORK
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    laps = _Laps()

    data = work / "scenes"
    write_dataset(data, plan.train_scenes + plan.calibration_scenes, plan.seed, plan.image_size, split="train")
    write_dataset(data, plan.test_scenes, plan.seed, plan.image_size, split="test")
    scenes, test = read_index(data, "train"), read_index(data, "test")
    train, calibration = scenes[: plan.train_scenes], scenes[plan.train_scenes:]
    paths = _write_stage_data(work, train, test, plan)
    laps.lap("scenes")

    clip_dir = build_tiny_clip(work / "clip-init", seed=plan.seed)
    head = train_head(_images([r["image"] for r in train]), np.array([r["locatability"] for r in train]),
                      HeadConfig(clip=str(clip_dir), out=str(out / "locatability_head.safetensors"), tune="full",
                                 epochs=plan.head_epochs, encoder_lr=3e-4, seed=plan.seed, device="cpu",
                                 progress=progress))
    head.pop("losses")
    scores = score_with_head(out / "locatability_head.safetensors", _images([r["image"] for r in test]))
    truth = np.array([r["locatability"] for r in test])
    locatability = {"spearman": spearman(scores, truth), "mae": float(np.mean(np.abs(scores - truth))),
                    "n": len(test), "train_seconds": head["seconds"]}
    laps.lap("locatability")

    def sft(stage: str, base: Path, steps: int, lr: float, target: Path, adapters: tuple = ()) -> dict:
        config = SftConfig(stage=stage, base=str(base), data=str(paths[stage]), out=str(target), adapters=adapters,
                           steps=steps, batch_size=plan.batch_size, lr=lr, warmup=max(1, steps // 20),
                           lora_r=32, lora_alpha=64, lora_dropout=0.0, max_pixels=size.image_side ** 2,
                           seed=plan.seed, device="cpu", save_every=0, progress=progress,
                           eval_data=str(paths[f"{stage}-test"]), eval_limit=96, answer_metrics=False,
                           max_new_tokens=plan.max_new_tokens)
        report = train_sft(config)
        laps.lap(stage, steps)
        return {k: report.get(k) for k in ("first_loss", "final_loss", "held_out_loss", "seconds")}

    base_init = build_base(work / "base-init", _tokenizer_corpus(train), size, seed=plan.seed, phrases=_prompt_phrases())
    pretrain = sft("pretrain", base_init, plan.pretrain_steps, 3e-3, out / "lvlm")
    reason = sft("reason", out / "lvlm", plan.reason_steps, 2e-3, out / "lora-reason")
    location = sft("location", out / "lvlm", plan.location_steps, 2e-3, out / "lora-location",
                   adapters=(str(out / "lora-reason"),))

    profile = {
        "name": "demo",
        "description": "small models trained from scratch on the synthetic geo-cue world (training/demo_models.py)",
        "lvlm": "lvlm",
        "adapters": ["lora-reason", "lora-location"],
        "clip": Path(head["clip_spec"]).name,
        "locatability_head": "locatability_head.safetensors",
        "image_max_pixels": size.image_side ** 2,
        "max_new_tokens": plan.max_new_tokens,
    }
    (out / "profile.json").write_text(json.dumps(profile, indent=2), encoding="utf-8")
    calibration_report = calibrate(load_profile(str(out)), calibration, out / "lvlm")
    laps.lap("calibration")
    held_out = read_conversations(paths["location-test"])
    both = evaluate_reasoner(load_profile(str(out)), held_out, device="cpu", progress=progress)
    stage1 = evaluate_reasoner(load_profile(str(out), {"adapters": [str(out / "lora-reason")]}), held_out,
                               device="cpu", progress=progress)
    laps.lap("evaluation")
    report = {
        "plan": asdict(plan),
        "base_size": asdict(size),
        "locatability": locatability,
        "pretrain": pretrain,
        "reason": reason,
        "location": location,
        "calibration": calibration_report,
        "held_out": both,
        "held_out_stage1": stage1,
        "timings": laps.timings,
        "total_s": round(time.monotonic() - started, 1),
        "total_cpu_s": round(sum(t["cpu_s"] for t in laps.timings.values()), 1),
        "cpu_count": os.cpu_count(),
        "size_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6, 2),
    }
    (out / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.demo_models", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"profile directory to write (default {DEFAULT_OUT})")
    parser.add_argument("--work", default=str(DEFAULT_WORK), help=f"scenes and intermediate files (default {DEFAULT_WORK})")
    parser.add_argument("--quick", action="store_true", help="a few steps of everything (checks the build runs)")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    plan = QUICK_PLAN if args.quick else DemoPlan()
    report = build_demo(args.out, args.work, plan, progress=args.progress)
    keys = ("country_acc", "city_acc", "ece", "clue_precision")
    print(json.dumps({
        "locatability_spearman": report["locatability"]["spearman"],
        **{k: report["held_out"][k] for k in keys},
        "stage1_country_acc": report["held_out_stage1"]["country_acc"],
        "stage1_city_acc": report["held_out_stage1"]["city_acc"],
        "temperature": report["calibration"]["temperature"],
        "size_mb": report["size_mb"],
        "total_s": report["total_s"],
        "total_cpu_s": report["total_cpu_s"],
        "timings": {name: {k: t[k] for k in ("wall_s", "steps_per_s", "load_before") if k in t}
                    for name, t in report["timings"].items()},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
