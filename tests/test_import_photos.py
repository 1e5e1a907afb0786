"""``georeasoner import-photos``: a point layer from the EXIF GPS tags of a folder of photos."""

from __future__ import annotations

import argparse
from pathlib import Path

import pyogrio
import pytest
import shapely

from georeasoner.commands import import_photos
from georeasoner.errors import GeoReasonerError
from georeasoner.exif import read_photo_gps
from georeasoner.layers import open_photo_layer
from tests.fixtures_images import gps_exif, write_jpeg


def run_import(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    import_photos.add_parser(parser.add_subparsers(), "import-photos")
    return import_photos.run(parser.parse_args(["import-photos", *argv]))


def test_gps_position_altitude_direction_and_time_are_imported(tmp_path):
    exif = gps_exif(48.8584, 2.2945, altitude=35.5, direction=271.25, taken_at="2023:06:01 14:30:05", offset="+02:00")
    write_jpeg(tmp_path / "photos" / "tower.jpg", exif)
    out = tmp_path / "photos.gpkg"
    assert run_import(str(tmp_path / "photos"), "-o", str(out)) == 0
    row = pyogrio.read_dataframe(out, layer="photos").iloc[0]
    assert row.geometry.x == pytest.approx(2.2945, abs=1e-6)
    assert row.geometry.y == pytest.approx(48.8584, abs=1e-6)
    assert (row["gps_alt"], row["gps_dir"], row["taken_at"]) == (35.5, 271.25, "2023-06-01T14:30:05+02:00")


def test_southern_and_western_references_give_negative_coordinates(tmp_path):
    photo = write_jpeg(tmp_path / "rio.jpg", gps_exif(-22.9519, -43.2105, altitude=-12.0))
    gps = read_photo_gps(photo)
    assert gps.lat == pytest.approx(-22.9519, abs=1e-6)
    assert gps.lon == pytest.approx(-43.2105, abs=1e-6)
    assert gps.altitude == -12.0


def test_photos_without_gps_stay_as_rows_without_geometry_and_are_reported(tmp_path, capsys):
    write_jpeg(tmp_path / "photos" / "a.jpg", gps_exif(10.0, 20.0))
    write_jpeg(tmp_path / "photos" / "b.jpg")
    out = tmp_path / "photos.gpkg"
    run_import(str(tmp_path / "photos"), "-o", str(out))
    photos = pyogrio.read_dataframe(out, layer="photos")
    assert photos["image"].tolist() == ["photos/a.jpg", "photos/b.jpg"]
    assert photos.geometry[1] is None
    captured = capsys.readouterr()
    assert "1 with a GPS location, 1 without" in captured.out
    assert str(tmp_path / "photos" / "b.jpg") in captured.err


def test_folder_is_walked_recursively_with_paths_relative_to_the_output(tmp_path):
    for name in ("2021/day1/x.jpg", "2022/y.JPG", "z.jpeg"):
        write_jpeg(tmp_path / "in" / name, gps_exif(1.0, 2.0))
    (tmp_path / "in" / "notes.txt").write_text("not a photo")
    out = tmp_path / "results" / "photos.gpkg"
    out.parent.mkdir()
    run_import(str(tmp_path / "in"), "-o", str(out))
    images = pyogrio.read_dataframe(out, layer="photos")["image"].tolist()
    assert images == ["../in/z.jpeg", "../in/2021/day1/x.jpg", "../in/2022/y.JPG"]


def test_imported_layer_opens_as_a_photo_layer_with_claims_and_existing_paths(tmp_path):
    photo = write_jpeg(tmp_path / "photos" / "a.jpg", gps_exif(35.6586, 139.7454))
    out = tmp_path / "photos.gpkg"
    run_import(str(tmp_path / "photos"), "-o", str(out))
    layer = open_photo_layer(out)
    (_, [item]), = layer.iter_chunks(10)
    assert layer.image_field == "image"
    assert item.path == str(photo)
    assert (item.claimed_lat, item.claimed_lon) == pytest.approx((35.6586, 139.7454), abs=1e-6)


def test_existing_output_is_kept_without_overwrite(tmp_path):
    write_jpeg(tmp_path / "photos" / "a.jpg", gps_exif(1.0, 2.0))
    out = tmp_path / "photos.gpkg"
    out.write_bytes(b"precious")
    with pytest.raises(GeoReasonerError, match="--overwrite"):
        run_import(str(tmp_path / "photos"), "-o", str(out))
    assert out.read_bytes() == b"precious"
    assert run_import(str(tmp_path / "photos"), "-o", str(out), "--overwrite") == 0
    assert pyogrio.read_dataframe(out, layer="photos").geometry[0].equals(shapely.Point(2.0, 1.0))


def test_folder_without_photos_is_an_error_and_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GeoReasonerError, match="no photos in"):
        run_import(str(tmp_path / "empty"), "-o", str(tmp_path / "photos.gpkg"))
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_unreadable_photo_is_kept_without_location(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "broken.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "photos.gpkg"
    run_import(str(tmp_path / "photos"), "-o", str(out))
    photos = pyogrio.read_dataframe(out, layer="photos")
    assert photos["image"].tolist() == ["photos/broken.jpg"]
    assert photos.geometry[0] is None
    assert Path(tmp_path / "photos" / "broken.jpg").read_bytes() == b"not a jpeg"
