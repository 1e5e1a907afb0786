"""Locatability: the paper's segmentation metric, the CLIP scorer and its head, and load_clip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from georeasoner.clip import WEIGHTS_FILE, load_clip
from georeasoner.errors import GeoReasonerError, ModelNotFoundError
from georeasoner.locatability.clip_scorer import (
    ClipLocatabilityScorer,
    build_random_head,
    load_head,
    save_head,
)
from georeasoner.locatability.paper_metric import (
    NUM_CLASSES,
    class_fractions,
    class_names,
    class_weights,
    locatability_from_fractions,
    locatability_from_mask,
)
from georeasoner.locatability.segmentation import SegmentationLocatability
from georeasoner.tiny.open_clip import build_tiny_clip
from georeasoner.tiny.segformer import build_tiny_segformer

# The paper's public reference: these ADE20K class fractions give L = 0.48667102942170887.
REFERENCE_FRACTIONS = {
    1: 0.19507864117622375, 2: 0.33347809314727783, 4: 0.046887848526239395,
    6: 0.36356136202812195, 9: 0.03862818703055382, 11: 0.012277703732252121,
    12: 0.00012078536383341998, 20: 0.0040527344681322575, 43: 0.0002300061605637893,
    53: 0.0013723273295909166, 59: 3.3408716262783855e-05, 87: 0.0002197265566792339,
    93: 0.002009662799537182, 138: 0.0020494963973760605,
}
REFERENCE_L = 0.48667102942170887
ROAD, SKY = 6, 2


def _photos(count: int, seed: int = 0) -> list[Image.Image]:
    """Photo-like test images of different sizes (noise over a colour gradient)."""
    rng = np.random.default_rng(seed)
    photos = []
    for i in range(count):
        height, width = 48 + 8 * i, 80 - 4 * i
        ramp = np.linspace(0, 255, width)[None, :, None] * rng.uniform(0.2, 1.0, size=3)
        pixels = np.clip(ramp + rng.normal(0, 30, size=(height, width, 3)), 0, 255).astype(np.uint8)
        photos.append(Image.fromarray(pixels))
    return photos


@pytest.fixture(scope="module")
def tiny_clip_dir(tmp_path_factory):
    return str(build_tiny_clip(tmp_path_factory.mktemp("tiny_clip")))


@pytest.fixture(scope="module")
def head_file(tiny_clip_dir, tmp_path_factory):
    return build_random_head(tiny_clip_dir, tmp_path_factory.mktemp("head") / "head.safetensors", seed=3)


@pytest.fixture(scope="module")
def tiny_segformer_dir(tmp_path_factory):
    return build_tiny_segformer(tmp_path_factory.mktemp("tiny_segformer"))


# --- the paper's metric -------------------------------------------------------------------

def test_reference_fractions_give_the_papers_locatability():
    assert locatability_from_fractions(REFERENCE_FRACTIONS) == pytest.approx(REFERENCE_L, abs=1e-12)


def test_fractions_as_array_give_the_same_locatability_as_a_dict():
    array = np.zeros(NUM_CLASSES)
    for k, a in REFERENCE_FRACTIONS.items():
        array[k] = a
    assert locatability_from_fractions(array) == pytest.approx(REFERENCE_L, abs=1e-12)


def test_weights_are_indexed_from_zero_with_road_weighing_one():
    assert class_names()[ROAD] == "road, route"
    assert class_weights()[ROAD] == 1.0
    assert class_names()[0] == "wall"


def test_an_all_road_mask_has_locatability_one():
    assert locatability_from_mask(np.full((32, 48), ROAD, dtype=np.uint8)) == 1.0


def test_class_fractions_count_pixels_of_each_class():
    mask = np.full((10, 10), SKY)
    mask[:3] = ROAD
    fractions = class_fractions(mask)
    assert fractions[ROAD] == pytest.approx(0.3)
    assert fractions[SKY] == pytest.approx(0.7)
    assert fractions.sum() == pytest.approx(1.0)


def test_mask_labels_outside_ade20k_are_rejected():
    with pytest.raises(ValueError, match="outside"):
        class_fractions(np.array([[0, 150]]))


# --- segmentation-based metric -------------------------------------------------------------

def test_tiny_segformer_gives_fractions_summing_to_one_and_scores_in_unit_interval(tiny_segformer_dir):
    segmenter = SegmentationLocatability(tiny_segformer_dir, "cpu", batch_size=2)
    photos = _photos(3)
    fractions = segmenter.fractions(photos)
    scores = segmenter.score(photos)
    assert fractions.shape == (3, NUM_CLASSES)
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0)
    assert np.all((scores >= 0) & (scores <= 1))
    np.testing.assert_allclose(scores, [locatability_from_fractions(f) for f in fractions])


def test_mask2former_segmenter_runs_through_universal_segmentation(tmp_path):
    from transformers import (
        Mask2FormerConfig,
        Mask2FormerForUniversalSegmentation,
        Mask2FormerImageProcessor,
        SwinConfig,
    )

    names = class_names()
    backbone = SwinConfig(
        embed_dim=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], window_size=4, image_size=64,
        out_features=["stage1", "stage2", "stage3", "stage4"],
    )
    config = Mask2FormerConfig(
        backbone_config=backbone, hidden_dim=32, mask_feature_size=32, feature_size=32,
        encoder_layers=1, decoder_layers=2, num_queries=10, encoder_feedforward_dim=64,
        dim_feedforward=64, num_attention_heads=2, num_labels=NUM_CLASSES,
        id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
    )
    torch.manual_seed(0)
    Mask2FormerForUniversalSegmentation(config).save_pretrained(tmp_path)
    Mask2FormerImageProcessor(size={"height": 64, "width": 64}).save_pretrained(tmp_path)

    fractions = SegmentationLocatability(tmp_path, "cpu").fractions(_photos(2))
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0)


def test_segmenter_without_the_150_ade20k_labels_is_rejected(tmp_path):
    from transformers import SegformerConfig, SegformerForSemanticSegmentation, SegformerImageProcessor

    config = SegformerConfig(
        num_encoder_blocks=1, depths=[1], sr_ratios=[1], hidden_sizes=[8], patch_sizes=[7],
        strides=[4], num_attention_heads=[1], mlp_ratios=[1], decoder_hidden_size=8, num_labels=19,
    )
    SegformerForSemanticSegmentation(config).save_pretrained(tmp_path)
    SegformerImageProcessor().save_pretrained(tmp_path)
    with pytest.raises(GeoReasonerError, match="ADE20K-150"):
        SegmentationLocatability(tmp_path, "cpu")


# --- load_clip ---------------------------------------------------------------------------

def test_tiny_clip_loads_back_with_the_weights_it_saved(tiny_clip_dir):
    model, preprocess, tokenizer = load_clip(tiny_clip_dir, "cpu")
    saved = load_file(f"{tiny_clip_dir}/{WEIGHTS_FILE}")
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, saved[name]), name
    with torch.inference_mode():
        image = model.encode_image(preprocess(_photos(1)[0]).unsqueeze(0))
        text = model.encode_text(tokenizer(["a street view photo"]))
    assert image.shape == text.shape == (1, 32)


def test_load_clip_returns_the_cached_model_for_the_same_spec_and_device(tiny_clip_dir):
    assert load_clip(tiny_clip_dir, "cpu")[0] is load_clip(tiny_clip_dir, "cpu")[0]


def test_random_spec_builds_the_architecture_without_weights():
    model, preprocess, _ = load_clip("ViT-B-32:random", "cpu")
    assert model.visual.output_dim == 512
    assert preprocess(_photos(1)[0]).shape == (3, 224, 224)


def test_unknown_pretrained_tag_raises_model_not_found_naming_the_model():
    with pytest.raises(ModelNotFoundError, match=r"ViT-B-32:no-such-tag.*georeasoner models download"):
        load_clip("ViT-B-32:no-such-tag", "cpu")


def test_clip_directory_without_weights_raises_model_not_found(tmp_path):
    with pytest.raises(ModelNotFoundError, match="lacks open_clip_config.json or weights"):
        load_clip(str(tmp_path), "cpu")


# --- CLIP locatability scorer ------------------------------------------------------------

def test_scores_are_in_unit_interval_and_batched_equals_one_by_one(tiny_clip_dir, head_file):
    photos = _photos(5)
    batched = ClipLocatabilityScorer(tiny_clip_dir, head_file, "cpu", batch_size=3).score(photos)
    single = ClipLocatabilityScorer(tiny_clip_dir, head_file, "cpu", batch_size=1).score(photos)
    assert batched.shape == (5,)
    assert np.all((batched > 0) & (batched < 1))
    np.testing.assert_allclose(batched, single, atol=1e-6)


def test_head_save_load_round_trip_gives_identical_scores(tiny_clip_dir, head_file, tmp_path):
    head, meta = load_head(head_file)
    copy = tmp_path / "copy.safetensors"
    save_head(head, copy, {"clip_spec": meta["clip_spec"], "prompts": meta["prompts"]})
    photos = _photos(4)
    original = ClipLocatabilityScorer(None, head_file, "cpu").score(photos)
    reloaded = ClipLocatabilityScorer(None, copy, "cpu").score(photos)
    np.testing.assert_array_equal(original, reloaded)
    assert load_head(copy)[1]["prompts"] == meta["prompts"]


def test_head_features_are_what_the_head_scores(tiny_clip_dir, head_file):
    scorer = ClipLocatabilityScorer(tiny_clip_dir, head_file, "cpu", batch_size=2)
    photos = _photos(3)
    features = scorer.head_features(photos)
    assert features.shape == (3, 32 + len(scorer.prompts))
    with torch.inference_mode():
        from_features = torch.sigmoid(scorer.head(features)).numpy()
    np.testing.assert_allclose(from_features, scorer.score(photos), atol=1e-6)


def test_head_for_another_embedding_size_is_rejected(head_file):
    with pytest.raises(GeoReasonerError, match="embed dim"):
        ClipLocatabilityScorer("ViT-B-32:random", head_file, "cpu")


def test_missing_head_file_raises_model_not_found(tiny_clip_dir, tmp_path):
    with pytest.raises(ModelNotFoundError, match="locatability head"):
        ClipLocatabilityScorer(tiny_clip_dir, tmp_path / "absent.safetensors", "cpu")
