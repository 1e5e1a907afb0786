"""The synthetic geo-cue world: reproducible scenes with masks, paper labels, clues and places."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from georeasoner.geo.distance import haversine_km
from georeasoner.geo.reverse import reverse
from georeasoner.locatability.paper_metric import (
    NUM_CLASSES,
    class_names,
    locatability_from_mask,
)
from training.synthetic import build_world, classes, generate, read_index, write_dataset
from training.synthetic.clues import clue_texts
from training.synthetic.dataset import MAX_JITTER_KM


@pytest.fixture(scope="module")
def scenes():
    return generate(96, seed=5)


def _fingerprint(scene) -> tuple:
    return (scene.image.tobytes(), scene.mask.tobytes(), scene.clues, scene.reasons, scene.lat,
            scene.lon, scene.city)


def test_same_seed_gives_identical_scenes_and_another_seed_different_ones():
    first, again, other = generate(8, seed=11), generate(8, seed=11), generate(8, seed=12)
    assert [_fingerprint(s) for s in first] == [_fingerprint(s) for s in again]
    assert all(a.image.tobytes() != b.image.tobytes() for a, b in zip(first, other))


def test_test_split_does_not_repeat_training_scenes():
    train, test = generate(8, seed=11), generate(8, seed=11, split="test")
    train_images = {s.image.tobytes() for s in train}
    assert not any(s.image.tobytes() in train_images for s in test)


def test_world_has_eight_countries_with_real_cities_inside_them():
    world = build_world()
    assert len(world.countries) >= 8
    lats = [city.lat for c in world.countries for city in c.cities]
    lons = [city.lon for c in world.countries for city in c.cities]
    expected = [c.code for c in world.countries for _ in c.cities]
    assert all(len(c.cities) == 3 for c in world.countries)
    assert list(reverse(lats, lons)["country_code"]) == expected


def test_scene_points_lie_within_a_few_km_of_their_city_in_its_country(scenes):
    world = build_world()
    cities = {(c.code, city.name): city for c in world.countries for city in c.cities}
    for scene in scenes:
        city = cities[(scene.country_code, scene.city)]
        assert 0 < haversine_km(scene.lat, scene.lon, city.lat, city.lon) <= MAX_JITTER_KM * 1.5
    found = reverse([s.lat for s in scenes], [s.lon for s in scenes])["country_code"]
    assert list(found) == [s.country_code for s in scenes]


def test_class_ids_name_the_ade20k_classes_of_the_paper_weights():
    names = class_names()
    assert {k: names[k] for k in classes.NAMES} == classes.NAMES


@pytest.mark.parametrize("size", [64, 128])
def test_mask_holds_only_valid_ade20k_ids_at_image_size(size):
    for scene in generate(12, seed=3, size=size):
        assert scene.image.size == (size, size) and scene.image.mode == "RGB"
        assert scene.mask.shape == (size, size) and scene.mask.dtype == np.uint8
        assert set(np.unique(scene.mask)) <= set(classes.NAMES)
        assert int(scene.mask.max()) < NUM_CLASSES


def test_label_is_the_paper_metric_of_the_mask(scenes):
    assert all(scene.locatability == locatability_from_mask(scene.mask) for scene in scenes)


def test_labels_spread_widely_and_rise_with_the_number_of_visible_clues(scenes):
    labels = np.array([s.locatability for s in scenes])
    counts = np.array([len(s.clues) for s in scenes])
    assert labels.std() > 0.1
    assert labels.min() < 0.25 and labels.max() > 0.55
    many = counts > np.median(counts)
    assert labels[many].mean() > labels[~many].mean() + 0.1


def test_clues_are_conventions_of_the_scene_country_and_city(scenes):
    world = build_world()
    for scene in scenes:
        country = world.country(scene.country_code)
        city = next(c for c in country.cities if c.name == scene.city)
        assert set(scene.clues) <= set(clue_texts(country, city).values())


def test_views_range_from_clueless_to_clue_rich(scenes):
    counts = [len(s.clues) for s in scenes]
    assert min(counts) <= 2 and max(counts) >= 9
    assert {s.view for s in scenes} == {"street", "facade"}


def test_reasons_name_every_visible_clue(scenes):
    for scene in scenes:
        for clue in scene.clues:
            assert clue in scene.reasons
        if not scene.clues:
            assert scene.reasons.startswith("No clear geographic clues")


def test_reasons_conclude_with_the_true_country_when_the_clues_single_it_out(scenes):
    concluded = [s for s in scenes if "Together they point to" in s.reasons]
    assert len(concluded) > len(scenes) // 2
    for scene in concluded:
        verdict = scene.reasons.split("Together they point to")[1]
        assert scene.country in verdict


def test_countries_argument_restricts_the_world():
    chosen = generate(10, seed=1, countries=["jp", "FR"])
    assert {s.country_code for s in chosen} == {"JP", "FR"}
    with pytest.raises(ValueError, match="no synthetic conventions"):
        generate(1, seed=1, countries=["XX"])


def test_write_dataset_writes_index_images_and_masks(tmp_path):
    index_path = write_dataset(tmp_path, 5, seed=2, size=64, split="test")
    records = [json.loads(line) for line in index_path.read_text(encoding="utf-8").splitlines()]
    scenes = generate(5, seed=2, size=64, split="test")
    assert index_path == tmp_path / "test.jsonl" and len(records) == 5
    for record, scene in zip(records, scenes):
        assert not record["image"].startswith("/") and not record["mask"].startswith("/")
        assert Image.open(tmp_path / record["image"]).size == (64, 64)
        assert np.array_equal(np.asarray(Image.open(tmp_path / record["mask"])), scene.mask)
        assert (record["country_code"], record["city"], record["clues"]) == (
            scene.country_code, scene.city, scene.clues)
        assert record["locatability"] == scene.locatability and record["split"] == "test"
    assert [r["image"] for r in read_index(tmp_path, "test")] == [
        str(tmp_path / r["image"]) for r in records]
