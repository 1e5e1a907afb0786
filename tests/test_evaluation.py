"""Evaluation metrics (georeasoner.evaluation) and the `georeasoner eval` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from georeasoner.cli import main
from georeasoner.errors import GeoReasonerError
from georeasoner.evaluation import accuracy_within, evaluate

NAN = float("nan")
PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
BERLIN = (52.5200, 13.4050)
WARSAW = (52.2297, 21.0122)
TOKYO = (35.6895, 139.6917)
OSAKA = (34.6937, 135.5023)
MADRID = (40.4168, -3.7038)
STREETVIEW_LABELS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "streetview_sample" / "labels.csv"


def _evaluate(pred: list[tuple[float, float]], truth: list[tuple[float, float]]) -> dict:
    pred_lat, pred_lon = np.array(pred, dtype=float).T
    true_lat, true_lon = np.array(truth, dtype=float).T
    return evaluate(pred_lat, pred_lon, true_lat, true_lon)


def _write_csv(path: Path, rows: list[dict]) -> str:
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def _truth_csv(tmp_path: Path) -> str:
    return _write_csv(
        tmp_path / "truth.csv",
        [{"photo": name, "lat": lat, "lon": lon} for name, (lat, lon) in (("p", PARIS), ("t", TOKYO), ("m", MADRID))],
    )


def _eval_json(tmp_path: Path, *argv: str) -> dict:
    out = tmp_path / "metrics.json"
    assert main(["eval", *argv, "--json", str(out)]) == 0
    return json.loads(out.read_text())


# --- metrics on arrays -------------------------------------------------------------------


def test_error_exactly_at_threshold_counts_as_correct():
    errors = np.array([25.0, np.nextafter(25.0, 26.0), 3.0, NAN])
    assert accuracy_within(errors, 25) == 0.5


def test_accuracy_thresholds_on_points_along_the_equator():
    # One degree of longitude on the equator is ~111.2 km.
    truth = [(0.0, 0.0)] * 5
    pred = [(0.0, 0.005), (0.0, 0.2), (0.0, 1.0), (0.0, 6.0), (0.0, 20.0)]  # ~0.6, 22, 111, 667, 2224 km
    metrics = _evaluate(pred, truth)
    assert metrics["acc_1km"] == pytest.approx(1 / 5)
    assert metrics["acc_25km"] == pytest.approx(2 / 5)
    assert metrics["acc_200km"] == pytest.approx(3 / 5)
    assert metrics["acc_750km"] == pytest.approx(4 / 5)
    assert metrics["acc_2500km"] == pytest.approx(1.0)
    assert metrics["median_km"] == pytest.approx(111.2, abs=0.2)


def test_abstentions_lower_accuracy_but_not_median_error():
    truth = [PARIS, PARIS, PARIS, PARIS]
    answered_only = _evaluate([PARIS, LYON], truth[:2])
    with_abstentions = _evaluate([PARIS, LYON, (NAN, NAN), (PARIS[0], NAN)], truth)
    assert with_abstentions["answered"] == 2
    assert with_abstentions["acc_25km"] == pytest.approx(answered_only["acc_25km"] / 2)
    assert with_abstentions["median_km"] == pytest.approx(answered_only["median_km"])
    assert with_abstentions["mean_km"] == pytest.approx(answered_only["mean_km"])


def test_geoscore_of_an_exact_answer_is_5000():
    assert _evaluate([TOKYO], [TOKYO])["geoscore"] == pytest.approx(5000.0)


def test_precision_recall_f1_follow_georeasoner_definition():
    # Answered 3 of 4; countries right for Paris and Tokyo, wrong for Berlin -> Warsaw.
    metrics = _evaluate([PARIS, WARSAW, OSAKA, (NAN, NAN)], [PARIS, BERLIN, TOKYO, MADRID])
    assert metrics["country_acc"] == pytest.approx(2 / 4)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(3 / 4)
    assert metrics["f1"] == pytest.approx(12 / 17)


def test_city_accuracy_needs_the_same_city_not_only_the_country():
    metrics = _evaluate([PARIS, LYON], [PARIS, PARIS])
    assert metrics["country_acc"] == 1.0
    assert metrics["city_acc"] == 0.5


def test_metrics_over_answered_rows_are_null_when_nothing_is_answered():
    metrics = _evaluate([(NAN, NAN)], [PARIS])
    assert metrics["acc_2500km"] == 0.0
    assert metrics["recall"] == 0.0
    assert [metrics[k] for k in ("median_km", "mean_km", "geoscore", "precision", "f1")] == [None] * 5


def test_truth_rows_without_coordinates_are_rejected():
    with pytest.raises(GeoReasonerError, match="truth rows have no coordinates"):
        _evaluate([PARIS], [(NAN, 2.0)])


# --- the `georeasoner eval` command -------------------------------------------------------


def test_eval_joins_files_on_id_whatever_the_row_order(tmp_path):
    truth = _truth_csv(tmp_path)
    pred = _write_csv(
        tmp_path / "pred.csv",
        [{"photo": "m", "lat": MADRID[0], "lon": MADRID[1]}, {"photo": "p", "lat": PARIS[0], "lon": PARIS[1]},
         {"photo": "t", "lat": TOKYO[0], "lon": TOKYO[1]}],
    )
    assert _eval_json(tmp_path, pred, "--truth", truth, "--id", "photo")["acc_1km"] == 1.0
    assert _eval_json(tmp_path, pred, "--truth", truth)["acc_1km"] == 0.0


def test_eval_by_row_order_rejects_files_of_different_lengths(tmp_path, capsys):
    pred = _write_csv(tmp_path / "pred.csv", [{"lat": PARIS[0], "lon": PARIS[1]}])
    assert main(["eval", pred, "--truth", _truth_csv(tmp_path)]) == 2
    assert "1 rows but" in capsys.readouterr().err


def test_eval_reads_predictions_from_gr_lat_gr_lon_by_default(tmp_path):
    # lat/lon hold the photos' claimed location; the predictions are in gr_lat/gr_lon.
    pred = _write_csv(
        tmp_path / "pred.csv",
        [{"lat": 0.0, "lon": 0.0, "gr_lat": lat, "gr_lon": lon} for lat, lon in (PARIS, TOKYO, MADRID)],
    )
    assert _eval_json(tmp_path, pred, "--truth", _truth_csv(tmp_path))["acc_1km"] == 1.0


def test_eval_geocodes_a_text_column_with_empty_text_as_abstention(tmp_path):
    pred = _write_csv(tmp_path / "pred.csv", [{"place": "Paris, France"}, {"place": "Tokyo, Japan"}, {"place": ""}])
    metrics = _eval_json(tmp_path, pred, "--truth", _truth_csv(tmp_path), "--pred-text", "place")
    assert metrics["answered"] == 2
    assert metrics["acc_25km"] == pytest.approx(2 / 3)


def test_eval_reads_the_photos_layer_of_a_geopackage(tmp_path):
    import geopandas as gpd

    pred = tmp_path / "results.gpkg"
    origin = gpd.points_from_xy([0] * 3, [0] * 3)
    decoy = gpd.GeoDataFrame({"gr_lat": [0.0] * 3, "gr_lon": [0.0] * 3}, geometry=origin, crs=4326)
    photos = gpd.GeoDataFrame(
        {"gr_lat": [PARIS[0], TOKYO[0], MADRID[0]], "gr_lon": [PARIS[1], TOKYO[1], MADRID[1]]},
        geometry=origin,
        crs=4326,
    )
    decoy.to_file(pred, layer="predictions", driver="GPKG")
    photos.to_file(pred, layer="photos", driver="GPKG")
    assert _eval_json(tmp_path, str(pred), "--truth", _truth_csv(tmp_path))["acc_1km"] == 1.0


def test_eval_takes_truth_from_point_geometry_of_a_geopackage(tmp_path):
    import geopandas as gpd

    truth = tmp_path / "truth.gpkg"
    lats, lons = [PARIS[0], TOKYO[0]], [PARIS[1], TOKYO[1]]
    points = gpd.GeoDataFrame({"name": ["p", "t"]}, geometry=gpd.points_from_xy(lons, lats), crs=4326)
    points.to_crs(3857).to_file(truth)
    pred = _write_csv(tmp_path / "pred.csv", [{"lat": PARIS[0], "lon": PARIS[1]}, {"lat": NAN, "lon": NAN}])
    metrics = _eval_json(tmp_path, pred, "--truth", str(truth))
    assert metrics["acc_1km"] == 0.5
    assert metrics["median_km"] == pytest.approx(0.0, abs=1e-6)


def test_eval_json_has_exactly_the_documented_keys(tmp_path):
    pred = _write_csv(tmp_path / "pred.csv", [{"lat": PARIS[0], "lon": PARIS[1]}] * 3)
    metrics = _eval_json(tmp_path, pred, "--truth", _truth_csv(tmp_path))
    assert list(metrics) == [
        "total", "answered", "acc_1km", "acc_25km", "acc_200km", "acc_750km", "acc_2500km", "median_km",
        "mean_km", "geoscore", "country_acc", "city_acc", "precision", "recall", "f1",
    ]


def test_eval_plot_writes_a_png_of_the_error_cdf(tmp_path):
    from PIL import Image

    rows = [{"lat": LYON[0], "lon": LYON[1]}, {"lat": NAN, "lon": NAN}, {"lat": 40.0, "lon": -3.0}]
    pred = _write_csv(tmp_path / "pred.csv", rows)
    plot = tmp_path / "cdf.png"
    assert main(["eval", pred, "--truth", _truth_csv(tmp_path), "--plot", str(plot)]) == 0
    with Image.open(plot) as image:
        assert image.format == "PNG"
        assert image.width > 300 and image.height > 200


def test_eval_prints_the_table_with_the_abstention_note(tmp_path, capsys):
    rows = [{"lat": PARIS[0], "lon": PARIS[1]}, {"lat": NAN, "lon": NAN}, {"lat": NAN, "lon": NAN}]
    pred = _write_csv(tmp_path / "pred.csv", rows)
    assert main(["eval", pred, "--truth", _truth_csv(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "3 rows, 1 answered" in table
    assert "within    1 km" in table and "33.3%" in table
    assert "the 2 abstentions (rows without a prediction) count as wrong" in table
    assert "Precision = country accuracy over answered rows" in table


def test_eval_names_the_available_columns_when_one_is_missing(tmp_path, capsys):
    pred = _write_csv(tmp_path / "pred.csv", [{"y": 1.0, "x": 2.0}] * 3)
    assert main(["eval", pred, "--truth", _truth_csv(tmp_path)]) == 2
    assert "--pred-lat COL --pred-lon COL (columns: y, x)" in capsys.readouterr().err


@pytest.mark.shared_data
@pytest.mark.skipif(not STREETVIEW_LABELS.exists(), reason="../shared/data is absent")
def test_streetview_labels_evaluated_against_themselves_are_perfect(tmp_path):
    labels = str(STREETVIEW_LABELS)
    metrics = _eval_json(tmp_path, labels, "--truth", labels, "--id", "image")
    assert metrics["total"] == metrics["answered"] == len(pd.read_csv(labels))
    shares = ("acc_1km", "acc_25km", "acc_200km", "acc_750km", "acc_2500km")
    shares += ("country_acc", "city_acc", "precision", "recall", "f1")
    assert {key: metrics[key] for key in shares} == dict.fromkeys(shares, 1.0)
