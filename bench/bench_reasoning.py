"""Batched generation of the LVLM reasoner: a batch of 8 photos against one photo at a time.

The model is a Qwen2-VL built from a configuration with random weights (same compute as
trained weights), with the tiny profile's tokenizer and processor, saved with
``save_pretrained`` and loaded by ``LvlmReasoner`` like any model. Every answer is exactly
``--new-tokens`` long (end-of-sequence suppressed), so both ways do the same work: 96 tokens
by default, an answer in the paper's format (country, city and a sentence of clues); the
profiles allow 192 to 256. The prompt is 282 tokens with the tiny tokenizer (a real Qwen2-VL
tokenizer needs about a quarter of that), so prefill, which batching cannot speed up on the
CPU, weighs more here than with the real models. The photos
are real JPEGs from ``../shared/data``. Rounds alternate batched and one-by-one runs, and the
figure is the median over rounds. Target on the CPU: batched at least 2.5x faster.

    .venv/bin/python bench/bench_reasoning.py                                   # CPU, small config
    .venv/bin/python bench/bench_reasoning.py --device cuda --size 2b --image-pixels 313600
    .venv/bin/python bench/bench_reasoning.py --device cuda --size 7b --image-pixels 602112
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assets
from results import record_result

TARGET = 2.5

#: Text and vision sizes: "small" for the CPU; "2b" and "7b" are those of Qwen2-VL-2B / 7B.
SIZES = {
    "small": ({"hidden_size": 512, "intermediate_size": 1376, "num_hidden_layers": 4, "num_attention_heads": 8,
               "num_key_value_heads": 4, "mrope": [8, 12, 12]},
              {"depth": 4, "embed_dim": 256, "num_heads": 4, "mlp_ratio": 4}),
    "2b": ({"hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
            "num_key_value_heads": 2, "mrope": [16, 24, 24]},
           {"depth": 32, "embed_dim": 1280, "num_heads": 16, "mlp_ratio": 4}),
    "7b": ({"hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
            "num_key_value_heads": 4, "mrope": [16, 24, 24]},
           {"depth": 32, "embed_dim": 1280, "num_heads": 16, "mlp_ratio": 4}),
}


def build_profile(size: str, image_pixels: int, new_tokens: int) -> Path:
    """A profile directory holding a random Qwen2-VL of ``size`` (built once)."""
    import torch
    from transformers import (
        AutoProcessor,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
    )

    out = assets.OUT / f"qwen2vl_{size}_{image_pixels}"
    if not (out / "profile.json").is_file():
        tiny = assets.tiny_profile() / "lvlm"
        config = Qwen2VLConfig.from_pretrained(tiny)
        text, vision = (dict(part) for part in SIZES[size])
        config.text_config.rope_parameters = {**config.text_config.rope_parameters, "mrope_section": text.pop("mrope")}
        for key, value in text.items():
            setattr(config.text_config, key, value)
        config.text_config.layer_types = ["full_attention"] * text["num_hidden_layers"]
        for key, value in {**vision, "hidden_size": text["hidden_size"]}.items():
            setattr(config.vision_config, key, value)
        torch.manual_seed(0)
        model = Qwen2VLForConditionalGeneration(config).eval()
        model.generation_config = Qwen2VLForConditionalGeneration.from_pretrained(tiny).generation_config
        model.save_pretrained(out / "lvlm")
        processor = AutoProcessor.from_pretrained(tiny)
        processor.image_processor.size.longest_edge = image_pixels  # most pixels a photo is given
        processor.save_pretrained(out / "lvlm")
        profile = {"name": f"bench-{size}", "lvlm": "lvlm", "adapters": [], "clip": "ViT-B-32:random",
                   "image_max_pixels": image_pixels, "max_new_tokens": new_tokens}
        (out / "profile.json").write_text(json.dumps(profile, indent=2), encoding="utf-8")
    return out


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=96, help="length of every answer (default 96)")
    parser.add_argument("--image-pixels", type=int, default=112 * 112, help="pixels per photo the model sees")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args(argv)

    from PIL import Image

    from georeasoner.models import load_profile
    from georeasoner.reasoner.lvlm import LvlmReasoner

    profile_dir = build_profile(args.size, args.image_pixels, args.new_tokens)
    reasoner = LvlmReasoner(load_profile(str(profile_dir)), args.device)
    config = reasoner.generation_config
    config.min_new_tokens = config.max_new_tokens = args.new_tokens  # EOS suppressed: fixed length
    photos = [Image.open(p).convert("RGB") for p, _, _ in assets.shared_photos()[: args.batch_size]]

    def together():
        reasoner.generate(photos)
        sync(args.device)

    def one_by_one():
        for photo in photos:
            reasoner.generate([photo])
        sync(args.device)

    reasoner.generate(photos[:2])
    batched, single = [], []
    for _ in range(args.rounds):
        batched.append(timed(together))
        single.append(timed(one_by_one))
    lengths = {len(ids) for ids in reasoner.generate(photos)[0]}
    batched_rate = len(photos) / statistics.median(batched)
    single_rate = len(photos) / statistics.median(single)
    speedup = batched_rate / single_rate
    print("seconds per round, batched:", " ".join(f"{t:.2f}" for t in batched),
          "| one at a time:", " ".join(f"{t:.2f}" for t in single))
    print(f"device={args.device} size={args.size} photos={len(photos)} new_tokens={args.new_tokens} "
          f"image_pixels={args.image_pixels} answer lengths={sorted(lengths)}")
    print(f"batch {len(photos)}: {batched_rate:.2f} photos/s; one at a time: {single_rate:.2f} photos/s; "
          f"speed-up {speedup:.2f}x (target >= {TARGET}x)")
    if not args.no_record:
        # value / baseline is the speed-up; the target is TARGET times one at a time.
        record_result(f"reasoning: batch {len(photos)} vs one at a time (Qwen2-VL {args.size}, {args.device}, "
                      f"{args.new_tokens} tokens)", round(single_rate * speedup, 3), "photos/s",
                      round(TARGET * single_rate, 3), baseline=round(single_rate, 3),
                      command=" ".join(["python", "bench/bench_reasoning.py", *(argv or sys.argv[1:])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
