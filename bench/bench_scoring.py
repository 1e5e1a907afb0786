"""Locatability scoring throughput: JPEG files to scores, against the bare CLIP forward pass.

End to end, photos are decoded with ``georeasoner.images.decode_image`` and preprocessed in a
thread pool while the main thread scores the previous batch (``score_tensors``). The bare
rate runs only ``encode_image`` on one already-preprocessed batch, repeatedly, at the same
batch size. The model is the real ViT-B-32 architecture with random weights (same compute as
trained weights). The ratio end-to-end / bare shows how much decoding costs (target >= 0.85).
The row in bench/results.json has the bare rate as baseline and 0.85 x bare as target.

    .venv/bin/python bench/bench_scoring.py               # 256 photos
    .venv/bin/python bench/bench_scoring.py --images 2000
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record_result  # noqa: E402

from georeasoner.images import decode_image  # noqa: E402
from georeasoner.locatability.clip_scorer import ClipLocatabilityScorer, build_random_head  # noqa: E402

CLIP_SPEC = "ViT-B-32:random"
TARGET_RATIO = 0.85
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PHOTO_DIRS = ("photos_cc/images", "streetview_sample/images")


def photo_paths(data_dir: Path, count: int) -> list[Path]:
    """``count`` JPEG paths from the shared data, cycling over them when there are fewer."""
    paths = sorted(p for sub in PHOTO_DIRS for p in (data_dir / sub).glob("*.jpg"))
    if not paths:
        raise SystemExit(f"no photos under {data_dir}; the benchmark needs ../shared/data")
    return list(itertools.islice(itertools.cycle(paths), count))


def bare_forward_rate(scorer: ClipLocatabilityScorer, batch: torch.Tensor, count: int) -> float:
    """Images/s of ``encode_image`` alone on an already-preprocessed batch."""
    batch = batch.to(scorer.device)
    steps = -(-count // len(batch))
    with torch.inference_mode():
        scorer.model.encode_image(batch)
        _synchronize(scorer.device)
        start = time.perf_counter()
        for _ in range(steps):
            scorer.model.encode_image(batch)
        _synchronize(scorer.device)
    return steps * len(batch) / (time.perf_counter() - start)


def end_to_end_rate(scorer: ClipLocatabilityScorer, paths: list[Path], workers: int, max_side: int | None) -> float:
    """Images/s from JPEG files to scores, decoding ahead of the model in ``workers`` threads."""

    def load(path: Path) -> torch.Tensor:
        return scorer.preprocess(decode_image(path, max_side=max_side))

    start = time.perf_counter()
    scored = 0
    for batch in _prefetched_batches(load, paths, workers, scorer.batch_size):
        scored += len(scorer.score_tensors(torch.stack(batch)))
    return scored / (time.perf_counter() - start)


def _prefetched_batches(load, paths: list[Path], workers: int, batch_size: int):
    """Batches of ``load(path)`` results in order, keeping about two batches in flight."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        remaining = iter(paths)
        batch: list = []
        for path in itertools.islice(remaining, 2 * batch_size):
            pending.append(pool.submit(load, path))
        while pending:
            batch.append(pending.popleft().result())
            next_path = next(remaining, None)
            if next_path is not None:
                pending.append(pool.submit(load, next_path))
            if len(batch) == batch_size or not pending:
                yield batch
                batch = []


def _synchronize(device: str) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256, help="photos to score (default 256; try 2000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=2, help="decode/preprocess threads")
    parser.add_argument("--max-side", type=int, default=None,
                        help="decode JPEGs to at most this long side; 0 = full size "
                             "(default: the scorer's decode_side, twice the model input)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate bare and end-to-end runs this many times (shared CPUs are noisy)")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)

    paths = photo_paths(args.data, args.images)
    with tempfile.TemporaryDirectory() as tmp:
        head = build_random_head(CLIP_SPEC, Path(tmp) / "head.safetensors")
        scorer = ClipLocatabilityScorer(CLIP_SPEC, head, args.device, args.batch_size)
    max_side = scorer.decode_side if args.max_side is None else (args.max_side or None)
    warm_batch = scorer.preprocess_many([decode_image(p) for p in paths[:args.batch_size]])
    scorer.score_tensors(warm_batch)

    # Bare and end-to-end runs alternate on slices of the photos, so that load from other
    # processes hits both alike; each figure is the median over rounds.
    bare_rates, end_to_end_rates = [], []
    for part in (paths[i::args.rounds] for i in range(args.rounds)):
        bare_rates.append(bare_forward_rate(scorer, warm_batch, len(part)))
        end_to_end_rates.append(end_to_end_rate(scorer, part, args.workers, max_side))
    bare, end_to_end = statistics.median(bare_rates), statistics.median(end_to_end_rates)
    ratio = statistics.median(e / b for e, b in zip(end_to_end_rates, bare_rates))
    print(f"device={args.device} torch_threads={torch.get_num_threads()} images={len(paths)} "
          f"batch={args.batch_size} workers={args.workers} max_side={max_side} rounds={args.rounds}")
    print(f"bare forward (preprocessed tensors): {bare:8.1f} images/s")
    print(f"end to end (JPEG -> score):          {end_to_end:8.1f} images/s")
    print(f"ratio end-to-end / bare (per round): {ratio:8.2f}  (target >= {TARGET_RATIO})")
    record_result(
        f"CLIP locatability scoring, JPEG to score (ViT-B-32, {args.device}, batch {args.batch_size})",
        round(end_to_end, 2), "images/s", round(TARGET_RATIO * bare, 2), baseline=round(bare, 2),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
