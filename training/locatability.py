"""Locatability: labels, curation, and training the CLIP scorer's head.

Labels are the paper's metric ``L = sum_k w_k a_k``, computed from exact ADE20K masks
(synthetic scenes) or from a segmentation model's masks (``SegmentationLocatability``).
Curation keeps the images at or above a threshold (0.4, as in the paper): these are the
highly locatable images of stage 2. The head of ``ClipLocatabilityScorer`` is trained to
regress the labels, with the CLIP image encoder frozen (features computed once), fully
tuned, or LoRA-tuned; a tuned encoder is saved beside the head as a local open_clip
directory, and the head file names it, so Core's scorer loads both.

Input: a JSON-lines index with ``image`` and either ``mask`` or ``locatability`` per line
(``training.synthetic.write_dataset`` writes one), or a plain list of images with
``--segmenter``. Example on a GPU::

    python -m training.locatability train --index data/train.jsonl --clip ViT-L-14:openai \\
        --out runs/locatability_head.safetensors
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DEFAULT_THRESHOLD = 0.4
#: MLP projections of open_clip's transformer blocks (its attention is nn.MultiheadAttention,
#: whose projections are not called as modules, so LoRA goes to the MLPs).
CLIP_LORA_TARGETS = ("c_fc", "c_proj")
TUNE_MODES = ("frozen", "lora", "full")


def read_records(index: str | Path) -> list[dict]:
    """Records of a JSON-lines index; ``image`` and ``mask`` paths made absolute."""
    index = Path(index)
    records = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            for key in ("image", "mask"):
                if record.get(key):
                    record[key] = str((index.parent / record[key]).resolve())
            records.append(record)
    return records


def labels_from_masks(mask_paths: list[str]) -> np.ndarray:
    """The paper's metric from label masks (PNG of 0-based ADE20K indices)."""
    from PIL import Image

    from georeasoner.locatability.paper_metric import locatability_from_mask

    labels = []
    for path in mask_paths:
        with Image.open(path) as mask:
            labels.append(locatability_from_mask(np.asarray(mask)))
    return np.array(labels, dtype=np.float64)


def labels_from_segmenter(image_paths: list[str], segmenter: str, device: str = "cpu") -> np.ndarray:
    """The paper's metric from an ADE20K-150 segmentation model's masks."""
    from georeasoner.locatability.segmentation import SegmentationLocatability

    scorer = SegmentationLocatability(segmenter, device)
    return np.concatenate([scorer.score(_open(image_paths[i:i + 16])) for i in range(0, len(image_paths), 16)])


def label_records(records: list[dict], segmenter: str | None = None, device: str = "cpu") -> np.ndarray:
    """Labels for records: from the segmenter when given, else masks, else ``locatability``."""
    if segmenter:
        return labels_from_segmenter([r["image"] for r in records], segmenter, device)
    if all(r.get("mask") for r in records):
        return labels_from_masks([r["mask"] for r in records])
    return np.array([float(r["locatability"]) for r in records], dtype=np.float64)


def curate(records: list[dict], labels: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Records whose label is at least ``threshold``, with the label stored in each."""
    return [dict(r, locatability=float(label)) for r, label in zip(records, labels) if label >= threshold]


def _open(paths: list[str]) -> list:
    """The training photos, decoded by the product's own safe decoder (RGB, EXIF-upright)."""
    from georeasoner.images import decode_image

    return [decode_image(path) for path in paths]


@dataclass
class HeadConfig:
    clip: str
    out: str
    tune: str = "frozen"
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    encoder_lr: float = 1e-4
    lora_r: int = 8
    hidden: int = 128
    val_share: float = 0.2
    seed: int = 0
    device: str | None = None
    progress: bool = True


def _split(n: int, val_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * val_share))) if n > 1 else 0
    return order[n_val:], order[:n_val]


def regression_scores(predicted: np.ndarray, truth: np.ndarray) -> dict:
    from training.heldout import spearman

    return {"mae": float(np.mean(np.abs(predicted - truth))), "spearman": spearman(predicted, truth),
            "n": int(len(truth))}


