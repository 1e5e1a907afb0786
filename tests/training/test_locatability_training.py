"""Training the locatability scorer: labels, curation, the head, and Core loading it back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training.locatability import (
    HeadConfig,
    curate,
    label_records,
    labels_from_masks,
    main,
    read_records,
    train_head,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def scenes_dir(tmp_path_factory):
    from training.synthetic import write_dataset

    root = tmp_path_factory.mktemp("scenes")
    write_dataset(root, 40, seed=11, size=64)
    return root


@pytest.fixture(scope="module")
def records(scenes_dir):
    return read_records(scenes_dir / "train.jsonl")


@pytest.fixture(scope="module")
def images(records):
    from PIL import Image

    return [Image.open(r["image"]).convert("RGB") for r in records]


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    from georeasoner.tiny.open_clip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("clip"))


def test_labels_from_masks_are_the_paper_metric_of_each_scene(records):
    labels = labels_from_masks([r["mask"] for r in records])
    assert labels == pytest.approx([r["locatability"] for r in records])


def test_curation_keeps_exactly_the_images_at_or_above_the_threshold(records):
    labels = label_records(records)
    kept = curate(records, labels, threshold=0.4)
    assert {r["id"] for r in kept} == {r["id"] for r, label in zip(records, labels) if label >= 0.4}
    assert 0 < len(kept) < len(records)


def test_frozen_encoder_head_training_lowers_the_loss_and_reports_heldout_scores(images, records, clip_dir, tmp_path):
    labels = np.array([r["locatability"] for r in records])
    report = train_head(images, labels, HeadConfig(clip=str(clip_dir), out=str(tmp_path / "head.safetensors"),
                                                   epochs=40, batch_size=16, progress=False))
    assert report["final_loss"] < report["first_loss"]
    assert report["held_out"]["n"] == 8
    assert 0 <= report["held_out"]["mae"] < 0.5
    assert -1 <= report["held_out"]["spearman"] <= 1


def test_saved_head_loads_in_cores_scorer(images, records, clip_dir, tmp_path):
    from georeasoner.locatability.clip_scorer import ClipLocatabilityScorer

    head = tmp_path / "head.safetensors"
    train_head(images, np.array([r["locatability"] for r in records]),
               HeadConfig(clip=str(clip_dir), out=str(head), epochs=2, progress=False))
    scores = ClipLocatabilityScorer(None, head).score(images[:5])
    assert scores.shape == (5,)
    assert np.all((scores > 0) & (scores < 1))


def test_tuned_encoder_is_saved_beside_the_head_and_the_scorer_uses_it(images, records, clip_dir, tmp_path):
    from georeasoner.locatability.clip_scorer import ClipLocatabilityScorer, load_head

    head = tmp_path / "head.safetensors"
    report = train_head(images, np.array([r["locatability"] for r in records]),
                        HeadConfig(clip=str(clip_dir), out=str(head), tune="lora", epochs=2, progress=False))
    _, meta = load_head(head)
    assert meta["clip_spec"] == report["clip_spec"] == str((tmp_path / "head_clip").resolve())
    scorer = ClipLocatabilityScorer(None, head)
    assert scorer.clip_spec == meta["clip_spec"]
    assert scorer.score(images[:3]).shape == (3,)


def test_label_command_writes_the_curated_index(scenes_dir, tmp_path, capsys):
    out = tmp_path / "curated.jsonl"
    assert main(["label", "--index", str(scenes_dir / "train.jsonl"), "--out", str(out), "--threshold", "0.4"]) == 0
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert kept and all(r["locatability"] >= 0.4 for r in kept)
    assert json.loads(capsys.readouterr().out)["kept"] == len(kept)


def test_train_command_writes_head_report_and_loss_plot(scenes_dir, clip_dir, tmp_path):
    from georeasoner.locatability.clip_scorer import load_head

    head = tmp_path / "head.safetensors"
    assert main(["train", "--index", str(scenes_dir / "train.jsonl"), "--clip", str(clip_dir),
                 "--out", str(head), "--epochs", "3"]) == 0
    report = json.loads((tmp_path / "train_report.json").read_text())
    assert set(report["held_out"]) >= {"mae", "spearman"}
    assert (tmp_path / "loss.png").stat().st_size > 0
    assert load_head(head)[1]["trained"] is True
