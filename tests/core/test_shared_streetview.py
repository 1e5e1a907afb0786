"""The Core issue's acceptance run: the 71 real street-view photos of ../shared/data."""

import json

import pyogrio

from georeasoner.cli import main
from georeasoner.evaluation import METRIC_KEYS
from georeasoner.schema import RESULT_FIELDS


def test_geolocate_and_eval_on_the_shared_street_views(shared_data, tiny_profile, tmp_path, capsys):
    labels = shared_data / "streetview_sample" / "labels.csv"
    out = tmp_path / "sv.gpkg"
    assert main(["geolocate", str(labels), "-o", str(out), "--image-field", "image",
                 "--profile", str(tiny_profile), "--batch-size", "16"]) == 0
    photos = pyogrio.read_dataframe(out, layer="photos")
    assert len(photos) == 71
    assert set(RESULT_FIELDS) <= set(photos.columns)
    assert (photos["gr_status"] == "ok").all()
    assert photos[["gr_loc", "gr_country", "gr_cc", "gr_city", "gr_lat", "gr_lon", "gr_conf", "gr_reason",
                   "gr_err_km", "gr_flag", "gr_model"]].notna().all().all()
    assert len(pyogrio.read_dataframe(out, layer="predictions")) == 71
    assert len(pyogrio.read_dataframe(out, layer="audit")) == 71

    capsys.readouterr()
    metrics_file = tmp_path / "m.json"
    assert main(["eval", str(out), "--truth", str(labels), "--json", str(metrics_file)]) == 0
    table = capsys.readouterr().out
    for row in ("within    1 km", "within 2500 km", "median error", "mean GeoScore", "country accuracy",
                "city accuracy", "precision", "recall", "F1", "abstentions"):
        assert row in table
    metrics = json.loads(metrics_file.read_text())
    assert list(metrics) == list(METRIC_KEYS)
    assert metrics["total"] == metrics["answered"] == 71