class _Encoder:
    """CLIP image features as the scorer computes them, from a trainable copy of the encoder."""

    def __init__(self, scorer, tune: str, lora_r: int):
        import torch

        self.visual = copy.deepcopy(scorer.model.visual).float().train()
        self.prompts = scorer._prompt_embeddings.float().clone()
        if tune == "lora":
            from peft import LoraConfig, get_peft_model

            self.visual = get_peft_model(self.visual, LoraConfig(r=lora_r, lora_alpha=2 * lora_r,
                                                                 target_modules=list(CLIP_LORA_TARGETS)))
        self.parameters = [p for p in self.visual.parameters() if p.requires_grad]
        self._torch = torch

    def features(self, pixels):
        embeddings = self._torch.nn.functional.normalize(self.visual(pixels).float(), dim=-1)
        return self._torch.cat([embeddings, embeddings @ self.prompts.T], dim=-1)

    def merged_visual(self):
        visual = self.visual.merge_and_unload() if hasattr(self.visual, "merge_and_unload") else self.visual
        return visual.eval()


def _save_clip(scorer, visual, out_dir: Path) -> Path:
    """The scorer's CLIP with ``visual`` swapped in, as a local open_clip directory."""
    import open_clip
    from safetensors.torch import save_file

    from georeasoner.clip import CONFIG_FILE, WEIGHTS_FILE

    model = copy.deepcopy(scorer.model).cpu()
    model.visual = copy.deepcopy(visual).cpu()
    spec = scorer.clip_spec
    local = Path(spec[len("local-dir:"):] if spec.startswith("local-dir:") else spec)
    if (local / CONFIG_FILE).is_file():
        config = json.loads((local / CONFIG_FILE).read_text(encoding="utf-8"))
    else:
        normalize = next(t for t in scorer.preprocess.transforms if type(t).__name__ == "Normalize")
        config = {"model_cfg": open_clip.get_model_config(spec.split(":")[0]),
                  "preprocess_cfg": {"mean": list(normalize.mean), "std": list(normalize.std)}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out_dir / WEIGHTS_FILE))
    return out_dir


