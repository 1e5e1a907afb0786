"""The demo driver: a spoiled sample layer, the real CLI on it, a summary and figures.

The end-to-end tests run the driver once with the tiny random models and a handful of scenes:
the figures are meaningless, but every file and key must be there and agree with each other.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from georeasoner.geo.distance import haversine_km
from training import demo
from training.synthetic import build_world

SUMMARY_KEYS = ("country_acc", "city_acc", "acc_25km", "audit_recall", "audit_false_flag_rate",
                "locatability_spearman", "ece", "clue_precision", "stage1_city_acc")
SCENES, SURVEY = 8, 6


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def demo_run(tiny_profile, tmp_path_factory):
    """The driver's command line run once on the tiny profile; returns its output folder."""
    out = tmp_path_factory.mktemp("demo") / "demo_out"
    code = demo.main(["--out", str(out), "--profile", str(tiny_profile), "--n", str(SCENES),
                      "--survey", str(SURVEY)])
    assert code == 0
    return demo.DemoFiles(out)


@pytest.fixture(scope="module")
def truth(demo_run):
    import pandas as pd

    return pd.read_csv(demo_run.truth)


def test_spoiled_claims_move_points_far_and_record_their_kind(world):
    scenes = demo.held_out_scenes(world, 40)
    lat, lon, kinds = demo.spoil_claims(scenes, world, share=0.25, seed=1)
    spoiled = np.array([kind != "" for kind in kinds])
    true_lat, true_lon = np.array([s.lat for s in scenes]), np.array([s.lon for s in scenes])
    assert spoiled.sum() == 10
    assert set(kinds) - {""} == set(demo.SPOIL_KINDS)
    assert (haversine_km(lat, lon, true_lat, true_lon)[spoiled] >= demo.MIN_SPOIL_KM).all()
    assert np.array_equal(lat[~spoiled], true_lat[~spoiled]) and np.array_equal(lon[~spoiled], true_lon[~spoiled])


def test_swap_is_no_spoil_where_the_longitude_cannot_be_a_latitude(world):
    rng = np.random.default_rng(0)
    assert demo.spoiled_point("swapped", -33.9, 151.2, "AU", world, rng) is None
    assert demo.spoiled_point("swapped", 48.9, 2.4, "FR", world, rng) == (2.4, 48.9)


def test_other_country_spoil_claims_a_city_of_another_country(world):
    rng = np.random.default_rng(0)
    lat, lon = demo.spoiled_point("other_country", 48.9, 2.4, "FR", world, rng)
    others = {(c.lat, c.lon) for country in world.countries if country.code != "FR" for c in country.cities}
    assert (lat, lon) in others


def test_held_out_scenes_are_not_training_scenes(world):
    from training.demo_models import DemoPlan
    from training.synthetic.dataset import make_scene

    held_out = demo.held_out_scenes(world, 3)
    assert all(scene.split == "test" for scene in held_out)
    trained = make_scene(world, 0, DemoPlan().seed, demo.SCENE_SIZE, "train")
    assert trained.image.tobytes() != held_out[0].image.tobytes()


def test_sample_layer_claims_the_spoiled_points_and_truth_keeps_the_true_ones(demo_run, truth):
    import pyogrio

    layer = pyogrio.read_dataframe(demo_run.sample, layer=demo.PHOTOS_LAYER)
    assert list(layer["scene_id"]) == list(truth["scene_id"])
    assert np.allclose(layer.geometry.y, truth["claimed_lat"]) and np.allclose(layer.geometry.x, truth["claimed_lon"])
    spoiled = truth["spoil"].fillna("") != ""
    assert spoiled.sum() == round(demo.SPOIL_SHARE * SCENES)
    moved = haversine_km(truth["lat"], truth["lon"], truth["claimed_lat"], truth["claimed_lon"]) > 0
    assert np.array_equal(moved, spoiled.to_numpy())
    assert all((demo_run.sample.parent / path).is_file() for path in layer["image"])


def test_summary_json_holds_every_figure_the_issue_asks_for(demo_run):
    summary = json.loads(demo_run.summary.read_text(encoding="utf-8"))
    for key in SUMMARY_KEYS:
        assert key in summary
        assert summary[key] is None or 0.0 <= summary[key] <= 1.0 or key == "locatability_spearman"
    assert summary["n"] == SCENES
    assert summary["stage1_city_acc"] is not None


def test_audit_figures_count_the_flags_of_the_result_layer(demo_run, truth):
    summary = json.loads(demo_run.summary.read_text(encoding="utf-8"))
    results = demo.read_results(demo_run.results, truth)
    flagged = results["gr_flag"].fillna(0).to_numpy(int) == 1
    spoiled = truth["spoil"].fillna("").to_numpy(str) != ""
    assert summary["spoiled"] == spoiled.sum()
    assert summary["spoiled_flagged"] == (flagged & spoiled).sum()
    assert summary["audit_recall"] == pytest.approx((flagged & spoiled).sum() / spoiled.sum())
    assert summary["audit_false_flag_rate"] == pytest.approx((flagged & ~spoiled).sum() / (~spoiled).sum())


def test_every_scene_is_scored_and_eval_scores_it_against_the_true_points(demo_run, truth):
    results = demo.read_results(demo_run.results, truth)
    assert results["gr_loc"].between(0, 1).all()
    metrics = json.loads(demo_run.eval_json.read_text(encoding="utf-8"))
    assert metrics["total"] == SCENES


def test_stage1_run_stacks_only_the_first_adapter(demo_run, truth):
    full = demo.read_results(demo_run.results, truth)["gr_model"]
    stage1 = demo.read_results(demo_run.results_stage1, truth)["gr_model"]
    assert full.str.contains("2 LoRA").all()
    assert stage1.str.contains("1 LoRA").all()


def test_locatability_raster_maps_the_surveyed_city(demo_run):
    import rasterio

    with rasterio.open(demo_run.raster) as raster:
        grid = raster.read(1, masked=True)
        assert raster.res == (demo.SURVEY_CELL_M, demo.SURVEY_CELL_M)
    assert 0 < grid.count() <= SURVEY
    assert 0.0 <= grid.min() <= grid.max() <= 1.0


@pytest.mark.parametrize("name", ["world_map.png", "error_cdf.png", "locatability_map.png"])
def test_demo_draws_each_figure_as_a_png(demo_run, name):
    from PIL import Image

    with Image.open(demo_run.figures / name) as figure:
        assert figure.format == "PNG"
        assert figure.width >= 600 and figure.height >= 400
