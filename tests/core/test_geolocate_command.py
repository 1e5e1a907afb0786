"""`georeasoner geolocate` and `georeasoner score` end to end, with the tiny models."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys

import pyogrio
import pytest

from georeasoner.cli import main
from georeasoner.schema import RESULT_FIELDS


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _photos(out):
    return pyogrio.read_dataframe(out, layer="photos")


@pytest.fixture(scope="module")
def geolocated(tiny_profile, tmp_path_factory):
    """(input layer, output GeoPackage, input hashes before the run) of one geolocate run."""
    from tests.conftest import make_photo_csv

    folder = tmp_path_factory.mktemp("geolocated")
    layer = make_photo_csv(folder)
    inputs = [layer, *sorted((layer.parent / "photos").iterdir())]
    before = {p: _sha(p) for p in inputs}
    out = folder / "out.gpkg"
    assert main(["geolocate", str(layer), "-o", str(out), "--profile", str(tiny_profile)]) == 0
    return layer, out, before


def test_geolocate_writes_every_result_field_for_every_photo(geolocated):
    _, out, _ = geolocated
    photos = _photos(out)
    assert len(photos) == 9
    assert set(RESULT_FIELDS) <= set(photos.columns)
    assert list(photos["gr_item"]) == list(range(9))
    assert {"name", "image"} <= set(photos.columns)


def test_geolocate_writes_predictions_and_audit_layers(geolocated):
    _, out, _ = geolocated
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"photos", "predictions", "audit"} <= layers
    photos = _photos(out)
    predicted = photos["gr_lat"].notna().sum()
    assert len(pyogrio.read_dataframe(out, layer="predictions")) == predicted
    claimed_and_predicted = (photos["gr_lat"].notna() & photos["gr_err_km"].notna()).sum()
    assert len(pyogrio.read_dataframe(out, layer="audit")) == claimed_and_predicted


def test_the_tiny_profile_answers_paris_for_every_good_photo(geolocated):
    _, out, _ = geolocated
    ok = _photos(out).query("gr_status == 'ok'")
    assert set(ok["gr_city"]) == {"Paris"} and set(ok["gr_cc"]) == {"FR"}
    assert ok["gr_lat"].between(48.7, 49.0).all() and ok["gr_lon"].between(2.2, 2.5).all()
    assert ok["gr_reason"].str.contains("Haussmann").all()
    assert len(pyogrio.read_dataframe(out, layer="predictions")) == 5


def test_a_confident_prediction_far_from_the_claimed_place_is_flagged(geolocated):
    _, out, _ = geolocated
    ok = _photos(out).query("gr_status == 'ok'").set_index("name")
    assert ok.loc["photo 0", "gr_err_km"] < 1  # claimed in Paris, predicted Paris
    assert ok.loc["photo 0", "gr_flag"] == 0
    assert (ok.loc[[f"photo {i}" for i in range(1, 5)], "gr_flag"] == 1).all()
    audit = pyogrio.read_dataframe(out, layer="audit")
    assert sorted(audit["gr_flag"]) == [0, 1, 1, 1, 1]


def test_bad_photos_become_error_rows_with_a_reason_and_the_job_goes_on(geolocated):
    _, out, _ = geolocated
    photos = _photos(out).set_index("name")
    assert (photos.loc[[f"photo {i}" for i in range(5)], "gr_status"] == "ok").all()
    for name, reason in (("missing", "not found"), ("empty", "empty"), ("text", "not an image"), ("cut", "truncated")):
        assert photos.loc[name, "gr_status"] == "error"
        assert reason in photos.loc[name, "gr_error"].lower()


def test_geolocate_leaves_the_input_layer_and_photos_byte_identical(geolocated):
    _, _, before = geolocated
    assert {p: _sha(p) for p in before} == before


def test_good_photos_get_locatability_confidence_and_model(geolocated):
    _, out, _ = geolocated
    ok = _photos(out).query("gr_status == 'ok'")
    assert ok["gr_loc"].between(0, 1).all()
    assert ok["gr_conf"].between(0, 1).all()
    assert (ok["gr_model"].str.startswith("tiny")).all()


def test_photos_under_the_minimum_locatability_are_low_loc_and_not_geolocated(photo_csv, tiny_profile, tmp_path):
    out = tmp_path / "out.gpkg"
    main(["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--min-loc", "1.01"])
    scored = _photos(out).query("gr_status != 'error'")
    assert (scored["gr_status"] == "low_loc").all()
    assert scored["gr_lat"].isna().all()
    assert scored["gr_loc"].notna().all()


def test_clip_engine_gives_a_gazetteer_city_for_every_good_photo(photo_csv, tiny_profile, tmp_path):
    out = tmp_path / "out.gpkg"
    main(["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--engine", "clip"])
    ok = _photos(out).query("gr_status == 'ok'")
    assert len(ok) == 5
    assert ok["gr_city"].notna().all() and ok["gr_cc"].str.len().eq(2).all()
    assert ok["gr_lat"].between(-90, 90).all()


def test_photos_over_the_pixel_limit_are_error_rows(photo_csv, tiny_profile, tmp_path):
    out = tmp_path / "out.gpkg"
    main(["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--max-pixels", "1000"])
    good = _photos(out).set_index("name").loc[[f"photo {i}" for i in range(5)]]
    assert (good["gr_status"] == "error").all()
    assert good["gr_error"].str.contains("too large").all()


def test_the_output_may_not_be_the_input(photo_csv, tiny_profile, capsys):
    assert main(["geolocate", str(photo_csv), "-o", str(photo_csv), "--profile", str(tiny_profile)]) == 2
    assert "output must be a new file" in capsys.readouterr().err


def test_an_unknown_profile_is_a_one_line_error(photo_csv, tmp_path, capsys):
    assert main(["geolocate", str(photo_csv), "-o", str(tmp_path / "o.gpkg"), "--profile", "nope"]) == 2
    assert "unknown model profile 'nope'" in capsys.readouterr().err


def test_json_events_report_start_progress_and_done(photo_csv, tiny_profile, tmp_path, capsys):
    out = tmp_path / "out.gpkg"
    main(["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--json", "--batch-size", "3"])
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0] == {"event": "start", "total": 9, "backend": "local"}
    assert [e["done"] for e in events if e["event"] == "progress"] == [3, 6, 9]
    assert events[-1]["event"] == "done" and events[-1]["output"] == str(out)
    assert events[-1]["summary"] == {"ok": 5, "low_loc": 0, "error": 4, "flagged": 4}


def test_resume_of_a_finished_job_reuses_every_result(photo_csv, tiny_profile, tmp_path, capsys):
    out = tmp_path / "out.gpkg"
    args = ["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--json"]
    main(args)
    first = _photos(out)
    capsys.readouterr()
    main(args + ["--resume"])
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    progress = [e for e in events if e["event"] == "progress"]
    assert len(progress) == 1 and progress[0]["done"] == 9  # everything skipped at once, no batch ran
    assert _photos(out)[list(RESULT_FIELDS)].equals(first[list(RESULT_FIELDS)])


def test_score_writes_locatability_and_a_projected_raster(photo_csv, tiny_profile, tmp_path):
    import rasterio

    out, tif = tmp_path / "scores.gpkg", tmp_path / "loc.tif"
    assert main(["score", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile),
                 "--raster", str(tif), "--cell", "500000"]) == 0
    photos = _photos(out)
    assert photos.query("gr_status == 'ok'")["gr_loc"].between(0, 1).all()
    assert photos["gr_lat"].isna().all()
    with rasterio.open(tif) as raster:
        assert raster.crs.is_projected
        assert raster.res == (500000.0, 500000.0)


def _many_photos_csv(tmp_path, n):
    from tests.conftest import write_street_photo

    folder = tmp_path / "many"
    folder.mkdir()
    lines = ["image,lat,lon"]
    for i in range(n):
        write_street_photo(folder / f"{i}.jpg", seed=i)
        lines.append(f"many/{i}.jpg,45.0,7.0")
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sigterm_stops_the_job_without_output_and_resume_finishes_it(tiny_profile, tmp_path):
    layer = _many_photos_csv(tmp_path, 120)
    out = tmp_path / "out.gpkg"
    cmd = [sys.executable, "-m", "georeasoner.cli", "geolocate", str(layer), "-o", str(out),
           "--profile", str(tiny_profile), "--json", "--batch-size", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if json.loads(line)["event"] == "progress":
            proc.send_signal(signal.SIGTERM)
            break
    rest = [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=60) != 0
    assert rest[-1]["event"] == "error" and "--resume" in rest[-1]["message"]
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp") or ".gpkg." in p and not p.endswith(".job")]
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0
    assert len(_photos(out)) == 120
