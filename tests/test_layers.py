"""Reading photo layers in chunks and writing the result GeoPackage."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from georeasoner.errors import GeoReasonerError
from georeasoner.layers import open_photo_layer, read_result_records, write_results
from georeasoner.schema import RESULT_FIELDS, empty_record, error_record


def write_layer(path: Path, columns: dict, geometry: list, crs: str | None = "EPSG:4326", **options) -> Path:
    frame = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)
    pyogrio.write_dataframe(frame, path, **options)
    return path


def street_layer(tmp_path: Path, rows: int = 4) -> Path:
    """A GeoPackage of ``rows`` photos in Paris (EPSG:4326), image paths relative to the file."""
    return write_layer(
        tmp_path / "streets.gpkg",
        {"name": [f"photo {i}" for i in range(rows)], "image": [f"img/{i}.jpg" for i in range(rows)]},
        [shapely.Point(2.35 + i / 100, 48.85) for i in range(rows)],
    )


def predicted(ids, located=lambda item_id: item_id % 2 == 0) -> list[dict]:
    """Records as the pipeline makes them: even ids located in Lyon, odd ones failed."""
    records = []
    for item_id in ids:
        if not located(item_id):
            records.append(error_record(item_id, "file not found: x.jpg", "demo"))
            continue
        record = empty_record(item_id)
        record.update(gr_status="ok", gr_loc=0.8, gr_country="France", gr_cc="FR", gr_city="Lyon",
                      gr_lat=45.76, gr_lon=4.84, gr_conf=0.7, gr_reason="French signs",
                      gr_err_km=392.0, gr_flag=1, gr_model="demo")
        records.append(record)
    return records


def all_items(layer, chunk_size=1000):
    return [item for _, items in layer.iter_chunks(chunk_size) for item in items]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- reading ---------------------------------------------------------------------------------


def test_image_field_is_detected_from_values_with_image_extensions(tmp_path):
    path = write_layer(tmp_path / "a.gpkg", {"note": ["x", "y"], "ref": ["a.JPG", "b.png"]}, [None, None])
    assert open_photo_layer(path).image_field == "ref"


def test_image_field_is_detected_from_its_name_when_values_have_no_extension(tmp_path):
    path = write_layer(tmp_path / "a.gpkg", {"note": ["x", "y"], "photo_path": ["cam/1", "cam/2"]}, [None, None])
    assert open_photo_layer(path).image_field == "photo_path"


def test_ambiguous_image_field_asks_for_image_field_option(tmp_path):
    path = write_layer(tmp_path / "a.gpkg", {"left": ["a.jpg", "b.jpg"], "right": ["c.jpg", "d.jpg"]}, [None, None])
    with pytest.raises(GeoReasonerError, match="--image-field"):
        open_photo_layer(path)


def test_named_image_field_must_exist(tmp_path):
    with pytest.raises(GeoReasonerError, match="no field 'picture'"):
        open_photo_layer(street_layer(tmp_path), image_field="picture")


def test_relative_image_paths_resolve_against_the_layer_file(tmp_path):
    path = street_layer(tmp_path)
    items = all_items(open_photo_layer(path))
    assert items[1].path == str(tmp_path / "img" / "1.jpg")


def test_absolute_image_paths_stay_as_they_are(tmp_path):
    path = write_layer(tmp_path / "a.gpkg", {"image": ["/data/photos/a.jpg"]}, [shapely.Point(0, 0)])
    assert all_items(open_photo_layer(path))[0].path == "/data/photos/a.jpg"


def test_claimed_point_is_reprojected_to_wgs84(tmp_path):
    # Web Mercator metres of 48.8566 N, 2.3522 E (Paris).
    path = write_layer(
        tmp_path / "a.gpkg", {"image": ["a.jpg"]}, [shapely.Point(261845.7, 6250564.3)], crs="EPSG:3857"
    )
    item = all_items(open_photo_layer(path))[0]
    assert item.claimed_lat == pytest.approx(48.8566, abs=1e-4)
    assert item.claimed_lon == pytest.approx(2.3522, abs=1e-4)


def test_null_geometry_means_no_claimed_location(tmp_path):
    path = write_layer(tmp_path / "a.gpkg", {"image": ["a.jpg", "b.jpg"]}, [shapely.Point(1, 2), None])
    first, second = all_items(open_photo_layer(path))
    assert first.has_claim and (first.claimed_lat, first.claimed_lon) == (2, 1)
    assert not second.has_claim


def test_non_point_geometry_means_no_claimed_location(tmp_path):
    path = write_layer(
        tmp_path / "a.gpkg", {"image": ["a.jpg"]}, [shapely.LineString([(0, 0), (1, 1)])], geometry_type="Unknown"
    )
    assert not all_items(open_photo_layer(path))[0].has_claim


def test_csv_layer_takes_claims_from_named_lat_lon_columns(tmp_path):
    csv = tmp_path / "photos.csv"
    csv.write_text("file,y_deg,x_deg\nimg/a.jpg,40.4,-3.7\nimg/b.jpg,,\n")
    layer = open_photo_layer(csv, lat="y_deg", lon="x_deg")
    first, second = all_items(layer)
    assert (first.claimed_lat, first.claimed_lon) == (40.4, -3.7)
    assert first.path == str(tmp_path / "img" / "a.jpg")
    assert not second.has_claim


def test_csv_layer_uses_lat_lon_columns_by_default(tmp_path):
    csv = tmp_path / "photos.csv"
    csv.write_text("image;lat;lon\na.jpg;51.5;-0.1\n")
    item = all_items(open_photo_layer(csv))[0]
    assert (item.claimed_lat, item.claimed_lon) == (51.5, -0.1)


def test_csv_lat_column_named_but_missing_is_an_error(tmp_path):
    csv = tmp_path / "photos.csv"
    csv.write_text("image,lat,lon\na.jpg,1,2\n")
    with pytest.raises(GeoReasonerError, match="no column 'latitude' for --lat"):
        open_photo_layer(csv, lat="latitude")


def test_streaming_in_chunks_gives_every_row_exactly_once(tmp_path):
    layer = open_photo_layer(street_layer(tmp_path, rows=23))
    chunks = list(layer.iter_chunks(5))
    assert layer.count == 23
    assert [len(frame) for frame, _ in chunks] == [5, 5, 5, 5, 3]
    assert [item.id for _, items in chunks for item in items] == list(range(23))
    assert [name for frame, _ in chunks for name in frame["name"]] == [f"photo {i}" for i in range(23)]


@pytest.mark.parametrize("suffix", [".shp", ".geojson"])
def test_shapefile_and_geojson_layers_are_read(tmp_path, suffix):
    path = write_layer(tmp_path / f"photos{suffix}", {"image": ["a.jpg", "b.jpg"]}, [shapely.Point(5, 6), None])
    layer = open_photo_layer(path)
    items = all_items(layer)
    assert layer.count == 2
    assert [(item.claimed_lat, item.claimed_lon) for item in items] == [(6, 5), (None, None)]


def test_file_with_several_layers_needs_a_layer_name(tmp_path):
    path = street_layer(tmp_path)
    write_layer(path, {"image": ["z.jpg"]}, [shapely.Point(0, 0)], layer="other")
    with pytest.raises(GeoReasonerError, match="--layer"):
        open_photo_layer(path)
    assert open_photo_layer(path, layer="other").count == 1


def test_shared_streetview_labels_read_as_csv_layer(shared_data):
    labels = shared_data / "streetview_sample" / "labels.csv"
    layer = open_photo_layer(labels, image_field="image", lat="lat", lon="lon")
    items = all_items(layer, chunk_size=20)
    assert layer.count == len(items) == 71
    assert all(Path(item.path).is_absolute() and Path(item.path).is_file() for item in items)
    assert all(item.has_claim for item in items)


# --- writing ---------------------------------------------------------------------------------


def test_write_results_writes_photos_predictions_and_audit_layers(tmp_path):
    layer = open_photo_layer(street_layer(tmp_path, rows=4))
    out = tmp_path / "out.gpkg"
    write_results(layer, predicted, out, chunk_size=3)
    photos = pyogrio.read_dataframe(out, layer="photos")
    predictions = pyogrio.read_dataframe(out, layer="predictions")
    audit = pyogrio.read_dataframe(out, layer="audit")
    assert list(photos.columns) == ["name", "image", *RESULT_FIELDS, "geometry"]
    assert photos["gr_item"].tolist() == [0, 1, 2, 3]
    assert photos["gr_status"].tolist() == ["ok", "error", "ok", "error"]
    assert photos.geometry[1].equals(shapely.Point(2.36, 48.85))
    assert predictions["gr_item"].tolist() == [0, 2]
    assert set(predictions.columns) == {"image", *RESULT_FIELDS, "geometry"}
    assert predictions.geometry[0].equals(shapely.Point(4.84, 45.76))
    assert list(audit.columns) == ["gr_item", "gr_err_km", "gr_flag", "gr_conf", "gr_cc_conf", "gr_country", "gr_city", "geometry"]
    assert audit.geometry[1].equals(shapely.LineString([(2.37, 48.85), (4.84, 45.76)]))


def test_result_fields_are_typed_and_none_stays_null(tmp_path):
    out = tmp_path / "out.gpkg"
    write_results(open_photo_layer(street_layer(tmp_path, rows=2)), predicted, out)
    info = pyogrio.read_info(out, layer="photos")
    dtypes = dict(zip(info["fields"], info["dtypes"]))
    assert (dtypes["gr_item"], dtypes["gr_flag"], dtypes["gr_lat"], dtypes["gr_city"]) == (
        "int64", "int64", "float64", "object"
    )
    failed = pyogrio.read_dataframe(out, layer="photos", where="gr_item = 1")
    assert failed[["gr_lat", "gr_city", "gr_flag"]].isna().all(axis=None)


def test_layers_without_rows_still_exist_with_their_schema(tmp_path):
    out = tmp_path / "out.gpkg"
    write_results(open_photo_layer(street_layer(tmp_path)), lambda ids: predicted(ids, lambda _: False), out)
    for name, geometry_type in [("predictions", "Point"), ("audit", "LineString")]:
        info = pyogrio.read_info(out, layer=name)
        assert info["features"] == 0
        assert info["geometry_type"] == geometry_type
        assert "gr_flag" in info["fields"]


def test_photos_layer_keeps_the_input_crs(tmp_path):
    path = write_layer(tmp_path / "m.gpkg", {"image": ["a.jpg"]}, [shapely.Point(261845.7, 6250564.3)], crs="EPSG:3857")
    out = tmp_path / "out.gpkg"
    write_results(open_photo_layer(path), predicted, out)
    assert pyogrio.read_info(out, layer="photos")["crs"] == "EPSG:3857"
    assert pyogrio.read_info(out, layer="audit")["crs"] == "EPSG:4326"


def test_csv_photos_layer_gets_points_from_lat_lon(tmp_path):
    csv = tmp_path / "photos.csv"
    csv.write_text("image,lat,lon\na.jpg,40.4,-3.7\nb.jpg,,\n")
    out = tmp_path / "out.gpkg"
    write_results(open_photo_layer(csv), predicted, out)
    photos = pyogrio.read_dataframe(out, layer="photos")
    assert photos.crs == "EPSG:4326"
    assert photos.geometry[0].equals(shapely.Point(-3.7, 40.4))
    assert photos.geometry[1] is None


def test_writing_results_leaves_the_input_byte_identical(tmp_path):
    path = street_layer(tmp_path)
    before = sha256(path)
    write_results(open_photo_layer(path), predicted, tmp_path / "out.gpkg")
    assert sha256(path) == before


def test_output_that_is_the_input_is_refused(tmp_path):
    path = street_layer(tmp_path)
    with pytest.raises(GeoReasonerError, match="is the input layer"):
        write_results(open_photo_layer(path), predicted, path)


def test_failure_while_writing_leaves_no_output_and_no_temp_file(tmp_path):
    layer = open_photo_layer(street_layer(tmp_path, rows=6))

    def lookup_failing_on_second_chunk(ids):
        if ids[0] > 0:
            raise RuntimeError("worker lost")
        return predicted(ids)

    with pytest.raises(RuntimeError, match="worker lost"):
        write_results(layer, lookup_failing_on_second_chunk, tmp_path / "out.gpkg", chunk_size=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streets.gpkg"]


def test_failed_rewrite_keeps_the_previous_output(tmp_path):
    layer = open_photo_layer(street_layer(tmp_path))
    out = tmp_path / "out.gpkg"
    write_results(layer, predicted, out)
    before = sha256(out)
    with pytest.raises(ValueError, match="one record per requested item"):
        write_results(layer, lambda ids: predicted(ids)[:-1], out)
    assert sha256(out) == before


def test_result_records_read_back_in_chunks(tmp_path):
    out = tmp_path / "out.gpkg"
    write_results(open_photo_layer(street_layer(tmp_path, rows=5)), predicted, out)
    chunks = list(read_result_records(out, chunk_size=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    records = [record for chunk in chunks for record in chunk]
    assert records == predicted(range(5))
