"""Locatability raster: mean score per square cell of a local UTM grid."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer

from georeasoner.errors import GeoReasonerError
from georeasoner.locmap import NODATA, write_locatability_raster

# Three photos in central Lyon (UTM zone 31N): two a few metres apart, one ~1 km east.
LATS = [45.7640, 45.76402, 45.7640]
LONS = [4.8357, 4.83572, 4.8486]
SCORES = [0.2, 0.6, 0.9]


def _read(path):
    with rasterio.open(path) as src:
        return src.crs, src.res, src.nodata, src.dtypes[0], src.profile, src.read(1), src.transform


def _cell_value(path, lat, lon):
    with rasterio.open(path) as src:
        x, y = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True).transform(lon, lat)
        row, col = src.index(x, y)
        return src.read(1)[row, col]


def test_raster_is_in_the_utm_zone_of_the_points(tmp_path):
    out = tmp_path / "loc.tif"
    write_locatability_raster(LATS, LONS, SCORES, out)
    crs, *_ = _read(out)
    assert CRS(crs).is_projected
    assert CRS(crs).to_epsg() == 32631


def test_raster_cells_have_the_requested_size(tmp_path):
    out = tmp_path / "loc.tif"
    write_locatability_raster(LATS, LONS, SCORES, out, cell_m=250.0)
    _, res, *_ = _read(out)
    assert res == (250.0, 250.0)


def test_cell_holds_the_mean_score_of_its_points(tmp_path):
    out = tmp_path / "loc.tif"
    write_locatability_raster(LATS, LONS, SCORES, out, cell_m=50.0)
    assert _cell_value(out, LATS[0], LONS[0]) == pytest.approx(0.4, abs=1e-6)
    assert _cell_value(out, LATS[2], LONS[2]) == pytest.approx(0.9, abs=1e-6)


def test_cells_without_points_are_nodata(tmp_path):
    out = tmp_path / "loc.tif"
    write_locatability_raster(LATS, LONS, SCORES, out, cell_m=50.0)
    _, _, nodata, dtype, profile, band, _ = _read(out)
    assert nodata == NODATA
    assert dtype == "float32"
    assert profile["compress"] == "deflate"
    assert np.count_nonzero(band != NODATA) == 2
    assert band.size > 2


def test_points_without_location_or_score_are_skipped(tmp_path):
    out = tmp_path / "loc.tif"
    write_locatability_raster(LATS + [np.nan, 45.8], LONS + [4.9, 4.9], SCORES + [0.5, np.nan], out, cell_m=50.0)
    *_, band, _ = _read(out)
    assert np.count_nonzero(band != NODATA) == 2


def test_no_valid_points_is_a_clear_error(tmp_path):
    with pytest.raises(GeoReasonerError, match="nothing to map"):
        write_locatability_raster([np.nan], [4.8], [0.5], tmp_path / "loc.tif")
    assert not (tmp_path / "loc.tif").exists()


def test_extent_too_large_for_the_cell_size_asks_to_raise_cell(tmp_path):
    with pytest.raises(GeoReasonerError, match="raise --cell"):
        write_locatability_raster([45.0, 48.0], [2.0, 7.0], [0.1, 0.2], tmp_path / "loc.tif", cell_m=10.0)
    assert list(tmp_path.iterdir()) == []