def train_head(images: list, labels: np.ndarray, config: HeadConfig) -> dict:
    """Fit the scorer's head (and tune the encoder unless frozen); save it; return the report.

    A share ``val_share`` of the images is held out for MAE and Spearman.
    """
    import tempfile

    import torch
    from tqdm import tqdm

    from georeasoner.locatability.clip_scorer import (
        LOCATABILITY_PROMPTS,
        ClipLocatabilityScorer,
        LocatabilityHead,
        build_random_head,
        save_head,
    )
    from georeasoner.models import resolve_device

    if config.tune not in TUNE_MODES:
        raise ValueError(f"tune must be one of {TUNE_MODES}, got {config.tune!r}")
    started = time.monotonic()
    device = resolve_device(config.device)
    labels = np.asarray(labels, dtype=np.float64)
    with tempfile.TemporaryDirectory() as tmp:
        scorer = ClipLocatabilityScorer(config.clip, build_random_head(config.clip, Path(tmp) / "init.safetensors"), device)
    train_idx, val_idx = _split(len(images), config.val_share, config.seed)
    torch.manual_seed(config.seed)
    head = LocatabilityHead(scorer.head.embed_dim, len(scorer.prompts), config.hidden).to(device)
    pixels = torch.stack([scorer.preprocess(image) for image in images])
    encoder = None if config.tune == "frozen" else _Encoder(scorer, config.tune, config.lora_r)
    if encoder is None:
        with torch.no_grad():
            features = torch.cat([scorer.features_from_tensors(pixels[i:i + 64]).cpu()
                                  for i in range(0, len(pixels), 64)])
    groups = [{"params": head.parameters(), "lr": config.lr}]
    if encoder is not None:
        groups.append({"params": encoder.parameters, "lr": config.encoder_lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=1e-4)
    target = torch.tensor(labels, dtype=torch.float32)
    steps_per_epoch = max(1, -(-len(train_idx) // config.batch_size))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[g["lr"] for g in groups], total_steps=config.epochs * steps_per_epoch)
    losses = []

    def predict(index: np.ndarray) -> torch.Tensor:
        chunk = features[index] if encoder is None else encoder.features(pixels[index].to(device))
        return head(chunk.to(device))

    bar = tqdm(range(config.epochs), desc=f"locatability head ({config.tune})", disable=not config.progress, file=sys.stderr)
    for epoch in bar:
        order = np.random.default_rng([config.seed, epoch]).permutation(train_idx)
        for start in range(0, len(order), config.batch_size):
            index = order[start:start + config.batch_size]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(predict(index), target[index].to(device))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}")

    head.eval()
    with torch.no_grad():
        predicted = torch.cat([torch.sigmoid(predict(val_idx[i:i + 256])).cpu() for i in range(0, len(val_idx), 256)])
    out = Path(config.out)
    clip_spec = config.clip
    if encoder is not None:
        clip_spec = str(_save_clip(scorer, encoder.merged_visual(), out.parent / f"{out.stem}_clip").resolve())
    save_head(head.cpu(), out, {"clip_spec": clip_spec, "prompts": list(LOCATABILITY_PROMPTS), "trained": True,
                                "tune": config.tune})
    return {
        "head": str(out),
        "clip_spec": clip_spec,
        "config": asdict(config),
        "train_examples": int(len(train_idx)),
        "held_out": regression_scores(predicted.numpy().astype(np.float64), labels[val_idx]),
        "first_loss": losses[0],
        "final_loss": float(np.mean(losses[-steps_per_epoch:])),
        "seconds": round(time.monotonic() - started, 1),
        "losses": losses,
    }


def score_with_head(head_path: str | Path, images: list, clip_spec: str | None = None, device: str = "cpu") -> np.ndarray:
    """Scores of images through Core's ``ClipLocatabilityScorer`` (the run-time path)."""
    from georeasoner.locatability.clip_scorer import ClipLocatabilityScorer

    return ClipLocatabilityScorer(clip_spec, head_path, device).score(images)


def _cmd_label(args) -> int:
    records = read_records(args.index)
    labels = label_records(records, args.segmenter, args.device or "cpu")
    kept = curate(records, labels, args.threshold)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for record in kept:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(json.dumps({"images": len(records), "kept": len(kept), "threshold": args.threshold,
                      "label_mean": float(labels.mean()) if len(labels) else None, "out": str(out)}))
    return 0


def _cmd_train(args) -> int:
    from training.report import write_report

    records = read_records(args.index)
    labels = label_records(records, args.segmenter, args.device or "cpu")
    config = HeadConfig(clip=args.clip, out=args.out, tune=args.tune, epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.lr, encoder_lr=args.encoder_lr, val_share=args.val_share, seed=args.seed,
                        device=args.device)
    report = train_head(_open([r["image"] for r in records]), labels, config)
    losses = report.pop("losses")
    out = Path(args.out)
    write_report(args.report_dir or out.parent, report, losses, f"locatability head ({config.tune})")
    print(json.dumps({"head": report["head"], **report["held_out"], "seconds": report["seconds"]}))
    return 0


def _parser() -> argparse.ArgumentParser:
    defaults = HeadConfig(clip="", out="")
    parser = argparse.ArgumentParser(prog="python -m training.locatability", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    label = commands.add_parser("label", help="label images and keep those at or above the threshold")
    train = commands.add_parser("train", help="train the CLIP scorer's head (report: MAE, Spearman)")
    for sub in (label, train):
        sub.add_argument("--index", required=True, help="JSON lines with image and mask (or locatability)")
        sub.add_argument("--segmenter", help="ADE20K-150 segmentation model: label with it instead of masks")
        sub.add_argument("--device", help="torch device (default: cuda when available)")
    label.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    label.add_argument("--out", required=True, help="curated JSON lines")
    train.add_argument("--clip", required=True, help="open_clip spec or directory, e.g. ViT-L-14:openai")
    train.add_argument("--out", required=True, help="head file (.safetensors)")
    train.add_argument("--tune", choices=TUNE_MODES, default=defaults.tune, help="CLIP image encoder: frozen, lora or full")
    train.add_argument("--report-dir", help="where train_report.json and loss.png go (default: beside the head)")
    for name in ("epochs", "batch_size", "seed"):
        train.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("lr", "encoder_lr", "val_share"):
        train.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name))
    label.set_defaults(run=_cmd_label)
    train.set_defaults(run=_cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
